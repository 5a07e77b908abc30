/**
 * Which send failed first each time a node lost its link, from the shards' `first-failed-send`
 * events: a lost lease waits for the metaclient's 60 s re-send, so the nodes whose lease failed
 * first (or was unanswered when the link died) are the ones kube-controller-manager marks Unknown.
 */
import type { FailedSendKind } from '../model/shard-events.js';

export interface FirstFailedSend {
  node: string;
  send: FailedSendKind;
  /** `operation type` of the lost message, e.g. `update lease`. */
  detail: string;
  leasePending: boolean;
  atMs: number;
}

export class FirstFailedSends {
  private readonly all: FirstFailedSend[] = [];
  private readonly counts: Record<FailedSendKind, number> = { keepalive: 0, lease: 0, other: 0 };

  add(e: FirstFailedSend): void {
    this.all.push(e);
    this.counts[e.send] += 1;
  }

  /** Link losses noticed so far, by the send that noticed them. */
  get totals(): Readonly<Record<FailedSendKind, number>> {
    return this.counts;
  }

  /** Each node's first failed send at or after `sinceMs` (one per node: the loss that outage started with). */
  since(sinceMs: number): Map<string, FirstFailedSend> {
    const out = new Map<string, FirstFailedSend>();
    for (let i = this.all.length - 1; i >= 0; i--) {
      const e = this.all[i]!;
      if (e.atMs < sinceMs) continue;
      const seen = out.get(e.node);
      if (!seen || e.atMs <= seen.atMs) out.set(e.node, e);
    }
    return out;
  }
}

/** A node whose lease is lost or left unanswered by the outage: predicted to turn Unknown. */
export function predictsUnknown(e: FirstFailedSend | undefined): boolean {
  return e !== undefined && (e.send === 'lease' || e.leasePending);
}
