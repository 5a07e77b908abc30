/**
 * `twinlab shard --index I --of N`: one shard of an N-shard fleet in this process, without a
 * controller — how a Helm chart spreads a 100k-node fleet over a cluster. In a pod the index comes
 * from the pod (hostname ordinal or JOB_COMPLETION_INDEX) and the options from TWINLAB_*
 * variables. It serves its own /metrics, /healthz and /readyz, prints a plain progress line, and
 * stops on SIGINT/SIGTERM or after --duration, writing its final snapshot to --out.
 */
import { hubClientKind } from '../../edge/hub/hub-link.js';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readJoinToken } from '../../cloud/attach/attach-control-plane.js';
import { DEFAULT_PROJECT_ID } from '../../protocol/kubeedge/message.js';
import { DEFAULT_KUBEEDGE_VERSION, profileFor } from '../../edge/version-profile.js';
import { ConfigInvalidError, ExitCodes } from '../../errors.js';
import { startMetricsServer } from '../../metrics/metrics-server.js';
import { FleetMetrics } from '../../metrics/fleet-metrics.js';
import { aggregate } from '../controller/aggregate.js';
import { planShards } from '../controller/shard-pool.js';
import { progressText } from '../controller/progress-line.js';
import type { ShardConfig, ShardSnapshot } from '../ipc-messages.js';
import { defaultCacheDir, parseDuration } from '../../run/sim-options.js';
import { loadScenarioFile, type LoadedScenario } from '../../scenario/scenario-loader.js';
import { Shard } from './shard.js';
import { INSECURE_SKIP_HOSTNAME_CHECK_ENV, SHARD_ENV, controlTokenFromEnv, insecureSkipHostnameCheck, tokenFromFlagsOrEnv, withEnvDefaults } from './shard-env.js';
import { resolveShardIdentity } from './shard-identity.js';
import { runControlledShard } from './controlled-shard.js';

const SHARD_USAGE = `usage: twinlab shard [--index I] --of N --nodes TOTAL --cloudhub wss://HOST:10000 --certs-url https://HOST:10002 [options]

Runs shard I of an N-shard fleet alone (no controller, no scenario phases), or, with --control
URL, under a controller that hands it its slice of the fleet and drives the scenario's phases
(run token: --control-token-file FILE or TWINLAB_CONTROL_TOKEN; --control-ca for wss). Without --index the
index is JOB_COMPLETION_INDEX (Indexed Job) or the ordinal ending the hostname (StatefulSet pod
twinlab-shard-3 is shard 3). Token: --token, --token-file FILE (a mounted Secret), TWINLAB_TOKEN,
or Secret kubeedge/tokensecret via --kubeconfig. Serves /metrics, /healthz and /readyz on
--metrics-host (127.0.0.1) : --metrics-port (9464 + index).

options and the variables that stand in for them (a flag wins):
${Object.entries(SHARD_ENV)
  .map(([option, name]) => `  --${option.padEnd(22)} ${name}`)
  .join('\n')}
  --${'insecure-skip-hostname-check'.padEnd(22)} ${INSECURE_SKIP_HOSTNAME_CHECK_ENV}=true
  --${'token'.padEnd(22)} TWINLAB_TOKEN
  --${'kubeconfig'.padEnd(22)} (read the token from the cluster)
--scenario takes the fleet's nodes, ramp, certs and reconnect jitter from a scenario file.`;

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
        'token-file': { type: 'string' },
        scenario: { type: 'string' },
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
        control: { type: 'string' },
        'control-token-file': { type: 'string' },
        'control-ca': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigInvalidError(error instanceof Error ? error.message : String(error), {});
  }
  if (parsed.values.help) {
    process.stdout.write(`${SHARD_USAGE}\n`);
    return ExitCodes.Ok;
  }
  const v = withEnvDefaults(parsed.values, process.env);
  const of = wholeNumber(v.of, '--of', 1) ?? 1;
  const identity = resolveShardIdentity({ index: v.index, of, env: process.env, hostname: os.hostname() });
  const { index, source } = identity;
  if (v.control) {
    // Under a controller: the slice of the fleet, the token and the phases come over the channel.
    return runControlledShard({
      url: v.control,
      token: controlTokenFromEnv(v['control-token-file'], process.env),
      ...(v['control-ca'] ? { caFile: v['control-ca'] } : {}),
      identity,
      metricsHost: v['metrics-host'] ?? '127.0.0.1',
      metricsPort: wholeNumber(v['metrics-port'], '--metrics-port', 0) ?? 9464 + index,
      ...(v['cert-cache'] ? { certCacheDir: v['cert-cache'] } : {}),
      ...(v['data-dir'] ? { dataDir: v['data-dir'] } : {}),
    });
  }
  // A scenario (in a cluster: a mounted ConfigMap) gives the fleet's settings; flags override them.
  // Its timeline is not run here: phases across shards need the controller.
  const scenario: LoadedScenario | undefined = v.scenario ? loadScenarioFile(v.scenario) : undefined;
  const fleet = scenario?.scenario.fleet;
  const nodes = wholeNumber(v.nodes, '--nodes', 1) ?? fleet?.nodes ?? 100;
  if (of > nodes) throw new ConfigInvalidError(`--of ${of} shards for ${nodes} nodes: every shard needs at least one node`, { option: '--of' });
  if (!v.cloudhub || !v['certs-url']) throw new ConfigInvalidError('twinlab shard needs --cloudhub wss://HOST:10000 and --certs-url https://HOST:10002 (or TWINLAB_CLOUDHUB and TWINLAB_CERTS_URL)', { option: '--cloudhub' });
  const certs = v.certs ?? fleet?.certs ?? 'per-node';
  if (certs !== 'per-node' && certs !== 'shared') throw new ConfigInvalidError('--certs must be per-node or shared', { option: '--certs' });
  const token = tokenFromFlagsOrEnv(v.token, v['token-file'], process.env) ?? (await readJoinToken(v.kubeconfig));
  const plan = planShards(nodes, of)[index]!;
  const ramp = wholeNumber(v.ramp, '--ramp', 1) ?? fleet?.ramp ?? 500;
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
    reconnectJitterMs: scenario?.scenario.edge.reconnectJitter ?? 0,
    snapshotIntervalMs: 1000,
    insecureSkipHostnameCheck: insecureSkipHostnameCheck(v['insecure-skip-hostname-check'], process.env),
    hubClient: hubClientKind(process.env),
  };
  const metrics = new FleetMetrics();
  let shardOpen = false;
  const server = await startMetricsServer({
    host: v['metrics-host'] ?? '127.0.0.1',
    port: wholeNumber(v['metrics-port'], '--metrics-port', 0) ?? 9464 + index,
    registry: metrics.registry,
    ready: () => shardOpen,
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
  shardOpen = true;
  process.stderr.write(`shard ${index}/${of} (index from ${source}): nodes ${plan.firstNode}…${plan.firstNode + plan.nodeCount - 1}, metrics ${server.url}\n`);
  if (scenario) {
    process.stderr.write(`shard ${index}/${of}: fleet settings from scenario ${scenario.scenario.name} (${scenario.source}); its ${scenario.phases.length} phases are not run by a lone shard\n`);
  }
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
