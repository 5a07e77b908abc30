/**
 * Every built-in scenario at small scale against the loopback test peer, time-scaled so each runs
 * in seconds: the ledger's counts, the restore check and the recovery times are asserted, not
 * just that the run finished. (The peer is a test double: this checks twinlab's own machinery.)
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../sim/report/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';

async function run(scenario: string, extra: string[] = []): Promise<{ s: RunSummary; exitCode: number; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `twinlab-scn-${scenario}-`));
  const options = parseSimOptions([
    '--cloud', 'loopback', '--scenario', scenario, '--nodes', '12', '--shards', '2', '--certs', 'shared',
    '--time-scale', '0.02', '--metrics-port', '0', '--progress', 'off',
    '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, 'run'),
    ...extra,
  ]);
  const result = await runSim(options, () => undefined);
  const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  return { s, exitCode: result.exitCode, dir };
}

function value(s: RunSummary, sli: string): number | null {
  const v = s.slis[sli];
  if (!v || !('value' in v)) throw new Error(`no value SLI ${sli}`);
  return v.value;
}

describe('built-in scenarios against the loopback peer', () => {
  it('steady: every pod delivered, nothing lost or unanswered', async () => {
    const { s, exitCode } = await run('steady');
    expect(s.error).toBeNull();
    expect(s.scenario?.phases.map((p) => p.name)).toEqual(['ramp', 'steady']);
    expect(s.ledger?.totals).toMatchObject({ expected: 12, delivered: 12, lost: 0, resurrected: 0 });
    expect(s.nodes.ready).toBe(12);
    expect(exitCode).toBe(0);
  }, 90_000);

  it('join-storm: all nodes enrolled and Ready at once', async () => {
    const { s, exitCode } = await run('join-storm', ['--certs', 'per-node']);
    expect(s.error).toBeNull();
    expect(value(s, 'join_all_ready_s')).not.toBeNull();
    expect(s.latency.joinToReadyMs.count).toBe(12);
    expect(exitCode).toBe(0);
  }, 90_000);

  it('reconnect-storm: every node comes back twice, every change delivered', async () => {
    const { s, exitCode } = await run('reconnect-storm');
    expect(s.error).toBeNull();
    expect(s.faults.filter((f) => f.kind === 'reset')).toHaveLength(2);
    expect(value(s, 'storm_all_ready_s')).not.toBeNull();
    expect(value(s, 'storm_jitter_all_ready_s')).not.toBeNull();
    expect(s.connections.reconnects).toBeGreaterThanOrEqual(24);
    expect(s.ledger?.totals.expected).toBeGreaterThanOrEqual(12);
    expect(s.ledger?.totals).toMatchObject({ lost: 0, resurrected: 0, reordered: 0 });
    expect(exitCode).toBe(0);
  }, 120_000);

  it('flapping: flapping nodes lose links, pods churn, nothing lost', async () => {
    const { s, exitCode } = await run('flapping');
    expect(s.error).toBeNull();
    expect(s.faults.map((f) => [f.kind, f.group, f.nodes])).toEqual([['flap', 'flappers', 4]]);
    expect(s.connections.disconnects).toBeGreaterThan(0);
    expect(s.ledger?.totals).toMatchObject({ lost: 0, resurrected: 0 });
    expect(exitCode).toBe(0);
  }, 120_000);

  it('partition: the group stalls, comes back and catches up', async () => {
    const { s, exitCode } = await run('partition');
    expect(s.error).toBeNull();
    expect(s.faults.map((f) => [f.kind, f.group, f.nodes])).toEqual([['down', 'east', 2]]);
    expect(value(s, 'partition_all_ready_s')).not.toBeNull();
    expect(s.ledger?.totals.lost).toBe(0);
    expect(exitCode).toBe(0);
  }, 120_000);

  it('half-open: the peer notices the silent links, the nodes recover after', async () => {
    const { s, exitCode } = await run('half-open');
    expect(s.error).toBeNull();
    const noticed = value(s, 'half_open_cloud_noticed_s');
    expect(noticed).not.toBeNull();
    expect(noticed!).toBeGreaterThan(0);
    expect(value(s, 'half_open_all_ready_s')).not.toBeNull();
    expect(s.nodes.ready).toBe(12);
    expect(exitCode).toBe(0);
  }, 120_000);

  it('offline-autonomy: shards killed while offline restore every pod; every cloud change arrives after', async () => {
    const { s, exitCode } = await run('offline-autonomy');
    expect(s.error).toBeNull();
    expect(value(s, 'restore_pods_lost')).toBe(0);
    expect(value(s, 'restore_pods_duplicated')).toBe(0);
    const offline = s.scenario?.phases.find((p) => p.name === 'offline');
    expect(offline?.recovery.restoredPods).toBeGreaterThan(0);
    // 24 initial pods; 6 offline nodes each get one pod added, one changed, one deleted.
    expect(s.ledger?.totals).toMatchObject({ expected: 30, lost: 0, resurrected: 0 });
    expect(s.ledger?.byPhase.find((p) => p.phase === 'offline')).toMatchObject({ expected: 18, delivered: 18, lost: 0 });
    expect(exitCode).toBe(0);
  }, 120_000);

  it('soak: churn for the (scaled) hours, nothing lost; the slope SLI is null without a local control plane', async () => {
    const { s, exitCode } = await run('soak', ['--time-scale', '0.001']);
    expect(s.error).toBeNull();
    expect(s.ledger?.totals.lost).toBe(0);
    expect(s.ledger?.totals.expected).toBeGreaterThan(12);
    expect(value(s, 'cloudcore_rss_slope_mib_per_h')).toBeNull();
    expect(exitCode).toBe(0);
  }, 120_000);
});
