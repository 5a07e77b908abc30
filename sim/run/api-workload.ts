/**
 * The workload a run drives through the Kubernetes API against a real cloud, and the end-to-end
 * SLIs that join what the API shows (the driver's writes and watches) with what the edge saw
 * (shard events), by object UID and resourceVersion on this machine's one clock:
 * node start → Ready in the API; pod created → edge receipt → status reported → Running observed;
 * ConfigMap update → edge receipt; the driver's own API call latency. What the driver observes is
 * recorded once a second (`api-workload` events) and folded at that moment, live and in the
 * reducer alike (sim/record/api-workload-fold.ts), so a killed run keeps its section.
 */
import type { Sli } from '../model/slo.js';
import type { ApiObservation, ApiWorkloadSection } from '../model/api-workload-section.js';
import type { RunEvent } from '../model/run-events.js';
import type { ShardEvent } from '../model/shard-events.js';
import { ApiWorkloadFold, type ApiDriverTotals } from '../record/api-workload-fold.js';
import type { WorkloadEvent } from '../workload/workload-events.js';
import { WorkloadDriver } from '../workload/workload-driver.js';

export type { ApiWorkloadSection };

export interface ApiWorkloadOptions {
  kubeconfigPath: string;
  nodes: readonly string[];
  podsPerNode: number;
  podRate: number;
  concurrency: number;
  namespace: string;
  /** Give each node a ConfigMap and a Secret its pods reference, and update the ConfigMaps once mid-run. */
  withRefs: boolean;
  /** Where the driver's observations are recorded (the run's events), once a second. */
  record?: (e: RunEvent) => void;
}

/** How often the driver's observations are recorded and folded. */
const FLUSH_MS = 1000;

export class ApiWorkload {
  private readonly fold = new ApiWorkloadFold();
  /** Observed since the last flush, in order. */
  private pending: ApiObservation[] = [];
  private readonly errors: string[] = [];
  private errorsRecorded = 0;
  private updates = 0;
  private stopped = false;
  private readonly flushTimer: NodeJS.Timeout;

  private constructor(
    /** The driver, for scenarios that make their own changes and watch node readiness. */
    readonly driver: WorkloadDriver,
    private readonly o: ApiWorkloadOptions,
  ) {
    driver.on((e) => this.onWorkload(e));
    this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref();
    this.flush();
  }

  static async open(o: ApiWorkloadOptions): Promise<ApiWorkload> {
    return new ApiWorkload(await WorkloadDriver.open({ kubeconfigPath: o.kubeconfigPath }), o);
  }

  get readyInApi(): number {
    return this.driver.readyNodeCount;
  }

  /** Node start → Ready in the API, ms (as folded so far). */
  get joinToApiReadyMs(): number[] {
    return this.fold.joinToApiReadyMs;
  }

  /** Pod created → Running observed by the watch, ms (as folded so far). */
  get podStartupMs(): number[] {
    return this.fold.podStartupMs;
  }

  get configMapToEdgeMs(): number[] {
    return this.fold.configMapToEdgeMs;
  }

  /** Edge-side events from the shards (the run records them right after, in the same order). */
  onShardEvents(events: readonly ShardEvent[]): void {
    this.fold.onShardEvents(events);
  }

  private onWorkload(e: WorkloadEvent): void {
    switch (e.kind) {
      case 'node-ready-observed':
        if (e.first) this.pending.push({ kind: 'node-ready-observed', node: e.name, atMs: e.atMs });
        break;
      case 'pod-created':
        this.pending.push({ kind: 'pod-created', uid: e.uid, atMs: e.createdAtMs });
        break;
      case 'pod-running-observed':
        this.pending.push({ kind: 'pod-running-observed', uid: e.uid, atMs: e.atMs });
        break;
      case 'configmap-updated':
        this.pending.push({ kind: 'configmap-updated', uid: e.uid, resourceVersion: e.resourceVersion, atMs: e.atMs });
        break;
      default:
        break;
    }
  }

  private totals(): ApiDriverTotals {
    const r = this.driver.progress();
    return { pods: r.pods, api: r.api, configMapUpdates: this.updates, errors: this.errors };
  }

  /** Record what was observed since the last flush, then fold it: the reducer folds the same sequence. */
  private flush(): void {
    const observations = this.pending;
    this.pending = [];
    if (this.o.record) {
      const t = this.totals();
      this.o.record({ t: 'api-workload', atMs: Date.now(), observations, pods: t.pods, api: t.api, configMapUpdates: t.configMapUpdates, errors: this.errors.slice(this.errorsRecorded) });
      this.errorsRecorded = this.errors.length;
    }
    this.fold.observe(observations);
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
    this.flush();
    return this.fold.slis(this.totals());
  }

  section(): ApiWorkloadSection {
    this.flush();
    return this.fold.section(this.totals());
  }

  /** Stop driving and watching; `cleanup` deletes what the driver created (for clusters that outlive the run). */
  async stop(cleanup: boolean): Promise<void> {
    this.stopped = true;
    clearInterval(this.flushTimer);
    if (cleanup) await this.driver.deleteAll(0).catch((e: unknown) => this.errors.push(`cleanup: ${e instanceof Error ? e.message : String(e)}`));
    await this.driver.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

