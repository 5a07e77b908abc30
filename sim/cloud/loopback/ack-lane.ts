/**
 * One node's ACK lane, with cloudcore's semantics (cloud/pkg/cloudhub/session/node_session.go,
 * common/message_pool.go; protocol doc §7): keyed by object uid, only the newest message per
 * object kept, stop-and-wait with one message in flight, resent with the same msg_id every
 * `resendIntervalMs` up to `maxSends` sends, then handed to a per-item exponential rate limiter
 * (5 ms doubling, capped) while the lane moves on. All waiting runs on the shared TimerHeap.
 */
import type { TimerHeap, TimerTarget } from './timer-heap.js';

export interface LaneMessage {
  uid: string;
  msgId: string;
  /** Numeric resourceVersion (0 when the message carries none). */
  rv: number;
  operation: string;
  resource: string;
  /** The encoded wire text (sent as is on every attempt, so the msg_id never changes). */
  text: string;
  /** Deletes and query replies skip RV admission. */
  alwaysAdmit: boolean;
}

export interface AckLaneConfig {
  resendIntervalMs: number;
  maxSends: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export const CLOUDCORE_ACK_LANE: AckLaneConfig = {
  resendIntervalMs: 5_000,
  maxSends: 5,
  retryBaseMs: 5,
  retryMaxMs: 1_000_000,
};

export interface AckLaneHost {
  /** Put `text` on the wire; false if the socket is gone. */
  write(text: string, operation: string): void;
  /** The ObjectSync RV for `uid` on this node, or undefined when there is none. */
  syncedRv(uid: string): number | undefined;
  /** First dispatch of an object to this node: create its ObjectSync at RV 0. */
  createSync(m: LaneMessage): void;
  onAcked(m: LaneMessage, latencyMs: number): void;
  onResend(m: LaneMessage): void;
  onGiveUp(m: LaneMessage): void;
  onRejected(m: LaneMessage): void;
  onCoalesced(m: LaneMessage): void;
}

interface InFlight {
  m: LaneMessage;
  sends: number;
  firstSentAt: number;
  gen: number;
}

export class AckLane implements TimerTarget {
  /** uid → newest message (the message store). */
  private readonly store = new Map<string, LaneMessage>();
  /** uids ready to send, FIFO, each once (the workqueue). */
  private readonly ready = new Set<string>();
  /** uid → consecutive give-ups (the rate limiter's per-item failures) and when it may go again. */
  private readonly backoff = new Map<string, { failures: number; readyAt: number }>();
  private inFlight: InFlight | undefined;
  private gen = 0;
  private closed = false;

  constructor(
    private readonly host: AckLaneHost,
    private readonly timers: TimerHeap,
    private readonly config: AckLaneConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Messages stored (queued, in flight or waiting for a rate-limited retry). */
  get pending(): number {
    return this.store.size;
  }

  get inFlightMsgId(): string | undefined {
    return this.inFlight?.m.msgId;
  }

  has(uid: string): boolean {
    return this.store.has(uid);
  }

  /** Admit `m` as cloudcore's dispatcher does; returns whether it was queued. */
  enqueue(m: LaneMessage): boolean {
    if (this.closed) return false;
    const stored = this.store.get(m.uid);
    if (!m.alwaysAdmit) {
      if (stored) {
        if (m.rv <= stored.rv) {
          this.host.onRejected(m);
          return false;
        }
      } else {
        const synced = this.host.syncedRv(m.uid);
        if (synced === undefined) this.host.createSync(m);
        else if (m.rv <= synced) {
          this.host.onRejected(m);
          return false;
        }
      }
    }
    if (stored && stored !== this.inFlight?.m) this.host.onCoalesced(stored);
    this.store.set(m.uid, m);
    this.ready.add(m.uid);
    this.pump();
    return true;
  }

  /** An ACK (`response` whose parent_msg_id is `parentId`). True when it completed the in-flight message. */
  ack(parentId: string): boolean {
    const f = this.inFlight;
    if (!f || f.m.msgId !== parentId) return false;
    this.inFlight = undefined;
    this.gen++;
    if (this.store.get(f.m.uid) === f.m) this.store.delete(f.m.uid);
    this.backoff.delete(f.m.uid);
    this.host.onAcked(f.m, this.now() - f.firstSentAt);
    this.pump();
    return true;
  }

  /** The session ended: the pool is discarded, in-flight included (cloudcore does the same). */
  close(): void {
    this.closed = true;
    this.inFlight = undefined;
    this.store.clear();
    this.ready.clear();
    this.backoff.clear();
  }

  onTimer(now: number, tag: number, key: string | undefined): void {
    if (this.closed) return;
    if (key !== undefined) {
      // A rate-limited item's wait is over.
      const b = this.backoff.get(key);
      if (!b || b.readyAt > now || !this.store.has(key) || this.inFlight?.m.uid === key) return;
      this.ready.add(key);
      this.pump();
      return;
    }
    const f = this.inFlight;
    if (!f || tag !== f.gen) return;
    if (f.sends < this.config.maxSends) {
      f.sends++;
      this.host.write(f.m.text, f.m.operation);
      this.host.onResend(f.m);
      this.timers.schedule(now + this.config.resendIntervalMs, this, f.gen);
      return;
    }
    // No ACK after maxSends: AddRateLimited, then serve the next object.
    this.inFlight = undefined;
    this.gen++;
    const prev = this.backoff.get(f.m.uid);
    const failures = (prev?.failures ?? 0) + 1;
    const delay = Math.min(this.config.retryBaseMs * 2 ** (failures - 1), this.config.retryMaxMs);
    this.backoff.set(f.m.uid, { failures, readyAt: now + delay });
    this.timers.schedule(now + delay, this, 0, f.m.uid);
    this.host.onGiveUp(f.m);
    this.pump();
  }

  private pump(): void {
    while (!this.inFlight && !this.closed && this.ready.size > 0) {
      const uid = this.ready.values().next().value as string;
      this.ready.delete(uid);
      const m = this.store.get(uid);
      if (!m) continue;
      const gen = ++this.gen;
      this.inFlight = { m, sends: 1, firstSentAt: this.now(), gen };
      this.host.write(m.text, m.operation);
      this.timers.schedule(this.now() + this.config.resendIntervalMs, this, gen);
    }
  }
}
