/**
 * A run's devices: the fake devices it starts (nodes × perNode, on 127.0.0.1 in this process),
 * the DeviceModels and Devices binding them to the nodes — through the API server with the device
 * workload for real clouds, through the peer's commands for the loopback test peer — the faults
 * and desired values a scenario puts on them, and the `devices` events that carry the workload's
 * timings to the summary every few seconds, so a killed run keeps what it measured.
 */
import type { ControlPlane } from '../cloud/control-plane.js';
import { nodeName, type ShardEvent } from '../fleet/ipc-messages.js';
import type { RunEvent } from '../model/run-events.js';
import type { DeviceWorkloadTimings, DevicesSetup } from '../model/devices-section.js';
import type { FleetDeviceCounters, ScenarioDevicesPort } from '../scenario/device-phase.js';
import type { NodeRange } from '../scenario/scenario-loader.js';
import type { DeviceFaultSpec } from '../scenario/scenario-schema.js';
import { deviceName, type DeviceCycles } from '../workload/device-objects.js';
import { DeviceWorkload } from '../workload/device-workload.js';
import { ConfigInvalidError } from '../errors.js';
import type { DevicesConfig } from '../scenario/scenario-schema.js';
import { startFakeDeviceFleet, type FakeDeviceFleet } from './fake-device-fleet.js';
import type { SimOptions } from './sim-options.js';
import { LoopbackDeviceTracker } from './loopback-device-tracker.js';

export interface RunDevicesOptions {
  protocol: 'modbus' | 'onvif';
  perNode: number;
  nodes: number;
  namePrefix: string;
  layout: 'unit-ids' | 'ports';
  seed: number;
  cycles: DeviceCycles;
  /** Where every device object goes. */
  namespace: string;
}

/** Latency samples recorded per kind at most (the rest are not recorded). */
const SAMPLE_CAP = 200_000;
const FLUSH_MS = 2000;
/** Devices created per second through the API server, and in flight at most. */
const API_CREATE_RATE = 50;
const API_CONCURRENCY = 16;

/** Devices asked for on the command line alone get the built-in devices scenario's settings. */
const FLAG_DEVICES: Omit<DevicesConfig, 'perNode' | 'protocol'> = { collectCycle: 20_000, reportCycle: 20_000, stateReportCycle: 60_000, layout: 'unit-ids', seed: 1 };

/**
 * The run's devices: the scenario's `devices` section, with `--devices-per-node` over its
 * perNode; or, without one, `--devices-per-node`/`--device-protocol` with the built-in scenario's
 * cycles (scaled by `--time-scale` like edgecore's intervals). Undefined: no devices.
 */
export function runDevicesConfig(o: SimOptions, fromScenario: DevicesConfig | undefined): DevicesConfig | undefined {
  const perNode = o.devicesPerNode > 0 ? o.devicesPerNode : undefined;
  if (fromScenario) {
    if (o.explicit.has('device-protocol') && o.deviceProtocol !== fromScenario.protocol) {
      throw new ConfigInvalidError(`--device-protocol ${o.deviceProtocol}: the scenario's devices are ${fromScenario.protocol} (its phases were checked against that)`, { option: '--device-protocol' });
    }
    return perNode ? { ...fromScenario, perNode } : fromScenario;
  }
  if (!perNode) return undefined;
  const scale = (ms: number): number => Math.max(50, Math.round(ms * o.timeScale));
  const d = FLAG_DEVICES;
  return { ...d, collectCycle: scale(d.collectCycle), reportCycle: scale(d.reportCycle), stateReportCycle: scale(d.stateReportCycle), perNode, protocol: o.deviceProtocol };
}

/** The two ways Devices are made and timed: the device workload (API server) or the loopback tracker. */
type Binder =
  | { via: 'api'; workload: DeviceWorkload }
  | { via: 'loopback'; tracker: LoopbackDeviceTracker };

export class RunDevices {
  private bound: Promise<void> | undefined;
  private readonly cursors = { reportToApiMs: 0, desiredToReportedMs: 0, desiredToDeviceWriteMs: 0, errors: 0 };
  private flushTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly o: RunDevicesOptions,
    private readonly fleet: FakeDeviceFleet,
    private readonly binder: Binder,
    private readonly record: (e: RunEvent) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Start the fake devices (and, for a real cloud, the device workload's watch); records `devices-setup`. */
  static async start(o: RunDevicesOptions, cloud: ControlPlane, record: (e: RunEvent) => void, log: (line: string) => void): Promise<RunDevices> {
    const count = o.nodes * o.perNode;
    const fleet = await startFakeDeviceFleet({ protocol: o.protocol, count, layout: o.layout, seed: o.seed });
    let binder: Binder;
    try {
      if (cloud.workload) binder = { via: 'loopback', tracker: new LoopbackDeviceTracker(cloud.workload, o.namespace, SAMPLE_CAP) };
      else {
        if (!cloud.kubeconfigPath) throw new Error(`devices need the API server of the ${cloud.provider} cloud (no kubeconfig)`);
        const workload = await DeviceWorkload.open({ kubeconfigPath: cloud.kubeconfigPath, namespace: o.namespace, kubeedgeVersion: cloud.kubeedgeVersion, sampleCap: SAMPLE_CAP });
        binder = { via: 'api', workload };
      }
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    const d = new RunDevices(o, fleet, binder, record, log);
    const setup: DevicesSetup = { protocol: o.protocol, perNode: o.perNode, devices: count, via: binder.via };
    record({ t: 'devices-setup', atMs: Date.now(), setup });
    log(`devices: ${count} fake ${o.protocol} devices on 127.0.0.1 (${o.perNode} per node${o.protocol === 'modbus' ? `, ${o.layout}` : ''}), bound through the ${binder.via === 'api' ? 'API server' : 'loopback peer'}`);
    return d;
  }

  get expected(): number {
    return this.fleet.count;
  }

  /** Create the DeviceModels and Devices (once); device i goes to node i mod nodes. */
  bind(): Promise<void> {
    this.bound ??= this.create();
    return this.bound;
  }

  /** The shards' events (desired values written to devices). */
  onShardEvents(events: readonly ShardEvent[]): void {
    if (this.binder.via === 'api') this.binder.workload.onShardEvents(events);
    else this.binder.tracker.onShardEvents(events);
  }

  /** Device indices bound to the nodes of `range`. */
  devicesOf(range: NodeRange): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.fleet.count; i++) {
      const node = i % this.o.nodes;
      if (node >= range.first && node < range.first + range.count) out.push(i);
    }
    return out;
  }

  setFault(range: NodeRange, fault: DeviceFaultSpec | undefined): number {
    const devices = this.devicesOf(range);
    for (const i of devices) this.fleet.setFault(i, fault);
    return devices.length;
  }

  async setDesired(range: NodeRange, property: string, value: string): Promise<number> {
    await this.bind();
    const names = this.devicesOf(range).map((i) => this.nameOf(i));
    if (this.binder.via === 'loopback') return this.binder.tracker.setDesired(names, property, value);
    const r = await this.binder.workload.setDesired({ property, value, devices: names, ratePerSecond: API_CREATE_RATE, concurrency: API_CONCURRENCY, model: 'paced' });
    for (const e of r.errors) this.log(`devices: desired: ${e}`);
    return r.set;
  }

  desiredPending(): number {
    return this.binder.via === 'api' ? this.binder.workload.desiredPending : this.binder.tracker.desiredPending;
  }

  /** The scenario engine's view, with the fleet's device counters from `counters`. */
  port(counters: () => FleetDeviceCounters | undefined): ScenarioDevicesPort {
    return {
      expected: this.expected,
      bind: () => this.bind(),
      created: () => this.timings().created,
      counters,
      setFault: (range, fault) => this.setFault(range, fault),
      setDesired: (range, property, value) => this.setDesired(range, property, value),
      desiredPending: () => this.desiredPending(),
    };
  }

  /**
   * Record the last timings, stop timing, delete the device objects when asked (an attached
   * cluster outlives the run), and stop the fake devices. Call after the fleet has stopped, so the
   * mappers do not count the devices going away as read errors.
   */
  async stop(deleteObjects: boolean): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flush();
    if (this.binder.via === 'loopback') this.binder.tracker.stop();
    else {
      if (deleteObjects) await this.binder.workload.deleteAll().catch((e: unknown) => this.log(`devices: cleaning up: ${e instanceof Error ? e.message : String(e)}`));
      await this.binder.workload.stop();
    }
    await this.fleet.stop();
  }

  private nameOf(index: number): string {
    return deviceName(nodeName(this.o.namePrefix, index % this.o.nodes), Math.floor(index / this.o.nodes));
  }

  private async create(): Promise<void> {
    const endpoints = Array.from({ length: this.fleet.count }, (_, i) => this.fleet.endpoint(i));
    const nodes = Array.from({ length: this.o.nodes }, (_, i) => nodeName(this.o.namePrefix, i));
    const t0 = Date.now();
    this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
    this.flushTimer.unref?.();
    if (this.binder.via === 'loopback') await this.binder.tracker.createDevices(endpoints, nodes, this.o.cycles);
    else {
      await this.binder.workload.ensureNamespace();
      // Paced: a Device that fell due while the API was slow must still be made, later.
      const r = await this.binder.workload.createDevices({ endpoints, nodes, ...this.o.cycles, ratePerSecond: API_CREATE_RATE, concurrency: API_CONCURRENCY, model: 'paced' });
      for (const e of r.errors) this.log(`devices: ${e}`);
    }
    const t = this.timings();
    this.log(`devices: ${t.created} created${t.createFailed > 0 ? `, ${t.createFailed} failed` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    this.flush();
  }

  private timings(): DeviceWorkloadTimings {
    return this.binder.via === 'api' ? this.binder.workload.timings() : this.binder.tracker.timings();
  }

  /** A `devices` event: counts so far, samples and errors since the previous one. */
  private flush(): void {
    const t = this.timings();
    const c = this.cursors;
    const fresh = (values: readonly number[], from: number): number[] => values.slice(from);
    this.record({
      t: 'devices',
      atMs: Date.now(),
      created: t.created,
      createFailed: t.createFailed,
      desiredSet: t.desiredSet,
      desiredWritten: t.desiredWritten,
      desiredShown: t.desiredShown,
      reportToApiMs: fresh(t.reportToApiMs, c.reportToApiMs),
      desiredToReportedMs: fresh(t.desiredToReportedMs, c.desiredToReportedMs),
      desiredToDeviceWriteMs: fresh(t.desiredToDeviceWriteMs, c.desiredToDeviceWriteMs),
      errors: t.errors.slice(c.errors),
      fakeDevices: this.fleet.totals(),
    });
    // Past the workload's sample cap its arrays stop growing (a reservoir replaces entries): nothing new is recorded then.
    c.reportToApiMs = t.reportToApiMs.length;
    c.desiredToReportedMs = t.desiredToReportedMs.length;
    c.desiredToDeviceWriteMs = t.desiredToDeviceWriteMs.length;
    c.errors = t.errors.length;
  }
}
