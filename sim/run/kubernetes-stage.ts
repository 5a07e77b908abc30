/**
 * `--fleet kubernetes`: after the control channel is open, put the shards on the cluster (the
 * chart's objects, created through the API) and push their removal onto the teardown, so they go
 * when the run ends, fails or is interrupted — after the fleet has stopped, before the channel closes.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ControlPlane } from '../cloud/control-plane.js';
import { ConfigInvalidError, ErrorCodes, TwinlabError } from '../errors.js';
import { KubernetesFleet } from '../fleet/kubernetes/kubernetes-fleet.js';
import type { OpenedChannel } from './control-stage.js';
import type { RunContext } from './run-context.js';

/** The URL the pods dial: `--control-advertise`, else the listen address when it is one a pod can reach. */
export function advertisedControlUrl(listenUrl: string, advertise: string | undefined): string {
  if (advertise) {
    if (!/^wss?:\/\/\S+$/.test(advertise)) throw new ConfigInvalidError(`--control-advertise ${JSON.stringify(advertise)} must be a ws:// or wss:// URL`, { option: '--control-advertise' });
    return advertise;
  }
  const host = new URL(listenUrl).hostname;
  if (host === '0.0.0.0' || host === '[::]') {
    throw new ConfigInvalidError(`--control-listen ${host} is every address, none of which the pods can be told: give --control-advertise ws://<address the pods reach>:<port>/twinlab/v1/shards`, {
      option: '--control-advertise',
    });
  }
  return listenUrl;
}

export async function deployKubernetesShards(run: RunContext, cloud: ControlPlane, channel: OpenedChannel): Promise<KubernetesFleet> {
  const { o, log } = run;
  const kubeconfigPath = o.kubeconfig ?? cloud.kubeconfigPath;
  if (!kubeconfigPath) throw new ConfigInvalidError('--fleet kubernetes needs --kubeconfig: the cluster the shards run on', { option: '--kubeconfig' });
  const runId = path.basename(path.resolve(run.outDir));
  const release = `twinlab-${createHash('sha256').update(path.resolve(run.outDir)).digest('hex').slice(0, 8)}`;
  log(`kubernetes: ${o.shards} shard pods of ${o.image.repository}:${o.image.tag} as release ${release} in namespace ${o.namespace} (kubeconfig ${kubeconfigPath})`);
  const fleet = await KubernetesFleet.deploy({
    kubeconfigPath,
    namespace: o.namespace,
    release,
    image: o.image,
    nodes: o.nodes,
    shards: o.shards,
    namePrefix: o.namePrefix,
    certs: o.certs,
    kubeedgeVersion: o.kubeedgeVersion,
    cloudhub: cloud.cloudhubUrl,
    certsUrl: cloud.certsUrl,
    insecureSkipHostnameCheck: o.insecureSkipHostnameCheck,
    controlUrl: advertisedControlUrl(channel.url, o.controlAdvertise),
    joinToken: cloud.token,
    controlToken: channel.token,
    runId,
    log,
  });
  run.teardown.push('kubernetes shards', async () => {
    const removal = await fleet.remove();
    if (removal.left.length > 0) {
      throw new TwinlabError(ErrorCodes.ControlChannel, `kubernetes: ${removal.left.length} objects were not removed: ${removal.left.join('; ')}`, { left: removal.left.length });
    }
  });
  return fleet;
}
