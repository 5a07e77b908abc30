/**
 * `twinlab shard --index I --of N`: one shard of an N-shard fleet in this process, without a
 * controller — how a Helm chart spreads a 100k-node fleet over a cluster. It serves its own
 * /metrics, prints a plain progress line, and stops on SIGINT/SIGTERM or after --duration,
 * writing its final snapshot to --out.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readJoinToken } from '../../cloud/attach/attach-control-plane.js';
import { DEFAULT_PROJECT_ID } from '../../edge/codec/message.js';
import { DEFAULT_KUBEEDGE_VERSION, profileFor } from '../../edge/version-profile.js';
import { ConfigInvalidError, ExitCodes } from '../../errors.js';
import { startMetricsServer } from '../../metrics/metrics-server.js';
import { FleetMetrics } from '../../metrics/fleet-metrics.js';
import { aggregate } from '../controller/aggregate.js';
import { planShards } from '../controller/fleet-controller.js';
import { progressText } from '../controller/progress-line.js';
import type { ShardConfig, ShardSnapshot } from '../ipc-messages.js';
import { defaultCacheDir, parseDuration } from '../../run/sim-options.js';
import { Shard } from './shard.js';

function wholeNumber(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be a whole number ≥ ${min}`, { option: flag });
  return v;
}

export async function runShardCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        index: { type: 'string' },
        of: { type: 'string' },
        nodes: { type: 'string' },
        cloudhub: { type: 'string' },
        'certs-url': { type: 'string' },
        token: { type: 'string' },
        kubeconfig: { type: 'string' },
        certs: { type: 'string' },
        'cert-cache': { type: 'string' },
        'data-dir': { type: 'string' },
        ramp: { type: 'string' },
        'kubeedge-version': { type: 'string' },
        'name-prefix': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        duration: { type: 'string' },
        out: { type: 'string' },
        'insecure-skip-hostname-check': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new ConfigInvalidError(error instanceof Error ? error.message : String(error), {});
  }
  const v = parsed.values;
  const of = wholeNumber(v.of, '--of', 1) ?? 1;
  const index = wholeNumber(v.index, '--index', 0) ?? 0;
  if (index >= of) throw new ConfigInvalidError(`--index ${index} must be below --of ${of}`, { option: '--index' });
  const nodes = wholeNumber(v.nodes, '--nodes', 1) ?? 100;
  if (!v.cloudhub || !v['certs-url']) throw new ConfigInvalidError('twinlab shard needs --cloudhub wss://HOST:10000 and --certs-url https://HOST:10002', { option: '--cloudhub' });
  const certs = v.certs ?? 'per-node';
  if (certs !== 'per-node' && certs !== 'shared') throw new ConfigInvalidError('--certs must be per-node or shared', { option: '--certs' });
  const token = v.token ?? process.env.TWINLAB_TOKEN ?? (await readJoinToken(v.kubeconfig));
  const plan = planShards(nodes, of)[index]!;
  const ramp = wholeNumber(v.ramp, '--ramp', 1) ?? 500;
  const config: ShardConfig = {
    index,
    of,
    firstNode: plan.firstNode,
    nodeCount: plan.nodeCount,
    namePrefix: v['name-prefix'] ?? 'vn',
    cloudhubUrl: v.cloudhub,
    certsUrl: v['certs-url'],
    token,
    certs,
    certCacheDir: v['cert-cache'] ?? path.join(defaultCacheDir(), 'certs'),
    dataDir: v['data-dir'] ?? path.join('reports', `shard-${index}`),
    kubeedgeVersion: profileFor(v['kubeedge-version'] ?? DEFAULT_KUBEEDGE_VERSION).kubeedgeVersion,
    projectId: DEFAULT_PROJECT_ID,
    rampPerSecond: ramp / of,
    podStartupDelayMs: 0,
    reconnectJitterMs: 0,
    snapshotIntervalMs: 1000,
    insecureSkipHostnameCheck: v['insecure-skip-hostname-check'] ?? false,
  };
  const metrics = new FleetMetrics();
  const server = await startMetricsServer({
    host: v['metrics-host'] ?? '127.0.0.1',
    port: wholeNumber(v['metrics-port'], '--metrics-port', 0) ?? 9464 + index,
    registry: metrics.registry,
  });
  const started = Date.now();
  let lastLine = 0;
  let latest: ShardSnapshot | undefined;
  const shard = await Shard.open(config, {
    snapshot: (s) => {
      latest = s;
      const totals = aggregate([s]);
      metrics.update(totals, [s]);
      if (Date.now() - lastLine >= 10_000) {
        lastLine = Date.now();
        process.stderr.write(`shard ${index}/${of}: ${progressText(totals, 0, plan.nodeCount, Date.now() - started)}\n`);
      }
    },
    events: () => undefined,
  });
  process.stderr.write(`shard ${index}/${of}: nodes ${plan.firstNode}…${plan.firstNode + plan.nodeCount - 1}, metrics ${server.url}\n`);
  shard.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    if (v.duration) setTimeout(resolve, parseDuration(v.duration, '--duration'));
  });
  const result = await shard.stop(true);
  await server.close();
  latest = result.snapshot;
  if (v.out) {
    await mkdir(path.dirname(path.resolve(v.out)), { recursive: true });
    await writeFile(v.out, `${JSON.stringify({ config: { ...config, token: undefined }, snapshot: latest, unanswered: result.unanswered }, null, 2)}\n`);
  }
  return ExitCodes.Ok;
}
