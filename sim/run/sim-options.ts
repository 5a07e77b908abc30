/**
 * `twinlab sim` options: parsed from argv, validated, with a typed error naming the flag that
 * was wrong. Defaults are edgecore's where edgecore has one.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigInvalidError } from '../errors.js';
import { parseApiserverArgs } from '../cloud/local/apiserver-args.js';
import { NODE_LIMIT_KEY } from '../cloud/local/cloudcore-adjust.js';
import { parseCloudcoreSet, type CloudcoreSet } from '../cloud/local/cloudcore-knobs.js';
import { DEFAULT_PROJECT_ID } from '../protocol/kubeedge/message.js';
import { DEFAULT_KUBEEDGE_VERSION, profileFor } from '../edge/version-profile.js';
import { EDGECORE_POD_KILL_DELAY_MS } from '../edge/edge-runtime.js';
import { formatEdgecoreSet, heartbeatSeconds, parseEdgecoreSet, type EdgecoreSet } from '../edge/edgecore-set.js';
import { parseSloFlag, type SloSpec } from '../record/slo.js';
import type { PrometheusMode } from '../prometheus/run-prometheus.js';

export type CloudChoice = 'auto' | 'local' | 'containers' | 'loopback' | 'attach';

export interface SimOptions {
  nodes: number;
  shards: number;
  cloud: CloudChoice;
  durationMs: number;
  rampPerSecond: number;
  outDir: string;
  certs: 'per-node' | 'shared';
  kubeedgeVersion: string;
  podStartupDelayMs: number;
  /** `--pod-kill-delay`: from a pod's deletionTimestamp reaching a node to its `delete` (edgecore's, from the trace, by default). */
  podKillDelayMs: number;
  reconnectJitterMs: number;
  /** The lease loop of each node starts at a random phase (a scenario's `edge.leasePhase: random`). */
  randomLeasePhase: boolean;
  podsPerNode: number;
  podRate: number;
  /** Most pod creations in flight (k6 constant-arrival-rate's preAllocatedVUs): one due beyond it is dropped and counted. */
  podConcurrency: number;
  /** Pods reference a per-node ConfigMap and Secret (queried by the edge; the ConfigMap is updated mid-run). */
  podRefs: boolean;
  metricsPort: number;
  metricsHost: string;
  namePrefix: string;
  certCacheDir: string;
  nodeLimit: number | undefined;
  kubeconfig: string | undefined;
  cloudhub: string | undefined;
  certsUrl: string | undefined;
  token: string | undefined;
  cloudcoreMetrics: string | undefined;
  /** `--cloud attach`: how a restart-cloud phase restarts the user's cloudcore (a shell command, or its Deployment `ns/name`). */
  cloudRestartCommand: string | undefined;
  cloudRestartDeployment: string | undefined;
  insecureSkipHostnameCheck: boolean;
  progress: 'auto' | 'tty' | 'plain' | 'off';
  /** SLO assertions given by --slo / --optional-slo (the verdict adds the run defaults, docs/verdicts.md). */
  slos: SloSpec[];
  /** `--stall-window`: a ramp in which no node became Ready for this long, with nodes still pending, has stalled and ends the run. */
  stallWindowMs: number;
  /** `--scenario`: a built-in's name or a YAML file; the timeline replaces `--duration`. */
  scenario: string | undefined;
  /** `--time-scale`: multiplies scenario durations and edgecore's intervals (tests and quick looks; 1 = real time). */
  timeScale: number;
  /** `--devices-per-node`: fake devices started and bound to every node (0: none, or the scenario's). */
  devicesPerNode: number;
  deviceProtocol: 'modbus' | 'onvif';
  /** `--cloudcore-set` what-if fields for the local cloudcore (a nodeLimit among them is folded into `nodeLimit`). */
  cloudcoreSet: CloudcoreSet;
  /** `--apiserver-arg` flags added to the local kube-apiserver's own. */
  apiserverArgs: string[];
  /** `--edgecore-set` intervals every virtual node runs with instead of edgecore's defaults. */
  edgecoreSet: EdgecoreSet;
  /** `--prometheus`: a run's own Prometheus (auto: with the local control plane, or when `--prometheus-remote-write` is given). */
  prometheus: PrometheusMode;
  /** `--prometheus-remote-write`: the run's Prometheus also sends everything here. */
  prometheusRemoteWrite: string | undefined;
  /** `--prometheus-interval`: its scrape interval, 1–5 s. */
  prometheusIntervalSeconds: number;
  /** `--fleet`: shards forked on this machine (local), or shards that dial the run's control channel (remote: pods, or processes started as pods start them). */
  fleet: 'local' | 'remote' | 'kubernetes';
  /** `--namespace`: where `--fleet kubernetes` puts its shards. */
  namespace: string;
  /** `--image`: the shard image `--fleet kubernetes` runs (repository:tag). */
  image: { repository: string; tag: string };
  /** `--control-advertise`: the control channel's URL as the shards reach it (default: the listen address). */
  controlAdvertise: string | undefined;
  /** `--control-listen`: where a remote fleet's control channel listens. */
  controlHost: string;
  controlPort: number;
  /** `--control-token-file`: the run token remote shards present (else TWINLAB_CONTROL_TOKEN, else one made for the run). */
  controlTokenFile: string | undefined;
  /** `--control-cert`/`--control-key`: serve the control channel over TLS. */
  controlCert: string | undefined;
  controlKey: string | undefined;
  /** `--shard-wait`: how long a remote fleet waits for its shards to dial in. */
  shardWaitMs: number;
  /** Flags given on the command line (they override the scenario file). */
  explicit: ReadonlySet<string>;
}

/** The control channel's port unless `--control-listen` says otherwise (the chart's default too). */
export const DEFAULT_CONTROL_PORT = 7443;

/** The image `--fleet kubernetes` runs unless `--image` names another: this version's. */
export const TWINLAB_IMAGE_TAG = '0.1.0';

/** `repo[:tag]` (a registry port stays in the repository). */
export function parseImage(value: string): { repository: string; tag: string } {
  const m = /^([a-z0-9][-a-z0-9._/:]*?)(?::([\w][\w.-]{0,127}))?$/.exec(value.trim());
  if (!m || m[1]!.endsWith(':')) throw new ConfigInvalidError(`--image ${JSON.stringify(value)} is not an image reference (repository[:tag])`, { option: '--image' });
  return { repository: m[1]!, tag: m[2] ?? TWINLAB_IMAGE_TAG };
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (127.0.0.1). */
export function parseListen(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be HOST:PORT (e.g. 0.0.0.0:7443 in a pod, 127.0.0.1:7443 here)`, { option: flag });
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/**
 * A ramp stalls when no node became Ready for this long while nodes are still pending. 90 s is
 * edgecore's 60 s request timeout (a register that cloudcore dropped is re-sent after it) plus
 * its 30 s redial: a node that is merely slow gets Ready within it, one that cloudcore ignores does not.
 */
export const DEFAULT_STALL_WINDOW_MS = 90_000;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** "90s", "5m", "1h", "250ms" or a bare number of seconds → ms. */
export function parseDuration(value: string, flag: string): number {
  const m = DURATION.exec(value.trim());
  if (!m) throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} is not a duration (e.g. 90s, 5m, 1h)`, { option: flag });
  const v = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(v * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

function int(value: string | undefined, flag: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`, { option: flag });
  }
  return v;
}

export function defaultCacheDir(): string {
  return process.env.TWINLAB_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'twinlab');
}

export function defaultRunId(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

const CLOUDS: readonly CloudChoice[] = ['auto', 'local', 'containers', 'loopback', 'attach'];

export function parseSimOptions(argv: readonly string[]): SimOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: 'string', short: 'n' },
        shards: { type: 'string' },
        cloud: { type: 'string' },
        duration: { type: 'string', short: 'd' },
        ramp: { type: 'string' },
        out: { type: 'string', short: 'o' },
        certs: { type: 'string' },
        'kubeedge-version': { type: 'string' },
        'pod-startup-delay': { type: 'string' },
        'pod-kill-delay': { type: 'string' },
        'reconnect-jitter': { type: 'string' },
        'pods-per-node': { type: 'string' },
        'pod-rate': { type: 'string' },
        'pod-concurrency': { type: 'string' },
        'plain-pods': { type: 'boolean' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'name-prefix': { type: 'string' },
        'cert-cache': { type: 'string' },
        'node-limit': { type: 'string' },
        kubeconfig: { type: 'string' },
        cloudhub: { type: 'string' },
        'certs-url': { type: 'string' },
        token: { type: 'string' },
        'cloudcore-metrics': { type: 'string' },
        'cloud-restart-command': { type: 'string' },
        'cloud-restart-deployment': { type: 'string' },
        'insecure-skip-hostname-check': { type: 'boolean' },
        progress: { type: 'string' },
        slo: { type: 'string', multiple: true },
        'optional-slo': { type: 'string', multiple: true },
        'stall-window': { type: 'string' },
        scenario: { type: 'string', short: 's' },
        'time-scale': { type: 'string' },
        'devices-per-node': { type: 'string' },
        'device-protocol': { type: 'string' },
        'cloudcore-set': { type: 'string', multiple: true },
        'apiserver-arg': { type: 'string', multiple: true },
        'edgecore-set': { type: 'string', multiple: true },
        prometheus: { type: 'string' },
        'prometheus-remote-write': { type: 'string' },
        'prometheus-interval': { type: 'string' },
        fleet: { type: 'string' },
        'control-listen': { type: 'string' },
        'control-token-file': { type: 'string' },
        'control-cert': { type: 'string' },
        'control-key': { type: 'string' },
        'shard-wait': { type: 'string' },
        namespace: { type: 'string' },
        image: { type: 'string' },
        'control-advertise': { type: 'string' },
      },
    });
  } catch (error) {
    throw new ConfigInvalidError(error instanceof Error ? error.message : String(error), {});
  }
  const v = parsed.values;
  const cloud = (v.cloud ?? 'auto') as CloudChoice;
  if (!CLOUDS.includes(cloud)) throw new ConfigInvalidError(`--cloud must be one of ${CLOUDS.join(', ')} (got ${JSON.stringify(v.cloud)})`, { option: '--cloud' });
  const certs = v.certs ?? 'per-node';
  if (certs !== 'per-node' && certs !== 'shared') throw new ConfigInvalidError(`--certs must be per-node or shared (got ${JSON.stringify(certs)})`, { option: '--certs' });
  const progress = v.progress ?? 'auto';
  if (!['auto', 'tty', 'plain', 'off'].includes(progress)) throw new ConfigInvalidError(`--progress must be auto, tty, plain or off`, { option: '--progress' });
  const deviceProtocol = v['device-protocol'] ?? 'modbus';
  if (deviceProtocol !== 'modbus' && deviceProtocol !== 'onvif') throw new ConfigInvalidError(`--device-protocol must be modbus or onvif (got ${JSON.stringify(deviceProtocol)})`, { option: '--device-protocol' });
  const kubeedgeVersion = profileFor(v['kubeedge-version'] ?? DEFAULT_KUBEEDGE_VERSION).kubeedgeVersion;
  const nodes = int(v.nodes, '--nodes', 100, 1, 1_000_000);
  const cacheDir = defaultCacheDir();
  const { [NODE_LIMIT_KEY]: setLimit, ...cloudcoreSet } = parseCloudcoreSet(v['cloudcore-set'] ?? []);
  const flagLimit = v['node-limit'] === undefined ? undefined : int(v['node-limit'], '--node-limit', 0, 1);
  // Both say the same thing; two different values would leave one of them silently ignored.
  if (setLimit !== undefined && flagLimit !== undefined && setLimit !== flagLimit) {
    throw new ConfigInvalidError(`--node-limit ${flagLimit} and --cloudcore-set ${NODE_LIMIT_KEY}=${String(setLimit)} disagree; give one of them`, { option: '--cloudcore-set' });
  }
  const edgecoreSet = parseEdgecoreSet(v['edgecore-set'] ?? []);
  checkHeartbeat(edgecoreSet, cloud, cloudcoreSet);
  const prometheus = v.prometheus ?? 'auto';
  if (prometheus !== 'auto' && prometheus !== 'on' && prometheus !== 'off') throw new ConfigInvalidError(`--prometheus must be on, off or auto (got ${JSON.stringify(prometheus)})`, { option: '--prometheus' });
  const remoteWrite = v['prometheus-remote-write'];
  if (remoteWrite !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(remoteWrite);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigInvalidError('--prometheus-remote-write must be an http(s) URL, e.g. https://mimir.example/api/v1/push', { option: '--prometheus-remote-write' });
    if (prometheus === 'off') throw new ConfigInvalidError('--prometheus-remote-write needs the run\'s Prometheus; it was turned off with --prometheus off', { option: '--prometheus-remote-write' });
  }
  const fleet = v.fleet ?? 'local';
  if (fleet !== 'local' && fleet !== 'remote' && fleet !== 'kubernetes') {
    throw new ConfigInvalidError(`--fleet must be local, remote or kubernetes (got ${JSON.stringify(fleet)})`, { option: '--fleet' });
  }
  for (const flag of ['control-listen', 'control-token-file', 'control-cert', 'control-key', 'shard-wait', 'control-advertise'] as const) {
    if (v[flag] !== undefined && fleet === 'local') throw new ConfigInvalidError(`--${flag} is for a fleet of remote shards; add --fleet remote or --fleet kubernetes`, { option: `--${flag}` });
  }
  for (const flag of ['namespace', 'image'] as const) {
    if (v[flag] !== undefined && fleet !== 'kubernetes') throw new ConfigInvalidError(`--${flag} is for --fleet kubernetes`, { option: `--${flag}` });
  }
  const image = parseImage(v.image ?? `twinlab:${TWINLAB_IMAGE_TAG}`);
  if ((v['control-cert'] === undefined) !== (v['control-key'] === undefined)) {
    throw new ConfigInvalidError('--control-cert and --control-key go together: the control channel serves TLS with both', { option: '--control-cert' });
  }
  if (fleet === 'kubernetes' && v.shards === undefined) v.shards = String(Math.max(1, Math.ceil(nodes / 10_000)));
  if (fleet === 'remote' && v.shards === undefined) {
    throw new ConfigInvalidError('--fleet remote needs --shards N: how many shards will dial in (the StatefulSet\'s replicas)', { option: '--shards' });
  }
  const control = parseListen(v['control-listen'] ?? `127.0.0.1:${DEFAULT_CONTROL_PORT}`, '--control-listen');
  const apiserverArgs = parseApiserverArgs(v['apiserver-arg'] ?? []);
  const knobs = (v['cloudcore-set'] ?? []).length > 0 ? '--cloudcore-set' : apiserverArgs.length > 0 ? '--apiserver-arg' : null;
  if (knobs && cloud !== 'local' && cloud !== 'auto') {
    throw new ConfigInvalidError(`${knobs} changes the local control plane; --cloud ${cloud} does not start one (use --cloud local)`, { option: knobs });
  }
  const options: SimOptions = {
    nodes,
    shards: int(v.shards, '--shards', Math.max(1, os.availableParallelism()), 1, 1024),
    cloud,
    durationMs: v.duration === undefined ? 120_000 : parseDuration(v.duration, '--duration'),
    rampPerSecond: int(v.ramp, '--ramp', 500, 1, 1_000_000),
    outDir: v.out ?? path.join('reports', defaultRunId()),
    certs,
    kubeedgeVersion,
    podStartupDelayMs: v['pod-startup-delay'] === undefined ? 0 : parseDuration(v['pod-startup-delay'], '--pod-startup-delay'),
    podKillDelayMs: v['pod-kill-delay'] === undefined ? EDGECORE_POD_KILL_DELAY_MS : parseDuration(v['pod-kill-delay'], '--pod-kill-delay'),
    reconnectJitterMs: v['reconnect-jitter'] === undefined ? 0 : parseDuration(v['reconnect-jitter'], '--reconnect-jitter'),
    randomLeasePhase: false,
    podsPerNode: int(v['pods-per-node'], '--pods-per-node', 0, 0, 110),
    podRate: int(v['pod-rate'], '--pod-rate', 100, 1, 100_000),
    podConcurrency: int(v['pod-concurrency'], '--pod-concurrency', 50, 1, 10_000),
    podRefs: !(v['plain-pods'] ?? false),
    metricsPort: int(v['metrics-port'], '--metrics-port', 9464, 0, 65535),
    metricsHost: v['metrics-host'] ?? '127.0.0.1',
    namePrefix: v['name-prefix'] ?? 'vn',
    certCacheDir: v['cert-cache'] ?? path.join(cacheDir, 'certs'),
    nodeLimit: flagLimit ?? (typeof setLimit === 'number' ? setLimit : undefined),
    kubeconfig: v.kubeconfig,
    cloudhub: v.cloudhub,
    certsUrl: v['certs-url'],
    token: v.token,
    cloudcoreMetrics: v['cloudcore-metrics'],
    cloudRestartCommand: v['cloud-restart-command'],
    cloudRestartDeployment: v['cloud-restart-deployment'],
    insecureSkipHostnameCheck: v['insecure-skip-hostname-check'] ?? false,
    progress: progress as SimOptions['progress'],
    slos: [...(v.slo ?? []).map((t) => parseSloFlag(t)), ...(v['optional-slo'] ?? []).map((t) => parseSloFlag(t, '--optional-slo'))],
    stallWindowMs: v['stall-window'] === undefined ? DEFAULT_STALL_WINDOW_MS : parseDuration(v['stall-window'], '--stall-window'),
    scenario: v.scenario,
    timeScale: v['time-scale'] === undefined ? 1 : timeScale(v['time-scale']),
    devicesPerNode: int(v['devices-per-node'], '--devices-per-node', 0, 0, 100),
    deviceProtocol,
    cloudcoreSet,
    apiserverArgs,
    edgecoreSet,
    prometheus,
    prometheusRemoteWrite: remoteWrite,
    prometheusIntervalSeconds: int(v['prometheus-interval']?.replace(/s$/, ''), '--prometheus-interval', 2, 1, 5),
    fleet,
    namespace: v.namespace ?? 'twinlab',
    image,
    controlAdvertise: v['control-advertise'],
    controlHost: control.host,
    controlPort: control.port,
    controlTokenFile: v['control-token-file'],
    controlCert: v['control-cert'],
    controlKey: v['control-key'],
    shardWaitMs: v['shard-wait'] === undefined ? 600_000 : parseDuration(v['shard-wait'], '--shard-wait'),
    explicit: new Set(Object.keys(v).filter((k) => v[k as keyof typeof v] !== undefined)),
  };
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.namePrefix) || options.namePrefix.length > 40) {
    throw new ConfigInvalidError(`--name-prefix ${JSON.stringify(options.namePrefix)} must be a DNS-1123 label of at most 40 characters`, { option: '--name-prefix' });
  }
  if (cloud === 'attach' && (!options.cloudhub || !options.certsUrl)) {
    throw new ConfigInvalidError('--cloud attach needs --cloudhub wss://HOST:10000 and --certs-url https://HOST:10002 (and --kubeconfig or --token)', { option: '--cloud' });
  }
  if (options.devicesPerNode > 0 && cloud === 'attach' && !options.kubeconfig) {
    throw new ConfigInvalidError('--devices-per-node against --cloud attach needs --kubeconfig: Devices are created through the API server', { option: '--devices-per-node' });
  }
  if (options.podsPerNode > 0 && cloud === 'attach' && !options.kubeconfig) {
    throw new ConfigInvalidError('--pods-per-node against --cloud attach needs --kubeconfig: pods are created through the API server', { option: '--pods-per-node' });
  }
  return options;
}

/**
 * cloudcore closes a link that sent no keepalive within cloudHub.keepaliveInterval (30 s unless
 * `--cloudcore-set` changes it), and so does the loopback peer at 30 s: a heartbeat that is not
 * shorter would drop every node. An attached cloud's interval is its own.
 */
function checkHeartbeat(set: EdgecoreSet, cloud: CloudChoice, cloudcoreSet: CloudcoreSet): void {
  if (cloud === 'attach') return;
  const keepalive = Number(cloudcoreSet['modules.cloudHub.keepaliveInterval'] ?? 30);
  const heartbeat = heartbeatSeconds(set);
  if (heartbeat < keepalive) return;
  throw new ConfigInvalidError(
    `--edgecore-set modules.edgeHub.heartbeat=${heartbeat} is not below the cloud's keepalive interval (${keepalive} s): the cloud would close every node's link between two heartbeats` +
      (cloud === 'loopback' ? ' (the loopback peer keeps 30 s)' : '; raise it with --cloudcore-set modules.cloudHub.keepaliveInterval=N'),
    { option: '--edgecore-set', key: 'modules.edgeHub.heartbeat' },
  );
}

function timeScale(value: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v <= 0 || v > 1) throw new ConfigInvalidError(`--time-scale ${JSON.stringify(value)} must be a number in (0, 1]`, { option: '--time-scale' });
  return v;
}

/** Options as recorded in summary.json: no token, no secrets. */
export function recordedOptions(o: SimOptions): Record<string, string | number | boolean> {
  return {
    nodes: o.nodes,
    shards: o.shards,
    cloud: o.cloud,
    durationSeconds: o.durationMs / 1000,
    rampPerSecond: o.rampPerSecond,
    certs: o.certs,
    kubeedgeVersion: o.kubeedgeVersion,
    podStartupDelayMs: o.podStartupDelayMs,
    podKillDelayMs: o.podKillDelayMs,
    reconnectJitterMs: o.reconnectJitterMs,
    ...(o.randomLeasePhase ? { leasePhase: 'random' } : {}),
    podsPerNode: o.podsPerNode,
    podRate: o.podRate,
    podRefs: o.podRefs,
    projectId: DEFAULT_PROJECT_ID,
    ...(o.scenario ? { scenario: o.scenario } : {}),
    ...(o.timeScale !== 1 ? { timeScale: o.timeScale } : {}),
    stallWindowSeconds: o.stallWindowMs / 1000,
    ...(o.devicesPerNode > 0 ? { devicesPerNode: o.devicesPerNode, deviceProtocol: o.deviceProtocol } : {}),
    ...(Object.keys(o.cloudcoreSet).length > 0 ? { cloudcoreSet: Object.entries(o.cloudcoreSet).map(([k, val]) => `${k}=${String(val)}`).join(',') } : {}),
    ...(o.apiserverArgs.length > 0 ? { apiserverArgs: o.apiserverArgs.join(' ') } : {}),
    ...(Object.keys(o.edgecoreSet).length > 0 ? { edgecoreSet: formatEdgecoreSet(o.edgecoreSet) } : {}),
    ...(o.prometheus !== 'auto' ? { prometheus: o.prometheus } : {}),
    ...(o.fleet !== 'local' ? { fleet: o.fleet } : {}),
    // The host only: a remote_write URL may carry credentials.
    ...(o.prometheusRemoteWrite ? { prometheusRemoteWrite: new URL(o.prometheusRemoteWrite).host } : {}),
  };
}
