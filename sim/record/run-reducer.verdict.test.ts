import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readEventLog } from './event-log.js';
import { RunReducer } from './run-reducer.js';
import type { RunEvent } from '../model/run-events.js';
import { emptyFleetTotals, type FleetTotals } from '../model/fleet-totals.js';
import { T0, runStart } from './run-events.test-kit.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function totals(over: { ready?: number; unanswered?: number; malformed?: number; connected?: number } = {}): FleetTotals {
  const t = emptyFleetTotals();
  t.states.ready = over.ready ?? 2;
  t.connected = over.connected ?? t.states.ready;
  t.unanswered = over.unanswered ?? 0;
  t.malformed = over.malformed ?? 0;
  return t;
}

function end(atMs: number, t = totals()): RunEvent {
  return { t: 'run-end', atMs, interrupted: false, error: null, fleet: { totals: t, shards: [], unansweredAtStop: 0 }, controlPlane: null, cloudcoreConnectedNodes: [], workload: null, workloadSlis: {}, apiPodStartupMs: null, extraSlis: {} };
}

function ready(node: string, atMs: number): RunEvent {
  return { t: 'shard', atMs, events: [{ kind: 'node-ready', node, atMs, joinMs: 500 }] };
}

function reduce(events: RunEvent[]): ReturnType<RunReducer['summary']> {
  const r = new RunReducer();
  for (const e of events) r.apply(e);
  return r.summary();
}

function verdicts(s: ReturnType<RunReducer['summary']>): Array<[string, number | null, boolean, string | null | undefined]> {
  return s.slos.map((x) => [x.sli, x.value, x.pass, x.reason]);
}

describe('run reducer: the verdict every run gets', () => {
  const base = (t = totals()): RunEvent[] => [
    { ...runStart('steady', []), scenario: null } as RunEvent,
    { t: 'stage', atMs: T0, stage: 'control-plane' },
    { t: 'stage', atMs: T0 + 10_000, stage: 'ramp' },
    ready('vn-00000', T0 + 11_000),
    ready('vn-00001', T0 + 12_000),
    { t: 'stage', atMs: T0 + 12_500, stage: 'steady' },
    { t: 'snapshot', atMs: T0 + 20_000, totals: t, cloudcoreConnected: null },
    { t: 'stage', atMs: T0 + 70_000, stage: 'teardown' },
    end(T0 + 71_000, t),
  ];

  it('passes a run whose fleet did its job, and times its stages', () => {
    const s = reduce(base());
    expect(verdicts(s)).toEqual([
      ['nodes_ready_ratio', 1, true, null],
      ['nodes_not_ready', 0, true, null],
      ['messages_unanswered', 0, true, null],
      ['messages_malformed', 0, true, null],
    ]);
    expect(s.slos.every((x) => x.origin === 'default')).toBe(true);
    expect(s.slis.fleet_all_ready_s).toEqual({ value: 2.5 });
    expect(s.stages).toEqual([
      { name: 'control-plane', startS: 0, endS: 10 },
      { name: 'ramp', startS: 10, endS: 12.5 },
      { name: 'steady', startS: 12.5, endS: 70 },
      { name: 'teardown', startS: 70, endS: 71 },
    ]);
  });

  it('fails each default on its own: a node never Ready, one not Ready at the end, an unanswered or a malformed message', () => {
    const oneNeverReady = base().filter((e) => !(e.t === 'shard' && e.events[0]?.kind === 'node-ready' && e.events[0].node === 'vn-00001'));
    expect(verdicts(reduce(oneNeverReady))[0]).toEqual(['nodes_ready_ratio', 0.5, false, null]);
    expect(verdicts(reduce(base(totals({ ready: 1 }))))[1]).toEqual(['nodes_not_ready', 1, false, null]);
    expect(verdicts(reduce(base(totals({ unanswered: 2 }))))[2]).toEqual(['messages_unanswered', 2, false, null]);
    expect(verdicts(reduce(base(totals({ malformed: 1 }))))[3]).toEqual(['messages_malformed', 1, false, null]);
  });

  it('fails a run that measured nothing: no fleet, no data', () => {
    const s = reduce([{ ...runStart('steady', []), scenario: null } as RunEvent, { t: 'stage', atMs: T0, stage: 'control-plane' }, { ...end(T0 + 5000), fleet: null } as RunEvent]);
    expect(verdicts(s).map(([sli, value, pass, reason]) => [sli, value, pass, reason])).toEqual([
      ['nodes_ready_ratio', null, false, 'no data'],
      ['nodes_not_ready', null, false, 'no data'],
      ['messages_unanswered', null, false, 'no data'],
      ['messages_malformed', null, false, 'no data'],
    ]);
  });

  it('fails a recovery that never happened, showing the window it waited', () => {
    const s = reduce([
      runStart('reconnect-storm', [{ sli: 'storm_all_ready_s', threshold: 'value<=120' }]),
      { t: 'phase-end', atMs: T0 + 200_000, record: { name: 'storm', kind: 'storm', startS: 10, endS: 190, recovery: { allReadyS: null }, timeoutS: 180 } },
      end(T0 + 201_000),
    ]);
    expect(s.slos.find((x) => x.sli === 'storm_all_ready_s')).toMatchObject({ value: null, pass: false, reason: 'not within 180 s' });
  });

  it('adds the pod SLO when the run made pods, and the API SLO only when they went through a real API server', () => {
    const pod: RunEvent = { t: 'expect', atMs: T0 + 13_000, node: 'vn-00000', kind: 'pod', namespace: 'default', name: 'p', uid: 'u1', resourceVersion: '5', phase: 'run' };
    const loopback = reduce([...base().slice(0, -1), pod, end(T0 + 71_000)]);
    expect(loopback.slos.map((x) => x.sli)).toEqual(['nodes_ready_ratio', 'nodes_not_ready', 'messages_unanswered', 'messages_malformed', 'pod_startup_ms']);
    expect(loopback.slos.at(-1)).toMatchObject({ pass: false, reason: 'no data' });
    const local = reduce([base()[0]!, { t: 'cloud', atMs: T0 + 9000, title: 'KubeEdge', cloud: { provider: 'local', kubeedgeVersion: 'v1.23.1', nodeLimit: 1000, cloudhubUrl: 'wss://127.0.0.1:1' } }, ...base().slice(1, -1), pod, end(T0 + 71_000)]);
    expect(local.slos.map((x) => x.sli)).toContain('api_mutating_ms');
  });

  it("reduces a recorded run against the real control plane that exceeded cloudcore's nodeLimit: fails, names the limit and the stall", async () => {
    const { events } = await readEventLog(path.join(here, 'fixtures', 'node-limit-stall.events.jsonl'));
    const s = reduce(events as RunEvent[]);
    expect(s.nodes.requested).toBe(30);
    expect(s.cloud.nodeLimit).toBe(20);
    expect(verdicts(s).slice(0, 2)).toEqual([
      ['nodes_ready_ratio', 0.9, false, null],
      ['nodes_not_ready', 3, false, null],
    ]);
    expect(s.slos.some((x) => !x.pass)).toBe(true);
    expect(s.limits.verdict).toBe('limit');
    expect(s.limits.first!.rule).toBe('node-limit');
    expect(s.limits.headline).toMatch(/^The first limit hit: cloudcore's nodeLimit \(20\) was reached/);
    expect(s.limits.findings.map((f) => f.rule)).toContain('ramp-stalled');
    expect(s.stages.map((x) => x.name)).toEqual(['control-plane', 'ramp', 'teardown']);
    expect(s.slis.fleet_all_ready_s).toEqual({ value: null });
    expect(s.limits.samples).toBeGreaterThan(20);
  });

  it('counts requests lost to a disruptive phase apart from those lost while nothing was broken', () => {
    const snap = (atMs: number, unanswered: number): RunEvent => ({ t: 'snapshot', atMs, totals: totals({ unanswered }), cloudcoreConnected: null });
    const events: RunEvent[] = [
      runStart('reconnect-storm', []),
      snap(T0 + 1000, 0),
      { t: 'phase-end', atMs: T0 + 20_000, record: { name: 'storm', kind: 'storm', startS: 10, endS: 20, recovery: { allReadyS: 4 }, timeoutS: 60 } },
      // timed out 60 s after the storm's links died: the storm's
      snap(T0 + 75_000, 5),
      // long after the storm's window (its end + 60 s + 2 s): lost while nothing was broken
      snap(T0 + 120_000, 7),
      end(T0 + 121_000, totals({ unanswered: 7 })),
    ];
    const s = reduce(events);
    expect(s.slis.messages_unanswered_outside_faults).toEqual({ value: 2 });
    expect(s.slos.find((x) => x.sli === 'messages_unanswered_outside_faults')).toMatchObject({ value: 2, pass: false, origin: 'default' });
    expect(s.slos.some((x) => x.sli === 'messages_unanswered')).toBe(false);
  });
});
