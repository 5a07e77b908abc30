/**
 * The API workload's part of summary.json (`workload`): what the driver did through the Kubernetes
 * API against a real cloud, pod startup split at the edge, and the driver's own call latencies.
 */
import type { Percentiles } from './percentiles.js';

/** Pods the driver created and what the API watch showed of them. */
export interface ApiPodCounts {
  created: number;
  createFailed: number;
  dropped: number;
  running: number;
  deleted: number;
}

/** One class of API call (mutating or read) as the driver timed it. */
export interface ApiCallStats {
  count: number;
  /** Calls that got no HTTP answer at all (timeout, reset, refused). */
  transportErrors: number;
  /** Answers by HTTP status class: "2xx", "4xx", "409", … (409 and 429 kept apart: they mean conflict and throttling). */
  byStatus: Record<string, number>;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ApiWorkloadSection {
  pods: ApiPodCounts;
  /** Pod startup split at the edge: created → first delivery to the node → Running reported by the node → Running seen by the watch. */
  podStartupBreakdownMs: {
    createToEdgeReceipt: Percentiles;
    edgeReceiptToStatusReported: Percentiles;
    statusReportedToRunningObserved: Percentiles;
  };
  configMapUpdates: number;
  api: { mutating: ApiCallStats; read: ApiCallStats };
  errors: string[];
}
