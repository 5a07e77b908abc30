/**
 * The API workload's part of summary.json (`workload`): what the driver did through the Kubernetes
 * API against a real cloud, pod startup split at the edge, and the driver's own call latencies.
 */
import type { HistogramSnapshot } from './bucket-histogram.js';
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

/** A class's stats with the histogram they were read from (the SLIs `api_mutating_ms`, `api_read_ms`). */
export interface ApiCallSummary extends ApiCallStats {
  histogram: HistogramSnapshot;
}

/**
 * What the API workload saw, in the order it saw it: the times the section and its SLIs join with
 * the shard events (sim/record/api-workload-fold.ts). `atMs` is this machine's wall clock; for
 * `pod-created` and `configmap-updated` it is the client clock right before the request.
 */
export type ApiObservation =
  /** The node watch saw the node Ready for the first time. */
  | { kind: 'node-ready-observed'; node: string; atMs: number }
  | { kind: 'pod-created'; uid: string; atMs: number }
  /** The pod watch first saw phase Running. */
  | { kind: 'pod-running-observed'; uid: string; atMs: number }
  | { kind: 'configmap-updated'; uid: string; resourceVersion: string; atMs: number };

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
