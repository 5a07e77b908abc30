import { describe, expect, it } from 'vitest';
import { containerUsageMeter, cpuCoresBetween, parseContainerStats, sampleContainers, type ContainerSample, type StatsClient } from './container-stats.js';

// Trimmed from the Docker Engine API's ContainerStatsResponse (v1.45+): cgroup v2 reports
// `anon`/`inactive_file`, cgroup v1 `total_rss`/`total_inactive_file`.
const cgroupV2 = {
  read: '2026-11-25T13:00:00.000000000Z',
  pids_stats: { current: 18 },
  cpu_stats: { cpu_usage: { total_usage: 12_500_000_000, usage_in_kernelmode: 2_000_000_000, usage_in_usermode: 10_500_000_000 }, system_cpu_usage: 9e15, online_cpus: 2 },
  memory_stats: { usage: 150_000_000, limit: 8_000_000_000, stats: { anon: 98_000_000, file: 40_000_000, inactive_file: 30_000_000 } },
};
const cgroupV1 = {
  cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 } },
  memory_stats: { usage: 80_000_000, stats: { total_rss: 60_000_000, rss: 60_000_000, total_inactive_file: 10_000_000 } },
};

describe('container stats', () => {
  it('reads CPU seconds, anonymous memory and the docker-stats working set (cgroup v2)', () => {
    expect(parseContainerStats(cgroupV2, 'cloudcore', 'abc', 1000)).toEqual({
      name: 'cloudcore',
      id: 'abc',
      atMs: 1000,
      cpuSeconds: 12.5,
      rssBytes: 98_000_000,
      workingSetBytes: 120_000_000,
      processes: 18,
    });
  });
  it('reads cgroup v1 numbers', () => {
    expect(parseContainerStats(cgroupV1, 'k3s', 'def', 0)).toMatchObject({ cpuSeconds: 3, rssBytes: 60_000_000, workingSetBytes: 70_000_000, processes: undefined });
  });
  it('has nothing for a stopped container (the engine sends zeroed, empty sections)', () => {
    expect(parseContainerStats({ cpu_stats: { cpu_usage: {} }, memory_stats: {} }, 'x', 'y')).toBeUndefined();
  });
  it('computes cores between two samples', () => {
    const a = parseContainerStats(cgroupV2, 'c', 'i', 0);
    const b = parseContainerStats({ ...cgroupV2, cpu_stats: { cpu_usage: { total_usage: 14_500_000_000 } } }, 'c', 'i', 4000);
    expect(a && b ? cpuCoresBetween(a, b) : NaN).toBeCloseTo(0.5);
  });
  it('samples every container and reports, not hides, the ones without numbers', async () => {
    const client: StatsClient = {
      getContainer: (id) => ({
        stats: async () => {
          if (id === 'gone') throw new Error('(HTTP code 404) no such container');
          return cgroupV2;
        },
      }),
    };
    const s = await sampleContainers(client, [
      { name: 'cloudcore', id: 'a' },
      { name: 'k3s', id: 'gone' },
    ]);
    expect(Object.keys(s.usage)).toEqual(['cloudcore']);
    expect(s.unavailable).toEqual([{ name: 'k3s', reason: '(HTTP code 404) no such container' }]);
  });
});

describe('containerUsageMeter', () => {
  const sampleOf = (cpuSeconds: number, rssBytes: number): ContainerSample => ({
    usage: { cloudcore: { name: 'cloudcore', id: 'a', atMs: 0, cpuSeconds, rssBytes, workingSetBytes: rssBytes, processes: undefined } },
    unavailable: [],
  });

  it('gives CPU seconds since the first sample and the RSS at the end', async () => {
    const samples = [sampleOf(10, 50_000_000), sampleOf(12.3456, 70_000_000)];
    const meter = await containerUsageMeter(async () => samples.shift()!);
    expect('rssNow' in meter).toBe(false);
    expect(await meter.stop()).toEqual({ cloudcore: { cpuSeconds: 2.35, peakRssBytes: 70_000_000 } });
  });

  it('reads nothing when the first or the last sample fails', async () => {
    const failFirst = await containerUsageMeter(async () => Promise.reject(new Error('engine gone')));
    expect(await failFirst.stop()).toBeNull();
    let n = 0;
    const failLast = await containerUsageMeter(async () => (n++ === 0 ? sampleOf(1, 1) : Promise.reject(new Error('engine gone'))));
    expect(await failLast.stop()).toBeNull();
  });
});
