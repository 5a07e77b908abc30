import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../cloud/metrics-scraper.js';
import { RUN_EVENT_METRIC_CATALOGUE } from './metric-catalogue.js';
import { RunEventMetrics } from './run-event-metrics.js';

async function samples(reg: Registry): Promise<Array<{ name: string; labels: Record<string, string>; value: number }>> {
  return parsePrometheusText(await reg.metrics()).samples;
}

function value(all: Awaited<ReturnType<typeof samples>>, name: string, labels: Record<string, string> = {}): number | undefined {
  return all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('RunEventMetrics', () => {
  it('registers every run-event metric of the catalogue with its type', async () => {
    const reg = new Registry();
    new RunEventMetrics(reg);
    const text = await reg.metrics();
    for (const m of RUN_EVENT_METRIC_CATALOGUE) expect(text).toContain(`# TYPE ${m.name} ${m.type}`);
  });

  it('times join → Ready, and a pod from its creation to the node (to_edge), to Running (on_edge) and in total', async () => {
    const reg = new Registry();
    const m = new RunEventMetrics(reg);
    m.observe({ t: 'shard', atMs: 0, events: [{ kind: 'node-ready', node: 'vn-0', atMs: 1500, joinMs: 1500 }] });
    m.observe({ t: 'expect', node: 'vn-0', kind: 'pod', namespace: 't', name: 'p', uid: 'u1', resourceVersion: '10', atMs: 10_000, phase: '' });
    m.observe({ t: 'shard', atMs: 0, events: [{ kind: 'object', node: 'vn-0', type: 'pod', operation: 'insert', uid: 'u1', resourceVersion: '10', atMs: 10_300 }] });
    m.observe({ t: 'shard', atMs: 0, events: [{ kind: 'pod-running', node: 'vn-0', uid: 'u1', atMs: 11_000 }] });
    const s = await samples(reg);
    expect(value(s, 'twinlab_node_join_ready_seconds_sum')).toBeCloseTo(1.5);
    expect(value(s, 'twinlab_pod_startup_seconds_sum', { stage: 'to_edge' })).toBeCloseTo(0.3);
    expect(value(s, 'twinlab_pod_startup_seconds_sum', { stage: 'on_edge' })).toBeCloseTo(0.7);
    expect(value(s, 'twinlab_pod_startup_seconds_sum', { stage: 'total' })).toBeCloseTo(1);
    expect(value(s, 'twinlab_object_delivery_seconds_count', { kind: 'pod' })).toBe(1);
  });

  it('counts a ConfigMap delivered only when the node gets the expected version or a later one', async () => {
    const reg = new Registry();
    const m = new RunEventMetrics(reg);
    m.observe({ t: 'expect', node: 'vn-1', kind: 'ConfigMap', namespace: 't', name: 'c', uid: 'c1', resourceVersion: '20', atMs: 1000, phase: '' });
    // An older version arriving late does not satisfy it.
    m.observe({ t: 'shard', atMs: 0, events: [{ kind: 'object', node: 'vn-1', type: 'configmap', operation: 'update', uid: 'c1', resourceVersion: '19', atMs: 1100 }] });
    let s = await samples(reg);
    expect(value(s, 'twinlab_object_delivery_seconds_count', { kind: 'configmap' })).toBeUndefined();
    m.observe({ t: 'shard', atMs: 0, events: [{ kind: 'object', node: 'vn-1', type: 'configmap', operation: 'update', uid: 'c1', resourceVersion: '21', atMs: 1250 }] });
    // A second receipt of the same change is not timed again.
    m.observe({ t: 'shard', atMs: 0, events: [{ kind: 'object', node: 'vn-1', type: 'configmap', operation: 'update', uid: 'c1', resourceVersion: '21', atMs: 1400 }] });
    s = await samples(reg);
    expect(value(s, 'twinlab_object_delivery_seconds_count', { kind: 'configmap' })).toBe(1);
    expect(value(s, 'twinlab_object_delivery_seconds_sum', { kind: 'configmap' })).toBeCloseTo(0.25);
  });

  it('shows the stage, phase and faults in force, and drops them when they end', async () => {
    const reg = new Registry();
    const m = new RunEventMetrics(reg);
    m.observe({ t: 'stage', atMs: 0, stage: 'ramp' });
    m.observe({ t: 'phase-start', atMs: 0, name: 'cut', kind: 'partition' });
    m.observe({ t: 'fault-start', atMs: 0, id: 'f1', phase: 'cut', kind: 'stall', detail: '', group: 'east', nodes: 2 });
    let s = await samples(reg);
    expect(value(s, 'twinlab_run_stage', { stage: 'ramp' })).toBe(1);
    expect(value(s, 'twinlab_scenario_phase', { phase: 'cut', kind: 'partition' })).toBe(1);
    expect(value(s, 'twinlab_fault_active', { fault: 'f1', kind: 'stall', group: 'east' })).toBe(1);
    expect(value(s, 'twinlab_faults_started_total', { kind: 'stall' })).toBe(1);
    m.observe({ t: 'fault-end', atMs: 0, id: 'f1' });
    m.observe({ t: 'phase-end', atMs: 0, record: { name: 'cut', kind: 'partition', startS: 0, endS: 1, recovery: {} } });
    m.observe({ t: 'stage', atMs: 0, stage: 'steady' });
    s = await samples(reg);
    expect(value(s, 'twinlab_fault_active')).toBeUndefined();
    expect(value(s, 'twinlab_scenario_phase')).toBeUndefined();
    expect(value(s, 'twinlab_run_stage', { stage: 'ramp' })).toBeUndefined();
    expect(value(s, 'twinlab_run_stage', { stage: 'steady' })).toBe(1);
    expect(value(s, 'twinlab_faults_started_total', { kind: 'stall' })).toBe(1);
  });

  it('turns the device workload\'s latency samples into histograms', async () => {
    const reg = new Registry();
    const m = new RunEventMetrics(reg);
    m.observe({
      t: 'devices', atMs: 0, created: 1, createFailed: 0, desiredSet: 1, desiredWritten: 1, desiredShown: 1,
      reportToApiMs: [100, 300], desiredToReportedMs: [2000], desiredToDeviceWriteMs: [500], errors: [],
      fakeDevices: {} as never,
    });
    const s = await samples(reg);
    expect(value(s, 'twinlab_device_report_to_api_seconds_count')).toBe(2);
    expect(value(s, 'twinlab_device_report_to_api_seconds_sum')).toBeCloseTo(0.4);
    expect(value(s, 'twinlab_device_desired_round_trip_seconds_sum')).toBeCloseTo(2);
    expect(value(s, 'twinlab_device_desired_to_write_seconds_sum')).toBeCloseTo(0.5);
  });
});
