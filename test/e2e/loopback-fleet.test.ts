/**
 * The whole harness end to end against the loopback test peer, over real TLS: 200 virtual nodes
 * in two shard processes enroll per-node certificates, connect, register, renew leases, run a pod
 * each, and the summary says so. A harness self-test, not a KubeEdge measurement.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';
import type { RunSummary } from '../../sim/model/run-summary.js';

describe('pnpm sim --cloud loopback', () => {
  it('brings 200 nodes to Ready over real TLS and runs a pod on each', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-e2e-'));
    const options = parseSimOptions([
      '--cloud', 'loopback',
      '--nodes', '200',
      '--shards', '2',
      '--duration', '30s',
      '--ramp', '200',
      '--certs', 'per-node',
      '--pods-per-node', '1',
      '--pod-rate', '200',
      '--metrics-port', '0',
      '--progress', 'off',
      '--cert-cache', path.join(dir, 'certs'),
      '--out', path.join(dir, 'run'),
    ]);
    const result = await runSim(options, () => undefined);
    const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
    expect(result.exitCode).toBe(0);
    expect(s.title).toBe('harness self-test (loopback peer)');
    expect(s.error).toBeNull();
    expect(s.nodes.ready).toBe(200);
    expect(s.nodes.connected).toBe(200);
    expect(s.latency.joinToReadyMs.count).toBe(200);
    expect(s.pods.created).toBe(200);
    expect(s.pods.running).toBe(200);
    expect(s.latency.podStartupMs.count).toBe(200);
    expect(s.messages.malformed).toBe(0);
    expect(s.messages.unanswered).toBe(0);
    expect(s.messages.errorReplies).toBe(0);
    // Every node: register, "{}" patch, lease query+insert, keepalives; every pod: ACKs and patches.
    expect(s.messages.sentByType['insert node']).toBe(200);
    expect(s.messages.sentByType['query lease']).toBe(200);
    expect(s.messages.sentByType['insert lease']).toBe(200);
    expect(s.messages.sentByType['patch podpatch']).toBe(400);
    expect(s.messages.receivedByType['update node']).toBeGreaterThanOrEqual(200);
    expect(s.messages.acked).toBeGreaterThanOrEqual(200 * 4);
    expect(s.harness.shards).toBe(2);
    expect(s.harness.peakRssBytes).toBeGreaterThan(0);
    const md = await readFile(path.join(dir, 'run', 'summary.md'), 'utf8');
    expect(md).toContain('not a KubeEdge measurement');
  }, 120_000);

  it('runs every node at the intervals --edgecore-set gives, and says so in the report', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-e2e-'));
    const run = async (name: string, extra: string[]): Promise<RunSummary> => {
      const options = parseSimOptions([
        '--cloud', 'loopback', '--nodes', '20', '--shards', '1', '--duration', '22s', '--certs', 'shared', '--metrics-port', '0', '--progress', 'off',
        '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, name), ...extra,
      ]);
      expect((await runSim(options, () => undefined)).exitCode).toBe(0);
      return JSON.parse(await readFile(path.join(dir, name, 'summary.json'), 'utf8')) as RunSummary;
    };
    // kubelet renews its lease every quarter of nodeLeaseDurationSeconds: 2 s here, 10 s by default.
    const fast = await run('fast', ['--edgecore-set', 'modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=8']);
    const normal = await run('normal', []);
    const renewals = (s: RunSummary): number => s.messages.sentByType['update lease'] ?? 0;
    expect(fast.nodes.ready).toBe(20);
    expect(renewals(normal)).toBeGreaterThan(0);
    // 22 s at 2 s against 10 s: about five times as many; at least three.
    expect(renewals(fast)).toBeGreaterThanOrEqual(3 * renewals(normal));
    expect(fast.options.edgecoreSet).toBe('modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=8');
    expect(await readFile(path.join(dir, 'fast', 'summary.md'), 'utf8')).toContain('edgecore intervals changed from its defaults: `modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=8`');
    expect(normal.options).not.toHaveProperty('edgecoreSet');
  }, 120_000);
});
