/**
 * Keepalive deadlines for all sessions, as cloudcore's per-session 30 s timer
 * (cloud/pkg/cloudhub/session/node_session.go) but without a timer per node: every deadline is
 * `touch time + timeout`, so a Map re-inserted on each touch stays ordered by deadline and one
 * TimerHeap entry (for the head) is enough.
 */
import type { TimerHeap, TimerTarget } from './timer-heap.js';

export class KeepaliveWatch<K> implements TimerTarget {
  private readonly deadlines = new Map<K, number>();
  private scheduledAt = Infinity;

  constructor(
    private readonly timers: TimerHeap,
    private readonly timeoutMs: number,
    private readonly onExpired: (key: K) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.deadlines.size;
  }

  /** Start or restart `key`'s timeout. */
  touch(key: K): void {
    const at = this.now() + this.timeoutMs;
    this.deadlines.delete(key);
    this.deadlines.set(key, at);
    if (this.scheduledAt === Infinity) this.scheduleHead();
  }

  remove(key: K): void {
    this.deadlines.delete(key);
  }

  onTimer(now: number): void {
    this.scheduledAt = Infinity;
    const expired: K[] = [];
    for (const [key, at] of this.deadlines) {
      if (at > now) break;
      expired.push(key);
    }
    for (const key of expired) {
      this.deadlines.delete(key);
      this.onExpired(key);
    }
    this.scheduleHead();
  }

  private scheduleHead(): void {
    const head = this.deadlines.values().next();
    if (head.done) return;
    this.scheduledAt = head.value;
    this.timers.schedule(head.value, this, 0);
  }
}
