/**
 * The last time each node's hub link came up and went down, from the shards' `link` events: two
 * numbers per node in flat arrays, so "has every node of this group reconnected since t?" is one
 * pass over a range, with no per-node objects.
 */
import type { ShardEvent } from '../fleet/ipc-messages.js';
import type { NodeRange } from './scenario-loader.js';

export class LinkTracker {
  private readonly lastUp: Float64Array;
  private readonly lastDown: Float64Array;
  private readonly prefixLength: number;

  constructor(nodes: number, namePrefix: string) {
    this.lastUp = new Float64Array(nodes);
    this.lastDown = new Float64Array(nodes);
    this.prefixLength = namePrefix.length + 1;
  }

  onShardEvents(events: readonly ShardEvent[]): void {
    for (const e of events) {
      if (e.kind !== 'link') continue;
      const i = Number(e.node.slice(this.prefixLength));
      if (!Number.isInteger(i) || i < 0 || i >= this.lastUp.length) continue;
      if (e.up) this.lastUp[i] = Math.max(this.lastUp[i]!, e.atMs);
      else this.lastDown[i] = Math.max(this.lastDown[i]!, e.atMs);
    }
  }

  /** Nodes of `range` whose link is up and came up after `sinceMs`. */
  upSince(range: NodeRange, sinceMs: number): number {
    let n = 0;
    for (let i = range.first; i < range.first + range.count; i++) {
      if (this.lastUp[i]! >= sinceMs && this.lastUp[i]! >= this.lastDown[i]!) n++;
    }
    return n;
  }

  /** Nodes of `range` whose link went down after `sinceMs` (and is still down). */
  downSince(range: NodeRange, sinceMs: number): number {
    let n = 0;
    for (let i = range.first; i < range.first + range.count; i++) {
      if (this.lastDown[i]! >= sinceMs && this.lastDown[i]! > this.lastUp[i]!) n++;
    }
    return n;
  }

  /** Nodes of `range` whose link is up now (its last event was an up). */
  upNow(range: NodeRange): number {
    let n = 0;
    for (let i = range.first; i < range.first + range.count; i++) if (this.lastUp[i]! > 0 && this.lastUp[i]! >= this.lastDown[i]!) n++;
    return n;
  }

  /** Latest link-up time in `range` (the moment the last node came back). */
  latestUp(range: NodeRange): number {
    let t = 0;
    for (let i = range.first; i < range.first + range.count; i++) t = Math.max(t, this.lastUp[i]!);
    return t;
  }
}
