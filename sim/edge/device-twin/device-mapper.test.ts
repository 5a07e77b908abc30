/**
 * The mapper loop's schedule on the shard wheel: one timer per device whatever its properties,
 * each property on its own collectCycle, the state on its reportCycle, ticks after a slow read
 * dropped, and a restart (Device update) starting every cycle over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceCounters } from './device-counters.js';
import { DeviceMapper, type MapperHost } from './device-mapper.js';
import { parseDevice, parseDeviceModel, type DevicePropertySpec } from './device-spec.js';
import { deviceObject, modelObject, ScriptedDevices, type PropertyInit } from './device-twin.test-kit.js';
import { TimerWheel } from '../../scheduler/timer-wheel.js';

class Host implements MapperHost {
  readonly wheel = new TimerWheel({ manual: true });
  readonly counters = new DeviceCounters();
  readonly twins: Array<{ at: number; property: string; value: string }> = [];
  readonly states: Array<{ at: number; state: string }> = [];
  readonly writes: Array<{ property: string; value: string; ok: boolean }> = [];
  reportTwin(_m: DeviceMapper, p: DevicePropertySpec, value: string): void {
    this.twins.push({ at: this.wheel.now(), property: p.name, value });
  }
  reportState(_m: DeviceMapper, state: string): void {
    this.states.push({ at: this.wheel.now(), state });
  }
  desiredWritten(_m: DeviceMapper, p: DevicePropertySpec, value: string, _r: number, ok: boolean): void {
    this.writes.push({ property: p.name, value, ok });
  }
}

const hosts: Host[] = [];
afterEach(() => hosts.splice(0).forEach((h) => h.wheel.stop()));

function spec(props: PropertyInit[], stateReport?: { reportToCloud: boolean; reportCycle: number }) {
  const model = parseDeviceModel(modelObject('m', props));
  return parseDevice(deviceObject('d1', 'm', 'vn-1', props, stateReport ? { stateReport } : {}), model)!;
}

async function step(host: Host, ms: number, by = 10): Promise<void> {
  for (let t = 0; t < ms; t += by) {
    host.wheel.advance(by);
    await Promise.resolve();
    await Promise.resolve();
  }
}

describe('DeviceMapper schedule', () => {
  it('keeps one wheel timer per device and reads each property on its own cycle', async () => {
    const host = new Host();
    hosts.push(host);
    const io = new ScriptedDevices();
    const props = [
      { name: 'fast', offset: 0, collectCycle: 1000 },
      { name: 'slow', offset: 1, collectCycle: 2500 },
      { name: 'quiet', offset: 2, collectCycle: 500, reportToCloud: false },
    ];
    const s = spec(props, { reportToCloud: true, reportCycle: 2000 });
    const m = new DeviceMapper(s, io.open(s), host);
    m.start(0);
    expect(host.wheel.size).toBe(1);
    await step(host, 5000);
    expect(host.wheel.size).toBe(1);
    expect(host.twins.filter((t) => t.property === 'fast').map((t) => t.at)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(host.twins.filter((t) => t.property === 'slow').map((t) => t.at)).toEqual([2500, 5000]);
    expect(host.twins.filter((t) => t.property === 'quiet')).toHaveLength(0);
    expect(host.states.map((x) => x.at)).toEqual([2000, 4000]);
    expect(host.states.map((x) => x.state)).toEqual(['online', 'online']);
    m.stop();
    expect(host.wheel.size).toBe(0);
    expect(host.counters.devices).toBe(0);
  });

  it('state is unknown before any I/O and offline after a failed read', async () => {
    const host = new Host();
    hosts.push(host);
    const io = new ScriptedDevices();
    const s = spec([{ name: 'p', offset: 0, collectCycle: 3000 }], { reportToCloud: true, reportCycle: 1000 });
    io.failing.set('default/d1/p', 'refused');
    const m = new DeviceMapper(s, io.open(s), host);
    m.start(0);
    await step(host, 4000);
    // the read at 3 s and the state report share a tick; the read answers after it
    expect(host.states.map((x) => x.state)).toEqual(['unknown', 'unknown', 'unknown', 'offline']);
    expect(host.counters.snapshot().readErrors.refused).toBe(1);
  });

  it('writes writable desired values at start, never ReadOnly ones', async () => {
    const host = new Host();
    hosts.push(host);
    const io = new ScriptedDevices();
    const s = spec([
      { name: 'setpoint', offset: 0, desired: '21' },
      { name: 'serial', offset: 1, desired: 'X', accessMode: 'ReadOnly' },
      { name: 'mode', offset: 2, desired: '' },
    ]);
    const m = new DeviceMapper(s, io.open(s), host);
    m.start(0);
    await step(host, 10);
    expect(io.writes).toEqual([{ device: 'default/d1', property: 'setpoint', value: '21' }]);
    expect(host.writes).toEqual([{ property: 'setpoint', value: '21', ok: true }]);
  });

  it('an update restarts every cycle from the update, as the mapper restarts the device', async () => {
    const host = new Host();
    hosts.push(host);
    const io = new ScriptedDevices();
    const props = [{ name: 'p', offset: 0, collectCycle: 1000 }];
    const s = spec(props);
    const m = new DeviceMapper(s, io.open(s), host);
    m.start(0);
    await step(host, 1500);
    m.update(spec([{ ...props[0]!, desired: '5' }]), () => io.open(s), 0);
    await step(host, 1500);
    expect(host.twins.map((t) => t.at)).toEqual([1000, 2500]);
    expect(io.writes.map((w) => w.value)).toEqual(['5']);
    expect(io.opened).toHaveLength(1); // same endpoint: the connection is kept
  });
});
