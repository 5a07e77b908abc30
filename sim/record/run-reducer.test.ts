import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../errors.js';
import { RunReducer, distributionOf, phaseSliName } from './run-reducer.js';
import type { RunEvent } from '../model/run-events.js';
import { emptyFleetTotals } from '../model/fleet-totals.js';
import { T0, runStart } from './run-events.test-kit.js';

const totals = emptyFleetTotals();

function start(): RunEvent {
  return runStart('reconnect-storm', [
    { sli: 'ledger_lost', threshold: 'value==0' },
    { sli: 'storm_all_ready_s', threshold: 'value<=10' },
  ], 5);
}

function expectPod(uid: string, rv: string | null, atMs: number, phase = 'ramp'): RunEvent {
  return { t: 'expect', atMs, node: 'vn-00000', kind: 'pod', namespace: 'default', name: `p-${uid}`, uid, resourceVersion: rv, phase };
}

function receipt(uid: string, rv: string, operation: string, atMs: number): RunEvent {
  return { t: 'shard', atMs, events: [{ kind: 'object', node: 'vn-00000', type: 'pod', operation, uid, resourceVersion: rv, atMs }] };
}

describe('run reducer', () => {
  it('joins expectations and receipts into the ledger, recovery SLIs and SLO verdicts', () => {
    const r = new RunReducer();
    const events: RunEvent[] = [
      start(),
      { t: 'snapshot', atMs: T0 + 1000, totals, cloudcoreConnected: 2 },
      { t: 'phase-start', atMs: T0 + 1000, name: 'ramp', kind: 'ramp' },
      expectPod('a', '10', T0 + 1100),
      receipt('a', '10', 'insert', T0 + 1150),
      expectPod('b', '11', T0 + 1200),
      { t: 'shard', atMs: T0 + 1300, events: [{ kind: 'pod-running', node: 'vn-00000', uid: 'a', atMs: T0 + 1300 }] },
      { t: 'phase-end', atMs: T0 + 2000, record: { name: 'storm', kind: 'storm', startS: 1, endS: 2, recovery: { allReadyS: 12.5, allDeliveredS: null } } },
      { t: 'fault-start', atMs: T0 + 1500, id: 'storm-1', phase: 'storm', kind: 'reset', detail: 'reset', group: 'all', nodes: 2 },
      { t: 'fault-end', atMs: T0 + 1500, id: 'storm-1' },
      { t: 'run-end', atMs: T0 + 3000, interrupted: false, error: null, fleet: null, controlPlane: null, cloudcoreConnectedNodes: [], workload: null, workloadSlis: {}, apiPodStartupMs: null, extraSlis: {} },
    ];
    for (const e of events) r.apply(e);
    const s = r.summary();
    expect(s.ledger?.totals).toMatchObject({ expected: 2, delivered: 1, lost: 1 });
    expect(s.ledger?.lostObjects.map((o) => o.uid)).toEqual(['b']);
    expect(s.slis.storm_all_ready_s).toEqual({ value: 12.5 });
    expect(s.slis.storm_all_delivered_s).toEqual({ value: null });
    expect(s.slos.filter((x) => x.origin !== 'default').map((x) => [x.sli, x.pass])).toEqual([
      ['ledger_lost', false],
      ['storm_all_ready_s', false],
    ]);
    expect(s.latency.podStartupMs.count).toBe(1);
    expect(s.latency.podStartupMs.p50).toBe(200);
    expect(s.faults).toEqual([{ id: 'storm-1', phase: 'storm', kind: 'reset', detail: 'reset', group: 'all', nodes: 2, startS: 1.5, endS: 1.5 }]);
    expect(s.scenario?.phases.map((p) => p.name)).toEqual(['storm']);
    expect(s.interrupted).toBe(false);
    expect(r.pendingDeliveries()).toBe(1);
  });

  it('a run without its run-end event is reported as cut short, from what reached the disk', () => {
    const r = new RunReducer();
    r.apply(start());
    r.apply({ t: 'snapshot', atMs: T0 + 5000, totals, cloudcoreConnected: null });
    const s = r.summary();
    expect(s.interrupted).toBe(true);
    expect(s.error?.code).toBe(ErrorCodes.Interrupted);
    expect(s.durationSeconds).toBe(5);
    expect(s.timeseries?.atS).toEqual([5]);
  });

  it('refuses a log without a run-start', () => {
    expect(() => new RunReducer().summary()).toThrow(/no run-start/);
  });

  it('names phase SLIs in snake case and buckets latencies', () => {
    expect(phaseSliName('storm-jitter', 'allReadyS')).toBe('storm_jitter_all_ready_s');
    const d = distributionOf([1, 7, 7, 400, 1e9]);
    expect(d.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(d.counts[0]).toBe(1);
    expect(d.counts[1]).toBe(2);
    expect(d.counts.at(-1)).toBe(1);
  });
});

describe('run reducer: cloudcore RSS slope', () => {
  it('fits the slope after the first phase only, in MiB per hour', () => {
    const r = new RunReducer();
    r.apply(runStart('soak', []));
    const mib = 1048576;
    // Start-up: RSS climbs fast during the ramp; afterwards 10 MiB per hour.
    r.apply({ t: 'cp-usage', atMs: T0, rssBytes: { cloudcore: 10 * mib } });
    r.apply({ t: 'cp-usage', atMs: T0 + 60_000, rssBytes: { cloudcore: 100 * mib } });
    r.apply({ t: 'phase-end', atMs: T0 + 60_000, record: { name: 'ramp', kind: 'ramp', startS: 0, endS: 60, recovery: {} } });
    for (let h = 0; h <= 3; h++) r.apply({ t: 'cp-usage', atMs: T0 + 60_000 + h * 3_600_000, rssBytes: { cloudcore: (100 + 10 * h) * mib } });
    expect(r.summary().slis.cloudcore_rss_slope_mib_per_h).toEqual({ value: 10 });
  });
});
