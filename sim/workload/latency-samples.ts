/**
 * Per-object latencies (pod startup, pod deletion) kept exactly, so percentiles are computed the way
 * clusterloader2 computes them — sort, take the nearest rank — rather than interpolated inside a
 * bucket. Past `cap` samples only the histogram keeps counting, so memory stays bounded.
 */
import { BucketHistogram, LATENCY_MS_BOUNDS, type HistogramSnapshot } from '../model/bucket-histogram.js';

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Samples beyond the cap: counted in the histogram, not in the exact percentiles. */
  overflow: number;
  histogram: HistogramSnapshot;
}

export const DEFAULT_SAMPLE_CAP = 1_000_000;

export class LatencySamples {
  private values = new Float64Array(1024);
  private n = 0;
  private overflowed = 0;
  private max = 0;
  private readonly histogram = new BucketHistogram(LATENCY_MS_BOUNDS);

  constructor(private readonly cap = DEFAULT_SAMPLE_CAP) {}

  add(ms: number): void {
    this.histogram.observe(ms);
    if (ms > this.max) this.max = ms;
    if (this.n >= this.cap) {
      this.overflowed += 1;
      return;
    }
    if (this.n === this.values.length) {
      const grown = new Float64Array(Math.min(this.cap, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = ms;
  }

  get count(): number {
    return this.n + this.overflowed;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.n).sort();
    return {
      count: this.count,
      p50Ms: nearestRank(sorted, 0.5),
      p90Ms: nearestRank(sorted, 0.9),
      p99Ms: nearestRank(sorted, 0.99),
      maxMs: this.count === 0 ? NaN : this.max,
      overflow: this.overflowed,
      histogram: this.histogram.snapshot(),
    };
  }
}

/** The q-quantile by nearest rank (ceil(q·n)-th smallest); NaN when empty. */
export function nearestRank(sorted: Float64Array | readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1]!;
}
