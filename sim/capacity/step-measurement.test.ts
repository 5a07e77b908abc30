import { describe, expect, it } from 'vitest';
import type { RunEventRecord } from '../record/event-log.js';
import { summaryOf } from './step-files.js';
import { measureStep, quantile, type ScrapeRecord } from './step-measurement.js';

const T0 = 1_800_000_000_000;

/** An attach run: no control-plane process of its own, so every figure comes from the scraped /metrics. */
function attachRun(): RunEventRecord[] {
  return [
    { t: 'run-start', atMs: T0, runId: 'a', twinlabVersion: '0.1.0', requestedNodes: 50, options: { nodes: 50 }, slos: [], scenario: null },
    { t: 'stage', atMs: T0, stage: 'control-plane' },
    { t: 'cloud', atMs: T0 + 1000, title: 'KubeEdge v1.23.1 cloudcore (attach)', cloud: { provider: 'attach', kubeedgeVersion: 'v1.23.1', nodeLimit: null, cloudhubUrl: 'wss://10.0.0.5:10000' } },
    { t: 'stage', atMs: T0 + 1000, stage: 'ramp' },
    { t: 'stage', atMs: T0 + 10_000, stage: 'steady' },
    { t: 'stage', atMs: T0 + 40_000, stage: 'teardown' },
    { t: 'run-end', atMs: T0 + 41_000, interrupted: false, error: null, fleet: null, controlPlane: null, cloudcoreConnectedNodes: [], workload: null, workloadSlis: {}, apiPodStartupMs: null, extraSlis: {} },
  ];
}

describe('measureStep from Prometheus metrics (attach)', () => {
  it('takes CPU from process_cpu_seconds_total over the steady window only, and RSS, goroutines and open files from the gauges', () => {
    const points = (f: (i: number) => number) => Array.from({ length: 9 }, (_, i) => ({ atMs: T0 + 5_000 * i, value: f(i) }));
    const scrape: ScrapeRecord = {
      targets: ['cloudcore', 'kube-apiserver'],
      series: [
        // 0.1 core during the ramp (0–10 s), 0.4 core from the steady stage on.
        { target: 'cloudcore', metric: 'process_cpu_seconds_total', points: points((i) => (i <= 2 ? 0.5 * i : 1 + 2 * (i - 2))) },
        { target: 'cloudcore', metric: 'process_resident_memory_bytes', points: points((i) => 80e6 + i * 1e6) },
        { target: 'cloudcore', metric: 'go_goroutines', points: points((i) => 3000 + 10 * i) },
        { target: 'cloudcore', metric: 'process_open_fds', points: points((i) => 60 + i) },
        { target: 'cloudcore', metric: 'process_max_fds', points: points(() => 1_048_576) },
        // Summed over its label sets by the sweep: 30 requests/s from the steady stage on.
        { target: 'kube-apiserver', metric: 'apiserver_request_total', points: points((i) => 1000 + 150 * i) },
      ],
    };
    const events = attachRun();
    const s = measureStep({ arm: 'baseline', nodes: 50, separatesNodeLimit: false, runDir: 'x', exitCode: 0, steadyMs: 30_000, events, summary: summaryOf(events), scrape });
    const c = s.components.cloudcore!;
    expect(c.source).toBe('prometheus');
    expect(c.cpuCoresMean).toBeCloseTo(0.4, 6);
    expect(c.cpuCoresP95).toBeCloseTo(0.4, 6);
    expect(c.rssBytes).toBe(88e6);
    expect(c.goroutines).toBe(3080);
    expect(c.openFiles).toBe(68);
    expect(c.fdLimit).toBe(1_048_576);
    expect(s.components.etcd).toBeUndefined();
    expect(s.apiserver.requestsPerS).toBeCloseTo(30, 6);
    expect(s.window).toEqual({ startS: 10, endS: 40, samples: 0 });
  });

  it('quantile is nearest-rank', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([], 0.5)).toBeNull();
  });
});
