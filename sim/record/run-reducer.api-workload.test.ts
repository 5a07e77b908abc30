/**
 * The API workload's section and SLIs as the reducer rebuilds them from `api-workload` and `shard`
 * events when the run left no `run-end` (SIGKILL), and left as the run wrote them when it did.
 */
import { describe, expect, it } from 'vitest';
import { RunReducer } from './run-reducer.js';
import type { ApiCallSummary, ApiObservation, ApiWorkloadSection } from '../model/api-workload-section.js';
import { emptySnapshot, LATENCY_MS_BOUNDS } from '../model/bucket-histogram.js';
import type { RunEvent } from '../model/run-events.js';
import type { ShardEvent } from '../model/shard-events.js';
import { T0 } from './run-events.test-kit.js';

function calls(count: number, maxMs: number): ApiCallSummary {
  const histogram = { ...emptySnapshot(LATENCY_MS_BOUNDS), count, sum: count * 10 };
  return { count, transportErrors: 0, byStatus: count > 0 ? { '2xx': count } : {}, p50Ms: 10, p90Ms: 10, p99Ms: maxMs, maxMs, histogram };
}

function apiEvent(atS: number, observations: ApiObservation[], o: { created?: number; running?: number; mutating?: number; updates?: number; errors?: string[] } = {}): RunEvent {
  return {
    t: 'api-workload',
    atMs: T0 + atS * 1000,
    observations,
    pods: { created: o.created ?? 0, createFailed: 0, dropped: 0, running: o.running ?? 0, deleted: 0 },
    api: { mutating: calls(o.mutating ?? 0, 40), read: calls(0, 0) },
    configMapUpdates: o.updates ?? 0,
    errors: o.errors ?? [],
  };
}

function shard(atS: number, events: ShardEvent[]): RunEvent {
  return { t: 'shard', atMs: T0 + atS * 1000, events };
}

const ms = (s: number): number => T0 + s * 1000;

/** Two nodes, two pods (one pod never reaches Running in the API), one ConfigMap update each way round. */
function killedRun(): RunEvent[] {
  return [
    {
      t: 'run-start',
      atMs: T0,
      runId: 'r1',
      twinlabVersion: '0.1.0',
      requestedNodes: 2,
      options: { nodes: 2, podsPerNode: 1 },
      slos: [],
      scenario: null,
    },
    { t: 'cloud', atMs: T0 + 100, title: 'KubeEdge v1.23.1 cloudcore (local)', cloud: { provider: 'local', kubeedgeVersion: 'v1.23.1', nodeLimit: 50, cloudhubUrl: 'wss://127.0.0.1:10000' } },
    apiEvent(0.2, []),
    // vn-0 started at 1.0 s and is Ready on the edge at 1.5 s, in the API at 1.8 s; vn-1 the API sees first.
    shard(1.5, [{ kind: 'node-ready', node: 'vn-0', atMs: ms(1.5), joinMs: 500 }]),
    apiEvent(2, [
      { kind: 'node-ready-observed', node: 'vn-0', atMs: ms(1.8) },
      { kind: 'node-ready-observed', node: 'vn-1', atMs: ms(1.9) },
    ]),
    shard(2.1, [{ kind: 'node-ready', node: 'vn-1', atMs: ms(1.7), joinMs: 700 }]),
    apiEvent(3, [
      { kind: 'pod-created', uid: 'p0', atMs: ms(2.0) },
      { kind: 'pod-created', uid: 'p1', atMs: ms(2.2) },
    ], { created: 2, mutating: 2 }),
    shard(3.5, [
      { kind: 'object', node: 'vn-0', type: 'pod', operation: 'insert', uid: 'p0', resourceVersion: '5', atMs: ms(2.1) },
      { kind: 'object', node: 'vn-1', type: 'pod', operation: 'insert', uid: 'p1', resourceVersion: '6', atMs: ms(2.4) },
      { kind: 'pod-running', node: 'vn-0', uid: 'p0', atMs: ms(2.6) },
      // The edge got this update before the driver's observation of writing it was recorded.
      { kind: 'object', node: 'vn-0', type: 'configmap', operation: 'update', uid: 'c0', resourceVersion: '9', atMs: ms(3.3) },
    ]),
    apiEvent(4, [
      { kind: 'pod-running-observed', uid: 'p0', atMs: ms(3.0) },
      { kind: 'configmap-updated', uid: 'c0', resourceVersion: '9', atMs: ms(3.2) },
      { kind: 'configmap-updated', uid: 'c1', resourceVersion: '10', atMs: ms(3.4) },
    ], { created: 2, running: 1, mutating: 4, updates: 2, errors: ['create pod p2: 409'] }),
    shard(4.5, [{ kind: 'object', node: 'vn-1', type: 'configmap', operation: 'update', uid: 'c1', resourceVersion: '10', atMs: ms(3.9) }]),
    // SIGKILL: no run-end.
  ];
}

describe('run reducer: API workload', () => {
  it('rebuilds the workload section and its SLIs from the recorded observations of a killed run', () => {
    const r = new RunReducer();
    for (const e of killedRun()) r.apply(e);
    const s = r.summary();
    expect(s.interrupted).toBe(true);
    const w = s.workload!;
    expect(w.pods).toEqual({ created: 2, createFailed: 0, dropped: 0, running: 1, deleted: 0 });
    expect(w.configMapUpdates).toBe(2);
    expect(w.errors).toEqual(['create pod p2: 409']);
    expect(w.api.mutating).toEqual({ count: 4, transportErrors: 0, byStatus: { '2xx': 4 }, p50Ms: 10, p90Ms: 10, p99Ms: 40, maxMs: 40 });
    expect(w.api.mutating).not.toHaveProperty('histogram');
    // p0: created 2.0 → edge 2.1 → reported 2.6 → observed 3.0; p1: created 2.2 → edge 2.4, nothing after.
    expect(w.podStartupBreakdownMs.createToEdgeReceipt).toMatchObject({ count: 2, p50: 100, max: 200 });
    expect(w.podStartupBreakdownMs.edgeReceiptToStatusReported).toMatchObject({ count: 1, p50: 500 });
    expect(w.podStartupBreakdownMs.statusReportedToRunningObserved).toMatchObject({ count: 1, p50: 400 });
    // vn-0: started 1.0, in the API at 1.8; vn-1: started 1.0 (1.7 − 0.7), in the API at 1.9, joined when its shard event came.
    expect(s.slis.node_ready_in_api_ms).toMatchObject({ count: 2, p50: 800, max: 900 });
    expect(s.slis.pod_startup_ms).toMatchObject({ count: 1, p50: 1000 });
    expect(s.latency.podStartupMs).toMatchObject({ count: 1, p50: 1000 });
    // c0: written 3.2, received 3.3; c1: written 3.4, received 3.9.
    expect(s.slis.configmap_to_edge_ms).toMatchObject({ count: 2, p50: 100, max: 500 });
    expect(s.slis.api_mutating_ms).toMatchObject({ count: 4, max: 40 });
  });

  it('a run that ended keeps the section and SLIs it wrote in run-end', () => {
    const written: ApiWorkloadSection = {
      pods: { created: 7, createFailed: 0, dropped: 0, running: 7, deleted: 0 },
      podStartupBreakdownMs: {
        createToEdgeReceipt: { count: 7, p50: 1, p90: 1, p99: 1, max: 1 },
        edgeReceiptToStatusReported: { count: 7, p50: 2, p90: 2, p99: 2, max: 2 },
        statusReportedToRunningObserved: { count: 7, p50: 3, p90: 3, p99: 3, max: 3 },
      },
      configMapUpdates: 0,
      api: {
        mutating: { count: 7, transportErrors: 0, byStatus: {}, p50Ms: 1, p90Ms: 1, p99Ms: 1, maxMs: 1 },
        read: { count: 0, transportErrors: 0, byStatus: {}, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 },
      },
      errors: [],
    };
    const r = new RunReducer();
    for (const e of killedRun()) r.apply(e);
    r.apply({
      t: 'run-end',
      atMs: ms(6),
      interrupted: false,
      error: null,
      fleet: null,
      controlPlane: null,
      cloudcoreConnectedNodes: [],
      workload: written,
      workloadSlis: { pod_startup_ms: { kind: 'samples', values: [11, 12, 13] } },
      apiPodStartupMs: [11, 12, 13],
      extraSlis: {},
    });
    const s = r.summary();
    expect(s.workload).toEqual(written);
    expect(s.slis.pod_startup_ms).toMatchObject({ count: 3, p50: 12 });
    expect(s.latency.podStartupMs).toMatchObject({ count: 3, max: 13 });
    expect(s.slis.node_ready_in_api_ms).toBeUndefined();
  });

  it('a run without an API workload has no section and no API SLIs', () => {
    const r = new RunReducer();
    for (const e of killedRun().filter((e) => e.t !== 'api-workload')) r.apply(e);
    const s = r.summary();
    expect(s.workload).toBeNull();
    expect(s.slis.node_ready_in_api_ms).toBeUndefined();
  });
});
