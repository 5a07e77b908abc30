/**
 * `--fleet kubernetes` against the real local kube-apiserver: the run creates its namespace, the two
 * Secrets and the chart's objects through the API; kube-controller-manager's StatefulSet
 * controller makes the shard Pods; a stand-in for the kubelet (there is none here) starts one
 * process per Pod from the Pod's own spec — its args, its env, its Secret volumes written to files,
 * its hostname — and those shards dial the run's control channel. The run ends with every node
 * Ready and one verdict, and everything it created is gone from the API afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminApi } from '../../sim/cloud/local/admin-api.js';
import { adminApiFromKubeconfig } from './support/admin-api.js';
import { freePorts } from '../../sim/cloud/local/free-port.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';
import { helmSkipReason } from './support/helm.js';
import { skipReason as cloudSkipReason, startRealCloud, type RealCloud } from './support/real-control-plane.js';

const skipReason = helmSkipReason || cloudSkipReason;
if (skipReason) console.warn(`[kubernetes-fleet-local e2e] SKIPPED: ${skipReason}`);

const NODES = 20;
const SHARDS = 2;
const NS = 'twinlab-k8s-e2e';

interface PodView {
  metadata: { name: string };
  spec: {
    containers: Array<{
      image: string;
      args: string[];
      env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
      volumeMounts: Array<{ name: string; mountPath: string }>;
    }>;
    volumes: Array<{ name: string; secret?: { secretName: string; items?: Array<{ key: string; path: string }> }; emptyDir?: object }>;
  };
}

/**
 * What a kubelet does for one of the shard Pods, on this machine: each Secret volume written to a
 * directory, each emptyDir a directory, the container's paths pointed at them, the Pod IP
 * 127.0.0.1 (and a free metrics port, since the pods share it), the hostname the Pod's name.
 */
async function runPod(api: AdminApi, pod: PodView, root: string): Promise<ChildProcess> {
  const c = pod.spec.containers[0]!;
  const mounts = new Map<string, string>();
  for (const v of pod.spec.volumes) {
    const dir = path.join(root, pod.metadata.name, v.name);
    mkdirSync(dir, { recursive: true });
    if (v.secret) {
      const s = JSON.parse((await api.request('GET', `/api/v1/namespaces/${NS}/secrets/${v.secret.secretName}`)).text) as { data: Record<string, string> };
      for (const item of v.secret.items ?? Object.keys(s.data).map((key) => ({ key, path: key }))) {
        writeFileSync(path.join(dir, item.path), Buffer.from(s.data[item.key] ?? '', 'base64'));
      }
    }
    mounts.set(v.name, dir);
  }
  const remap = (value: string): string => {
    for (const m of c.volumeMounts) if (value.startsWith(m.mountPath)) return mounts.get(m.name)! + value.slice(m.mountPath.length);
    return value;
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOSTNAME: pod.metadata.name };
  for (const e of c.env) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = '127.0.0.1';
    else if (e.value !== undefined) env[e.name] = remap(e.value);
  }
  env.TWINLAB_METRICS_PORT = '0';
  return spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', ...c.args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

interface Seen {
  statefulSetReplicas: number;
  secrets: string[];
  images: Set<string>;
}

/** The stand-in kubelet: starts every shard Pod the StatefulSet controller makes in the namespace, once. */
function standInKubelet(api: AdminApi, pods: Map<string, ChildProcess>, root: string, seen: Seen): { stop(): Promise<void> } {
  let on = true;
  const loop = (async () => {
    while (on) {
      const r = await api.request('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app.kubernetes.io%2Fcomponent%3Dshard`).catch(() => undefined);
      if (r?.status === 200) {
        for (const pod of (JSON.parse(r.text) as { items: PodView[] }).items) {
          if (pods.has(pod.metadata.name)) continue;
          seen.images.add(pod.spec.containers[0]!.image);
          pods.set(pod.metadata.name, await runPod(api, pod, root));
          const sts = JSON.parse((await api.request('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets`)).text) as { items: Array<{ spec: { replicas: number } }> };
          seen.statefulSetReplicas = sts.items[0]?.spec.replicas ?? 0;
          const secrets = JSON.parse((await api.request('GET', `/api/v1/namespaces/${NS}/secrets`)).text) as { items: Array<{ metadata: { name: string } }> };
          seen.secrets = secrets.items.map((x) => x.metadata.name).sort();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

function exitCodes(pods: Map<string, ChildProcess>): Promise<Array<number | null>> {
  return Promise.all([...pods.values()].map((p) => (p.exitCode !== null ? Promise.resolve(p.exitCode) : new Promise<number | null>((r) => p.once('exit', (code) => r(code))))));
}

describe.skipIf(skipReason !== '')(`--fleet kubernetes on the real kube-apiserver${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let cloud: RealCloud;
  let api: AdminApi;

  beforeAll(async () => {
    cloud = await startRealCloud('k8s-fleet', 100);
    api = adminApiFromKubeconfig(cloud.cp.kubeconfigPath);
  }, 240_000);

  afterAll(async () => {
    api?.close();
    await cloud?.stop();
  });

  it('creates the shards through the API, runs them as one fleet with one verdict, and removes everything it created', async () => {
    const out = path.join(cloud.workDir, 'run');
    const pods = new Map<string, ChildProcess>();
    const seen = { statefulSetReplicas: 0, secrets: [] as string[], images: new Set<string>() };
    const kubelet = standInKubelet(api, pods, path.join(cloud.workDir, 'pods'), seen);
    const log: string[] = [];
    const port = (await freePorts(1))[0]!;
    const result = await runSim(
      parseSimOptions([
        '--cloud', 'attach', '--cloudhub', cloud.cp.cloudhubUrl, '--certs-url', cloud.cp.certsUrl, '--kubeconfig', cloud.cp.kubeconfigPath,
        '--fleet', 'kubernetes', '--namespace', NS, '--shards', String(SHARDS), '--nodes', String(NODES), '--certs', 'shared',
        '--control-listen', `127.0.0.1:${port}`, '--shard-wait', '2m', '--duration', '20s',
        '--metrics-port', '0', '--progress', 'off', '--prometheus', 'off', '--out', out,
      ]),
      (line) => log.push(line),
    );
    await kubelet.stop();
    const codes = await exitCodes(pods);

    const s = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.error).toBeNull();
    expect(s.nodes.ready).toBe(NODES);
    expect(s.options.fleet).toBe('kubernetes');
    expect(result.exitCode).toBe(0);
    // The chart's StatefulSet made one Pod per shard, each ran as a shard under the run, and each left by itself.
    expect([...pods.keys()].sort()).toEqual(Array.from({ length: SHARDS }, (_, i) => expect.stringMatching(new RegExp(`^twinlab-[0-9a-f]{8}-${i}$`))));
    expect(codes).toEqual([0, 0]);
    expect(seen.statefulSetReplicas).toBe(SHARDS);
    expect(seen.images).toEqual(new Set(['twinlab:0.1.0']));
    expect(seen.secrets).toEqual([expect.stringMatching(/-control-token$/), expect.stringMatching(/-join-token$/)]);
    expect(log.join('\n')).toMatch(/kubernetes: created Namespace twinlab-k8s-e2e, Secret twinlab-\w+-join-token, Secret twinlab-\w+-control-token, .*StatefulSet twinlab-\w+/);
    expect(log.join('\n')).toMatch(/kubernetes: deleted \d+ objects from namespace twinlab-k8s-e2e; all gone/);

    // Nothing the run created is left in the API.
    expect((await api.request('GET', `/api/v1/namespaces/${NS}`)).status).toBe(404);
    // The tokens reached no output file.
    const join = cloud.cp.token;
    for (const file of await readdir(out)) {
      if (/\.(json|jsonl|md|html|xml)$/.test(file)) expect(await readFile(path.join(out, file), 'utf8')).not.toContain(join);
    }
  }, 600_000);
  it('leaves nothing in the cluster when the run is interrupted with SIGINT', async () => {
    const pods = new Map<string, ChildProcess>();
    const kubelet = standInKubelet(api, pods, path.join(cloud.workDir, 'pods-sigint'), { statefulSetReplicas: 0, secrets: [], images: new Set() });
    const port = (await freePorts(1))[0]!;
    const child = spawn(
      process.execPath,
      [
        '--import', 'tsx', 'sim/cli.ts', 'sim',
        '--cloud', 'attach', '--cloudhub', cloud.cp.cloudhubUrl, '--certs-url', cloud.cp.certsUrl, '--kubeconfig', cloud.cp.kubeconfigPath,
        '--fleet', 'kubernetes', '--namespace', NS, '--shards', String(SHARDS), '--nodes', String(NODES), '--certs', 'shared',
        '--control-listen', `127.0.0.1:${port}`, '--shard-wait', '2m', '--duration', '10m',
        '--metrics-port', '0', '--progress', 'plain', '--prometheus', 'off', '--out', path.join(cloud.workDir, 'run-sigint'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const onData = (d: Buffer): void => {
      output += d.toString();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const code = await new Promise<number | null>((resolve) => {
      let sent = false;
      const timer = setInterval(() => {
        // Both shards are under the run: interrupt it as a user's Ctrl-C would.
        if (!sent && (output.match(/control channel: shard \d\/2 connected/g) ?? []).length === SHARDS) {
          sent = true;
          child.kill('SIGINT');
        }
      }, 200);
      child.once('exit', (c) => {
        clearInterval(timer);
        resolve(c);
      });
    });
    await kubelet.stop();
    expect(output).toMatch(/kubernetes: deleted \d+ objects from namespace twinlab-k8s-e2e; all gone/);
    expect(code).toBe(130);
    expect(await exitCodes(pods)).toEqual([0, 0]);
    expect((await api.request('GET', `/api/v1/namespaces/${NS}`)).status).toBe(404);
  }, 600_000);
});
