/**
 * The run's fleet stage: fork the shards against the started cloud, push their stop onto the
 * teardown, and watch them — every shard event recorded and handed on, every snapshot turned
 * into metrics, the progress line and the ramp's stages (steady, or stalled), and a shard that
 * dies before the teardown made the run's error.
 */
import path from 'node:path';
import type { ControlPlane } from '../cloud/control-plane.js';
import { ErrorCodes } from '../errors.js';
import { FleetController } from '../fleet/controller/fleet-controller.js';
import type { ProgressLine } from '../fleet/controller/progress-line.js';
import type { ShardEvent } from '../fleet/ipc-messages.js';
import type { FleetMetrics } from '../metrics/fleet-metrics.js';
import { DEFAULT_PROJECT_ID } from '../protocol/kubeedge/message.js';
import { scaledDeviceTimings, scaledEdgeTimings } from '../scenario/scenario-options.js';
import { edgecoreTimings } from '../edge/edgecore-set.js';
import type { ProcessPlans } from './process-plans.js';
import type { RunContext } from './run-context.js';
import { openControlChannel } from './control-stage.js';
import { deployKubernetesShards } from './kubernetes-stage.js';
import type { ShardLauncher } from '../fleet/controller/shard-launcher.js';

/** A started fleet, with the wall-clock ms it started at (`--duration` counts from there). */
export interface StartedFleet {
  fleet: FleetController;
  startedAtMs: number;
}

export interface FleetWatch {
  metrics: FleetMetrics;
  progress: ProgressLine;
  /** Handed every batch of shard events, in this order, before the batch is recorded. */
  consumers: ReadonlyArray<(events: ShardEvent[]) => void>;
  /** The control plane's RSS now, when it can be read; asked at most every 10 s. */
  controlPlaneRss(): Record<string, number> | undefined;
  /** cloudcore's connected-nodes gauge, latest scrape. */
  cloudcoreConnected(): number | null;
}

export async function startFleet(run: RunContext, cloud: ControlPlane, plans: ProcessPlans, watch: FleetWatch): Promise<StartedFleet> {
  const { o, log, record } = run;
  log(`fleet: ${o.nodes} nodes in ${plans.shards.processes} shards, ramp ${o.rampPerSecond}/s, certs ${o.certs}, KubeEdge ${o.kubeedgeVersion}`);
  // --duration is the fleet's time: the control plane's build and start are not part of it.
  const startedAtMs = Date.now();
  record({ t: 'stage', atMs: startedAtMs, stage: 'ramp' });
  let launcher: ShardLauncher | undefined;
  if (o.fleet !== 'local') {
    const channel = await openControlChannel(run);
    launcher = channel.launcher;
    if (o.fleet === 'kubernetes') await deployKubernetesShards(run, cloud, channel);
  }
  const fleet = await FleetController.start({
    nodes: o.nodes,
    shards: plans.shards.processes,
    rampPerSecond: o.rampPerSecond,
    namePrefix: o.namePrefix,
    cloudhubUrl: cloud.cloudhubUrl,
    ...(cloud.hubUrls && cloud.hubUrls.length > 1 ? { cloudhubUrls: [...cloud.hubUrls] } : {}),
    certsUrl: cloud.certsUrl,
    token: cloud.token,
    certs: o.certs,
    certCacheDir: o.certCacheDir,
    dataDir: path.join(run.outDir, 'shards'),
    kubeedgeVersion: o.kubeedgeVersion,
    projectId: DEFAULT_PROJECT_ID,
    podStartupDelayMs: o.podStartupDelayMs,
    podKillDelayMs: o.podKillDelayMs,
    reconnectJitterMs: o.reconnectJitterMs,
    ...(o.randomLeasePhase ? { randomLeasePhase: true } : {}),
    snapshotIntervalMs: 1000,
    ...(o.timeScale !== 1 || Object.keys(o.edgecoreSet).length > 0 ? { timings: scaledEdgeTimings(o.timeScale, edgecoreTimings(o.edgecoreSet)) } : {}),
    ...(o.timeScale !== 1 ? { deviceTimings: scaledDeviceTimings(o.timeScale) } : {}),
    insecureSkipHostnameCheck: o.insecureSkipHostnameCheck,
    ...(o.fleet !== 'local' ? { startTimeoutMs: o.shardWaitMs } : {}),
  }, launcher);
  run.teardown.push('fleet', async () => {
    run.outcome.fleet = await fleet.stop(true);
  });
  watchFleet(run, fleet, startedAtMs, watch);
  return { fleet, startedAtMs };
}

function watchFleet(run: RunContext, fleet: FleetController, startedAtMs: number, watch: FleetWatch): void {
  const { o, log, record, state, hooks } = run;
  const shards = fleet.shards;
  const warned = new Set<string>();
  /** The ramp: from the fleet's start until every node is Ready (then `steady`), or until it stalls. */
  let stage: 'ramp' | 'steady' = 'ramp';
  let lastReadyAt = startedAtMs;
  let readyEvents = 0;
  let lastSnapshotAt = 0;
  let lastUsageAt = 0;

  const onEvents = (events: ShardEvent[]): void => {
    for (const consume of watch.consumers) consume(events);
    record({ t: 'shard', atMs: Date.now(), events });
    for (const e of events) {
      if (e.kind === 'node-ready') {
        readyEvents += 1;
        lastReadyAt = Date.now();
      }
      if (e.kind === 'warn' && !warned.has(e.code)) {
        warned.add(e.code);
        log(`warning: ${e.node}: ${e.code}: ${e.message} (further ${e.code} warnings are counted, not printed)`);
      }
    }
  };
  shards.on('events', onEvents);
  const early = shards.takeEarlyEvents();
  if (early.length > 0) onEvents(early);

  shards.on('snapshot', () => {
    const t = shards.totals();
    watch.metrics.update(t, shards.latestSnapshots());
    watch.progress.update(t);
    const now = Date.now();
    const rss = now - lastUsageAt >= 10_000 ? watch.controlPlaneRss() : undefined;
    if (rss) {
      lastUsageAt = now;
      record({ t: 'cp-usage', atMs: now, rssBytes: rss });
    }
    if (now - lastSnapshotAt >= 1000) {
      lastSnapshotAt = now;
      record({ t: 'snapshot', atMs: now, totals: t, cloudcoreConnected: watch.cloudcoreConnected() });
    }
    if (stage === 'ramp' && t.states.ready >= o.nodes) {
      stage = 'steady';
      record({ t: 'stage', atMs: now, stage: 'steady' });
      if (hooks.steadyMs !== undefined) {
        const timer = setTimeout(() => {
          state.steadyDone = true;
          state.wake();
        }, hooks.steadyMs);
        timer.unref?.();
      }
    } else if (stage === 'ramp' && !state.stalled && now - lastReadyAt >= o.stallWindowMs && readyEvents < o.nodes) {
      // No node became Ready for the whole window while nodes are pending: waiting longer only hides it.
      state.stalled = true;
      const pending = o.nodes - t.states.ready;
      record({ t: 'ramp-stalled', atMs: now, windowS: o.stallWindowMs / 1000, ready: t.states.ready, pending, byState: { ...t.states } });
      log(`ramp stalled: no node became Ready for ${o.stallWindowMs / 1000} s; ${pending} of ${o.nodes} nodes pending (${Object.entries(t.states).filter(([k, v]) => v > 0 && k !== 'ready').map(([k, v]) => `${v} ${k}`).join(', ')}); ending the run`);
      state.wake();
    }
  });

  shards.on('shard-exit', (index, code) => {
    if (state.tearingDown) {
      // The fleet's stop waits for each shard's last snapshot, then kills what is still running.
      if (code !== 0) log(`warning: shard ${index} did not stop within the grace period and was killed (exit ${code}); its counters are those of its last snapshot`);
      return;
    }
    if (code !== 0 && !state.interrupted && state.error === null) {
      state.error = { code: ErrorCodes.ShardFailed, message: `shard ${index} exited with code ${code}` };
      state.wake();
    }
  });
}
