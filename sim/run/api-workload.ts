/**
 * The workload a run drives through the Kubernetes API against a real cloud, and the end-to-end
 * SLIs that join what the API shows (the driver's writes and watches) with what the edge saw
 * (shard events), by object UID and resourceVersion on this machine's one clock:
 * node start → Ready in the API; pod created → edge receipt → status reported → Running observed;
 * ConfigMap update → edge receipt; the driver's own API call latency.
 */
import type { ShardEvent } from '../fleet/ipc-messages.js';
import type { HistogramSnapshot } from '../model/bucket-histogram.js';
import type { Sli } from '../model/slo.js';
import { percentilesOf } from '../model/percentiles.js';
import type { ApiCallStats, ApiWorkloadSection } from '../model/api-workload-section.js';

export type { ApiWorkloadSection };
import type { WorkloadEvent } from '../workload/workload-events.js';
import { WorkloadDriver, type WorkloadReport } from '../workload/workload-driver.js';

export interface ApiWorkloadOptions {
  kubeconfigPath: string;
  nodes: readonly string[];
  podsPerNode: number;
  podRate: number;
  concurrency: number;
  namespace: string;
  /** Give each node a ConfigMap and a Secret its pods reference, and update the ConfigMaps once mid-run. */
  withRefs: boolean;
}

interface PodTimes {
  createdAt?: number;
  receivedAt?: number;
  reportedAt?: number;
  observedAt?: number;
}

export class ApiWorkload {
  private readonly nodeStart = new Map<string, number>();
  private readonly nodeApiReady = new Map<string, number>();
  private readonly pods = new Map<string, PodTimes>();
  /** `${uid}@${rv}` of ConfigMap updates → when the driver wrote them / when the edge got them. */
  private readonly cmWritten = new Map<string, number>();
  private readonly cmReceived = new Map<string, number>();
  readonly joinToApiReadyMs: number[] = [];
  readonly podStartupMs: number[] = [];
  readonly configMapToEdgeMs: number[] = [];
  private readonly errors: string[] = [];
  private updates = 0;
  private stopped = false;

  private constructor(
    /** The driver, for scenarios that make their own changes and watch node readiness. */
    readonly driver: WorkloadDriver,
    private readonly o: ApiWorkloadOptions,
  ) {
    driver.on((e) => this.onWorkload(e));
  }

  static async open(o: ApiWorkloadOptions): Promise<ApiWorkload> {
    return new ApiWorkload(await WorkloadDriver.open({ kubeconfigPath: o.kubeconfigPath }), o);
  }

  get readyInApi(): number {
    return this.driver.readyNodeCount;
  }

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

  private podTimes(uid: string): PodTimes {
    let t = this.pods.get(uid);
    if (!t) {
      t = {};
      this.pods.set(uid, t);
    }
    return t;
  }

  private onWorkload(e: WorkloadEvent): void {
    switch (e.kind) {
      case 'node-ready-observed': {
        if (!e.first) break;
        const start = this.nodeStart.get(e.name);
        if (start !== undefined) this.joinToApiReadyMs.push(e.atMs - start);
        else this.nodeApiReady.set(e.name, e.atMs);
        break;
      }
      case 'pod-created':
        this.podTimes(e.uid).createdAt = e.createdAtMs;
        break;
      case 'pod-running-observed': {
        const t = this.podTimes(e.uid);
        if (t.observedAt === undefined) {
          t.observedAt = e.atMs;
          if (t.createdAt !== undefined) this.podStartupMs.push(e.atMs - t.createdAt);
        }
        break;
      }
      case 'configmap-updated': {
        const key = `${e.uid}@${e.resourceVersion}`;
        const received = this.cmReceived.get(key);
        if (received !== undefined) {
          this.configMapToEdgeMs.push(received - e.atMs);
          this.cmReceived.delete(key);
        } else {
          this.cmWritten.set(key, e.atMs);
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * Wait (bounded by `readyBy`) for every node to be Ready in the API, create the pods at the set
   * rate, then update the ConfigMaps once halfway to `deadline`.
   */
  async run(readyBy: number, deadline: number, interrupted: () => boolean): Promise<void> {
    const o = this.o;
    const halt = (): boolean => this.stopped || interrupted() || Date.now() >= deadline;
    while (!halt() && Date.now() < readyBy && this.driver.readyNodeCount < o.nodes.length) await sleep(250);
    if (halt() || o.podsPerNode === 0) return;
    await this.driver.ensureNamespace(o.namespace);
    const created = await this.driver.createPods({
      nodes: this.driver.readyNodeNames().filter((n) => o.nodes.includes(n)),
      podsPerNode: o.podsPerNode,
      ratePerSecond: o.podRate,
      concurrency: o.concurrency,
      namespace: o.namespace,
      withConfigMap: o.withRefs,
      withSecret: o.withRefs,
    });
    this.errors.push(...created.errors);
    if (!o.withRefs) return;
    const updateAt = Date.now() + (deadline - Date.now()) / 2;
    while (!halt() && Date.now() < updateAt) await sleep(250);
    if (halt()) return;
    const updated = await this.driver.updateConfigMaps({ namespace: o.namespace, ratePerSecond: o.podRate, concurrency: o.concurrency });
    this.updates += updated.updates.length;
    this.errors.push(...updated.errors);
  }

  /** SLIs for SLO evaluation and summary.json. */
  slis(): Record<string, Sli> {
    const api = this.driver.report().api;
    return {
      node_ready_in_api_ms: { kind: 'samples', values: this.joinToApiReadyMs },
      pod_startup_ms: { kind: 'samples', values: this.podStartupMs },
      configmap_to_edge_ms: { kind: 'samples', values: this.configMapToEdgeMs },
      api_mutating_ms: { kind: 'histogram', snapshot: api.mutating.histogram, max: api.mutating.maxMs },
      api_read_ms: { kind: 'histogram', snapshot: api.read.histogram, max: api.read.maxMs },
    };
  }

  section(): ApiWorkloadSection {
    const r = this.driver.report();
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
    const strip = ({ histogram: _h, ...rest }: WorkloadReport['api']['mutating']): ApiCallStats => rest;
    return { pods: r.pods, podStartupBreakdownMs: breakdown, configMapUpdates: this.updates, api: { mutating: strip(r.api.mutating), read: strip(r.api.read) }, errors: this.errors.slice(0, 20) };
  }

  /** Stop driving and watching; `cleanup` deletes what the driver created (for clusters that outlive the run). */
  async stop(cleanup: boolean): Promise<void> {
    this.stopped = true;
    if (cleanup) await this.driver.deleteAll(0).catch((e: unknown) => this.errors.push(`cleanup: ${e instanceof Error ? e.message : String(e)}`));
    await this.driver.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export type { HistogramSnapshot };
