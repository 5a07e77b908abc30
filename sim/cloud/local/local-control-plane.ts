/**
 * The `local` control-plane provider: the real etcd, kube-apiserver, kube-controller-manager and
 * cloudcore as child processes on 127.0.0.1, with every file they write inside the caller's run dir.
 * `startLocalControlPlane` brings them up in dependency order and returns a started control plane;
 * any failure stops what was started and throws TWL_CONTROLPLANE_START naming the component.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ControlPlane, ControlPlaneConfig, ControlPlaneProcess, MetricsTarget } from '../control-plane.js';
import { AdminApi, pick } from './admin-api.js';
import { parse as parseYaml, stringify } from 'yaml';
import { ConfigInvalidError, ControlPlaneStartError } from '../../errors.js';
import { collidingFlags } from './apiserver-args.js';
import { NODE_LIMIT_KEY } from './cloudcore-adjust.js';
import { cloudcoreConfig, writeCloudcoreConfig, type CloudcoreConfigInput } from './cloudcore-config.js';
import { cloudcoreEffective, type CloudcoreDump } from './cloudcore-effective.js';
import type { KnobValue } from './config-path.js';
import { resolveBinaries, type BinarySource, type ControlPlaneBinary } from './control-plane-binaries.js';
import { freePorts, portIsFree } from './free-port.js';
import { applyCrds, crdDirCandidates, findCrdDir, loadCrds } from './kubeedge-crds.js';
import { writeKubeconfig } from './kubeconfig.js';
import { writeLocalPki, type LocalPki } from './local-pki.js';
import { ProcessExitedError, answers200, tcpAccepts, waitUntil } from './readiness.js';
import { SupervisedProcess } from './supervised-process.js';
import { findSupervisor } from './supervisor-binary.js';
import { restartCloudcore } from './cloudcore-restart.js';
import { processUsageMeter } from '../process-usage.js';

export const LOCAL_KUBEEDGE_VERSION = 'v1.23.1';

const SERVICE_CIDR = '10.96.0.0/12';
const SERVICE_IP = '10.96.0.1';
const DEFAULT_NODE_LIMIT = 1000;
/** What a start writes under the run dir, and removes first. */
const STATE_DIRS = ['pki', 'etcd', 'logs', 'kube-apiserver', 'kube-controller-manager', 'cloudcore'] as const;

/** A fixed port, or 'auto' for a free one. */
export type PortChoice = number | 'auto';

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'cloudcore';

export interface LocalControlPlaneOptions {
  /**
   * Everything is written here: pki/, etcd/, logs/, admin.kubeconfig, cloudcore.yaml. Created if
   * absent; those entries are replaced on every start (each start is a fresh cluster).
   */
  runDir: string;
  /** cloudHub.nodeLimit. cloudcore pays ≈ 7.6 KB RSS and two goroutines per unit at start. Default 1000. */
  nodeLimit?: number;
  /** Directory with the four binaries; otherwise TWINLAB_BIN_DIR, the build cache, or a build. */
  binDir?: string;
  /** Build the binaries with Go when they are not cached. Default true. */
  allowBuild?: boolean;
  /** CloudHub WebSocket port (cloudcore default 10000). */
  cloudhubPort?: PortChoice;
  /** CloudHub HTTPS port for /ca.crt and /edge.crt (cloudcore default 10002). */
  certsPort?: PortChoice;
  /** cloudcore monitor server port (metrics). Default 'auto'. */
  monitorPort?: PortChoice;
  /**
   * What-if cloudcore fields (`--cloudcore-set`, checked by parseCloudcoreSet), written over the
   * provider's config. A nodeLimit here must equal `nodeLimit` when both are given.
   */
  cloudcoreSet?: Readonly<Record<string, KnobValue>>;
  /** Extra flags per component, appended after the provider's own; one the provider sets itself is refused. */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
  /** Per-component readiness timeout. Default 60 s (cloudcore: 90 s). */
  componentTimeoutMs?: number;
  /** Progress lines (never secrets). Default: silent. */
  onProgress?: (line: string) => void;
}

/** Milliseconds each start-up phase took, in order, and the total. */
export interface StartupTimes {
  binaries: number;
  certs: number;
  etcd: number;
  kubeApiserver: number;
  kubeControllerManager: number;
  crds: number;
  cloudcore: number;
  total: number;
}

export interface LocalPorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  cloudhub: number;
  certs: number;
  monitor: number;
}

export interface LocalControlPlane extends ControlPlane {
  provider: 'local';
  kubeconfigPath: string;
  nodeLimit: number;
  runDir: string;
  binDir: string;
  binarySource: BinarySource;
  apiServerUrl: string;
  ports: LocalPorts;
  startup: StartupTimes;
  /** SHA-256 (hex) of the edge CA DER, i.e. the token's first part. */
  caHash: string;
  logPath(component: ComponentName): string;
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

async function pickPorts(opts: LocalControlPlaneOptions): Promise<LocalPorts> {
  const fixed = {
    cloudhub: opts.cloudhubPort ?? 10000,
    certs: opts.certsPort ?? 10002,
    monitor: opts.monitorPort ?? 'auto',
  };
  for (const [what, p] of Object.entries(fixed)) {
    if (p !== 'auto' && !(await portIsFree(p))) {
      throw new StartFailure('cloudcore', `${what} port 127.0.0.1:${p} is already in use (pass 'auto' to pick a free one)`);
    }
  }
  const free = await freePorts(7);
  const next = (): number => {
    const p = free.shift();
    if (p === undefined) throw new Error('ran out of free ports');
    return p;
  };
  return {
    etcdClient: next(),
    etcdPeer: next(),
    apiserver: next(),
    controllerManager: next(),
    cloudhub: fixed.cloudhub === 'auto' ? next() : fixed.cloudhub,
    certs: fixed.certs === 'auto' ? next() : fixed.certs,
    monitor: fixed.monitor === 'auto' ? next() : fixed.monitor,
  };
}

const CLOUDCORE_CONFIGMAP = 'cloudcore';

async function readCloudcoreDump(api: AdminApi): Promise<CloudcoreDump | undefined> {
  try {
    const r = await api.getJson(`/api/v1/namespaces/kubeedge/configmaps/${CLOUDCORE_CONFIGMAP}`);
    const text = pick(r.body, 'data', 'cloudcore.yaml');
    if (r.status !== 200 || typeof text !== 'string') return undefined;
    return parseYaml(text) as unknown;
  } catch {
    return undefined;
  }
}

function decodeToken(secret: unknown): string | null {
  const data = pick(secret, 'data', 'tokendata');
  if (typeof data !== 'string' || data === '') return null;
  const token = Buffer.from(data, 'base64').toString('utf8').trim();
  return token.split('.').length === 4 ? token : null;
}

export async function startLocalControlPlane(opts: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const t0 = Date.now();
  const runDir = resolve(opts.runDir);
  const logsDir = join(runDir, 'logs');
  // Every start is a fresh cluster: state left by an earlier start (an etcd holding secrets for
  // another CA, old logs) would make cloudcore serve certs the new token does not match.
  for (const sub of STATE_DIRS) rmSync(join(runDir, sub), { recursive: true, force: true });
  mkdirSync(logsDir, { recursive: true });
  const progress = opts.onProgress ?? ((): void => undefined);
  const setLimit = opts.cloudcoreSet?.[NODE_LIMIT_KEY];
  if (setLimit !== undefined && opts.nodeLimit !== undefined && setLimit !== opts.nodeLimit) {
    throw new ConfigInvalidError(`nodeLimit ${opts.nodeLimit} and cloudcoreSet ${NODE_LIMIT_KEY}=${String(setLimit)} disagree`, { option: '--cloudcore-set' });
  }
  const nodeLimit = typeof setLimit === 'number' ? setLimit : (opts.nodeLimit ?? DEFAULT_NODE_LIMIT);
  const timeoutMs = opts.componentTimeoutMs ?? 60_000;
  const extra = (c: ComponentName): string[] => opts.extraArgs?.[c] ?? [];
  const logPath = (c: ComponentName): string => join(logsDir, `${c}.log`);

  const started: SupervisedProcess[] = [];
  let api: AdminApi | null = null;
  const times: Partial<StartupTimes> = {};
  let mark = Date.now();
  const lap = (key: keyof StartupTimes): void => {
    const now = Date.now();
    times[key] = now - mark;
    mark = now;
    progress(`${key} ready in ${((times[key] ?? 0) / 1000).toFixed(1)} s`);
  };

  const stopAll = async (): Promise<void> => {
    // Reverse start order: cloudcore first, etcd last, so nothing loses its backend while running.
    for (const p of [...started].reverse()) await p.stop();
    api?.close();
  };

  let supervisor: string | undefined;
  const launch = async (name: ComponentName, bin: string, args: string[]): Promise<SupervisedProcess> => {
    try {
      const p = await SupervisedProcess.start({ name, command: bin, args: [...args, ...extra(name)], logsDir, cwd: runDir, ...(supervisor ? { supervisor } : {}) });
      started.push(p);
      progress(`${name} started (pid ${p.pid}), log ${p.logPath}`);
      return p;
    } catch (err) {
      throw new StartFailure(name, `could not spawn ${bin}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  };

  const phase = async <T>(component: ComponentName | 'binaries' | 'certs' | 'crds', fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof StartFailure) throw err;
      throw new StartFailure(component, err instanceof Error ? err.message : String(err), { cause: err });
    }
  };

  try {
    const ports = await pickPorts(opts);
    const bins = await resolveBinaries({
      ...(opts.binDir !== undefined ? { binDir: opts.binDir } : {}),
      ...(opts.allowBuild !== undefined ? { allowBuild: opts.allowBuild } : {}),
      // A cold build takes minutes: without a progress sink its output goes to stderr.
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const bin = (b: ControlPlaneBinary): string => bins.paths[b];
    const found = await findSupervisor();
    if (found.path !== null) {
      supervisor = found.path;
      if (found.built) progress(`built the parent-death supervisor ${found.path}`);
    } else {
      progress(`warning: no parent-death supervisor (${found.reason}): a SIGKILL of this process leaves the control plane running until the next run stops it from the pid file`);
    }
    lap('binaries');

    const pki: LocalPki = await phase('certs', () => writeLocalPki(runDir, SERVICE_IP));
    const apiServerUrl = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfigPath = writeKubeconfig(join(runDir, 'admin.kubeconfig'), {
      server: apiServerUrl,
      caFile: pki.clusterCaCert,
      certFile: pki.adminCert,
      keyFile: pki.adminKey,
    });
    lap('certs');

    const etcd = await launch('etcd', bin('etcd'), [
      '--name=twinlab',
      `--data-dir=${join(runDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=twinlab=http://127.0.0.1:${ports.etcdPeer}`,
      '--initial-cluster-state=new',
    ]);
    await phase('etcd', () =>
      waitUntil(
        async () => {
          const r = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`);
          return r.ok && /"health":\s*"true"/.test(await r.text());
        },
        { what: 'etcd /health', timeoutMs, proc: etcd },
      ),
    );
    lap('etcd');

    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${join(runDir, 'kube-apiserver')}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.clusterCaCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      // The `kubernetes` Endpoints may not hold a loopback address; publish none.
      '--endpoint-reconciler-type=none',
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
      `--proxy-client-key-file=${pki.frontProxyClientKey}`,
    ];
    const colliding = collidingFlags(apiserverArgs, extra('kube-apiserver'));
    if (colliding.length > 0) {
      throw new ConfigInvalidError(`kube-apiserver flags set by the local provider cannot be given again: ${colliding.join(', ')}`, { option: '--apiserver-arg' });
    }
    const apiserver = await launch('kube-apiserver', bin('kube-apiserver'), apiserverArgs);
    api = new AdminApi({ server: apiServerUrl, caFile: pki.clusterCaCert, certFile: pki.adminCert, keyFile: pki.adminKey });
    const adminApi = api;
    await phase('kube-apiserver', () =>
      waitUntil(async () => (await adminApi.request('GET', '/readyz', undefined, 2_000)).status === 200, {
        what: 'kube-apiserver /readyz',
        timeoutMs,
        proc: apiserver,
        intervalMs: 200,
      }),
    );
    lap('kubeApiserver');

    const kcmDir = join(runDir, 'kube-controller-manager');
    mkdirSync(join(kcmDir, 'flexvolume'), { recursive: true });
    const kcm = await launch('kube-controller-manager', bin('kube-controller-manager'), [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${kcmDir}`,
      `--flex-volume-plugin-dir=${join(kcmDir, 'flexvolume')}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.clusterCaCert}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--cluster-name=twinlab',
      '--leader-elect=false',
      '--use-service-account-credentials=false',
    ]);
    // KCM and the CRDs are independent; overlap them.
    const kcmReady = phase('kube-controller-manager', () =>
      waitUntil(() => answers200(`https://127.0.0.1:${ports.controllerManager}/healthz`), {
        what: 'kube-controller-manager /healthz',
        timeoutMs,
        proc: kcm,
        intervalMs: 200,
      }),
    ).then(() => Date.now());
    const crdsReady = phase('crds', async () => {
      const candidates = crdDirCandidates(bins.binDir, LOCAL_KUBEEDGE_VERSION);
      const dir = findCrdDir(candidates);
      if (!dir) throw new Error(`KubeEdge CRDs not found; looked in: ${candidates.join(', ')}`);
      const names = await applyCrds(adminApi, loadCrds(dir));
      await adminApi.createIfAbsent('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeedge' } });
      progress(`applied ${names.length} KubeEdge CRDs from ${dir}; namespace kubeedge present`);
    }).then(() => Date.now());
    const kcmStart = mark;
    const [kcmAt, crdsAt] = await Promise.all([kcmReady, crdsReady]);
    times.kubeControllerManager = kcmAt - kcmStart;
    times.crds = crdsAt - kcmStart;
    progress(`kubeControllerManager ready in ${(times.kubeControllerManager / 1000).toFixed(1)} s, crds in ${(times.crds / 1000).toFixed(1)} s`);
    mark = Date.now();

    const cloudcoreInput: CloudcoreConfigInput = {
      runDir,
      kubeconfigPath,
      edgeCaCert: pki.edgeCaCert,
      edgeCaKey: pki.edgeCaKey,
      websocketPort: ports.cloudhub,
      httpsPort: ports.certs,
      monitorPort: ports.monitor,
      nodeLimit,
      ...(opts.cloudcoreSet ? { set: opts.cloudcoreSet } : {}),
    };
    const configPath = writeCloudcoreConfig(join(runDir, 'cloudcore.yaml'), cloudcoreInput);
    const writtenConfig = cloudcoreConfig(cloudcoreInput);
    // cloudcore writes its config after AdjustCloudCoreConfig into this ConfigMap, when it exists:
    // the run's one look at the values cloudcore really holds.
    await phase('cloudcore', () =>
      adminApi.createIfAbsent('/api/v1/namespaces/kubeedge/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: CLOUDCORE_CONFIGMAP, namespace: 'kubeedge' },
        data: { 'cloudcore.yaml': stringify(writtenConfig) },
      }),
    );
    mkdirSync(join(runDir, 'cloudcore'), { recursive: true });
    const cloudcore = await launch('cloudcore', bin('cloudcore'), [`--config=${configPath}`]);
    let token = '';
    await phase('cloudcore', async () => {
      const wait = { timeoutMs: Math.max(timeoutMs, 90_000), proc: cloudcore, intervalMs: 250 };
      await waitUntil(async () => (await tcpAccepts(ports.cloudhub)) && (await answers200(`https://127.0.0.1:${ports.certs}/ca.crt`)), {
        ...wait,
        what: `cloudcore CloudHub wss :${ports.cloudhub} and https :${ports.certs}/ca.crt`,
      });
      await waitUntil(
        async () => {
          token = decodeToken((await adminApi.getJson('/api/v1/namespaces/kubeedge/secrets/tokensecret')).body) ?? '';
          return token !== '';
        },
        { ...wait, what: 'secret kubeedge/tokensecret' },
      );
      await waitUntil(() => answers200(`http://127.0.0.1:${ports.monitor}/metrics`), { ...wait, what: 'cloudcore monitor /metrics' });
    });
    const caHash = createHash('sha256').update(pki.edgeCaDer).digest('hex');
    if (token.split('.')[0] !== caHash) {
      throw new StartFailure(
        'cloudcore',
        'the join token was not issued for the edge CA written to the run dir (a stale kubeedge/casecret?)',
      );
    }
    lap('cloudcore');
    const dump = await readCloudcoreDump(adminApi);
    const effective = cloudcoreEffective(writtenConfig, opts.cloudcoreSet ?? {}, dump);
    const mismatches = effective.dumpMismatches ?? [];
    if (mismatches.length > 0) progress(`cloudcore's adjusted config differs from the AdjustCloudCoreConfig model: ${mismatches.join('; ')}`);
    const config: ControlPlaneConfig = {
      cloudcore: effective.entries,
      apiserverArgs: [...extra('kube-apiserver')],
      checkedAgainst: dump
        ? `cloudcore's adjusted config in ConfigMap kubeedge/${CLOUDCORE_CONFIGMAP}: ${mismatches.length === 0 ? 'matches' : `differs (${mismatches.join('; ')})`}`
        : `ConfigMap kubeedge/${CLOUDCORE_CONFIGMAP} unreadable: the AdjustCloudCoreConfig model alone`,
    };
    times.total = Date.now() - t0;
    progress(`control plane ready in ${(times.total / 1000).toFixed(1)} s (nodeLimit ${nodeLimit})`);

    const processes: ControlPlaneProcess[] = started.map((p) => ({ name: p.name, pid: p.pid }));
    const metricsTargets: MetricsTarget[] = [
      { name: 'cloudcore', url: `http://127.0.0.1:${ports.monitor}/metrics` },
      { name: 'kube-apiserver', url: `${apiServerUrl}/metrics`, tls: { caFile: pki.clusterCaCert, certFile: pki.adminCert, keyFile: pki.adminKey } },
      { name: 'etcd', url: `http://127.0.0.1:${ports.etcdClient}/metrics` },
    ];
    let stopping: Promise<void> | null = null;
    // A restart replaces the cloudcore process: stop() and the usage sampler follow the new pid.
    let cloudcoreNow = cloudcore;
    const restart = async (request: Parameters<typeof restartCloudcore>[1]) => {
      const { process: next, result } = await restartCloudcore(cloudcoreNow, request, {
        start: () => launch('cloudcore', bin('cloudcore'), [`--config=${configPath}`]),
        ports,
        readyTimeoutMs: Math.max(timeoutMs, 90_000),
      });
      started.splice(started.indexOf(cloudcoreNow), 1);
      cloudcoreNow = next;
      const entry = processes.find((p) => p.name === 'cloudcore');
      if (entry) entry.pid = next.pid;
      return result;
    };
    return {
      provider: 'local',
      kubeedgeVersion: LOCAL_KUBEEDGE_VERSION,
      kubeconfigPath,
      cloudhubUrl: `wss://127.0.0.1:${ports.cloudhub}`,
      certsUrl: `https://127.0.0.1:${ports.certs}`,
      token,
      nodeLimit,
      config,
      metricsTargets,
      processes,
      cloudcoreLogPath: logPath('cloudcore'),
      runDir,
      binDir: bins.binDir,
      binarySource: bins.source,
      apiServerUrl,
      ports,
      startup: times as StartupTimes,
      caHash,
      logPath,
      cloudRestart: { restartCloudcore: restart },
      usage: { start: async () => processUsageMeter(processes) },
      controllerManagerMetricsUrl: `https://127.0.0.1:${ports.controllerManager}/metrics`,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    if (!(err instanceof StartFailure)) throw err;
    const failed = started.find((p) => p.name === err.component);
    const cause = err.cause instanceof ProcessExitedError ? err.cause : err;
    throw new ControlPlaneStartError(err.component, err.message, failed?.logTail() ?? '', failed?.logPath, { cause });
  }
}
