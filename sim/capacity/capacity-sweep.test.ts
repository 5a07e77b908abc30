import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvidenceSample } from '../model/evidence.js';
import type { SimOptions } from '../run/sim-options.js';
import type { RunHooks, SimResult } from '../run/sim-run.js';
import type { RunSummary } from '../model/run-summary.js';
import { runCapacityCommand } from './capacity-command.js';
import { overlay, sumByTime } from './capacity-sweep.js';
import type { CapacityResult } from './capacity-result.js';

const T0 = 1_800_000_000_000;

/** A recorded run whose control plane costs grow with N: what a step's run directory holds. */
async function fakeRun(o: SimOptions, exitCode = 0): Promise<SimResult> {
  const n = o.nodes;
  await mkdir(o.outDir, { recursive: true });
  const sample = (i: number): EvidenceSample => ({
    atMs: T0 + 20_000 + i * 1000,
    machine: { cores: 2, busyCoresMean: undefined as never, busyCores: 0.4, memAvailableBytes: 4e9 } as EvidenceSample['machine'],
    processes: {
      twinlab: { cpuCores: 0.01 + 0.0001 * n, rssBytes: 100e6 + 50_000 * n, fds: 30, fdLimit: 65536 },
      etcd: { cpuCores: 0.01 + 0.00002 * n, rssBytes: 50e6 + 8_000 * n, fds: 90, fdLimit: 20000 },
      'kube-apiserver': { cpuCores: 0.03 + 0.0002 * n + (i % 2) * 0.001, rssBytes: 300e6 + 30_000 * n + (i % 3) * 1e5, fds: 100, fdLimit: 20000 },
      'kube-controller-manager': { cpuCores: 0.005 + 0.00005 * n, rssBytes: 110e6 + 5_000 * n, fds: 11, fdLimit: 20000 },
      cloudcore: { cpuCores: 0.002 + 0.0003 * n, rssBytes: 40e6 + 7_600 * (o.nodeLimit ?? 1000) + 45_000 * n + (i % 2) * 2e5, fds: 40 + n, fdLimit: 20000 },
    },
    fleet: { requested: n, started: n, connected: n, ready: n, bootstrapping: 0, connecting: 0, registering: 0, reconnecting: 0, pendingRequests: 0, unanswered: 0, connectFailures: 0, lagP99Ms: 2 },
    requests: {},
    cloudcore: { connected: n, nodeLimit: o.nodeLimit ?? null, throttledWaits: 0, limitRejections: 0 },
    apiserver: { requestsPerS: 2 + 0.1 * n, mutatingP99Ms: 20, readP99Ms: 5, rejectedPerS: 0, inflight: 1, etcdP99Ms: 9 },
  });
  const events = [
    { t: 'run-start', atMs: T0, runId: path.basename(o.outDir), twinlabVersion: '0.1.0', requestedNodes: n, options: { nodes: n }, slos: [], scenario: null },
    { t: 'stage', atMs: T0, stage: 'control-plane' },
    { t: 'cloud', atMs: T0 + 10_000, title: 'KubeEdge v1.23.1 cloudcore (local)', cloud: { provider: 'local', kubeedgeVersion: 'v1.23.1', nodeLimit: o.nodeLimit ?? null, cloudhubUrl: 'wss://127.0.0.1:1' } },
    { t: 'stage', atMs: T0 + 10_000, stage: 'ramp' },
    { t: 'stage', atMs: T0 + 20_000, stage: 'steady' },
    ...Array.from({ length: 12 }, (_, i) => ({ t: 'evidence', ...sample(i + 1) })),
    { t: 'stage', atMs: T0 + 33_000, stage: 'teardown' },
    { t: 'run-end', atMs: T0 + 35_000, interrupted: exitCode === 130, error: null, fleet: null, controlPlane: null, cloudcoreConnectedNodes: [], workload: null, workloadSlis: {}, apiPodStartupMs: null, extraSlis: {} },
  ];
  await writeFile(path.join(o.outDir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return { exitCode, outDir: o.outDir, summary: {} as RunSummary };
}

describe('twinlab capacity (sweep over recorded runs)', () => {
  it('plans fixed-nodeLimit steps plus a nodeLimit step, writes the reports, projects and fails a budget with exit 3', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-capacity-'));
    const seen: Array<{ nodes: number; nodeLimit: number | undefined; steadyMs: number | undefined }> = [];
    const out: string[] = [];
    const code = await runCapacityCommand(
      ['--steps', '100,200,400,800', '--target', '100000', '--steady', '12s', '--out', dir, '--budget', 'cores=4,memory=8Gi'],
      (s) => out.push(s),
      () => undefined,
      async (o: SimOptions, _log, hooks: RunHooks) => {
        seen.push({ nodes: o.nodes, nodeLimit: o.nodeLimit, steadyMs: hooks.steadyMs });
        return fakeRun(o);
      },
    );
    expect(seen).toEqual([
      { nodes: 100, nodeLimit: 1000, steadyMs: 12_000 },
      { nodes: 200, nodeLimit: 1000, steadyMs: 12_000 },
      { nodes: 400, nodeLimit: 1000, steadyMs: 12_000 },
      { nodes: 800, nodeLimit: 1000, steadyMs: 12_000 },
      { nodes: 100, nodeLimit: 4000, steadyMs: 12_000 },
    ]);
    const r = JSON.parse(await readFile(path.join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
    expect(r.complete).toBe(true);
    const a = r.arms[0]!;
    expect(a.steps.map((s) => s.runDir)).toEqual(['baseline/step-100', 'baseline/step-200', 'baseline/step-400', 'baseline/step-800', 'baseline/step-100-nodelimit-4000']);
    const rss = a.models.find((m) => m.component === 'cloudcore' && m.resource === 'rss')!;
    expect(rss.fit!.coefficients[2]!.estimate).toBeGreaterThan(7_000);
    expect(rss.fit!.coefficients[2]!.estimate).toBeLessThan(8_200);
    expect(a.projection!.farExtrapolation).toBe(true);
    expect(a.projection!.budget!.fits).toBe(false);
    expect(code).toBe(3);
    expect(out.join('')).toContain('budget: does NOT fit');
    const md = await readFile(path.join(dir, 'capacity.md'), 'utf8');
    expect(md).toContain('## Verdict');
    expect(md).toContain('Far extrapolation');
    const html = await readFile(path.join(dir, 'capacity.html'), 'utf8');
    expect(html).toContain('<h2>cloudcore RSS</h2>');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('--rebuild measures the step directories again and rewrites the same reports', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-capacity-'));
    await runCapacityCommand(['--steps', '5,10,20', '--steady', '10s', '--target', '500', '--out', dir], () => undefined, () => undefined, (o) => fakeRun(o));
    const before = JSON.parse(await readFile(path.join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
    await writeFile(path.join(dir, 'capacity.md'), 'stale');
    const code = await runCapacityCommand(['--rebuild', dir], () => undefined);
    const after = JSON.parse(await readFile(path.join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
    expect(code).toBe(0);
    expect(after.arms[0]!.steps).toEqual(before.arms[0]!.steps);
    expect(after.arms[0]!.projection).toEqual(before.arms[0]!.projection);
    expect(await readFile(path.join(dir, 'capacity.md'), 'utf8')).toContain('## Verdict');
    await expect(runCapacityCommand(['--rebuild', path.join(dir, 'baseline')], () => undefined)).rejects.toThrow(/--rebuild takes the out dir/);
  });

  it('an interrupted sweep keeps the steps it finished in capacity.json and exits 130', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-capacity-'));
    let calls = 0;
    const code = await runCapacityCommand(['--steps', '5,10,20', '--steady', '10s', '--out', dir], () => undefined, () => undefined, async (o) => {
      calls += 1;
      return fakeRun(o, calls === 2 ? 130 : 0);
    });
    expect(code).toBe(130);
    expect(calls).toBe(2);
    const r = JSON.parse(await readFile(path.join(dir, 'capacity.json'), 'utf8')) as CapacityResult;
    expect(r.interrupted).toBe(true);
    expect(r.complete).toBe(false);
    expect(r.arms[0]!.steps.map((s) => s.nodes)).toEqual([5, 10]);
  });

  it('--compare-config runs a second arm with the extra cloudcore fields and charts both', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-capacity-'));
    const sets: string[][] = [];
    await runCapacityCommand(['--steps', '5,10,20', '--steady', '10s', '--out', dir, '--compare-config', 'modules.cloudHub.nodeLimit=500'], () => undefined, () => undefined, async (o) => {
      sets.push([String(o.nodeLimit)]);
      return fakeRun(o);
    });
    // baseline: 3 steps at 1000 and one at 4000; compare: nodeLimit fixed by the config, no separation step.
    expect(sets.flat()).toEqual(['1000', '1000', '1000', '4000', '500', '500', '500']);
    const html = await readFile(path.join(dir, 'capacity.html'), 'utf8');
    expect(html).toContain('class="fit series-baseline"');
    expect(html).toContain('class="fit series-compare"');
  });

  it('refuses a single step and a bad budget before anything starts', async () => {
    await expect(runCapacityCommand(['--steps', '5'], () => undefined)).rejects.toThrow(/at least two different node counts/);
    await expect(runCapacityCommand(['--steps', '5,10', '--budget', 'gpus=2'], () => undefined)).rejects.toThrow(/--budget "gpus=2"/);
  });
});

describe('sumByTime', () => {
  it('adds a labelled counter’s series up per scrape', () => {
    expect(sumByTime([[{ atMs: 1, value: 2 }, { atMs: 2, value: 5 }], [{ atMs: 2, value: 1 }, { atMs: 1, value: 3 }]])).toEqual([{ atMs: 1, value: 5 }, { atMs: 2, value: 6 }]);
  });
});

describe('overlay', () => {
  it('adds --compare-config fields to --cloudcore-set, the compared value replacing one set for both', () => {
    expect(overlay(['a.b=1', 'c=2'], ['c=3', 'd=4'])).toEqual(['a.b=1', 'c=3', 'd=4']);
  });
});
