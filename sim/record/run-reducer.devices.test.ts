/**
 * The devices section and the device SLIs as the reducer builds them from events alone: snapshot
 * counters split by phase, the workload's samples gathered over several `devices` events, gauges
 * from the last snapshot before the stop and counts from the final totals.
 */
import { describe, expect, it } from 'vitest';
import { RunReducer } from './run-reducer.js';
import type { RunEvent } from '../model/run-events.js';
import { T0, runStart } from './run-events.test-kit.js';
import { emptyFleetTotals, type FleetTotals } from '../model/fleet-totals.js';
import { emptyDeviceCounters, type DeviceCountersSnapshot } from '../model/device-counters-snapshot.js';


function withDevices(d: Partial<DeviceCountersSnapshot> & { exception?: number; reset?: number }): FleetTotals {
  const { exception = 0, reset = 0, ...rest } = d;
  const base = emptyDeviceCounters();
  return { ...emptyFleetTotals(), devices: { ...base, ...rest, readErrors: { ...base.readErrors, exception, reset } } };
}

function snapshot(atS: number, d: Parameters<typeof withDevices>[0]): RunEvent {
  return { t: 'snapshot', atMs: T0 + atS * 1000, totals: withDevices(d), cloudcoreConnected: null };
}

function devices(atS: number, reportToApiMs: number[], extra: Partial<Extract<RunEvent, { t: 'devices' }>> = {}): RunEvent {
  return {
    t: 'devices',
    atMs: T0 + atS * 1000,
    created: 4,
    createFailed: 0,
    desiredSet: 0,
    desiredWritten: 0,
    desiredShown: 0,
    reportToApiMs,
    desiredToReportedMs: [],
    desiredToDeviceWriteMs: [],
    errors: [],
    fakeDevices: { devices: 4, requests: 10 * atS, faultAnswers: 0, drops: 0 },
    ...extra,
  };
}

function start(): RunEvent {
  return runStart('devices', [
    { sli: 'device_report_latency_ms', threshold: 'p(99)<=100' },
    { sli: 'device_fault_device_read_errors', threshold: 'value>0' },
  ]);
}

describe('run reducer: devices', () => {
  it('builds the devices section and its SLIs from snapshots and devices events', () => {
    const r = new RunReducer();
    const events: RunEvent[] = [
      start(),
      { t: 'devices-setup', atMs: T0 + 500, setup: { protocol: 'modbus', perNode: 2, devices: 4, via: 'loopback' } },
      { t: 'phase-start', atMs: T0 + 1000, name: 'steady', kind: 'steady' },
      snapshot(1, { devices: 4, online: 4, members: 4, reads: 0 }),
      snapshot(2, { devices: 4, online: 4, members: 4, reads: 100, twinReports: 100, reportsConfirmed: 98 }),
      devices(2, [5, 6, 7]),
      { t: 'phase-start', atMs: T0 + 2500, name: 'device-fault', kind: 'devices' },
      snapshot(3, { devices: 4, online: 3, members: 4, reads: 150, twinReports: 150, exception: 5, reset: 1 }),
      { t: 'phase-start', atMs: T0 + 3500, name: 'recovery', kind: 'steady' },
      snapshot(4, { devices: 4, online: 4, members: 4, reads: 250, twinReports: 250, exception: 5, reset: 1, unconfirmed: 2 }),
      devices(4, [8, 200], { desiredSet: 4, desiredWritten: 4, desiredShown: 3, desiredToReportedMs: [900, 950, 1000], errors: ['boom'] }),
      {
        t: 'run-end',
        atMs: T0 + 5000,
        interrupted: false,
        error: null,
        // Totals after the stop: the mappers are gone (gauges 0), the counts are final.
        fleet: { totals: withDevices({ reads: 260, twinReports: 260, exception: 5, reset: 1 }), shards: [], unansweredAtStop: 0 },
        controlPlane: null,
        cloudcoreConnectedNodes: [],
        workload: null,
        workloadSlis: {},
        apiPodStartupMs: null,
        extraSlis: {},
      },
    ];
    for (const e of events) r.apply(e);
    const s = r.summary();
    const d = s.devices!;
    expect(d.setup).toEqual({ protocol: 'modbus', perNode: 2, devices: 4, via: 'loopback' });
    expect(d.devices).toEqual({ created: 4, createFailed: 0, onNodes: 4, online: 4, members: 4 });
    expect(d.reads.total).toBe(260);
    expect(d.reads.errors).toMatchObject({ exception: 5, reset: 1 });
    expect(d.reports.unconfirmedAtEnd).toBe(2);
    expect(d.latency.reportToApiMs).toMatchObject({ count: 5, max: 200 });
    expect(d.desired).toEqual({ set: 4, written: 4, shown: 3 });
    expect(d.errors).toEqual(['boom']);
    expect(d.fakeDevices).toEqual({ devices: 4, requests: 40, faultAnswers: 0, drops: 0 });
    expect(d.byPhase.map((p) => [p.phase, p.reads, p.readErrors.exception + p.readErrors.reset, p.twinReports])).toEqual([
      ['steady', 100, 0, 100],
      ['device-fault', 50, 6, 50],
      ['recovery', 100, 0, 100],
    ]);
    expect(d.byPhase[1]!.errorRatio).toBe(0.1071);
    // Rates over the last 2 s of snapshots.
    expect(d.series?.readsPerS).toEqual([0, 100, 75, 75]);
    expect(d.series?.readErrorsPerS).toEqual([0, 0, 3, 3]);

    expect(s.slis.device_report_latency_ms).toMatchObject({ count: 5, p99: 200 });
    expect(s.distributions.device_report_latency_ms?.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(s.distributions.device_desired_roundtrip_ms?.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(s.slis.device_desired_roundtrip_ms).toMatchObject({ count: 3, p50: 950 });
    expect(s.slis.devices_created).toEqual({ value: 4 });
    expect(s.slis.device_read_errors).toEqual({ value: 6 });
    expect(s.slis.device_fault_device_read_errors).toEqual({ value: 6 });
    expect(s.slis.recovery_device_read_errors).toEqual({ value: 0 });
    expect(s.slos.filter((x) => x.origin !== 'default').map((x) => [x.sli, x.value, x.pass])).toEqual([
      ['device_report_latency_ms', 200, false],
      ['device_fault_device_read_errors', 6, true],
    ]);
  });

  it('a killed run (no run-end) keeps its devices section from the snapshots and devices events that reached the disk', () => {
    const r = new RunReducer();
    const events: RunEvent[] = [
      start(),
      { t: 'devices-setup', atMs: T0 + 500, setup: { protocol: 'onvif', perNode: 1, devices: 4, via: 'api' } },
      snapshot(1, { devices: 4, online: 4, members: 4, reads: 40, twinReports: 40 }),
      devices(2, [5, 6, 7], { desiredSet: 2, desiredToReportedMs: [700] }),
      snapshot(3, { devices: 4, online: 3, members: 4, reads: 90, twinReports: 90, reset: 2 }),
      devices(4, [9], { desiredSet: 4, desiredWritten: 3, errors: ['set desired: 409'] }),
    ];
    for (const e of events) r.apply(e);
    const s = r.summary();
    expect(s.interrupted).toBe(true);
    const d = s.devices!;
    expect(d.setup).toEqual({ protocol: 'onvif', perNode: 1, devices: 4, via: 'api' });
    expect(d.devices).toEqual({ created: 4, createFailed: 0, onNodes: 4, online: 3, members: 4 });
    expect(d.reads.total).toBe(90);
    expect(d.reads.errors).toMatchObject({ reset: 2 });
    expect(d.latency.reportToApiMs).toMatchObject({ count: 4, max: 9 });
    expect(d.latency.desiredToReportedMs).toMatchObject({ count: 1, p50: 700 });
    expect(d.desired).toEqual({ set: 4, written: 3, shown: 0 });
    expect(d.errors).toEqual(['set desired: 409']);
    expect(d.fakeDevices).toEqual({ devices: 4, requests: 40, faultAnswers: 0, drops: 0 });
    expect(s.slis.device_report_latency_ms).toMatchObject({ count: 4 });
  });

  it('a phase no snapshot fell in has its device SLI, null', () => {
    const r = new RunReducer();
    r.apply(start());
    r.apply({ t: 'devices-setup', atMs: T0, setup: { protocol: 'onvif', perNode: 1, devices: 2, via: 'api' } });
    r.apply({ t: 'phase-start', atMs: T0 + 100, name: 'device-fault', kind: 'devices' });
    r.apply({ t: 'phase-end', atMs: T0 + 200, record: { name: 'device-fault', kind: 'devices', startS: 0.1, endS: 0.2, recovery: { readsRecoveredS: null } } });
    const s = r.summary();
    expect(s.slis.device_fault_device_read_errors).toEqual({ value: null });
    // No data is not a pass: the SLOs fail and say why.
    expect(s.slos.filter((x) => x.origin !== 'default').map((x) => [x.sli, x.pass, x.reason])).toEqual([
      ['device_report_latency_ms', false, 'no data'],
      ['device_fault_device_read_errors', false, 'no data'],
    ]);
  });

  it('without devices: no section, the device SLIs empty or null, so SLOs on them fail for no data unless optional', () => {
    const r = new RunReducer();
    r.apply({ ...start(), slos: [{ sli: 'device_report_latency_ms', threshold: 'p(99)<=100', optional: true }, { sli: 'device_read_errors', threshold: 'value==0', optional: true }, { sli: 'device_desired_roundtrip_ms', threshold: 'p(99)<=1' }] } as RunEvent);
    r.apply({ t: 'snapshot', atMs: T0 + 1000, totals: emptyFleetTotals(), cloudcoreConnected: null });
    r.apply({ t: 'run-end', atMs: T0 + 2000, interrupted: false, error: null, fleet: null, controlPlane: null, cloudcoreConnectedNodes: [], workload: null, workloadSlis: {}, apiPodStartupMs: null, extraSlis: {} });
    const s = r.summary();
    expect(s.devices).toBeNull();
    expect(s.slis.device_report_latency_ms).toMatchObject({ count: 0, p99: null });
    expect(s.slis.device_read_errors).toEqual({ value: null });
    expect(s.slis.devices_created).toEqual({ value: null });
    expect(s.error).toBeNull();
    const given = s.slos.filter((x) => x.origin !== 'default');
    expect(given.map((x) => [x.sli, x.value, x.pass])).toEqual([
      ['device_report_latency_ms', null, true],
      ['device_read_errors', null, true],
      ['device_desired_roundtrip_ms', null, false],
    ]);
  });
});
