/**
 * reconnect-storm, half-open and offline-autonomy against the real local control plane
 * (etcd + kube-apiserver + kube-controller-manager + cloudcore v1.23.1), small and time-scaled
 * where cloudcore's own timing allows: the ledger's counts, restore checks and recovery times
 * come from the real cloud. Skips visibly when the binaries are not available.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';
import { skipReason as reason } from './support/real-control-plane.js';

if (reason) console.warn(`[scenarios-local e2e] SKIPPED: ${reason}`);

async function run(scenario: string, nodes: number, timeScale: string): Promise<{ s: RunSummary; exitCode: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `twinlab-local-${scenario}-`));
  const options = parseSimOptions([
    '--cloud', 'local', '--scenario', scenario, '--nodes', String(nodes), '--shards', '2', '--certs', 'per-node',
    '--time-scale', timeScale, '--metrics-port', '0', '--progress', 'off', '--node-limit', '100',
    '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, 'run'),
  ]);
  const result = await runSim(options, () => undefined);
  const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  return { s, exitCode: result.exitCode };
}

function value(s: RunSummary, sli: string): number | null {
  const v = s.slis[sli];
  if (!v || !('value' in v)) throw new Error(`no value SLI ${sli}`);
  return v.value;
}

describe.skipIf(reason !== '')(`scenarios against the local real control plane${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('reconnect-storm: every node reconnects to cloudcore twice and every pod change reaches its node', async () => {
    const { s, exitCode } = await run('reconnect-storm', 10, '0.1');
    expect(s.error).toBeNull();
    expect(s.title).toBe('KubeEdge v1.23.1 cloudcore (local)');
    expect(value(s, 'storm_all_ready_s')).not.toBeNull();
    expect(value(s, 'storm_jitter_all_ready_s')).not.toBeNull();
    expect(s.connections.reconnects).toBeGreaterThanOrEqual(20);
    expect(s.ledger?.totals.expected).toBeGreaterThanOrEqual(10);
    expect(s.ledger?.totals).toMatchObject({ lost: 0, resurrected: 0 });
    expect(s.cloudcoreConnectedNodes.at(-1)?.[1]).toBe(10);
    expect(exitCode).toBe(0);
  }, 300_000);

  it('half-open: cloudcore notices the silent links by its keepalive, the API marks the Nodes NotReady, both recover after', async () => {
    // cloudcore's keepalive (30 s) and the node monitor grace period are not scaled: the stall must outlast them.
    const { s, exitCode } = await run('half-open', 10, '0.9');
    expect(s.error).toBeNull();
    const noticed = value(s, 'half_open_cloud_noticed_s');
    expect(noticed).not.toBeNull();
    expect(noticed!).toBeGreaterThan(5);
    expect(value(s, 'half_open_api_not_ready_s')).not.toBeNull();
    expect(value(s, 'half_open_all_ready_s')).not.toBeNull();
    expect(value(s, 'half_open_api_ready_again_s')).not.toBeNull();
    expect(s.nodes.ready).toBe(10);
    expect(exitCode).toBe(0);
  }, 400_000);

  it('offline-autonomy: shards SIGKILLed while offline restore every pod, every cloud change made offline arrives, nothing deleted returns', async () => {
    const { s, exitCode } = await run('offline-autonomy', 10, '0.1');
    expect(s.error).toBeNull();
    expect(value(s, 'restore_pods_lost')).toBe(0);
    expect(value(s, 'restore_pods_duplicated')).toBe(0);
    expect(s.ledger?.byPhase.find((p) => p.phase === 'offline')).toMatchObject({ expected: 15, lost: 0 });
    expect(s.ledger?.totals).toMatchObject({ expected: 25, lost: 0, resurrected: 0 });
    expect(exitCode).toBe(0);
  }, 300_000);
});
