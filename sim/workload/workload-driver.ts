/**
 * Drives a Kubernetes workload onto edge nodes through the real kube-apiserver and measures it the
 * way clusterloader2 does: pods bound by `spec.nodeName`, created at a constant arrival rate, their
 * startup latency from the client clock before the POST to phase Running first seen by a watch;
 * node readiness from a node watch; and the latency of every API call the driver makes.
 */
import { PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { CloudUnreachableError } from '../errors.js';
import { describeApiError, ErrorLog, isStatus } from './api-errors.js';
import { ApiLatency, type ApiLatencySummary } from './api-latency.js';
import type { ApiPodCounts } from '../model/api-workload-section.js';
import { runArrivals, type ArrivalModel, type ArrivalResult } from './arrival.js';
import { KubeHttp } from './kube-http.js';
import { LatencySamples, type LatencySummary } from './latency-samples.js';
import { DEFAULT_LIST_WATCH, ListWatch, listAllPages, type ListPage, type ListWatchStats } from './list-watch.js';
import { createNamespaceIfAbsent } from './namespace.js';
import type { WorkloadEvent, WorkloadListener } from './workload-events.js';
import {
  EDGE_NODE_SELECTOR,
  MANAGED_SELECTOR,
  REVISION_KEY,
  configMapManifest,
  configMapName,
  podManifest,
  podName,
  readNode,
  readPod,
  secretManifest,
  secretName,
} from './workload-objects.js';

export interface WorkloadDriverOptions {
  kubeconfigPath: string;
  /** Deadline of one API call. Default 10 s. */
  callTimeoutMs?: number;
  /** Keep-alive sockets to the API server. Default 64. */
  maxSockets?: number;
  /** Server-side timeout of each watch request (it is resumed after). Default 300 s. */
  watchTimeoutSeconds?: number;
}

export interface CreatePodsOptions {
  nodes: readonly string[];
  podsPerNode: number;
  /** Pod POSTs started per second (ConfigMaps and Secrets are created first at the same rate). */
  ratePerSecond: number;
  /** Most POSTs in flight; a pod due while this many are in flight is dropped and counted. */
  concurrency: number;
  namespace: string;
  withConfigMap: boolean;
  withSecret: boolean;
}

export interface CreatePodsResult {
  pods: ArrivalResult;
  configMaps: ArrivalResult | undefined;
  secrets: ArrivalResult | undefined;
  /** Pods the API server accepted. */
  created: number;
  /** The first distinct error messages (up to 20). */
  errors: string[];
}

export interface UpdateConfigMapsOptions {
  namespace: string;
  /** Only these nodes' ConfigMaps; default all the driver created in the namespace. */
  nodes?: readonly string[];
  ratePerSecond: number;
  concurrency: number;
}

export interface ConfigMapUpdate {
  name: string;
  node: string;
  uid: string;
  resourceVersion: string;
  atMs: number;
}

export interface UpdateConfigMapsResult {
  run: ArrivalResult;
  updates: ConfigMapUpdate[];
  errors: string[];
}

export interface DeletePodsOptions {
  namespace: string;
  /** Only these pod names; default every pod the driver created in the namespace and has not seen deleted. */
  names?: readonly string[];
  gracePeriodSeconds: number;
  ratePerSecond: number;
  concurrency: number;
}

export interface DeletePodsResult {
  run: ArrivalResult;
  errors: string[];
}

export interface WorkloadReport {
  /** Created (client clock before POST) → phase Running first observed by the watch. */
  podStartup: LatencySummary;
  /** Delete accepted (client clock before DELETE) → removal observed by the watch. */
  podDeletion: LatencySummary;
  api: ApiLatencySummary;
  pods: ApiPodCounts;
  nodes: { seen: number; ready: number };
  watches: { pods: ListWatchStats; nodes: ListWatchStats };
  /** Listener exceptions (counted, never allowed to break a watch). */
  listenerErrors: number;
}

interface PodTrack {
  uid: string;
  name: string;
  namespace: string;
  node: string;
  createdAtMs: number | undefined;
  runningAtMs: number | undefined;
  deleteRequestedAtMs: number | undefined;
}

interface ConfigMapTrack {
  node: string;
  object: V1ConfigMap;
  revision: number;
}

const LIST_PAGE = 1000;
const SERVICE_ACCOUNT_WAIT_MS = 30_000;

export class WorkloadDriver {
  private readonly latency: ApiLatency;
  private readonly http: KubeHttp;
  private readonly podWatch: ListWatch;
  private readonly nodeWatch: ListWatch;
  private readonly listeners = new Set<WorkloadListener>();
  private readonly abort = new AbortController();
  /** Pods by uid (removed once seen deleted), and uid by namespace/name. */
  private readonly pods = new Map<string, PodTrack>();
  private readonly podUids = new Map<string, string>();
  private readonly configMaps = new Map<string, ConfigMapTrack>();
  private readonly secrets = new Set<string>();
  private readonly namespaces = new Set<string>();
  /** Ready state per node, and whether it has ever been Ready. */
  private readonly nodes = new Map<string, { ready: boolean; everReady: boolean }>();
  private readonly startup = new LatencySamples();
  private readonly deletion = new LatencySamples();
  private readyCount = 0;
  private createdCount = 0;
  private createFailedCount = 0;
  private droppedCount = 0;
  private runningCount = 0;
  private deletedCount = 0;
  private listenerErrorCount = 0;
  private stopped = false;

  private constructor(http: KubeHttp, latency: ApiLatency, watchTimeoutSeconds: number) {
    this.http = http;
    this.latency = latency;
    const lwOpts = { ...DEFAULT_LIST_WATCH, watchTimeoutSeconds };
    this.podWatch = new ListWatch(
      http.kubeConfig,
      { path: '/api/v1/pods', labelSelector: MANAGED_SELECTOR, list: () => this.listPods() },
      { upsert: (o, at) => this.onPod(o, at), remove: (o, at) => this.onPodGone(o, at) },
      lwOpts,
    );
    this.nodeWatch = new ListWatch(
      http.kubeConfig,
      { path: '/api/v1/nodes', labelSelector: EDGE_NODE_SELECTOR, list: () => this.listNodes() },
      { upsert: (o, at) => this.onNode(o, at), remove: (o, at) => this.onNodeGone(o, at) },
      lwOpts,
    );
  }

  /** Connect to the API server and start (and sync) the pod and node watches. */
  static async open(opts: WorkloadDriverOptions): Promise<WorkloadDriver> {
    const latency = new ApiLatency();
    const http = await KubeHttp.open(opts.kubeconfigPath, latency, {
      callTimeoutMs: opts.callTimeoutMs ?? 10_000,
      maxSockets: opts.maxSockets ?? 64,
    });
    const driver = new WorkloadDriver(http, latency, opts.watchTimeoutSeconds ?? DEFAULT_LIST_WATCH.watchTimeoutSeconds);
    try {
      await driver.podWatch.start();
      await driver.nodeWatch.start();
    } catch (error) {
      await driver.stop();
      throw new CloudUnreachableError(`the workload driver could not list pods and nodes: ${describeApiError(error)}`, { server: http.server }, { cause: error });
    }
    return driver;
  }

  /** Subscribe to events; returns the unsubscribe function. */
  on(listener: WorkloadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get readyNodeCount(): number {
    return this.readyCount;
  }

  readyNodeNames(): string[] {
    return [...this.nodes].filter(([, s]) => s.ready).map(([name]) => name);
  }

  /** Pods created by this driver that have been observed Running. */
  get runningPodCount(): number {
    return this.runningCount;
  }

  get deletedPodCount(): number {
    return this.deletedCount;
  }

  /** Pods with the driver's label currently known to the watch (any creator). */
  get watchedPodCount(): number {
    return this.podWatch.size;
  }

  /**
   * Resolve when `check()` holds, re-checking on every event and every 250 ms; reject after
   * `timeoutMs` with what was waited for and the last `describe()`.
   */
  until(what: string, check: () => boolean, timeoutMs: number, describeState?: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        clearInterval(poll);
        clearTimeout(deadline);
        off();
        if (error) reject(error);
        else resolve();
      };
      const test = (): void => {
        if (check()) done();
        else if (this.stopped) done(new Error(`the workload driver stopped while waiting for ${what}`));
      };
      const off = this.on(test);
      const poll = setInterval(test, 250);
      const deadline = setTimeout(
        () => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describeState ? `; last seen: ${describeState()}` : ''}`)),
        timeoutMs,
      );
    });
  }

  /** Create the namespace if absent and wait until pods can be created in it (its `default` ServiceAccount exists). */
  async ensureNamespace(namespace: string): Promise<void> {
    this.namespaces.add(namespace);
    const core = this.http.core;
    await createNamespaceIfAbsent(core, namespace);
    // The ServiceAccount admission plugin refuses pods until the controller manager has made the SA.
    const deadline = Date.now() + SERVICE_ACCOUNT_WAIT_MS;
    for (;;) {
      try {
        await core.readNamespacedServiceAccount({ namespace, name: 'default' });
        return;
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
      if (Date.now() >= deadline) {
        throw new CloudUnreachableError(`ServiceAccount ${namespace}/default did not appear within ${SERVICE_ACCOUNT_WAIT_MS} ms (is kube-controller-manager running?)`, {
          namespace,
        });
      }
      await sleep(200);
    }
  }

  async createPods(o: CreatePodsOptions): Promise<CreatePodsResult> {
    this.namespaces.add(o.namespace);
    const errors = new ErrorLog();
    const pace = { ratePerSecond: o.ratePerSecond, concurrency: o.concurrency };
    const run = (n: number, model: ArrivalModel, task: (i: number) => Promise<void>): Promise<ArrivalResult> =>
      runArrivals({ iterations: n, model, ...pace }, task, { signal: this.abort.signal, onError: (_, e) => errors.add(e) });

    const configMaps = o.withConfigMap ? await run(o.nodes.length, 'paced', (i) => this.createConfigMap(o.namespace, o.nodes[i]!)) : undefined;
    const secrets = o.withSecret ? await run(o.nodes.length, 'paced', (i) => this.createSecret(o.namespace, o.nodes[i]!)) : undefined;

    const total = o.nodes.length * o.podsPerNode;
    const createdBefore = this.createdCount;
    // Round-robin over nodes, so every node's first pod comes before any node's second.
    const pods = await run(total, 'constant-arrival-rate', async (i) => {
      const node = o.nodes[i % o.nodes.length]!;
      const name = podName(node, Math.floor(i / o.nodes.length));
      const body = podManifest({
        name,
        namespace: o.namespace,
        node,
        ...(o.withConfigMap ? { configMap: configMapName(node) } : {}),
        ...(o.withSecret ? { secret: secretName(node) } : {}),
      });
      const createdAtMs = Date.now();
      let created;
      try {
        created = await this.http.core.createNamespacedPod({ namespace: o.namespace, body });
      } catch (error) {
        this.createFailedCount += 1;
        throw error;
      }
      this.podCreated(created.metadata?.uid ?? '', name, o.namespace, node, createdAtMs, created.metadata?.resourceVersion ?? '');
    });
    this.droppedCount += pods.dropped;
    return { pods, configMaps, secrets, created: this.createdCount - createdBefore, errors: errors.messages };
  }

  /** Bump the `revision` entry of the driver's ConfigMaps (a full PUT, re-read once on conflict). */
  async updateConfigMaps(o: UpdateConfigMapsOptions): Promise<UpdateConfigMapsResult> {
    const wanted = o.nodes ? new Set(o.nodes) : undefined;
    const targets = [...this.configMaps].filter(([key, t]) => key.startsWith(`${o.namespace}/`) && (!wanted || wanted.has(t.node)));
    const errors = new ErrorLog();
    const updates: ConfigMapUpdate[] = [];
    const run = await runArrivals(
      { iterations: targets.length, model: 'constant-arrival-rate', ratePerSecond: o.ratePerSecond, concurrency: o.concurrency },
      async (i) => {
        const [key, track] = targets[i]!;
        const name = key.slice(o.namespace.length + 1);
        const atMs = Date.now();
        const replaced = await this.replaceConfigMap(o.namespace, name, track);
        const update: ConfigMapUpdate = {
          name,
          node: track.node,
          uid: replaced.metadata?.uid ?? '',
          resourceVersion: replaced.metadata?.resourceVersion ?? '',
          atMs,
        };
        updates.push(update);
        this.emit({ kind: 'configmap-updated', namespace: o.namespace, ...update });
      },
      { signal: this.abort.signal, onError: (_, e) => errors.add(e) },
    );
    return { run, updates, errors: errors.messages };
  }

  async deletePods(o: DeletePodsOptions): Promise<DeletePodsResult> {
    const names = o.names
      ? [...o.names]
      : [...this.pods.values()].filter((p) => p.namespace === o.namespace && p.createdAtMs !== undefined).map((p) => p.name);
    const errors = new ErrorLog();
    const run = await runArrivals(
      { iterations: names.length, model: 'constant-arrival-rate', ratePerSecond: o.ratePerSecond, concurrency: o.concurrency },
      async (i) => {
        const name = names[i]!;
        const atMs = Date.now();
        await this.http.core.deleteNamespacedPod({ namespace: o.namespace, name, gracePeriodSeconds: o.gracePeriodSeconds });
        const uid = this.podUids.get(`${o.namespace}/${name}`);
        const track = uid ? this.pods.get(uid) : undefined;
        if (track && uid) {
          track.deleteRequestedAtMs ??= atMs;
          this.emit({ kind: 'pod-delete-requested', uid, name, atMs });
        }
      },
      { signal: this.abort.signal, onError: (_, e) => errors.add(e) },
    );
    return { run, errors: errors.messages };
  }

  /** Delete every pod, ConfigMap and Secret with the driver's label in every namespace it used (grace period 0 by default). */
  async deleteAll(gracePeriodSeconds = 0): Promise<void> {
    const core = this.http.core;
    for (const namespace of this.namespaces) {
      await core.deleteCollectionNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR, gracePeriodSeconds });
      await core.deleteCollectionNamespacedConfigMap({ namespace, labelSelector: MANAGED_SELECTOR });
      await core.deleteCollectionNamespacedSecret({ namespace, labelSelector: MANAGED_SELECTOR });
    }
    this.configMaps.clear();
    this.secrets.clear();
  }

  /** Pod counts and API call latencies so far: the part of `report()` that sorts no samples (read once a second). */
  progress(): Pick<WorkloadReport, 'pods' | 'api'> {
    return {
      api: this.latency.summary(),
      pods: {
        created: this.createdCount,
        createFailed: this.createFailedCount,
        dropped: this.droppedCount,
        running: this.runningCount,
        deleted: this.deletedCount,
      },
    };
  }

  report(): WorkloadReport {
    return {
      podStartup: this.startup.summary(),
      podDeletion: this.deletion.summary(),
      ...this.progress(),
      nodes: { seen: this.nodes.size, ready: this.readyCount },
      watches: { pods: { ...this.podWatch.stats }, nodes: { ...this.nodeWatch.stats } },
      listenerErrors: this.listenerErrorCount,
    };
  }

  /**
   * Create one pod bound to `node` (scenario churn); the watch times it like the bulk creations.
   * With `configMap` it mounts that ConfigMap, so cloudcore sends the node the ConfigMap's changes.
   */
  async createPod(namespace: string, node: string, name: string, configMap?: string): Promise<{ uid: string; resourceVersion: string; atMs: number }> {
    this.namespaces.add(namespace);
    const createdAtMs = Date.now();
    let created;
    try {
      created = await this.http.core.createNamespacedPod({ namespace, body: podManifest({ name, namespace, node, ...(configMap ? { configMap } : {}) }) });
    } catch (error) {
      this.createFailedCount += 1;
      throw error;
    }
    const uid = created.metadata?.uid ?? '';
    const resourceVersion = created.metadata?.resourceVersion ?? '';
    this.podCreated(uid, name, namespace, node, createdAtMs, resourceVersion);
    return { uid, resourceVersion, atMs: createdAtMs };
  }

  /** `node`'s ConfigMap, made if the driver has none yet: its name, uid and resourceVersion. */
  async nodeConfigMap(namespace: string, node: string): Promise<{ name: string; uid: string; resourceVersion: string }> {
    this.namespaces.add(namespace);
    await this.createConfigMap(namespace, node);
    const name = configMapName(node);
    const object = this.configMaps.get(`${namespace}/${name}`)!.object;
    return { name, uid: object.metadata?.uid ?? '', resourceVersion: object.metadata?.resourceVersion ?? '' };
  }

  /** Bump one node's ConfigMap (a full PUT); null when the driver made none for that node. */
  async updateNodeConfigMap(namespace: string, node: string): Promise<{ name: string; uid: string; resourceVersion: string; atMs: number } | null> {
    const name = configMapName(node);
    const track = this.configMaps.get(`${namespace}/${name}`);
    if (!track) return null;
    const atMs = Date.now();
    const replaced = await this.replaceConfigMap(namespace, name, track);
    const update = { name, uid: replaced.metadata?.uid ?? '', resourceVersion: replaced.metadata?.resourceVersion ?? '', atMs };
    this.emit({ kind: 'configmap-updated', namespace, node, ...update });
    return update;
  }

  /** Change one pod's metadata (a label bump): a new resourceVersion cloudcore must deliver to the node. */
  async touchPod(namespace: string, name: string, revision: number): Promise<{ resourceVersion: string; atMs: number }> {
    const atMs = Date.now();
    const patched = await this.http.core.patchNamespacedPod(
      { namespace, name, body: { metadata: { labels: { 'twinlab.io/revision': String(revision) } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return { resourceVersion: patched.metadata?.resourceVersion ?? '', atMs };
  }

  /** Delete one pod (grace period 0 unless given); the node must see the deletion. */
  async deletePod(namespace: string, name: string, gracePeriodSeconds = 0): Promise<{ atMs: number }> {
    const atMs = Date.now();
    await this.http.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds });
    const uid = this.podUids.get(`${namespace}/${name}`);
    if (uid) this.emit({ kind: 'pod-delete-requested', uid, name, atMs });
    return { atMs };
  }

  /** Stop arrivals, close the watches and the connection pool. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await Promise.all([this.podWatch.stop(), this.nodeWatch.stop()]);
    this.http.close();
  }

  // ── writes ──────────────────────────────────────────────────────────────────────────────────

  private async createConfigMap(namespace: string, node: string): Promise<void> {
    const name = configMapName(node);
    const key = `${namespace}/${name}`;
    if (this.configMaps.has(key)) return;
    let object: V1ConfigMap;
    try {
      object = await this.http.core.createNamespacedConfigMap({ namespace, body: configMapManifest(name, namespace, node, 1) });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      object = await this.http.core.readNamespacedConfigMap({ namespace, name });
    }
    this.configMaps.set(key, { node, object, revision: Number(object.data?.[REVISION_KEY] ?? '1') || 1 });
  }

  private async createSecret(namespace: string, node: string): Promise<void> {
    const name = secretName(node);
    const key = `${namespace}/${name}`;
    if (this.secrets.has(key)) return;
    try {
      await this.http.core.createNamespacedSecret({ namespace, body: secretManifest(name, namespace, node) });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
    this.secrets.add(key);
  }

  private async replaceConfigMap(namespace: string, name: string, track: ConfigMapTrack): Promise<V1ConfigMap> {
    const put = (base: V1ConfigMap): Promise<V1ConfigMap> =>
      this.http.core.replaceNamespacedConfigMap({
        namespace,
        name,
        body: { ...base, data: { ...base.data, [REVISION_KEY]: String(track.revision + 1) } },
      });
    let replaced: V1ConfigMap;
    try {
      replaced = await put(track.object);
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      const current = await this.http.core.readNamespacedConfigMap({ namespace, name });
      track.revision = Number(current.data?.[REVISION_KEY] ?? track.revision) || track.revision;
      replaced = await put(current);
    }
    track.object = replaced;
    track.revision += 1;
    return replaced;
  }

  // ── watch handlers ──────────────────────────────────────────────────────────────────────────

  private podCreated(uid: string, name: string, namespace: string, node: string, createdAtMs: number, resourceVersion: string): void {
    this.createdCount += 1;
    let track = this.pods.get(uid);
    if (!track) {
      track = { uid, name, namespace, node, createdAtMs, runningAtMs: undefined, deleteRequestedAtMs: undefined };
      this.pods.set(uid, track);
      this.podUids.set(`${namespace}/${name}`, uid);
    } else {
      track.createdAtMs = createdAtMs;
    }
    this.emit({ kind: 'pod-created', uid, name, namespace, node, createdAtMs, resourceVersion });
    // The watch can see Running before the POST's answer is read.
    if (track.runningAtMs !== undefined) this.startupObserved(track);
  }

  private onPod(obj: unknown, atMs: number): void {
    const v = readPod(obj);
    if (!v) return;
    let track = this.pods.get(v.uid);
    if (!track) {
      track = { uid: v.uid, name: v.name, namespace: v.namespace, node: v.node, createdAtMs: undefined, runningAtMs: undefined, deleteRequestedAtMs: undefined };
      this.pods.set(v.uid, track);
      this.podUids.set(`${v.namespace}/${v.name}`, v.uid);
    }
    if (v.phase === 'Running' && track.runningAtMs === undefined) {
      track.runningAtMs = atMs;
      this.emit({ kind: 'pod-running-observed', uid: v.uid, name: v.name, node: v.node, atMs });
      if (track.createdAtMs !== undefined) this.startupObserved(track);
    }
  }

  private startupObserved(track: PodTrack): void {
    this.runningCount += 1;
    this.startup.add(Math.max(0, track.runningAtMs! - track.createdAtMs!));
  }

  private onPodGone(obj: unknown, atMs: number): void {
    const v = readPod(obj);
    if (!v) return;
    const track = this.pods.get(v.uid);
    this.pods.delete(v.uid);
    if (this.podUids.get(`${v.namespace}/${v.name}`) === v.uid) this.podUids.delete(`${v.namespace}/${v.name}`);
    if (track?.createdAtMs !== undefined) this.deletedCount += 1;
    if (track?.deleteRequestedAtMs !== undefined) this.deletion.add(Math.max(0, atMs - track.deleteRequestedAtMs));
    this.emit({ kind: 'pod-deleted-observed', uid: v.uid, name: v.name, atMs });
  }

  private onNode(obj: unknown, atMs: number): void {
    const v = readNode(obj);
    if (!v) return;
    let s = this.nodes.get(v.name);
    if (!s) {
      s = { ready: false, everReady: false };
      this.nodes.set(v.name, s);
    }
    if (v.ready === 'True' && !s.ready) {
      const first = !s.everReady;
      s.ready = true;
      s.everReady = true;
      this.readyCount += 1;
      this.emit({ kind: 'node-ready-observed', name: v.name, atMs, first });
    } else if (v.ready !== 'True' && s.ready) {
      s.ready = false;
      this.readyCount -= 1;
      this.emit({ kind: 'node-notready-observed', name: v.name, atMs, status: v.ready });
    }
  }

  private onNodeGone(obj: unknown, atMs: number): void {
    const v = readNode(obj);
    if (!v) return;
    const s = this.nodes.get(v.name);
    this.nodes.delete(v.name);
    if (s?.ready) {
      this.readyCount -= 1;
      this.emit({ kind: 'node-notready-observed', name: v.name, atMs, status: 'deleted' });
    }
  }

  private emit(event: WorkloadEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        this.listenerErrorCount += 1;
      }
    }
  }

  // ── lists for the informers ─────────────────────────────────────────────────────────────────

  private listPods(): Promise<ListPage> {
    return listAllPages((cont) => this.http.core.listPodForAllNamespaces({ labelSelector: MANAGED_SELECTOR, limit: LIST_PAGE, _continue: cont }));
  }

  private listNodes(): Promise<ListPage> {
    return listAllPages((cont) => this.http.core.listNode({ labelSelector: EDGE_NODE_SELECTOR, limit: LIST_PAGE, _continue: cont }));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
