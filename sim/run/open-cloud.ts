/**
 * The run's first stage: choose the cloud (`--cloud auto` picks a real control plane, never the
 * loopback test peer), start it, record what it is, and push its stop onto the teardown.
 */
import path from 'node:path';
import type { ControlPlane } from '../cloud/control-plane.js';
import { attachControlPlane } from '../cloud/attach/attach-control-plane.js';
import { probeBinaries } from '../cloud/local/control-plane-binaries.js';
import { dockerAvailable } from '../cloud/containers/docker-available.js';
import { startContainersControlPlane } from '../cloud/containers/containers-control-plane.js';
import { CONTAINERS_KUBEEDGE_VERSION } from '../cloud/containers/container-specs.js';
import { LOCAL_KUBEEDGE_VERSION, startLocalControlPlane } from '../cloud/local/local-control-plane.js';
import { LOOPBACK_TITLE, startLoopbackControlPlane } from '../cloud/loopback/loopback-control-plane.js';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { limitWarnings, planRunProcesses, type ProcessPlans } from './process-plans.js';
import type { Log, RunContext } from './run-context.js';
import type { SimOptions } from './sim-options.js';

export type CloudKind = Exclude<SimOptions['cloud'], 'auto'>;

/** A started cloud, and the process plans (shards, peer processes) made for it. */
export interface OpenedCloud {
  cloud: ControlPlane;
  kind: CloudKind;
  plans: ProcessPlans;
}

/** Start the cloud the options name; a run interrupted while it started ends here, with the cloud stopped. */
export async function openCloud(run: RunContext): Promise<OpenedCloud> {
  const { o, log, record } = run;
  const kind = await chooseCloud(o);
  const plans = planRunProcesses(o, kind, log);
  const cloud = await startCloud(kind, o, run.outDir, log, plans);
  run.teardown.push('cloud', () => cloud.stop().catch(() => undefined));
  record({
    t: 'cloud',
    atMs: Date.now(),
    title: title(cloud),
    cloud: {
      provider: cloud.provider, kubeedgeVersion: cloud.kubeedgeVersion, nodeLimit: cloud.nodeLimit ?? null, cloudhubUrl: cloud.cloudhubUrl,
      ...(cloud.config ? { config: cloud.config } : {}),
    },
  });
  for (const w of limitWarnings(plans, cloud, o.nodes)) {
    log(`warning: ${w.message}`);
    record({ t: 'warning', atMs: Date.now(), ...w });
  }
  if (run.state.interrupted) throw new TwinlabError(ErrorCodes.Interrupted, 'interrupted while the cloud was starting', {});
  return { cloud, kind, plans };
}

/**
 * Resolve `--cloud auto`: the local real control plane when its binaries are cached, buildable or
 * downloadable; else k3s + the cloudcore image on Docker; never the loopback test peer.
 */
async function chooseCloud(o: SimOptions): Promise<CloudKind> {
  if (o.cloud !== 'auto') return o.cloud;
  const probe = probeBinaries();
  if (probe.available || probe.buildable || probe.downloadable) return 'local';
  const docker = await dockerAvailable();
  if (docker.available) return 'containers';
  throw new TwinlabError(
    ErrorCodes.BinariesUnavailable,
    'no real control plane available: the KubeEdge/Kubernetes binaries are not cached, Go is not installed to build them, ' +
      `no release download is possible (TWINLAB_NO_DOWNLOAD=1 or not Linux), and ${docker.reason}. ` +
      'Run `pnpm build:controlplane` (needs Go), set TWINLAB_BIN_DIR, start Docker, use --cloud attach for an existing cluster, ' +
      'or --cloud loopback for a harness self-test (not a KubeEdge measurement).',
    { missing: probe.missing },
  );
}

async function startCloud(kind: CloudKind, o: SimOptions, outDir: string, log: Log, plans: ProcessPlans): Promise<ControlPlane> {
  const nodeLimit = o.nodeLimit ?? Math.max(1000, o.nodes + 100);
  if (kind !== 'local' && (Object.keys(o.cloudcoreSet).length > 0 || o.apiserverArgs.length > 0)) {
    throw new TwinlabError(ErrorCodes.ConfigInvalid, `--cloudcore-set and --apiserver-arg change the local control plane; this run chose --cloud ${kind} (use --cloud local)`, { option: '--cloud' });
  }
  switch (kind) {
    case 'loopback':
      log(`cloud: loopback test peer — ${LOOPBACK_TITLE}. This measures the harness, NOT KubeEdge.`);
      // --time-scale shrinks the test peer's keepalive timeout, ACK resend and reconcile with edgecore's intervals.
      return startLoopbackControlPlane({
        nodeLimit,
        processes: plans.peer?.processes ?? 1,
        kubeedgeVersion: o.kubeedgeVersion,
        ...(o.timeScale !== 1
          ? {
              keepaliveTimeoutMs: Math.max(200, Math.round(30_000 * o.timeScale)),
              reconcileIntervalMs: Math.max(200, Math.round(5_000 * o.timeScale)),
              ackLane: { resendIntervalMs: Math.max(100, Math.round(5000 * o.timeScale)) },
            }
          : {}),
      });
    case 'attach':
      log(`cloud: attach to ${o.cloudhub}`);
      return attachControlPlane({
        cloudhubUrl: o.cloudhub!,
        certsUrl: o.certsUrl!,
        kubeedgeVersion: o.kubeedgeVersion,
        ...(o.kubeconfig ? { kubeconfigPath: o.kubeconfig } : {}),
        ...(o.token ? { token: o.token } : {}),
        ...(o.cloudcoreMetrics ? { cloudcoreMetricsUrl: o.cloudcoreMetrics } : {}),
        ...(o.nodeLimit !== undefined ? { nodeLimit: o.nodeLimit } : {}),
        ...(o.cloudRestartCommand ? { restartCommand: o.cloudRestartCommand } : {}),
        ...(o.cloudRestartDeployment ? { restartDeployment: o.cloudRestartDeployment } : {}),
      });
    case 'containers':
      if (o.kubeedgeVersion !== CONTAINERS_KUBEEDGE_VERSION) {
        throw new TwinlabError(ErrorCodes.ConfigInvalid, `--cloud containers runs cloudcore ${CONTAINERS_KUBEEDGE_VERSION}; --kubeedge-version ${o.kubeedgeVersion} needs --cloud attach`, {});
      }
      log(`cloud: containers (k3s + kubeedge/cloudcore:${CONTAINERS_KUBEEDGE_VERSION} on Docker), nodeLimit ${nodeLimit}`);
      return startContainersControlPlane({
        runDir: path.join(outDir, 'controlplane'),
        nodeLimit,
        cloudhubPort: 'auto',
        certsPort: 'auto',
        onProgress: (line) => log(`  ${line}`),
      });
    case 'local':
      if (o.kubeedgeVersion !== LOCAL_KUBEEDGE_VERSION) {
        throw new TwinlabError(ErrorCodes.ConfigInvalid, `--cloud local builds cloudcore ${LOCAL_KUBEEDGE_VERSION}; --kubeedge-version ${o.kubeedgeVersion} needs --cloud attach`, {});
      }
      log(`cloud: local control plane (etcd + kube-apiserver + kube-controller-manager + cloudcore ${LOCAL_KUBEEDGE_VERSION}), nodeLimit ${nodeLimit}`);
      return startLocalControlPlane({
        runDir: path.join(outDir, 'controlplane'),
        nodeLimit,
        cloudhubPort: 'auto',
        certsPort: 'auto',
        cloudcoreSet: o.cloudcoreSet,
        extraArgs: { 'kube-apiserver': o.apiserverArgs },
        onProgress: (line) => log(`  ${line}`),
      });
  }
}

/** The run's title: what it measured. */
function title(cloud: ControlPlane): string {
  if (cloud.provider === 'loopback') return LOOPBACK_TITLE;
  return `KubeEdge ${cloud.kubeedgeVersion} cloudcore (${cloud.provider})`;
}
