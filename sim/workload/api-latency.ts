/**
 * Latency of the workload driver's own API calls, split as clusterloader2's API-responsiveness SLO
 * splits them: mutating (POST, PUT, PATCH, DELETE) and read-only (GET of one object or a LIST).
 * Fixed-bucket histograms so a run of a million calls costs two arrays.
 */
import { BucketHistogram, LATENCY_MS_BOUNDS, quantile } from '../model/bucket-histogram.js';
import type { ApiCallSummary } from '../model/api-workload-section.js';

export type ApiCallClass = 'mutating' | 'read';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `mutating` for POST/PUT/PATCH/DELETE, `read` for everything else (GET, HEAD). */
export function classifyMethod(method: string): ApiCallClass {
  return MUTATING.has(method.toUpperCase()) ? 'mutating' : 'read';
}

/** A class's stats with the histogram they were read from (sim/model/api-workload-section.ts). */
export type ApiClassSummary = ApiCallSummary;

export interface ApiLatencySummary {
  mutating: ApiClassSummary;
  read: ApiClassSummary;
}

class ClassStats {
  readonly histogram = new BucketHistogram(LATENCY_MS_BOUNDS);
  transportErrors = 0;
  maxMs = 0;
  readonly byStatus = new Map<string, number>();

  summary(): ApiClassSummary {
    const s = this.histogram.snapshot();
    // Interpolating inside a bucket can overshoot the slowest call seen; no quantile is above the max.
    const q = (p: number): number => Math.min(quantile(s, p), this.maxMs);
    return {
      count: s.count,
      transportErrors: this.transportErrors,
      byStatus: Object.fromEntries(this.byStatus),
      p50Ms: q(0.5),
      p90Ms: q(0.9),
      p99Ms: q(0.99),
      maxMs: this.maxMs,
      histogram: s,
    };
  }
}

function statusKey(status: number): string {
  if (status === 409 || status === 429 || status === 410) return String(status);
  return `${Math.floor(status / 100)}xx`;
}

export class ApiLatency {
  private readonly classes: Record<ApiCallClass, ClassStats> = { mutating: new ClassStats(), read: new ClassStats() };

  /** One answered call: its HTTP status and how long it took, request sent to body read. */
  observe(method: string, status: number, ms: number): void {
    const c = this.classes[classifyMethod(method)];
    c.histogram.observe(ms);
    if (ms > c.maxMs) c.maxMs = ms;
    const key = statusKey(status);
    c.byStatus.set(key, (c.byStatus.get(key) ?? 0) + 1);
  }

  /** A call that got no answer; it is not in the latency histogram (its time is the timeout, not the server's). */
  transportError(method: string): void {
    this.classes[classifyMethod(method)].transportErrors += 1;
  }

  summary(): ApiLatencySummary {
    return { mutating: this.classes.mutating.summary(), read: this.classes.read.summary() };
  }
}
