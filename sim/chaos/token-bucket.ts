/**
 * A byte token bucket for a bandwidth cap: refilled from the shard wheel's clock when bytes are
 * asked for (no timer of its own), holding at most a burst's worth.
 */

/** A link may burst this much of a second's allowance after being idle. */
export const BURST_SECONDS = 0.1;

export class TokenBucket {
  readonly burstBytes: number;
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly bytesPerSecond: number,
    nowMs: number,
    burstBytes = Math.max(1, Math.floor(bytesPerSecond * BURST_SECONDS)),
  ) {
    if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) throw new RangeError(`bytesPerSecond must be a positive finite number, got ${bytesPerSecond}`);
    this.burstBytes = burstBytes;
    this.tokens = burstBytes;
    this.lastMs = nowMs;
  }

  /** Whole bytes available at `nowMs`. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return Math.floor(this.tokens);
  }

  /** Take up to `wanted` bytes at `nowMs`; returns how many were granted (0 when empty). */
  take(wanted: number, nowMs: number): number {
    this.refill(nowMs);
    const granted = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }

  /** Milliseconds from `nowMs` until at least `bytes` (capped at the burst) are available. */
  waitMs(bytes: number, nowMs: number): number {
    this.refill(nowMs);
    const need = Math.min(bytes, this.burstBytes) - this.tokens;
    return need <= 0 ? 0 : Math.ceil((need * 1000) / this.bytesPerSecond);
  }

  private refill(nowMs: number): void {
    if (nowMs <= this.lastMs) return;
    this.tokens = Math.min(this.burstBytes, this.tokens + ((nowMs - this.lastMs) * this.bytesPerSecond) / 1000);
    this.lastMs = nowMs;
  }
}
