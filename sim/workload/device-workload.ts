/**
 * Devices through the real API server: DeviceModels and Devices (devices.kubeedge.io/v1beta1)
 * bound to virtual nodes by `spec.nodeName`, one per fake device endpoint, created at a set rate;
 * desired values set on them later; and a watch on where cloudcore writes what the edge reports —
 * DeviceStatus from 1.23, Device.status before — to time a device read (the twin's
 * `reported.metadata.timestamp`, stamped by the edge) to its value visible in the API, and a
 * desired value set to a report showing it. Shard events (`device-write`) add when the mapper
 * wrote the value to the device. Everything is on this machine's one clock.
 */
import { CloudUnreachableError } from '../errors.js';
import type { DeviceWorkloadTimings } from '../model/devices-section.js';
import { describeApiError, ErrorLog, isStatus } from './api-errors.js';
import { ApiLatency } from './api-latency.js';
import { runArrivals, type ArrivalModel, type ArrivalResult } from './arrival.js';
import {
  DEFAULT_ONVIF_PROPERTIES,
  DEVICES_GROUP,
  DEVICES_VERSION,
  THERMOMETER_PLC_POINTS,
  deviceName,
  modbusDeviceManifest,
  modbusModelManifest,
  onvifDeviceManifest,
  onvifModelManifest,
  readDeviceStatus,
  reportShows,
  type DeviceCycles,
  type DeviceStatusView,
  type ModbusPointSpec,
  type OnvifPropertySpec,
} from './device-objects.js';
import { KubeHttp } from './kube-http.js';
import { DEFAULT_LIST_WATCH, ListWatch, listAllPages, type ListPage, type ListResponse, type ListWatchStats } from './list-watch.js';
import { createNamespaceIfAbsent } from './namespace.js';
import { MANAGED_SELECTOR } from './workload-objects.js';
import type { ShardEvent } from '../model/shard-events.js';

export interface DeviceWorkloadOptions {
  kubeconfigPath: string;
  /** Every device object goes here. */
  namespace: string;
  /** The cloud's KubeEdge version: 1.23 writes reports to DeviceStatus, 1.21/1.22 to Device.status. */
  kubeedgeVersion: string;
  /** Deadline of one API call. Default 10 s. */
  callTimeoutMs?: number;
  maxSockets?: number;
  watchTimeoutSeconds?: number;
  /** Latency samples kept exactly per kind; past it a uniform sample is kept. Default 200 000. */
  sampleCap?: number;
}

/** Where a fake device listens. */
export type DeviceEndpoint =
  | { protocol: 'modbus'; host: string; port: number; unitId: number }
  | { protocol: 'onvif'; host: string; port: number; userName: string; password: string };

export interface CreateDevicesOptions extends DeviceCycles {
  /** One Device per endpoint, bound to `nodes` round-robin. */
  endpoints: readonly DeviceEndpoint[];
  nodes: readonly string[];
  /** The points every Modbus device serves; default fake-devices' thermometer-plc. */
  modbusPoints?: readonly ModbusPointSpec[];
  onvifProperties?: readonly OnvifPropertySpec[];
  /** Desired values at creation, by property name. */
  desired?: Readonly<Record<string, string>>;
  ratePerSecond: number;
  concurrency: number;
  /** Default `constant-arrival-rate` (a call due while `concurrency` are in flight is dropped and counted); `paced` waits for a slot, for set-up that must not skip any. */
  model?: ArrivalModel;
}

export interface CreatedDeviceRef {
  name: string;
  node: string;
  protocol: 'modbus' | 'onvif';
}

export interface CreateDevicesResult {
  run: ArrivalResult;
  devices: CreatedDeviceRef[];
  errors: string[];
}

export interface SetDesiredOptions {
  property: string;
  /** The value for the i-th device (or one value for all). */
  value: string | ((device: string, index: number) => string);
  /** Device names; default every device this workload created with the property. */
  devices?: readonly string[];
  ratePerSecond: number;
  concurrency: number;
  /** Default `constant-arrival-rate` (a call due while `concurrency` are in flight is dropped and counted); `paced` waits for a slot, for set-up that must not skip any. */
  model?: ArrivalModel;
}

export interface SetDesiredResult {
  run: ArrivalResult;
  set: number;
  errors: string[];
}

interface PendingDesired {
  value: string;
  setAt: number;
  written: boolean;
}

interface DeviceTrack {
  name: string;
  node: string;
  protocol: 'modbus' | 'onvif';
  /** Property name → index in spec.properties (for the JSON patch of its desired value). */
  props: Map<string, number>;
  /** Property → `reported.metadata.timestamp` of the last report seen. */
  lastReport: Map<string, number>;
  pending: Map<string, PendingDesired>;
  /** The status as the watch last saw it. */
  last: DeviceStatusView | undefined;
}

const LIST_PAGE = 500;
const MODBUS_MODEL = 'twl-modbus-model';
const ONVIF_MODEL = 'twl-onvif-model';

/** A bounded sample: exact up to `cap`, then a uniform reservoir (Algorithm R). */
class Samples {
  readonly values: number[] = [];
  private seen = 0;
  constructor(private readonly cap: number) {}
  add(v: number): void {
    this.seen += 1;
    if (this.values.length < this.cap) this.values.push(v);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.values[j] = v;
    }
  }
}

export class DeviceWorkload {
  private readonly tracks = new Map<string, DeviceTrack>();
  /** Every distinct failure of the workload's calls, for timings(). */
  private readonly errors = new ErrorLog();
  private readonly abort = new AbortController();
  private readonly reportToApi: Samples;
  private readonly desiredToReported: Samples;
  private readonly desiredToWrite: Samples;
  private watch: ListWatch | undefined;
  private created = 0;
  private createFailed = 0;
  private desiredSet = 0;
  private desiredWritten = 0;
  private desiredShown = 0;
  private stopped = false;
  /** `devicestatuses` (1.23) or `devices` (1.21/1.22). */
  readonly statusResource: 'devicestatuses' | 'devices';

  private constructor(
    private readonly http: KubeHttp,
    private readonly latency: ApiLatency,
    private readonly o: DeviceWorkloadOptions,
  ) {
    const minor = /^v?1\.(\d+)/.exec(o.kubeedgeVersion);
    this.statusResource = !minor || Number(minor[1]) >= 23 ? 'devicestatuses' : 'devices';
    const cap = o.sampleCap ?? 200_000;
    this.reportToApi = new Samples(cap);
    this.desiredToReported = new Samples(cap);
    this.desiredToWrite = new Samples(cap);
  }

  /** Connect, check the device CRDs are served, and start the status watch. */
  static async open(o: DeviceWorkloadOptions): Promise<DeviceWorkload> {
    const latency = new ApiLatency();
    const http = await KubeHttp.open(o.kubeconfigPath, latency, { callTimeoutMs: o.callTimeoutMs ?? 10_000, maxSockets: o.maxSockets ?? 32 });
    const w = new DeviceWorkload(http, latency, o);
    const path = `/apis/${DEVICES_GROUP}/${DEVICES_VERSION}/namespaces/${o.namespace}/${w.statusResource}`;
    w.watch = new ListWatch(
      http.kubeConfig,
      { path, ...(w.statusResource === 'devices' ? { labelSelector: MANAGED_SELECTOR } : {}), list: () => w.list() },
      { upsert: (obj, at) => w.onStatus(obj, at), remove: () => undefined },
      { ...DEFAULT_LIST_WATCH, watchTimeoutSeconds: o.watchTimeoutSeconds ?? DEFAULT_LIST_WATCH.watchTimeoutSeconds },
    );
    try {
      await w.watch.start();
    } catch (error) {
      await w.stop();
      throw new CloudUnreachableError(`the device workload could not list ${w.statusResource} (are the devices.kubeedge.io CRDs installed?): ${describeApiError(error)}`, { server: http.server }, { cause: error });
    }
    return w;
  }

  get watchStats(): ListWatchStats {
    return { ...(this.watch?.stats ?? { lists: 0, watches: 0, gone: 0, errors: 0, lastError: undefined }) };
  }

  /** Devices this workload created. */
  deviceNames(): string[] {
    return [...this.tracks.keys()];
  }

  /** Devices whose every property has a report visible in the API. */
  get fullyReported(): number {
    let n = 0;
    for (const t of this.tracks.values()) if (t.lastReport.size === t.props.size) n += 1;
    return n;
  }

  /** A device's twins and state as the API showed them last (undefined before any status). */
  status(name: string): DeviceStatusView | undefined {
    return this.tracks.get(name)?.last;
  }

  /** Desired values set and not yet shown by a report. */
  get desiredPending(): number {
    let n = 0;
    for (const t of this.tracks.values()) n += t.pending.size;
    return n;
  }

  async ensureNamespace(namespace = this.o.namespace): Promise<void> {
    await createNamespaceIfAbsent(this.http.core, namespace);
  }

  /** Create the models, then one Device per endpoint at the given rate. */
  async createDevices(o: CreateDevicesOptions): Promise<CreateDevicesResult> {
    if (o.nodes.length === 0) throw new Error('createDevices: no nodes to bind devices to');
    const ns = this.o.namespace;
    const points = o.modbusPoints ?? THERMOMETER_PLC_POINTS;
    const onvif = o.onvifProperties ?? DEFAULT_ONVIF_PROPERTIES;
    const errors = new ErrorLog();
    const note = (e: unknown): void => errors.addLine(this.errors.add(e));
    if (o.endpoints.some((e) => e.protocol === 'modbus')) await this.createModel(modbusModelManifest(MODBUS_MODEL, ns, points)).catch(note);
    if (o.endpoints.some((e) => e.protocol === 'onvif')) await this.createModel(onvifModelManifest(ONVIF_MODEL, ns, onvif)).catch(note);
    const perNode = new Map<string, number>();
    const plan = o.endpoints.map((ep, i) => {
      const node = o.nodes[i % o.nodes.length]!;
      const k = perNode.get(node) ?? 0;
      perNode.set(node, k + 1);
      return { ep, node, name: deviceName(node, k) };
    });
    const made: CreatedDeviceRef[] = [];
    const run = await runArrivals(
      { iterations: plan.length, model: o.model ?? 'constant-arrival-rate', ratePerSecond: o.ratePerSecond, concurrency: o.concurrency },
      async (i) => {
        const { ep, node, name } = plan[i]!;
        const body =
          ep.protocol === 'modbus'
            ? modbusDeviceManifest({
                name, namespace: ns, node, model: MODBUS_MODEL, host: ep.host, port: ep.port, unitId: ep.unitId, points,
                collectCycleMs: o.collectCycleMs, reportCycleMs: o.reportCycleMs, stateReportCycleMs: o.stateReportCycleMs,
                ...(o.desired ? { desired: o.desired } : {}),
              })
            : onvifDeviceManifest({
                name, namespace: ns, node, model: ONVIF_MODEL, host: ep.host, port: ep.port, userName: ep.userName, password: ep.password,
                properties: onvif, collectCycleMs: o.collectCycleMs, reportCycleMs: o.reportCycleMs, stateReportCycleMs: o.stateReportCycleMs,
              });
        const names = ep.protocol === 'modbus' ? points.map((p) => p.name) : onvif.map((p) => p.name);
        // Tracked before the POST: the watch can see the first status before the POST's answer is read.
        this.tracks.set(name, { name, node, protocol: ep.protocol, props: new Map(names.map((n, idx) => [n, idx])), lastReport: new Map(), pending: new Map(), last: undefined });
        try {
          await this.http.custom.createNamespacedCustomObject({ group: DEVICES_GROUP, version: DEVICES_VERSION, namespace: ns, plural: 'devices', body });
        } catch (error) {
          if (!isStatus(error, 409)) {
            this.tracks.delete(name);
            this.createFailed += 1;
            throw error;
          }
        }
        this.created += 1;
        made.push({ name, node, protocol: ep.protocol });
      },
      { signal: this.abort.signal, onError: (_, e) => note(e) },
    );
    return { run, devices: made, errors: errors.messages };
  }

  /**
   * Set one property's desired value on devices (a JSON patch of `spec.properties[i].desired.value`,
   * the client clock read right before it); cloudcore sends the Device down as an update.
   */
  async setDesired(o: SetDesiredOptions): Promise<SetDesiredResult> {
    const names = (o.devices ?? [...this.tracks.keys()]).filter((n) => this.tracks.get(n)?.props.has(o.property));
    const errors = new ErrorLog();
    let set = 0;
    const run = await runArrivals(
      { iterations: names.length, model: o.model ?? 'constant-arrival-rate', ratePerSecond: o.ratePerSecond, concurrency: o.concurrency },
      async (i) => {
        const name = names[i]!;
        const t = this.tracks.get(name)!;
        const value = typeof o.value === 'function' ? o.value(name, i) : o.value;
        const index = t.props.get(o.property)!;
        const setAt = Date.now();
        t.pending.set(o.property, { value, setAt, written: false });
        await this.http.custom.patchNamespacedCustomObject({
          group: DEVICES_GROUP,
          version: DEVICES_VERSION,
          namespace: this.o.namespace,
          plural: 'devices',
          name,
          body: [{ op: 'replace', path: `/spec/properties/${index}/desired/value`, value }],
        });
        this.desiredSet += 1;
        set += 1;
      },
      {
        signal: this.abort.signal,
        onError: (i, e) => {
          const t = this.tracks.get(names[i] ?? '');
          t?.pending.delete(o.property);
          errors.addLine(this.errors.add(e));
        },
      },
    );
    return { run, set, errors: errors.messages };
  }

  /** The shards' `device-write` events: when a desired value reached the device. */
  onShardEvents(events: readonly ShardEvent[]): void {
    for (const e of events) {
      if (e.kind !== 'device-write' || !e.ok) continue;
      const slash = e.device.indexOf('/');
      if (e.device.slice(0, slash) !== this.o.namespace) continue;
      const p = this.tracks.get(e.device.slice(slash + 1))?.pending.get(e.property);
      if (!p || p.written || p.value !== e.value || e.writtenAtMs < p.setAt) continue;
      p.written = true;
      this.desiredWritten += 1;
      this.desiredToWrite.add(e.writtenAtMs - p.setAt);
    }
  }

  timings(): DeviceWorkloadTimings {
    return {
      created: this.created,
      createFailed: this.createFailed,
      reportToApiMs: this.reportToApi.values,
      desiredToReportedMs: this.desiredToReported.values,
      desiredToDeviceWriteMs: this.desiredToWrite.values,
      desiredSet: this.desiredSet,
      desiredWritten: this.desiredWritten,
      desiredShown: this.desiredShown,
      errors: this.errors.messages,
    };
  }

  /** API call latency of the workload's own requests. */
  apiLatency(): ReturnType<ApiLatency['summary']> {
    return this.latency.summary();
  }

  /** Resolve when `check()` holds (re-checked every 250 ms), reject after `timeoutMs`. */
  async until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.stopped) throw new Error(`the device workload stopped while waiting for ${what}`);
      if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Delete every Device and DeviceModel with the workload's label in its namespace. */
  async deleteAll(): Promise<void> {
    const base = { group: DEVICES_GROUP, version: DEVICES_VERSION, namespace: this.o.namespace, labelSelector: MANAGED_SELECTOR };
    await this.http.custom.deleteCollectionNamespacedCustomObject({ ...base, plural: 'devices' });
    await this.http.custom.deleteCollectionNamespacedCustomObject({ ...base, plural: 'devicemodels' });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.watch?.stop();
    this.http.close();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private async createModel(body: Record<string, unknown>): Promise<void> {
    try {
      await this.http.custom.createNamespacedCustomObject({ group: DEVICES_GROUP, version: DEVICES_VERSION, namespace: this.o.namespace, plural: 'devicemodels', body });
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
  }

  private onStatus(obj: unknown, atMs: number): void {
    const s = readDeviceStatus(obj);
    if (!s) return;
    const t = this.tracks.get(s.name);
    if (!t) return;
    t.last = s;
    for (const twin of s.twins) {
      if (twin.reportedAtMs === undefined || twin.reported === undefined) continue;
      const last = t.lastReport.get(twin.property);
      if (last !== undefined && twin.reportedAtMs <= last) continue;
      t.lastReport.set(twin.property, twin.reportedAtMs);
      this.reportToApi.add(Math.max(0, atMs - twin.reportedAtMs));
      const p = t.pending.get(twin.property);
      // The restarted mapper reports the new desired value as observedDesired: the report is from after the change.
      if (p && twin.reportedAtMs >= p.setAt && twin.observedDesired === p.value && reportShows(twin.reported, p.value)) {
        t.pending.delete(twin.property);
        this.desiredShown += 1;
        this.desiredToReported.add(atMs - p.setAt);
      }
    }
  }

  private list(): Promise<ListPage> {
    return listAllPages(
      (cont) =>
        this.http.custom.listNamespacedCustomObject({
          group: DEVICES_GROUP,
          version: DEVICES_VERSION,
          namespace: this.o.namespace,
          plural: this.statusResource,
          limit: LIST_PAGE,
          ...(cont ? { _continue: cont } : {}),
          ...(this.statusResource === 'devices' ? { labelSelector: MANAGED_SELECTOR } : {}),
        }) as Promise<ListResponse>,
    );
  }
}
