/**
 * The loopback peer's only timer: a min-heap of deadlines for every node's resends, rate-limited
 * retries and the keepalive sweep, driven by one re-armed `setTimeout`. 10k sessions cost 10k heap
 * entries, not 10k Node timers.
 *
 * There is no cancel: a target gets `onTimer` for every entry it scheduled and ignores stale ones
 * (each target keeps a generation number and passes it as `tag`).
 */

export interface TimerTarget {
  onTimer(now: number, tag: number, key: string | undefined): void;
}

interface Entry {
  at: number;
  seq: number;
  target: TimerTarget;
  tag: number;
  key: string | undefined;
}

export class TimerHeap {
  private readonly heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private closed = false;
  /** Errors thrown by targets: counted, never allowed to stop the other nodes' timers. */
  targetErrors = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, target: TimerTarget, tag: number, key?: string): void {
    if (this.closed) return;
    this.push({ at, seq: this.seq++, target, tag, key });
    if (at < this.armedAt) this.arm(at);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    const delay = Math.max(0, at - this.now());
    this.timer = setTimeout(() => this.fire(), delay);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = this.now();
    // Entries scheduled by a target during this loop for `now` or earlier run in this same loop.
    while (this.heap.length > 0 && !this.closed) {
      const top = this.heap[0]!;
      if (top.at > now) break;
      this.pop();
      try {
        top.target.onTimer(now, top.tag, top.key);
      } catch {
        this.targetErrors++;
      }
    }
    const next = this.heap[0];
    if (next && !this.closed) this.arm(next.at);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
