/**
 * `twinlab sim`: one run, built from stages — serve the run's metrics, open the cloud (and the
 * Prometheus beside it), open the API workload and the fake devices, start the fleet, measure
 * the cloud, start the workload and the evidence sampler, then wait for the duration, the
 * scenario's end, a stall or SIGINT. Each stage pushes its undo onto a teardown stack when it has
 * started; the stack unwinds in reverse on every way out, and the run then writes its summary and
 * reports — also when it failed or was interrupted.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseJoinToken } from '../edge/bootstrap/join-token.js';
import { ErrorCodes, ExitCodes, asTwinlabError, exitCodeFor, isTwinlabError } from '../errors.js';
import { ProgressLine, type ProgressMode } from '../fleet/controller/progress-line.js';
import type { ShardEvent } from '../fleet/ipc-messages.js';
import { FleetMetrics } from '../metrics/fleet-metrics.js';
import { RunEventMetrics } from '../metrics/run-event-metrics.js';
import type { RunEvent } from '../model/run-events.js';
import type { RunSummary } from '../model/run-summary.js';
import { writeReports } from '../report/write-reports.js';
import { ApiNodeTracker } from '../scenario/api-node-tracker.js';
import { LinkTracker } from '../scenario/link-tracker.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/scenario-loader.js';
import { applyScenario, scaleScenario } from '../scenario/scenario-options.js';
import { TWINLAB_VERSION } from '../version.js';
import { startFleet } from './fleet-stage.js';
import { openCloud } from './open-cloud.js';
import { emptyOutcome, type Log, type RunContext, type RunHooks } from './run-context.js';
import { RunMeasurements } from './run-measurements.js';
import { RunPidFile } from './run-pid-file.js';
import { RunRecorder } from './run-recorder.js';
import { openApiWorkload, serveMetrics, startDevices, startEvidence, startPrometheus } from './run-stages.js';
import { RunState } from './run-state.js';
import { recordedOptions, type SimOptions } from './sim-options.js';
import { TeardownStack } from './teardown-stack.js';
import { startWorkload } from './workload-stage.js';

export type { RunHooks } from './run-context.js';

export interface SimResult {
  exitCode: number;
  summary: RunSummary;
  outDir: string;
}

function progressMode(o: SimOptions): ProgressMode {
  if (o.progress === 'auto') return process.stderr.isTTY ? 'tty' : 'plain';
  return o.progress;
}

export async function runSim(options: SimOptions, log: Log = (l) => process.stderr.write(`${l}\n`), hooks: RunHooks = {}): Promise<SimResult> {
  // An invalid scenario fails here, before anything starts (TWL_SCENARIO_INVALID, exit 2).
  let scenario: LoadedScenario | undefined;
  let o = options;
  if (options.scenario) {
    scenario = scaleScenario(loadScenarioFile(options.scenario, options.explicit.has('nodes') ? { nodes: options.nodes } : {}), options.timeScale);
    o = applyScenario(options, scenario);
  }
  const startedAtMs = Date.now();
  const outDir = path.resolve(o.outDir);
  await mkdir(outDir, { recursive: true });
  const recorder = new RunRecorder(outDir);
  const metrics = new FleetMetrics();
  // The summary's own measurements as metrics too, from the same events.
  const eventMetrics = new RunEventMetrics(metrics.registry);
  const record = (e: RunEvent): void => {
    recorder.record(e);
    eventMetrics.observe(e);
  };
  record({
    t: 'run-start',
    atMs: startedAtMs,
    runId: path.basename(outDir),
    twinlabVersion: TWINLAB_VERSION,
    requestedNodes: o.nodes,
    options: recordedOptions(o),
    slos: o.slos,
    scenario: scenario ? { name: scenario.scenario.name, description: scenario.scenario.description, source: scenario.source, graceSeconds: scenario.scenario.grace / 1000 } : null,
  });
  // Stops what SIGKILLed predecessors left behind, then lists every process this run starts.
  const pids = await RunPidFile.open(outDir, record, log).catch((e: unknown) => {
    log(`warning: no pid file for this run (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  });
  record({ t: 'stage', atMs: startedAtMs, stage: 'control-plane' });
  const run: RunContext = { o, scenario, outDir, startedAtMs, recorder, record, log, hooks, state: new RunState(), teardown: new TeardownStack(), outcome: emptyOutcome() };
  const { state, outcome } = run;
  const progress = new ProgressLine(progressMode(o), o.nodes, startedAtMs);
  run.teardown.push('signals', state.listenForSignals());

  try {
    const metricsServer = await serveMetrics(run, metrics.registry);
    const { cloud, plans } = await openCloud(run);
    await startPrometheus(run, cloud, metricsServer.url);
    parseJoinToken(cloud.token); // a malformed token fails here, once, naming the bad part
    hooks.onCloud?.(cloud);
    const api = await openApiWorkload(run, cloud);
    const devices = await startDevices(run, cloud);
    const links = new LinkTracker(o.nodes, o.namePrefix);
    const measurements = new RunMeasurements(cloud);
    const { fleet, startedAtMs: fleetStartedAtMs } = await startFleet(run, cloud, plans, {
      metrics,
      progress,
      consumers: [
        ...(api ? [(events: ShardEvent[]) => api.workload.onShardEvents(events)] : []),
        ...(devices ? [(events: ShardEvent[]) => devices.onShardEvents(events)] : []),
        (events: ShardEvent[]) => links.onShardEvents(events),
      ],
      controlPlaneRss: () => measurements.controlPlaneRss(),
      cloudcoreConnected: () => measurements.cloudcoreConnected(),
    });
    await measurements.start(run, fleet, () => api?.takeOutcome());
    const workload = await startWorkload(run, {
      cloud,
      fleet,
      fleetStartedAtMs,
      apiWorkload: api?.workload,
      devices,
      measurements,
      links,
      apiNodes: new ApiNodeTracker(o.nodes, o.namePrefix),
    });
    startEvidence(run, cloud, fleet, measurements);
    // A scenario ends when its timeline does; a plain run at --duration. A stalled ramp ends either.
    await state.waitForEnd(scenario ? null : fleetStartedAtMs + o.durationMs);
    await workload.devicesBound.catch((e: unknown) => log(`devices: ${e instanceof Error ? e.message : String(e)}`));
    await workload.done.catch((e: unknown) => {
      if (scenario && state.error === null) state.error = isTwinlabError(e) ? { code: e.code, message: e.message } : { code: ErrorCodes.Internal, message: `scenario: ${e instanceof Error ? e.message : String(e)}` };
      log(`workload: ${e instanceof Error ? e.message : String(e)}`);
    });
  } catch (e) {
    const failure = asTwinlabError(e);
    state.error = { code: failure.code, message: failure.message };
  }

  state.tearingDown = true;
  record({ t: 'stage', atMs: Date.now(), stage: 'teardown' });
  progress.finish();
  for (const failure of await run.teardown.unwind()) {
    const e = asTwinlabError(failure.error);
    log(`teardown: ${failure.step}: ${e.message}`);
    if (state.error === null) state.error = { code: e.code, message: `teardown: ${failure.step}: ${e.message}` };
  }

  const { error, interrupted } = state;
  const fleetResult = outcome.fleet;
  const harnessCpu = fleetResult ? fleetResult.shards.reduce((n, sh) => n + sh.cpuSeconds, 0) : 0;
  const cloudcoreCpu = outcome.controlPlane?.cloudcore?.cpuSeconds;
  if (outcome.live) record({ t: 'snapshot', atMs: Date.now(), totals: outcome.live, cloudcoreConnected: outcome.cloudcoreConnected.at(-1)?.[1] ?? null });
  record({
    t: 'run-end',
    atMs: Date.now(),
    interrupted,
    error,
    fleet: fleetResult ? { totals: fleetResult.totals, shards: fleetResult.shards, unansweredAtStop: fleetResult.unansweredAtStop } : null,
    controlPlane: outcome.controlPlane,
    cloudcoreConnectedNodes: outcome.cloudcoreConnected,
    workload: outcome.apiWorkload?.section ?? null,
    workloadSlis: outcome.apiWorkload?.slis ?? {},
    apiPodStartupMs: outcome.apiWorkload?.podStartupMs ?? null,
    extraSlis: { harness_to_cloudcore_cpu_ratio: cloudcoreCpu ? round2(harnessCpu / cloudcoreCpu) : null },
  });
  pids?.close();
  recorder.close();
  const summary = recorder.reducer.summary();
  const failure = error ?? summary.error;
  await writeReports(summary, outDir);
  const breached = summary.slos.some((x) => !x.pass);
  const exitCode = failure ? exitCodeFor(failure) : interrupted ? ExitCodes.Interrupted : breached ? ExitCodes.SloBreach : ExitCodes.Ok;
  return { exitCode, summary, outDir };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
