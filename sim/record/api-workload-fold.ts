/**
 * Folds what the API workload observed (its writes and watches) with what the edge saw (shard
 * events) into the workload section and its end-to-end SLIs, joined by object UID and
 * resourceVersion on this machine's one clock: node start → Ready in the API; pod created → edge
 * receipt → status reported → Running observed; ConfigMap update → edge receipt. The live run and
 * the reducer run this same fold over the same sequence, so a killed run's `twinlab report`
 * rebuilds the section the run would have written.
 */
import type { ApiCallStats, ApiCallSummary, ApiObservation, ApiPodCounts, ApiWorkloadSection } from '../model/api-workload-section.js';
import { percentilesOf } from '../model/percentiles.js';
import type { ShardEvent } from '../model/shard-events.js';
import type { Sli } from '../model/slo.js';

interface PodTimes {
  createdAt?: number;
  receivedAt?: number;
  reportedAt?: number;
  observedAt?: number;
}

/** The driver's own account at one instant: its pod counts and API call latencies so far. */
export interface ApiDriverTotals {
  pods: ApiPodCounts;
  api: { mutating: ApiCallSummary; read: ApiCallSummary };
  configMapUpdates: number;
  errors: readonly string[];
}

export class ApiWorkloadFold {
  private readonly nodeStart = new Map<string, number>();
  private readonly nodeApiReady = new Map<string, number>();
  private readonly pods = new Map<string, PodTimes>();
  /** `${uid}@${rv}` of ConfigMap updates → when the driver wrote them / when the edge got them. */
  private readonly cmWritten = new Map<string, number>();
  private readonly cmReceived = new Map<string, number>();
  readonly joinToApiReadyMs: number[] = [];
  readonly podStartupMs: number[] = [];
  readonly configMapToEdgeMs: number[] = [];

  /** Edge-side events from the shards. */
  onShardEvents(events: readonly ShardEvent[]): void {
    for (const e of events) {
      if (e.kind === 'node-ready') {
        const start = e.atMs - e.joinMs;
        this.nodeStart.set(e.node, start);
        const api = this.nodeApiReady.get(e.node);
        // A node already Ready before this run started it (attach to a cluster that kept it) tells nothing.
        if (api !== undefined && api >= start) this.joinToApiReadyMs.push(api - start);
      } else if (e.kind === 'object' && e.type === 'pod') {
        const t = this.podTimes(e.uid);
        if (t.receivedAt === undefined) t.receivedAt = e.atMs;
      } else if (e.kind === 'pod-running') {
        const t = this.podTimes(e.uid);
        if (t.reportedAt === undefined) t.reportedAt = e.atMs;
      } else if (e.kind === 'object' && e.type === 'configmap' && e.operation === 'update') {
        const key = `${e.uid}@${e.resourceVersion}`;
        const written = this.cmWritten.get(key);
        if (written !== undefined) {
          this.configMapToEdgeMs.push(e.atMs - written);
          this.cmWritten.delete(key);
        } else if (!this.cmReceived.has(key)) {
          this.cmReceived.set(key, e.atMs);
        }
      }
    }
  }

  /** API-side observations, in the order the driver made them. */
  observe(observations: readonly ApiObservation[]): void {
    for (const o of observations) {
      switch (o.kind) {
        case 'node-ready-observed': {
          const start = this.nodeStart.get(o.node);
          if (start !== undefined) this.joinToApiReadyMs.push(o.atMs - start);
          else this.nodeApiReady.set(o.node, o.atMs);
          break;
        }
        case 'pod-created':
          this.podTimes(o.uid).createdAt = o.atMs;
          break;
        case 'pod-running-observed': {
          const t = this.podTimes(o.uid);
          if (t.observedAt === undefined) {
            t.observedAt = o.atMs;
            if (t.createdAt !== undefined) this.podStartupMs.push(o.atMs - t.createdAt);
          }
          break;
        }
        case 'configmap-updated': {
          const key = `${o.uid}@${o.resourceVersion}`;
          const received = this.cmReceived.get(key);
          if (received !== undefined) {
            this.configMapToEdgeMs.push(received - o.atMs);
            this.cmReceived.delete(key);
          } else {
            this.cmWritten.set(key, o.atMs);
          }
          break;
        }
      }
    }
  }

  private podTimes(uid: string): PodTimes {
    let t = this.pods.get(uid);
    if (!t) {
      t = {};
      this.pods.set(uid, t);
    }
    return t;
  }

  /** SLIs for SLO evaluation and summary.json. */
  slis(driver: Pick<ApiDriverTotals, 'api'>): Record<string, Sli> {
    const api = driver.api;
    return {
      node_ready_in_api_ms: { kind: 'samples', values: this.joinToApiReadyMs },
      pod_startup_ms: { kind: 'samples', values: this.podStartupMs },
      configmap_to_edge_ms: { kind: 'samples', values: this.configMapToEdgeMs },
      api_mutating_ms: { kind: 'histogram', snapshot: api.mutating.histogram, max: api.mutating.maxMs },
      api_read_ms: { kind: 'histogram', snapshot: api.read.histogram, max: api.read.maxMs },
    };
  }

  section(driver: ApiDriverTotals): ApiWorkloadSection {
    const toEdge: number[] = [];
    const toReported: number[] = [];
    const toObserved: number[] = [];
    for (const t of this.pods.values()) {
      if (t.createdAt === undefined) continue; // objects of other runs or not created by this driver
      if (t.receivedAt !== undefined) toEdge.push(t.receivedAt - t.createdAt);
      if (t.receivedAt !== undefined && t.reportedAt !== undefined) toReported.push(t.reportedAt - t.receivedAt);
      if (t.reportedAt !== undefined && t.observedAt !== undefined) toObserved.push(t.observedAt - t.reportedAt);
    }
    const breakdown = {
      createToEdgeReceipt: percentilesOf(toEdge),
      edgeReceiptToStatusReported: percentilesOf(toReported),
      statusReportedToRunningObserved: percentilesOf(toObserved),
    };
    const strip = ({ histogram: _h, ...rest }: ApiCallSummary): ApiCallStats => rest;
    return {
      pods: driver.pods,
      podStartupBreakdownMs: breakdown,
      configMapUpdates: driver.configMapUpdates,
      api: { mutating: strip(driver.api.mutating), read: strip(driver.api.read) },
      errors: driver.errors.slice(0, 20),
    };
  }
}
