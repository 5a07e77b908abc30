import { describe, expect, it } from 'vitest';
import type { EvidenceSample } from './evidence.js';
import { alignChart, seriesFromEvidence } from './control-plane-series.js';

function sample(atMs: number, cloudcoreCpu: number, apiP99: number | null): EvidenceSample {
  const proc = (cpuCores: number) => ({ cpuCores, rssBytes: 100 * 1048576, fds: 40, fdLimit: 1024 });
  return {
    atMs,
    machine: { cores: 2, busyCores: 1, memAvailableBytes: null },
    processes: { twinlab: proc(0.5), 'shard-0': proc(0.9), cloudcore: proc(cloudcoreCpu), 'kube-apiserver': proc(0.2) },
    fleet: { requested: 1, started: 1, connected: 1, ready: 1, bootstrapping: 0, connecting: 0, registering: 0, reconnecting: 0, pendingRequests: 0, unanswered: 0, connectFailures: 0, lagP99Ms: 1 },
    requests: {},
    cloudcore: null,
    apiserver: { requestsPerS: 12, mutatingP99Ms: null, readP99Ms: apiP99, rejectedPerS: 0, inflight: null, etcdP99Ms: 3 },
  };
}

describe('control-plane series', () => {
  it('aligns lines sampled at different instants on the union of their instants, with gaps as null', () => {
    const c = alignChart('k', 'K', 'u', [
      { name: 'a', points: [[1, 10], [2, 20]] },
      { name: 'b', points: [[2, 5], [3, Number.NaN]] },
    ]);
    expect(c.xs).toEqual([1, 2, 3]);
    expect(c.lines).toEqual([
      { name: 'a', values: [10, 20, null] },
      { name: 'b', values: [null, 5, null] },
    ]);
  });

  it('falls back to the evidence samples: control-plane processes only, seconds since the run started', () => {
    const s = seriesFromEvidence([sample(11_000, 0.25, 8), sample(12_000, 0.5, null)], 10_000)!;
    expect(s.source).toBe('harness');
    expect(s.charts.map((c) => c.key)).toEqual(['cp-cpu', 'cp-rss', 'cloudcore-open-files', 'apiserver-rps', 'apiserver-latency', 'etcd-latency']);
    const cpu = s.charts[0]!;
    expect(cpu.xs).toEqual([1, 2]);
    expect(cpu.lines.map((l) => l.name)).toEqual(['cloudcore', 'kube-apiserver']);
    expect(cpu.lines[0]!.values).toEqual([0.25, 0.5]);
    expect(s.charts.find((c) => c.key === 'cp-rss')!.lines[0]!.values).toEqual([100, 100]);
    // The second sample had no reads: the latency chart has only the first instant.
    const latency = s.charts.find((c) => c.key === 'apiserver-latency')!;
    expect(latency.xs).toEqual([1]);
    expect(latency.lines.find((l) => l.name === 'read p99')!.values).toEqual([8]);
    expect(latency.lines.find((l) => l.name === 'mutating p99')!.values).toEqual([null]);
  });

  it('has nothing to draw without samples', () => {
    expect(seriesFromEvidence([], 0)).toBeNull();
  });
});
