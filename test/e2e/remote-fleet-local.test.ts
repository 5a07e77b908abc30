/**
 * One run over shards that dial the controller's network control channel, as pods of the chart's
 * StatefulSet do: N shard processes started from the environment alone (index from a
 * hostname-style variable, the run token from a variable), against the real local control plane,
 * through the reconnect-storm scenario. Its verdict and ledger must equal those of the same run with
 * forked shards. 60 nodes by default; TWINLAB_E2E_REMOTE_NODES=2000 runs the issue's size (the
 * figures in docs/kubernetes.md). Skips visibly when the control plane's binaries are absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';
import { freePorts } from '../../sim/cloud/local/free-port.js';
import { skipReason as reason } from './support/real-control-plane.js';

if (reason) console.warn(`[remote-fleet-local e2e] SKIPPED: ${reason}`);

const NODES = Number(process.env.TWINLAB_E2E_REMOTE_NODES ?? 60);
const SHARDS = 3;
const TIME_SCALE = NODES > 500 ? '1' : '0.1';
const TOKEN = 'e2e-control-token-7f3a9c1d2b';

async function runFleet(kind: 'local' | 'remote', dir: string, extra: string[]): Promise<{ s: RunSummary; exitCode: number; out: string }> {
  const out = path.join(dir, kind);
  const options = parseSimOptions([
    '--cloud', 'local', '--scenario', 'reconnect-storm', '--nodes', String(NODES), '--shards', String(SHARDS), '--certs', 'shared',
    '--time-scale', TIME_SCALE, '--metrics-port', '0', '--progress', 'off', '--node-limit', String(NODES + 50), '--prometheus', 'off',
    '--cert-cache', path.join(dir, `certs-${kind}`), '--out', out, ...extra,
  ]);
  const result = await runSim(options, () => undefined);
  const s = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as RunSummary;
  return { s, exitCode: result.exitCode, out };
}

/** A shard process as a pod starts it: `twinlab shard --control URL`, everything else from the environment. */
function startPodLikeShard(index: number, url: string, dir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', 'shard'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      HOSTNAME: `twinlab-shard-${index}`,
      TWINLAB_SHARDS: String(SHARDS),
      TWINLAB_CONTROL_URL: url,
      TWINLAB_CONTROL_TOKEN: TOKEN,
      TWINLAB_CERT_CACHE: path.join(dir, `pod-${index}`, 'certs'),
      TWINLAB_DATA_DIR: path.join(dir, `pod-${index}`, 'data'),
      TWINLAB_METRICS_PORT: '0',
    },
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function value(s: RunSummary, sli: string): number | null {
  const v = s.slis[sli];
  if (!v || !('value' in v)) throw new Error(`no value SLI ${sli}`);
  return v.value;
}

describe.skipIf(reason !== '')(`a remote fleet over the control channel${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it(`runs reconnect-storm over ${SHARDS} pod-like shard processes with the verdict and ledger of forked shards`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-remote-fleet-'));
    const local = await runFleet('local', dir, []);

    const port = (await freePorts(1))[0]!;
    const url = `ws://127.0.0.1:${port}/twinlab/v1/shards`;
    // The pods start first, as they may in a cluster: they keep dialling until the controller listens.
    const pods = Array.from({ length: SHARDS }, (_, i) => startPodLikeShard(i, url, dir));
    const stderr = pods.map(() => '');
    pods.forEach((p, i) => p.stderr!.on('data', (d: Buffer) => (stderr[i] += d.toString())));
    const previous = process.env.TWINLAB_CONTROL_TOKEN;
    process.env.TWINLAB_CONTROL_TOKEN = TOKEN;
    let remote;
    try {
      remote = await runFleet('remote', dir, ['--fleet', 'remote', '--control-listen', `127.0.0.1:${port}`, '--shard-wait', '2m']);
    } finally {
      if (previous === undefined) delete process.env.TWINLAB_CONTROL_TOKEN;
      else process.env.TWINLAB_CONTROL_TOKEN = previous;
    }
    // Every pod-like shard left by itself once the controller stopped it.
    expect(await Promise.all(pods.map(exited))).toEqual(pods.map(() => 0));
    expect(stderr.join('')).toMatch(/shard 0\/3 \(index from hostname\): under the controller/);

    // cloudcore's edgecontroller drops, for good, a pod created before it cached the pod's node
    // (downstream.go syncPod, IsEdgeNode). Under a saturated control plane (2,000 nodes on 2 cores)
    // either fleet can lose that race: measured 0 and 1 lost with forked shards, 188, 59 and 0 over
    // the channel. A loss is allowed only when the ledger names every lost pod as one of those.
    const raceLost = (s: RunSummary): number => s.ledger?.lostBeforeNodeCached ?? 0;
    for (const { s, exitCode } of [local, remote]) {
      expect(s.error).toBeNull();
      expect(s.nodes.ready).toBe(NODES);
      expect(value(s, 'storm_all_ready_s')).not.toBeNull();
      expect(value(s, 'storm_jitter_all_ready_s')).not.toBeNull();
      expect(s.ledger?.totals).toMatchObject({ lost: raceLost(s), resurrected: 0 });
      expect(exitCode).toBe(raceLost(s) > 0 ? 3 : 0);
    }
    // One verdict, the same one: every SLO judged alike (ledger_lost aside when the race was lost),
    // the ledger's expectations alike.
    const verdict = (s: RunSummary): Array<[string, boolean]> => s.slos.map((x) => [x.sli, x.pass || (x.sli === 'ledger_lost' && raceLost(s) === x.value)]);
    expect(verdict(remote.s)).toEqual(verdict(local.s));
    // The churn phase's constant arrival rate drops iterations when the API is slow (k6's
    // semantics), so at 2,000 nodes the counts differ a little: 2,037 against 2,040 measured.
    const expected = (s: RunSummary): number => s.ledger?.totals.expected ?? Number.NaN;
    expect(Math.abs(expected(remote.s) - expected(local.s))).toBeLessThanOrEqual(Math.max(1, 0.01 * expected(local.s)));
    expect(remote.s.connections.reconnects).toBeGreaterThanOrEqual(2 * NODES);
    expect(remote.s.options.fleet).toBe('remote');

    // The shards' events came over the network into the same event log.
    const events = (await readFile(path.join(remote.out, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string; events?: Array<{ kind: string }> });
    const readyEvents = events.filter((e) => e.t === 'shard').flatMap((e) => e.events ?? []).filter((e) => e.kind === 'node-ready').length;
    expect(readyEvents).toBeGreaterThanOrEqual(NODES);
    // The run token reached neither a report nor the event log.
    for (const file of await readdir(remote.out)) {
      if (file.endsWith('.json') || file.endsWith('.jsonl') || file.endsWith('.md') || file.endsWith('.html') || file.endsWith('.xml')) {
        expect(await readFile(path.join(remote.out, file), 'utf8')).not.toContain(TOKEN);
      }
    }
  }, NODES > 500 ? 3_600_000 : 600_000);
});
