/**
 * An existing KubeEdge cluster: a kubeconfig for the API server plus cloudcore's CloudHub and
 * certificate endpoints. The join token comes from `--token`, else from Secret
 * `kubeedge/tokensecret` (key `tokendata`). twinlab starts and stops nothing here.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CloudUnreachableError, ConfigInvalidError } from '../../errors.js';
import type { ControlPlane, MetricsTarget } from '../control-plane.js';
import { attachCloudRestart } from './attach-cloud-restart.js';

export interface AttachOptions {
  kubeconfigPath?: string;
  /** wss://host:10000 */
  cloudhubUrl: string;
  /** https://host:10002 */
  certsUrl: string;
  token?: string;
  kubeedgeVersion: string;
  /** cloudcore's monitor server, e.g. http://127.0.0.1:9091/metrics. */
  cloudcoreMetricsUrl?: string;
  nodeLimit?: number;
  /** How a restart-cloud phase restarts cloudcore: a shell command, or the Deployment `namespace/name`. */
  restartCommand?: string;
  restartDeployment?: string;
}

function checkUrl(value: string, flag: string, protocols: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} is not a URL`, { option: flag });
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigInvalidError(`${flag} must use ${protocols.join(' or ')} (got ${url.protocol})`, { option: flag });
  }
}

/** Read the join token from Secret kubeedge/tokensecret through the API server. */
export async function readJoinToken(kubeconfigPath: string | undefined): Promise<string> {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromDefault();
  const api = kc.makeApiClient(CoreV1Api);
  let secret;
  try {
    secret = await api.readNamespacedSecret({ name: 'tokensecret', namespace: 'kubeedge' });
  } catch (error) {
    throw new CloudUnreachableError(
      `cannot read Secret kubeedge/tokensecret from ${kc.getCurrentCluster()?.server ?? 'the API server'}: ${error instanceof Error ? error.message : String(error)}`,
      { server: kc.getCurrentCluster()?.server },
      { cause: error },
    );
  }
  const data = secret.data?.tokendata;
  if (!data) throw new ConfigInvalidError('Secret kubeedge/tokensecret has no tokendata key; pass --token', {});
  return Buffer.from(data, 'base64').toString('utf8').trim();
}

export async function attachControlPlane(options: AttachOptions): Promise<ControlPlane> {
  checkUrl(options.cloudhubUrl, '--cloudhub', ['wss:']);
  checkUrl(options.certsUrl, '--certs-url', ['https:']);
  const token = options.token ?? (await readJoinToken(options.kubeconfigPath));
  const metricsTargets: MetricsTarget[] = options.cloudcoreMetricsUrl ? [{ name: 'cloudcore', url: options.cloudcoreMetricsUrl }] : [];
  const cloudRestart = attachCloudRestart({
    cloudhubUrl: options.cloudhubUrl,
    ...(options.restartCommand ? { command: options.restartCommand } : {}),
    ...(options.restartDeployment ? { deployment: options.restartDeployment } : {}),
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
  });
  return {
    provider: 'attach',
    kubeedgeVersion: options.kubeedgeVersion,
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
    cloudhubUrl: options.cloudhubUrl,
    certsUrl: options.certsUrl,
    token,
    ...(options.nodeLimit !== undefined ? { nodeLimit: options.nodeLimit } : {}),
    metricsTargets,
    processes: [],
    ...(cloudRestart ? { cloudRestart } : {}),
    outlivesRun: true,
    async stop() {
      // Nothing to stop: the cluster belongs to the user.
    },
  };
}
