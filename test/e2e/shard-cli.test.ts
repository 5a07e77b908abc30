/**
 * `twinlab shard --index I --of N` on its own, as a Helm chart runs it: against the loopback test
 * peer, shard 1 of 2 hosts the second half of the fleet, serves /metrics and writes its final
 * snapshot.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackControlPlane, type LoopbackControlPlane } from '../../sim/cloud/loopback/loopback-control-plane.js';
import type { ShardSnapshot } from '../../sim/fleet/ipc-messages.js';

let cloud: LoopbackControlPlane;

beforeAll(async () => {
  cloud = await startLoopbackControlPlane({ nodeLimit: 100, kubeedgeVersion: 'v1.23.1' });
});

afterAll(async () => {
  await cloud?.stop();
});

describe('twinlab shard', () => {
  it('runs shard 1 of 2 alone: its half of the nodes, its own /metrics, a final snapshot', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-shard-'));
    const out = path.join(dir, 'shard-1.json');
    let metricsUrl = '';
    let scraped = '';
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'sim/cli.ts', 'shard', '--index', '1', '--of', '2', '--nodes', '10',
          '--cloudhub', cloud.cloudhubUrl, '--certs-url', cloud.certsUrl, '--certs', 'shared',
          '--cert-cache', path.join(dir, 'certs'), '--data-dir', path.join(dir, 'data'),
          '--metrics-port', '0', '--duration', '8s', '--out', out],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TWINLAB_TOKEN: cloud.token } },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /metrics (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr);
        if (m && !metricsUrl) {
          metricsUrl = m[1]!;
          setTimeout(() => {
            fetch(metricsUrl).then(async (r) => (scraped = await r.text()), () => undefined);
          }, 5000);
        }
      });
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    expect(metricsUrl).not.toBe('');
    expect(scraped).toMatch(/twinlab_nodes\{state="ready"\} 5/);
    const result = JSON.parse(await readFile(out, 'utf8')) as { snapshot: ShardSnapshot; config: { token?: string; firstNode: number } };
    expect(result.config.token).toBeUndefined();
    expect(result.config.firstNode).toBe(5);
    expect(result.snapshot.counters.connects).toBe(5);
    expect(result.snapshot.counters.sent['insert\tnode']).toBe(5);
    const nodes = await cloud.peer.command({ kind: 'nodes' });
    expect(nodes.map((n) => n.name).sort()).toEqual(['vn-00005', 'vn-00006', 'vn-00007', 'vn-00008', 'vn-00009']);
  }, 60_000);
});
