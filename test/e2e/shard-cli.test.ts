/**
 * `twinlab shard --index I --of N` on its own, as a Helm chart runs it: against the loopback test
 * peer, shard 1 of 2 hosts the second half of the fleet, serves /metrics and writes its final
 * snapshot. The second case starts it exactly as a StatefulSet pod does: through bin/twinlab (the
 * image's entrypoint), options from the environment only, the index from the hostname, the token
 * from a mounted file.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
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

describe('twinlab shard as a pod runs it', () => {
  it('takes everything from the environment and the index from HOSTNAME, serves probes, never prints the token', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-shard-pod-'));
    const out = path.join(dir, 'shard.json');
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, `${cloud.token}\n`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOSTNAME: 'twinlab-shard-1',
      TWINLAB_SHARDS: '2',
      TWINLAB_NODES: '6',
      TWINLAB_CLOUDHUB: cloud.cloudhubUrl,
      TWINLAB_CERTS_URL: cloud.certsUrl,
      TWINLAB_TOKEN_FILE: tokenFile,
      TWINLAB_CERTS: 'shared',
      TWINLAB_CERT_CACHE: path.join(dir, 'certs'),
      TWINLAB_DATA_DIR: path.join(dir, 'data'),
      TWINLAB_NAME_PREFIX: 'pod',
      TWINLAB_METRICS_HOST: '127.0.0.1',
      TWINLAB_METRICS_PORT: '0',
      TWINLAB_DURATION: '8s',
      TWINLAB_OUT: out,
    };
    delete env.TWINLAB_TOKEN;
    delete env.JOB_COMPLETION_INDEX;
    let stderr = '';
    let health = 0;
    let ready = 0;
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(path.resolve('bin/twinlab'), ['shard'], { stdio: ['ignore', 'ignore', 'pipe'], env });
      let probed = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /metrics http:\/\/(127\.0\.0\.1:\d+)\/metrics/.exec(stderr);
        if (m && !probed) {
          probed = true;
          fetch(`http://${m[1]}/healthz`).then((r) => (health = r.status), () => undefined);
          fetch(`http://${m[1]}/readyz`).then((r) => (ready = r.status), () => undefined);
        }
      });
      child.on('exit', resolve);
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('shard 1/2 (index from hostname): nodes 3…5');
    expect(stderr).not.toContain(cloud.token);
    expect(health).toBe(200);
    expect(ready).toBe(200);
    const result = JSON.parse(await readFile(out, 'utf8')) as { snapshot: ShardSnapshot; config: { token?: string; firstNode: number; index: number } };
    expect(result.config.token).toBeUndefined();
    expect(result.config.index).toBe(1);
    expect(result.snapshot.counters.connects).toBe(3);
    const nodes = await cloud.peer.command({ kind: 'nodes' });
    expect(nodes.map((n) => n.name).filter((n) => n.startsWith('pod-')).sort()).toEqual(['pod-00003', 'pod-00004', 'pod-00005']);
  }, 60_000);

  it('refuses to start several shards from a hostname without an ordinal', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOSTNAME: 'twinlab-shard', TWINLAB_SHARDS: '2', TWINLAB_NODES: '4' };
    delete env.JOB_COMPLETION_INDEX;
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(path.resolve('bin/twinlab'), ['shard', '--cloudhub', cloud.cloudhubUrl, '--certs-url', cloud.certsUrl], { stdio: ['ignore', 'ignore', 'pipe'], env });
      let text = '';
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', (c) => resolve({ code: c, stderr: text }));
    });
    expect(code).toBe(2);
    expect(stderr).toContain('TWL_CONFIG_INVALID: cannot tell which of 2 shards this is');
  }, 30_000);
});
