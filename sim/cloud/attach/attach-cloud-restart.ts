/**
 * Restarting the user's own cloudcore for a `restart-cloud` phase against `--cloud attach`: either
 * a command the user gives (`--cloud-restart-command`, run with `sh -c`), or a restart of the
 * cloudcore Deployment through the API (`--cloud-restart-deployment NAMESPACE/NAME`). twinlab
 * then waits until CloudHub accepts connections again.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ConfigInvalidError, TwinlabError, ErrorCodes } from '../../errors.js';
import type { CloudRestarter, CloudRestartRequest, CloudRestartResult } from '../control-plane.js';

const READY_TIMEOUT_MS = 300_000;
const POLL_MS = 250;

export interface AttachRestartOptions {
  /** Shell command that restarts cloudcore; gets TWINLAB_CLOUD_RESTART_SIGNAL and TWINLAB_CLOUD_RESTART_DOWNTIME_MS. */
  command?: string;
  /** `namespace/name` of the cloudcore Deployment. */
  deployment?: string;
  kubeconfigPath?: string;
  /** wss://host:port of CloudHub: the restart is done once it accepts TCP again. */
  cloudhubUrl: string;
}

export function attachCloudRestart(o: AttachRestartOptions): CloudRestarter | undefined {
  if (o.command && o.deployment) throw new ConfigInvalidError('give one of --cloud-restart-command and --cloud-restart-deployment', { option: '--cloud-restart-command' });
  const url = new URL(o.cloudhubUrl);
  const target = { host: url.hostname, port: Number(url.port || 443) };
  if (o.command) {
    const command = o.command;
    return { restartCloudcore: (r) => viaCommand(command, r, target) };
  }
  if (o.deployment) {
    const [namespace, name, extra] = o.deployment.split('/');
    if (!namespace || !name || extra !== undefined) throw new ConfigInvalidError(`--cloud-restart-deployment ${JSON.stringify(o.deployment)} must be NAMESPACE/NAME`, { option: '--cloud-restart-deployment' });
    const kc = new KubeConfig();
    if (o.kubeconfigPath) kc.loadFromFile(o.kubeconfigPath);
    else kc.loadFromDefault();
    return { restartCloudcore: (r) => viaDeployment(kc, namespace, name, r, target) };
  }
  return undefined;
}

/** The user's command does the stop, the downtime and the start; `whileDown` runs alongside once it has begun. */
async function viaCommand(command: string, r: CloudRestartRequest, target: { host: string; port: number }): Promise<CloudRestartResult> {
  const stoppedAtMs = Date.now();
  const child = spawn('sh', ['-c', command], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TWINLAB_CLOUD_RESTART_SIGNAL: r.signal, TWINLAB_CLOUD_RESTART_DOWNTIME_MS: String(r.downtimeMs) },
  });
  let done = false;
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    });
  });
  // the command may take the whole outage: the phase's own changes go in once CloudHub is seen
  // down, or once the command is done if it was too quick to be seen down
  await waitFor(async () => done || !(await tcpAccepts(target)), READY_TIMEOUT_MS);
  const exitedAtMs = Date.now();
  await r.whileDown?.();
  const code = await exited;
  if (code !== 0) throw new TwinlabError(ErrorCodes.ControlPlaneStart, `--cloud-restart-command exited with code ${code}`, {});
  const startedAtMs = Date.now();
  await waitFor(() => tcpAccepts(target), READY_TIMEOUT_MS);
  return { stoppedAtMs, exitedAtMs, startedAtMs, readyAtMs: Date.now(), detail: `command (${r.signal}, downtime ${r.downtimeMs} ms)` };
}

/**
 * SIGTERM: a rollout restart (the pod template's restartedAt annotation, as `kubectl rollout
 * restart` sets it). SIGKILL: the Deployment's pods deleted with grace period 0. With a downtime
 * the Deployment is scaled to 0 first and back after the downtime.
 */
async function viaDeployment(kc: KubeConfig, namespace: string, name: string, r: CloudRestartRequest, target: { host: string; port: number }): Promise<CloudRestartResult> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const deployment = await apps.readNamespacedDeployment({ namespace, name });
  const replicas = deployment.spec?.replicas ?? 1;
  const selector = Object.entries(deployment.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const stoppedAtMs = Date.now();
  let exitedAtMs: number | null = null;
  if (r.downtimeMs > 0) {
    if (r.signal === 'SIGKILL') await core.deleteCollectionNamespacedPod({ namespace, labelSelector: selector, gracePeriodSeconds: 0 });
    await apps.patchNamespacedDeploymentScale({ namespace, name, body: { spec: { replicas: 0 } } }, merge);
    await waitFor(async () => (await core.listNamespacedPod({ namespace, labelSelector: selector })).items.length === 0, READY_TIMEOUT_MS);
    exitedAtMs = Date.now();
    await r.whileDown?.();
    const left = stoppedAtMs + r.downtimeMs - Date.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    await apps.patchNamespacedDeploymentScale({ namespace, name, body: { spec: { replicas } } }, merge);
  } else if (r.signal === 'SIGKILL') {
    await core.deleteCollectionNamespacedPod({ namespace, labelSelector: selector, gracePeriodSeconds: 0 });
    await r.whileDown?.();
  } else {
    const body = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } };
    await apps.patchNamespacedDeployment({ namespace, name, body }, merge);
    await r.whileDown?.();
  }
  const startedAtMs = Date.now();
  const generation = (await apps.readNamespacedDeployment({ namespace, name })).metadata?.generation ?? 0;
  await waitFor(async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name });
    const s = d.status;
    return (s?.observedGeneration ?? 0) >= generation && (s?.updatedReplicas ?? 0) >= replicas && (s?.readyReplicas ?? 0) >= replicas && (s?.replicas ?? 0) === replicas;
  }, READY_TIMEOUT_MS);
  await waitFor(() => tcpAccepts(target), READY_TIMEOUT_MS);
  return { stoppedAtMs, exitedAtMs, startedAtMs, readyAtMs: Date.now(), detail: `Deployment ${namespace}/${name} (${r.signal}, downtime ${r.downtimeMs} ms)` };
}

async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await done().catch(() => false)) return;
    if (Date.now() >= end) throw new TwinlabError(ErrorCodes.CloudUnreachable, `cloudcore restart: not done within ${timeoutMs / 1000} s`, {});
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function tcpAccepts(target: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
