/**
 * A fixed-bucket histogram that costs one array increment per observation and merges by
 * adding arrays, so shards can ship their counts over IPC and the controller can sum them.
 * Quantiles are estimated by linear interpolation inside the bucket, as Prometheus does.
 */

export interface HistogramSnapshot {
  /** Upper bounds, ascending; an implicit +Inf bucket follows. */
  readonly bounds: readonly number[];
  /** Per-bucket counts (not cumulative), length bounds.length + 1. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export class BucketHistogram {
  readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private total = 0;
  private n = 0;

  constructor(bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) throw new RangeError('histogram bounds must ascend');
    }
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= b[mid]!) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]! += 1;
    this.total += value;
    this.n += 1;
  }

  get count(): number {
    return this.n;
  }

  snapshot(): HistogramSnapshot {
    return { bounds: this.bounds, counts: Array.from(this.counts), sum: this.total, count: this.n };
  }

  /** Add another histogram's counts (same bounds) into this one. */
  merge(other: HistogramSnapshot): void {
    if (other.bounds.length !== this.bounds.length) throw new RangeError('histogram bounds differ');
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i] ?? 0;
    this.total += other.sum;
    this.n += other.count;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.n = 0;
  }
}

/** Estimated q-quantile (0..1) of a snapshot; NaN when empty. Values past the last bound report the last bound. */
export function quantile(s: HistogramSnapshot, q: number): number {
  if (s.count === 0) return NaN;
  const rank = q * s.count;
  let cumulative = 0;
  for (let i = 0; i < s.counts.length; i++) {
    const c = s.counts[i]!;
    if (cumulative + c >= rank && c > 0) {
      if (i >= s.bounds.length) return s.bounds[s.bounds.length - 1]!;
      const lower = i === 0 ? 0 : s.bounds[i - 1]!;
      const upper = s.bounds[i]!;
      return lower + ((upper - lower) * (rank - cumulative)) / c;
    }
    cumulative += c;
  }
  return s.bounds[s.bounds.length - 1]!;
}

export function emptySnapshot(bounds: readonly number[]): HistogramSnapshot {
  return { bounds, counts: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 };
}

/** Sum several snapshots with the same bounds. */
export function mergeSnapshots(bounds: readonly number[], parts: readonly HistogramSnapshot[]): HistogramSnapshot {
  const h = new BucketHistogram(bounds);
  for (const p of parts) h.merge(p);
  return h.snapshot();
}

/** Milliseconds: 0.1 ms … 60 s. */
export const LATENCY_MS_BOUNDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000] as const;
/** Seconds: 1 ms … 120 s. */
export const DURATION_S_BOUNDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
