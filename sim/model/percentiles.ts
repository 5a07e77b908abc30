/**
 * Latency statistics as summary.json gives them: nearest-rank percentiles of raw samples, or
 * percentiles estimated from a bucket histogram when there were too many samples to keep.
 */
import { quantile, type HistogramSnapshot } from './bucket-histogram.js';

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export function percentilesOf(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (v: number): number => Math.round(v * 100) / 100;
  return { count: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

export function percentilesOfHistogram(h: HistogramSnapshot): Percentiles {
  if (h.count === 0) return { count: 0, p50: null, p90: null, p99: null, max: null };
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return { count: h.count, p50: round(quantile(h, 0.5)), p90: round(quantile(h, 0.9)), p99: round(quantile(h, 0.99)), max: null };
}
