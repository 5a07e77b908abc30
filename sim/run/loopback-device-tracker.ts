/**
 * Devices on the loopback test peer, timed the way the device workload times them against an API
 * server: Devices created through the peer's commands, desired values set through them, and the
 * peer's device status polled — each twin carries the edge's read time
 * (`reported.metadata.timestamp`) and the time the peer merged it, so read → merged at the cloud
 * is exact whenever the poll sees a report; a desired value counts as shown by the first report
 * that carries it. Polling is bounded (a share of the devices per tick), so at scale the report
 * latencies are a sample. The peer is a test double: this times twinlab's own path.
 */
import type { DirectWorkload } from '../cloud/control-plane.js';
import type { LoopbackDeviceStatus } from '../cloud/loopback/loopback-devices.js';
import type { ShardEvent } from '../fleet/ipc-messages.js';
import type { DeviceWorkloadTimings } from '../model/devices-section.js';
import {
  DEFAULT_ONVIF_PROPERTIES,
  THERMOMETER_PLC_POINTS,
  deviceName,
  modbusDeviceManifest,
  modbusModelManifest,
  onvifDeviceManifest,
  onvifModelManifest,
  reportShows,
  type DeviceCycles,
} from '../workload/device-objects.js';
import type { DeviceEndpoint } from '../workload/device-workload.js';

const MODBUS_MODEL = 'twl-modbus-model';
const ONVIF_MODEL = 'twl-onvif-model';
const TICK_MS = 250;
/** Most status polls per second for report sampling (pending desired values are polled on top). */
const MAX_POLLS_PER_S = 400;
const MAX_ERRORS = 20;

interface Pending {
  property: string;
  value: string;
  setAt: number;
  written: boolean;
}

export class LoopbackDeviceTracker {
  private readonly names: string[] = [];
  /** Device name → property → the edge timestamp of the last report sampled. */
  private readonly lastReport = new Map<string, Map<string, number>>();
  private readonly pending = new Map<string, Pending>();
  private readonly reportToApi: number[] = [];
  private readonly desiredToReported: number[] = [];
  private readonly desiredToWrite: number[] = [];
  private readonly errors: string[] = [];
  private created = 0;
  private createFailed = 0;
  private desiredSet = 0;
  private desiredWritten = 0;
  private desiredShown = 0;
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private pollsPerTick = 1;

  constructor(
    private readonly peer: DirectWorkload,
    private readonly namespace: string,
    private readonly sampleCap: number,
  ) {}

  /** One Device per endpoint, endpoint i bound to `nodes[i % nodes.length]` (as the API workload binds them). */
  async createDevices(endpoints: readonly DeviceEndpoint[], nodes: readonly string[], cycles: DeviceCycles, concurrency = 16): Promise<void> {
    const ns = this.namespace;
    const modbusModel = modbusModelManifest(MODBUS_MODEL, ns, THERMOMETER_PLC_POINTS);
    const onvifModel = onvifModelManifest(ONVIF_MODEL, ns, DEFAULT_ONVIF_PROPERTIES);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < endpoints.length; i = next++) {
        const ep = endpoints[i]!;
        const node = nodes[i % nodes.length]!;
        const name = deviceName(node, Math.floor(i / nodes.length));
        const device =
          ep.protocol === 'modbus'
            ? modbusDeviceManifest({ name, namespace: ns, node, model: MODBUS_MODEL, host: ep.host, port: ep.port, unitId: ep.unitId, points: THERMOMETER_PLC_POINTS, ...cycles })
            : onvifDeviceManifest({
                name, namespace: ns, node, model: ONVIF_MODEL, host: ep.host, port: ep.port,
                userName: ep.userName, password: ep.password, properties: DEFAULT_ONVIF_PROPERTIES, ...cycles,
              });
        try {
          await this.peer.command({ kind: 'createDevice', model: ep.protocol === 'modbus' ? modbusModel : onvifModel, device });
          this.names.push(name);
          this.lastReport.set(name, new Map());
          this.created += 1;
        } catch (e) {
          this.createFailed += 1;
          this.note(e);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, worker));
    // Poll each device about twice per collect cycle, within the bound.
    const perSecond = Math.min(MAX_POLLS_PER_S, (this.names.length * 2000) / Math.max(1, cycles.collectCycleMs));
    this.pollsPerTick = Math.max(1, Math.ceil((perSecond * TICK_MS) / 1000));
    this.timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref?.();
  }

  async setDesired(names: readonly string[], property: string, value: string): Promise<number> {
    let set = 0;
    for (const name of names) {
      const setAt = Date.now();
      this.pending.set(name, { property, value, setAt, written: false });
      try {
        const r = await this.peer.command({ kind: 'setDesired', namespace: this.namespace, name, property, value });
        if (!r) throw new Error(`the peer has no device ${this.namespace}/${name}`);
        this.desiredSet += 1;
        set += 1;
      } catch (e) {
        this.pending.delete(name);
        this.note(e);
      }
    }
    return set;
  }

  get desiredPending(): number {
    return this.pending.size;
  }

  /** The shards' `device-write` events: when a desired value reached the device. */
  onShardEvents(events: readonly ShardEvent[]): void {
    for (const e of events) {
      if (e.kind !== 'device-write' || !e.ok || !e.device.startsWith(`${this.namespace}/`)) continue;
      const p = this.pending.get(e.device.slice(this.namespace.length + 1));
      if (!p || p.written || p.property !== e.property || p.value !== e.value || e.writtenAtMs < p.setAt) continue;
      p.written = true;
      this.desiredWritten += 1;
      this.add(this.desiredToWrite, e.writtenAtMs - p.setAt);
    }
  }

  timings(): DeviceWorkloadTimings {
    return {
      created: this.created,
      createFailed: this.createFailed,
      reportToApiMs: this.reportToApi,
      desiredToReportedMs: this.desiredToReported,
      desiredToDeviceWriteMs: this.desiredToWrite,
      desiredSet: this.desiredSet,
      desiredWritten: this.desiredWritten,
      desiredShown: this.desiredShown,
      errors: this.errors,
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.polling || this.names.length === 0) return;
    this.polling = true;
    try {
      const batch = new Set(this.pending.keys());
      for (let k = 0; k < this.pollsPerTick && k < this.names.length; k++) {
        batch.add(this.names[this.cursor]!);
        this.cursor = (this.cursor + 1) % this.names.length;
      }
      const statuses = await Promise.all([...batch].map((name) => this.peer.command({ kind: 'deviceStatus', namespace: this.namespace, name }).catch(() => null)));
      for (const s of statuses) if (s) this.onStatus(s);
    } finally {
      this.polling = false;
    }
  }

  private onStatus(s: LoopbackDeviceStatus): void {
    const seen = this.lastReport.get(s.name);
    if (!seen) return;
    const p = this.pending.get(s.name);
    for (const twin of s.twins) {
      const readAt = Number(twin.reported.metadata?.timestamp);
      if (twin.reportedAtMs <= 0 || !Number.isFinite(readAt) || readAt <= 0) continue;
      const last = seen.get(twin.propertyName);
      if (last !== undefined && readAt <= last) continue;
      seen.set(twin.propertyName, readAt);
      this.add(this.reportToApi, Math.max(0, twin.reportedAtMs - readAt));
      if (p && twin.propertyName === p.property && readAt >= p.setAt && twin.observedDesired.value === p.value && reportShows(twin.reported.value, p.value)) {
        this.pending.delete(s.name);
        this.desiredShown += 1;
        this.add(this.desiredToReported, twin.reportedAtMs - p.setAt);
      }
    }
  }

  /** Samples past the cap are not kept: the recorded events carry the first `sampleCap` of each kind. */
  private add(into: number[], v: number): void {
    if (into.length < this.sampleCap) into.push(v);
  }

  private note(e: unknown): void {
    const m = e instanceof Error ? e.message : String(e);
    if (this.errors.length < MAX_ERRORS && !this.errors.includes(m)) this.errors.push(m);
  }
}
