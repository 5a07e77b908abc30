/**
 * `twinlab shard --control URL`: a shard that takes its orders from a controller over the network
 * control channel instead of running alone — how a shard in a pod takes part in one run with one
 * verdict. Its index comes from the pod; its slice of the fleet, the join token and every phase
 * (faults, storms, restarts) come from the controller, through the same shard service a forked
 * shard runs. It still serves /metrics, /healthz and /readyz for the pod.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import { FleetMetrics } from '../../metrics/fleet-metrics.js';
import { startMetricsServer } from '../../metrics/metrics-server.js';
import { dialControl } from '../channel/control-client.js';
import type { ShardPort } from '../channel/shard-port.js';
import { aggregate } from '../controller/aggregate.js';
import type { ShardIdentity } from './shard-identity.js';
import { serveShard } from './shard-service.js';

export interface ControlledShardOptions {
  url: string;
  /** The run token. A secret: never logged. */
  token: string;
  /** PEM file of the CA that signed the controller's certificate (wss). */
  caFile?: string;
  identity: ShardIdentity;
  metricsHost: string;
  metricsPort: number;
  /** How long to keep dialling a controller that is not up yet (a pod may start first). */
  dialForMs?: number;
  /** This machine's certificate cache and meta-store directories (a pod's volumes), in place of the controller's paths. */
  certCacheDir?: string;
  dataDir?: string;
}

const REDIAL_MS = 2_000;

async function dialWithRetry(o: ControlledShardOptions, warn: (line: string) => void): Promise<ShardPort> {
  const deadline = Date.now() + (o.dialForMs ?? 120_000);
  const ca = o.caFile ? readFileSync(o.caFile, 'utf8') : undefined;
  const hello = { index: o.identity.index, of: o.identity.of, source: o.identity.source, host: os.hostname() };
  for (;;) {
    try {
      return await dialControl({ url: o.url, token: o.token, hello, ...(ca ? { ca } : {}), warn });
    } catch (error) {
      const refused = error instanceof TwinlabError && /refused the run token/.test(error.message);
      if (refused || Date.now() + REDIAL_MS > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, REDIAL_MS));
    }
  }
}

/** Runs until the controller stops the shard or goes away; resolves with the exit code. */
export async function runControlledShard(o: ControlledShardOptions): Promise<number> {
  const { index, of, source } = o.identity;
  const warn = (line: string): void => void process.stderr.write(`shard ${index}/${of}: ${line}\n`);
  const metrics = new FleetMetrics();
  let open = false;
  const server = await startMetricsServer({ host: o.metricsHost, port: o.metricsPort, registry: metrics.registry, ready: () => open });
  let port: ShardPort;
  try {
    port = await dialWithRetry(o, warn);
  } catch (error) {
    await server.close();
    throw error instanceof TwinlabError ? error : new TwinlabError(ErrorCodes.ControlChannel, `control channel ${o.url}: ${String(error)}`, {});
  }
  process.stderr.write(`shard ${index}/${of} (index from ${source}): under the controller at ${o.url}, metrics ${server.url}\n`);
  // The shard's own view for its /metrics: every snapshot it sends the controller.
  const tapped: ShardPort = {
    ...port,
    onMessage(handler) {
      port.onMessage((message) => {
        // The controller's paths are the controller's machine's: the shard keeps its files where it runs.
        if (message.type === 'start') {
          handler({
            ...message,
            config: { ...message.config, ...(o.certCacheDir ? { certCacheDir: o.certCacheDir } : {}), ...(o.dataDir ? { dataDir: o.dataDir } : {}) },
          });
        } else {
          handler(message);
        }
      });
    },
    send(message) {
      if (message.type === 'ready') open = true;
      if (message.type === 'snapshot') metrics.update(aggregate([message.snapshot]), [message.snapshot]);
      port.send(message);
    },
  };
  return new Promise<number>((resolve) => {
    const service = serveShard(tapped, (code) => {
      void server.close().finally(() => resolve(code));
    });
    // The controller stops the run; a signal to the pod (eviction, a deleted Job) stops the shard.
    process.once('SIGTERM', () => void service.stop(false));
    process.once('SIGINT', () => void service.stop(false));
  });
}
