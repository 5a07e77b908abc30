/**
 * Devices phases against a fake port: fault-timeline records per kind of misbehaviour, faults
 * cleared at the end (or by clearAll), reads recovered only once a stretch of snapshots wholly
 * after the clear is clean, and the desired round trip of a group.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { emptyDeviceCounters } from '../edge/device-twin/device-counters.js';
import type { RunEvent } from '../model/run-events.js';
import { DevicePhases, describeDeviceFault, type FleetDeviceCounters, type ScenarioDevicesPort } from './device-phase.js';
import type { NodeRange } from './scenario-loader.js';
import type { DeviceFaultSpec, DevicesPhase } from './scenario-schema.js';

const GROUP: NodeRange = { first: 2, count: 3 };

/** Snapshots every 50 ms: reads always, a read error in each while `failing()` holds. */
class FakeDevices implements ScenarioDevicesPort {
  readonly expected = 10;
  readonly faults: Array<[NodeRange, DeviceFaultSpec | undefined]> = [];
  bound = 0;
  pending = 0;
  failing: () => boolean = () => this.faults.at(-1)?.[1] !== undefined;
  private latest: FleetDeviceCounters | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const c = this.latest?.counters ?? { ...emptyDeviceCounters(), devices: this.expected };
      const next = { ...c, reads: c.reads + 5, readErrors: { ...c.readErrors, exception: c.readErrors.exception + (this.failing() ? 1 : 0) } };
      // The fleet's sum spans two shards' snapshots taken 20 ms apart.
      this.latest = { counters: next, oldestMs: Date.now() - 20, newestMs: Date.now() };
    }, 50);
  }

  async bind(): Promise<void> {
    this.bound += 1;
  }
  created(): number {
    return this.bound > 0 ? this.expected : 0;
  }
  counters(): FleetDeviceCounters | undefined {
    return this.latest;
  }
  setFault(range: NodeRange, fault: DeviceFaultSpec | undefined): number {
    this.faults.push([range, fault]);
    return range.count * 2;
  }
  async setDesired(range: NodeRange): Promise<number> {
    this.pending = range.count * 2;
    setTimeout(() => (this.pending = 0), 300);
    return this.pending;
  }
  desiredPending(): number {
    return this.pending;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

const ports: FakeDevices[] = [];
afterEach(() => ports.splice(0).forEach((p) => p.stop()));

function phases(): { port: FakeDevices; events: RunEvent[]; runner: DevicePhases; interrupt: () => void } {
  const port = new FakeDevices();
  let interrupted = false;
  ports.push(port);
  const events: RunEvent[] = [];
  const runner = new DevicePhases(port, {
    group: () => GROUP,
    record: (e) => events.push(e),
    log: () => undefined,
    interrupted: () => interrupted,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    waitFor: async (done, timeoutMs) => {
      const t0 = Date.now();
      for (;;) {
        if (done()) return (Date.now() - t0) / 1000;
        if (interrupted || Date.now() - t0 >= timeoutMs) return null;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  });
  return { port, events, runner, interrupt: () => (interrupted = true) };
}

const phase = (extra: Partial<DevicesPhase>): DevicesPhase & { name: string } => ({ phase: 'devices', name: 'dev', group: 'east', duration: 300, timeout: 2000, ...extra });

describe('devices phases', () => {
  it('puts the fault on the group, records one timeline entry per kind, clears it and times the reads back', async () => {
    const { port, events, runner } = phases();
    const fault = { latency: 200, exceptionRate: 0.1, dropRate: 0.02 };
    const out = await runner.run(phase({ fault }));
    expect(port.bound).toBe(1);
    expect(port.faults).toEqual([
      [GROUP, fault],
      [GROUP, undefined],
    ]);
    const starts = events.filter((e): e is Extract<RunEvent, { t: 'fault-start' }> => e.t === 'fault-start');
    expect(starts.map((e) => [e.kind, e.group, e.nodes])).toEqual([
      ['device-latency', 'east', 3],
      ['device-exception', 'east', 3],
      ['device-drop', 'east', 3],
    ]);
    expect(starts[0]!.detail).toBe('answers 200 ms later on 6 devices');
    const ends = events.filter((e) => e.t === 'fault-end').map((e) => (e as { id: string }).id);
    expect(ends).toEqual(starts.map((e) => e.id));
    expect(out.readsRecoveredS).not.toBeNull();
    // A base snapshot wholly after the clear, then a newer one: at least two snapshot periods.
    expect(out.readsRecoveredS!).toBeGreaterThanOrEqual(0.1);
  });

  it('says never when reads keep failing after the clear', async () => {
    const { port, runner } = phases();
    port.failing = () => true;
    const out = await runner.run(phase({ fault: { exceptionRate: 1 }, timeout: 400 }));
    expect(out).toEqual({ readsRecoveredS: null });
  });

  it('times a desired value until every device of the group shows it', async () => {
    const { runner, events } = phases();
    const out = await runner.run(phase({ desired: { property: 'humidity', value: '55.5' }, duration: 100 }));
    expect(out.desiredShownS).toBeGreaterThanOrEqual(0.2);
    expect(out.desiredShownS).toBeLessThan(1.5);
    expect(events).toEqual([]);
  });

  it('waits after the ramp until every device has a mapper on its node', async () => {
    const { runner } = phases();
    const out = await runner.afterRamp(2000);
    expect(out.devicesOnNodesS).not.toBeNull();
  });

  it('clearAll ends a fault still in force', async () => {
    const { port, events, runner, interrupt } = phases();
    const run = runner.run(phase({ fault: { latency: 100 }, duration: 5000 }));
    await new Promise((r) => setTimeout(r, 100));
    runner.clearAll();
    expect(port.faults.map(([, f]) => f)).toEqual([{ latency: 100 }, undefined]);
    expect(events.map((e) => e.t)).toEqual(['fault-start', 'fault-end']);
    interrupt();
    expect(await run).toEqual({ readsRecoveredS: null });
    expect(port.faults).toHaveLength(2);
  });

  it('describes ONVIF faults in their own words', () => {
    expect(describeDeviceFault({ latency: 50, soapFaultRate: 0.25, dropRate: 0.5 }, 1).map((p) => `${p.kind}: ${p.detail}`)).toEqual([
      'device-latency: answers 50 ms later on 1 device',
      'device-soap-fault: SOAP fault on 25 % of requests on 1 device',
      'device-drop: connection dropped on 50 % of requests on 1 device',
    ]);
  });
});
