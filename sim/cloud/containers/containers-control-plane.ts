/**
 * The `containers` control-plane provider: k3s (the API server, @testcontainers/k3s) and the
 * official `kubeedge/cloudcore:v1.23.1` image on a private Docker network, started through
 * testcontainers 11. cloudcore gets the compose stack's configuration (container-specs.ts), the
 * KubeEdge CRDs are applied through the API from the cached CRD directory (downloaded, pinned, when
 * none is cached), CloudHub's ports are published on 127.0.0.1 only, and the join token is read
 * from Secret kubeedge/tokensecret. CPU and memory come from the engine's stats API
 * (container-stats.ts): `processes` is empty because the pids are not this host's to read.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import type { ControlPlane, MetricsTarget } from '../control-plane.js';
import { AdminApi, pick } from '../local/admin-api.js';
import { cacheBinDir } from '../local/control-plane-binaries.js';
import { applyCrds, crdDirCandidates, findCrdDir, loadCrds } from '../local/kubeedge-crds.js';
import { ControlPlaneStartError } from '../../errors.js';
import { answers200, tcpAccepts, waitUntil } from '../local/readiness.js';
import { Progress, downloadRelease, releaseBinDir, releaseCrdDir } from '../local/release-download.js';
import { type ContainerSample, type StatsClient, type TrackedContainer, containerUsageMeter, sampleContainers } from './container-stats.js';
import {
  CLOUDCORE_PORTS,
  CONTAINERS_KUBEEDGE_VERSION,
  K3S_API_PORT,
  NETWORK_ALIASES,
  type HostPortChoice,
  cloudcoreContainerSpec,
  containerImages,
  k3sCommand,
  kubeconfigCredentials,
  loopbackPortBindings,
} from './container-specs.js';
import { dockerAvailable } from './docker-available.js';

const DEFAULT_NODE_LIMIT = 1000;

export interface ContainersControlPlaneOptions {
  /** Kubeconfig, k3s client credentials and cloudcore's rendered config are written here. */
  runDir: string;
  /** cloudHub.nodeLimit; cloudcore pays for it up front (≈ 7.6 KB RSS per unit). Default 1000. */
  nodeLimit?: number;
  /** Host port on 127.0.0.1 for CloudHub's WebSocket. Default 10000; 'auto' lets the engine pick. */
  cloudhubPort?: HostPortChoice;
  /** Host port on 127.0.0.1 for CloudHub's HTTPS (/ca.crt, /edge.crt). Default 10002. */
  certsPort?: HostPortChoice;
  /** Image overrides (else TWINLAB_K3S_IMAGE / TWINLAB_CLOUDCORE_IMAGE, else the pinned ones). */
  images?: { k3s?: string; cloudcore?: string };
  /** Directory of KubeEdge CRD YAML; else TWINLAB_CRD_DIR, the build or release cache, or a download. */
  crdDir?: string;
  /** Per container, image pull included. Default 300 s. */
  startupTimeoutMs?: number;
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** A metrics target the scraper can authenticate to (kube-apiserver wants the client certificate). */
export type ContainersMetricsTarget = MetricsTarget & { tls?: { caFile: string; certFile: string; keyFile: string } };

export interface ContainersControlPlane extends ControlPlane {
  provider: 'containers';
  kubeconfigPath: string;
  nodeLimit: number;
  runDir: string;
  apiServerUrl: string;
  images: { k3s: string; cloudcore: string };
  /** The two containers, by name ('k3s', 'cloudcore') and engine id. */
  containers: TrackedContainer[];
  metricsTargets: ContainersMetricsTarget[];
  /** One CPU/memory sample of each container from the engine's stats API. */
  sampleUsage(): Promise<ContainerSample>;
  /** The last lines of a container's log. */
  logTail(name: 'k3s' | 'cloudcore', lines?: number): Promise<string>;
}

/** Where KubeEdge's CRDs may already be: explicit, TWINLAB_CRD_DIR, the build cache, the release cache, the Go module cache. */
export function containerCrdCandidates(env: NodeJS.ProcessEnv, explicit?: string): string[] {
  const out: string[] = [];
  if (explicit) out.push(explicit);
  if (env.TWINLAB_CRD_DIR) out.push(env.TWINLAB_CRD_DIR);
  const built = cacheBinDir(env);
  if (built) out.push(join(built, '..', 'crds'));
  out.push(releaseCrdDir(env), ...crdDirCandidates(releaseBinDir(env), CONTAINERS_KUBEEDGE_VERSION));
  return [...new Set(out)];
}

function decodeToken(secret: unknown): string | null {
  const data = pick(secret, 'data', 'tokendata');
  if (typeof data !== 'string' || data === '') return null;
  const token = Buffer.from(data, 'base64').toString('utf8').trim();
  return token.split('.').length === 4 ? token : null;
}

async function readLogTail(container: StartedTestContainer, lines: number): Promise<string> {
  const stream = await container.logs({ tail: lines });
  return new Promise((resolvePromise) => {
    let text = '';
    const done = (): void => {
      stream.destroy();
      resolvePromise(text);
    };
    stream.on('data', (c: Buffer | string) => {
      text += c.toString();
    });
    stream.on('end', done);
    stream.on('error', done);
    setTimeout(done, 2_000).unref();
  });
}

class StartFailure extends Error {
  constructor(
    readonly component: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export async function startContainersControlPlane(opts: ContainersControlPlaneOptions): Promise<ContainersControlPlane> {
  const env = opts.env ?? process.env;
  const runDir = resolve(opts.runDir);
  const stateDir = join(runDir, 'containers');
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const progress = opts.onProgress ?? ((): void => undefined);
  const nodeLimit = opts.nodeLimit ?? DEFAULT_NODE_LIMIT;
  const startupTimeoutMs = opts.startupTimeoutMs ?? 300_000;
  const images = containerImages(env, opts.images ?? {});

  const probe = await dockerAvailable({ env });
  if (!probe.available) {
    throw new ControlPlaneStartError('docker', `the containers provider needs a Docker engine: ${probe.reason}`, '');
  }
  progress(probe.reason);

  // Loaded here so that runs on other providers never load dockerode.
  const tc = await import('testcontainers');
  const k3sModule = await import('@testcontainers/k3s');

  /** k3s with its API port published on 127.0.0.1 only. */
  class LoopbackK3sContainer extends k3sModule.K3sContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      await super.beforeContainerCreated();
      this.hostConfig.PortBindings = loopbackPortBindings(this.hostConfig.PortBindings as Record<string, []> | undefined);
    }
  }
  /** Any container with its published ports on 127.0.0.1 only. */
  class LoopbackContainer extends tc.GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      this.hostConfig.PortBindings = loopbackPortBindings(this.hostConfig.PortBindings as Record<string, []> | undefined);
    }
  }

  let network: StartedNetwork | null = null;
  let k3s: StartedTestContainer | null = null;
  let cloudcore: StartedTestContainer | null = null;
  let api: AdminApi | null = null;
  const stopAll = async (): Promise<void> => {
    api?.close();
    // cloudcore first: it would otherwise log the API server vanishing while it stops.
    for (const c of [cloudcore, k3s]) await c?.stop({ timeout: 10_000 }).catch(() => undefined);
    await network?.stop().catch(() => undefined);
  };
  const phase = async <T>(component: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StartFailure) throw err;
      throw new StartFailure(component, err instanceof Error ? err.message : String(err), { cause: err });
    }
  };

  try {
    const t0 = Date.now();
    network = await phase('docker', () => new tc.Network().start());
    const net = network;
    progress(`starting ${images.k3s}`);
    k3s = await phase('k3s', () =>
      new LoopbackK3sContainer(images.k3s)
        .withCommand(k3sCommand())
        .withNetwork(net)
        .withNetworkAliases(NETWORK_ALIASES.k3s)
        .withStartupTimeout(startupTimeoutMs)
        .start(),
    );
    const startedK3s = k3s as InstanceType<typeof k3sModule.StartedK3sContainer>;
    const apiServerUrl = `https://127.0.0.1:${startedK3s.getMappedPort(K3S_API_PORT)}`;
    const creds = kubeconfigCredentials(startedK3s.getKubeConfig());
    const caFile = join(stateDir, 'k3s-ca.crt');
    const certFile = join(stateDir, 'k3s-admin.crt');
    const keyFile = join(stateDir, 'k3s-admin.key');
    writeFileSync(caFile, creds.caPem, { mode: 0o600 });
    writeFileSync(certFile, creds.certPem, { mode: 0o600 });
    writeFileSync(keyFile, creds.keyPem, { mode: 0o600 });
    const kubeconfigPath = join(runDir, 'k3s.kubeconfig');
    writeFileSync(kubeconfigPath, startedK3s.getKubeConfig().replace(/server:\s*\S+/, `server: ${apiServerUrl}`), { mode: 0o600 });
    api = new AdminApi({ server: apiServerUrl, caFile, certFile, keyFile });
    const adminApi = api;
    await phase('k3s', () =>
      waitUntil(async () => (await adminApi.request('GET', '/readyz', undefined, 2_000)).status === 200, { what: 'k3s /readyz', timeoutMs: 60_000, intervalMs: 250 }),
    );
    progress(`k3s ready at ${apiServerUrl} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    await phase('crds', async () => {
      const candidates = containerCrdCandidates(env, opts.crdDir);
      let dir = findCrdDir(candidates);
      if (!dir && env.TWINLAB_NO_DOWNLOAD !== '1') {
        dir = (await downloadRelease({ env, only: ['crds'], progress: Progress.auto(opts.onProgress) })).crdDir;
      }
      if (!dir) throw new Error(`KubeEdge CRDs not found and downloading is disabled; looked in: ${candidates.join(', ')}`);
      const names = await applyCrds(adminApi, loadCrds(dir), 60_000);
      await adminApi.createIfAbsent('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeedge' } });
      progress(`applied ${names.length} KubeEdge CRDs from ${dir}; namespace kubeedge present`);
    });

    const spec = cloudcoreContainerSpec({
      image: images.cloudcore,
      nodeLimit,
      kubeconfig: startedK3s.getAliasedKubeConfig(NETWORK_ALIASES.k3s),
      cloudhubPort: opts.cloudhubPort ?? CLOUDCORE_PORTS.cloudhub,
      certsPort: opts.certsPort ?? CLOUDCORE_PORTS.certs,
    });
    // The rendered config, for the person reading the run dir (the container gets the same text).
    writeFileSync(join(stateDir, 'cloudcore.yaml'), spec.files[0]?.content ?? '', { mode: 0o600 });
    progress(`starting ${images.cloudcore} (nodeLimit ${nodeLimit})`);
    cloudcore = await phase('cloudcore', () =>
      new LoopbackContainer(spec.image)
        .withCommand(spec.command)
        .withNetwork(net)
        .withNetworkAliases(NETWORK_ALIASES.cloudcore)
        .withCopyContentToContainer(spec.files)
        .withExposedPorts(...spec.ports)
        .withWaitStrategy(tc.Wait.forHttp('/metrics', CLOUDCORE_PORTS.monitor).forStatusCode(200))
        .withStartupTimeout(startupTimeoutMs)
        .start(),
    );
    const cc = cloudcore;
    const cloudhubPort = cc.getMappedPort(CLOUDCORE_PORTS.cloudhub);
    const certsPort = cc.getMappedPort(CLOUDCORE_PORTS.certs);
    const monitorPort = cc.getMappedPort(CLOUDCORE_PORTS.monitor);
    let token = '';
    await phase('cloudcore', async () => {
      // cloudcore sleeps 0–9 s before negotiating its tunnel port; 90 s covers that and a slow start.
      const wait = { timeoutMs: 90_000, intervalMs: 250 };
      await waitUntil(async () => (await tcpAccepts(cloudhubPort)) && (await answers200(`https://127.0.0.1:${certsPort}/ca.crt`)), {
        ...wait,
        what: `cloudcore CloudHub wss 127.0.0.1:${cloudhubPort} and https 127.0.0.1:${certsPort}/ca.crt`,
      });
      await waitUntil(
        async () => {
          token = decodeToken((await adminApi.getJson('/api/v1/namespaces/kubeedge/secrets/tokensecret')).body) ?? '';
          return token !== '';
        },
        { ...wait, what: 'secret kubeedge/tokensecret' },
      );
    });
    progress(`control plane (containers) ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const client = await tc.getContainerRuntimeClient();
    const statsClient: StatsClient = client.container.dockerode;
    const containers: TrackedContainer[] = [
      { name: 'k3s', id: startedK3s.getId() },
      { name: 'cloudcore', id: cc.getId() },
    ];
    const started = { k3s: startedK3s, cloudcore: cc };
    let stopping: Promise<void> | null = null;
    return {
      provider: 'containers',
      kubeedgeVersion: CONTAINERS_KUBEEDGE_VERSION,
      kubeconfigPath,
      cloudhubUrl: `wss://127.0.0.1:${cloudhubPort}`,
      certsUrl: `https://127.0.0.1:${certsPort}`,
      token,
      nodeLimit,
      metricsTargets: [
        { name: 'cloudcore', url: `http://127.0.0.1:${monitorPort}/metrics` },
        { name: 'kube-apiserver', url: `${apiServerUrl}/metrics`, tls: { caFile, certFile, keyFile } },
      ],
      processes: [],
      runDir,
      apiServerUrl,
      images,
      containers,
      sampleUsage: () => sampleContainers(statsClient, containers),
      usage: { start: () => containerUsageMeter(() => sampleContainers(statsClient, containers)) },
      logTail: (name, lines = 50) => readLogTail(started[name], lines),
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    const failed = err instanceof StartFailure ? err.component : 'containers';
    const which = failed === 'cloudcore' ? cloudcore : failed === 'k3s' ? k3s : null;
    const tail = which ? await readLogTail(which, 40).catch(() => '') : '';
    await stopAll();
    throw new ControlPlaneStartError(failed, err instanceof Error ? err.message : String(err), tail, undefined, { cause: err });
  }
}
