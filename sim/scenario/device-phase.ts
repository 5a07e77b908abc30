/**
 * The device side of a scenario: binding the run's fake devices to the nodes once the ramp is
 * done, and `devices` phases — faults on the fake devices of a group (recorded on the fault
 * timeline as `device-latency`, `device-exception`, `device-soap-fault`, `device-drop`) and
 * desired values whose round trip the phase times. Runs in the main process; it reaches the
 * devices only through the port below.
 */
import { errorTotal, type DeviceCountersSnapshot } from '../edge/device-twin/device-counters.js';
import type { RunEvent } from '../model/run-events.js';
import type { NodeRange } from './scenario-loader.js';
import type { DeviceFaultSpec, DevicesPhase } from './scenario-schema.js';

export interface ScenarioDevicesPort {
  /** Devices the run binds to its nodes (nodes × perNode). */
  readonly expected: number;
  /** Create the DeviceModels and Devices; a second call waits for the first. */
  bind(): Promise<void>;
  /** Devices the cloud accepted so far. */
  created(): number;
  /** The fleet's device counters from the latest shard snapshots (about once a second each). */
  counters(): FleetDeviceCounters | undefined;
  /** Set (or clear, with undefined) a fault on the fake devices bound to the nodes of `range`; returns how many. */
  setFault(range: NodeRange, fault: DeviceFaultSpec | undefined): number;
  /** Set a property's desired value on every device bound to `range`; resolves with how many were set. */
  setDesired(range: NodeRange, property: string, value: string): Promise<number>;
  /** Desired values set and not yet shown by a report. */
  desiredPending(): number;
}

export interface FleetDeviceCounters {
  counters: DeviceCountersSnapshot;
  /** When the oldest and the newest of the shard snapshots summed here were taken (wall ms). */
  oldestMs: number;
  newestMs: number;
}

/** What a devices phase borrows from the scenario runner. */
export interface DevicePhaseContext {
  group(name: string): NodeRange;
  record(event: RunEvent): void;
  log(line: string): void;
  interrupted(): boolean;
  sleep(ms: number): Promise<void>;
  /** Poll until true or `timeoutMs`; the seconds it took, null on timeout or interrupt. */
  waitFor(done: () => boolean, timeoutMs: number): Promise<number | null>;
}

interface ActiveDeviceFault {
  range: NodeRange;
  /** The fault-timeline records it started, one per kind. */
  ids: string[];
}

const POLL_MS = 250;

export class DevicePhases {
  private seq = 0;
  private readonly active = new Map<string, ActiveDeviceFault>();

  constructor(
    private readonly port: ScenarioDevicesPort,
    private readonly ctx: DevicePhaseContext,
  ) {}

  /** After the ramp: bind the devices and wait (up to `timeoutMs`) until every one has a mapper on its node. */
  async afterRamp(timeoutMs: number): Promise<Record<string, number | null>> {
    if (this.ctx.interrupted()) return {};
    await this.port.bind();
    // Devices the cloud refused never reach a node: wait for the ones it accepted (devices_created tells the rest).
    const want = this.port.created();
    const onNodes = await this.ctx.waitFor(() => (this.port.counters()?.counters.devices ?? 0) >= want, timeoutMs);
    this.ctx.log(`devices: ${this.port.counters()?.counters.devices ?? 0} of ${want} created on nodes${want < this.port.expected ? ` (${this.port.expected} asked for)` : ''}`);
    return { devicesOnNodesS: onNodes };
  }

  async run(phase: DevicesPhase & { name: string }): Promise<Record<string, number | null>> {
    await this.port.bind();
    const range = this.ctx.group(phase.group);
    const t0 = Date.now();
    const end = t0 + phase.duration;
    const out: Record<string, number | null> = {};
    const faultId = phase.fault && hasEffect(phase.fault) ? this.apply(phase.name, phase.group, range, phase.fault) : undefined;

    let desiredAt: number | undefined;
    if (phase.desired && !this.ctx.interrupted()) {
      desiredAt = Date.now();
      const set = await this.port.setDesired(range, phase.desired.property, phase.desired.value);
      this.ctx.log(`devices: desired ${phase.desired.property}=${phase.desired.value} set on ${set} devices`);
      out.desiredShownS = null;
    }
    // Sleep out the phase, noting when every desired value has come back in a report.
    while (Date.now() < end && !this.ctx.interrupted()) {
      if (desiredAt !== undefined && out.desiredShownS === null && this.port.desiredPending() === 0) out.desiredShownS = since(desiredAt);
      await this.ctx.sleep(Math.min(POLL_MS, Math.max(0, end - Date.now())));
    }
    if (faultId !== undefined) {
      const clearedAt = Date.now();
      this.clear(faultId);
      out.readsRecoveredS = await this.readsRecovered(clearedAt, phase.timeout);
    }
    if (desiredAt !== undefined && out.desiredShownS === null) {
      const left = Math.max(0, desiredAt + phase.timeout - Date.now());
      const took = await this.ctx.waitFor(() => this.port.desiredPending() === 0, left);
      out.desiredShownS = took === null ? null : since(desiredAt);
    }
    return out;
  }

  /** Clear every device fault still in force (end of the timeline, or a failed or interrupted run). */
  clearAll(): void {
    for (const id of [...this.active.keys()]) this.clear(id);
  }

  private apply(phase: string, group: string, range: NodeRange, fault: DeviceFaultSpec): string {
    const id = `${phase}-devices-${++this.seq}`;
    const devices = this.port.setFault(range, fault);
    const atMs = Date.now();
    const ids: string[] = [];
    for (const part of describeDeviceFault(fault, devices)) {
      const partId = `${id}-${part.kind.replace(/^device-/, '')}`;
      ids.push(partId);
      this.ctx.record({ t: 'fault-start', atMs, id: partId, phase, kind: part.kind, detail: part.detail, group, nodes: range.count });
    }
    this.active.set(id, { range, ids });
    this.ctx.log(`devices: fault on ${devices} devices of ${group}: ${describeDeviceFault(fault, devices).map((p) => p.detail).join('; ')}`);
    return id;
  }

  private clear(id: string): void {
    const f = this.active.get(id);
    if (!f) return;
    this.active.delete(id);
    this.port.setFault(f.range, undefined);
    const atMs = Date.now();
    for (const partId of f.ids) this.ctx.record({ t: 'fault-end', atMs, id: partId });
  }

  /**
   * Seconds from `sinceMs` until a stretch of the fleet's counters wholly after it shows reads and
   * no read error: a base once every shard has snapshotted since `sinceMs`, then the first sum in
   * which every shard has snapshotted again with more reads and no more errors (more errors move
   * the base on). Snapshot resolution: a second or two.
   */
  private async readsRecovered(sinceMs: number, timeoutMs: number): Promise<number | null> {
    let base: FleetDeviceCounters | undefined;
    const took = await this.ctx.waitFor(() => {
      const now = this.port.counters();
      if (!now || now.oldestMs < sinceMs) return false;
      if (!base || errorTotal(now.counters.readErrors) > errorTotal(base.counters.readErrors)) {
        if (!base || now.oldestMs > base.newestMs) base = now;
        return false;
      }
      return now.oldestMs > base.newestMs && now.counters.reads > base.counters.reads;
    }, timeoutMs);
    return took === null ? null : since(sinceMs);
  }
}

/** A fault with nothing in it does nothing and is not recorded. */
function hasEffect(f: DeviceFaultSpec): boolean {
  return (f.latency ?? 0) > 0 || (f.jitter ?? 0) > 0 || (f.exceptionRate ?? 0) > 0 || (f.soapFaultRate ?? 0) > 0 || (f.dropRate ?? 0) > 0;
}

/** One fault-timeline entry per kind of misbehaviour in `f`. */
export function describeDeviceFault(f: DeviceFaultSpec, devices: number): Array<{ kind: string; detail: string }> {
  const pct = (rate: number): string => `${Math.round(rate * 1000) / 10} %`;
  const on = `on ${devices} device${devices === 1 ? '' : 's'}`;
  const out: Array<{ kind: string; detail: string }> = [];
  if ((f.latency ?? 0) > 0 || (f.jitter ?? 0) > 0) {
    out.push({ kind: 'device-latency', detail: `answers ${f.latency ?? 0}${f.jitter ? `+0…${f.jitter}` : ''} ms later ${on}` });
  }
  if ((f.exceptionRate ?? 0) > 0) out.push({ kind: 'device-exception', detail: `Modbus exception 0x04 on ${pct(f.exceptionRate!)} of requests ${on}` });
  if ((f.soapFaultRate ?? 0) > 0) out.push({ kind: 'device-soap-fault', detail: `SOAP fault on ${pct(f.soapFaultRate!)} of requests ${on}` });
  if ((f.dropRate ?? 0) > 0) out.push({ kind: 'device-drop', detail: `connection dropped on ${pct(f.dropRate!)} of requests ${on}` });
  return out;
}

function since(t0: number): number {
  return Math.round((Date.now() - t0) / 100) / 10;
}
