/**
 * The smaller stages of a run, each started in order by `runSim` and each pushing its own undo
 * onto the teardown when it has started: the controller's metrics endpoint, the Prometheus beside
 * the cloud, the API workload's watch, the fake devices, and the evidence sampler.
 */
import path from 'node:path';
import type { ControlPlane } from '../cloud/control-plane.js';
import type { FleetController } from '../fleet/controller/fleet-controller.js';
import { nodeName } from '../fleet/ipc-messages.js';
import type { MetricsServer } from '../metrics/metrics-server.js';
import { RunPrometheus } from '../prometheus/run-prometheus.js';
import { ApiWorkload } from './api-workload.js';
import { EvidenceSampler } from './evidence-sampler.js';
import type { ApiWorkloadOutcome, RunContext } from './run-context.js';
import { RunDevices, runDevicesConfig } from './run-devices.js';
import { startRunMetricsEndpoint } from './run-metrics-endpoint.js';
import type { RunMeasurements } from './run-measurements.js';

/** The controller's Prometheus endpoint, serving `registry` from the run's start to its end. */
export async function serveMetrics(run: RunContext, registry: Parameters<typeof startRunMetricsEndpoint>[1]): Promise<MetricsServer> {
  const { o, log } = run;
  const endpoint = await startRunMetricsEndpoint({ host: o.metricsHost, port: o.metricsPort, explicit: o.explicit.has('metrics-port') }, registry, log);
  const server = endpoint.server;
  run.teardown.push('metrics endpoint', () => server.close());
  run.record({ t: 'metrics-endpoint', atMs: Date.now(), url: server.url, requestedPort: o.metricsPort, fallbackFrom: endpoint.fallbackFrom });
  log(`metrics: ${server.url}`);
  return server;
}

/**
 * Beside the cloud, before the fleet, so its TSDB holds the whole ramp; undefined when the run has
 * none. Its teardown scrapes once more (the fleet stopped, the cloud not yet) and records the series.
 */
export async function startPrometheus(run: RunContext, cloud: ControlPlane, controllerMetricsUrl: string): Promise<RunPrometheus | undefined> {
  const { o, log } = run;
  const prometheus = await RunPrometheus.start({
    mode: o.prometheus,
    intervalSeconds: o.prometheusIntervalSeconds,
    ...(o.prometheusRemoteWrite ? { remoteWriteUrl: o.prometheusRemoteWrite } : {}),
    outDir: run.outDir,
    runId: path.basename(run.outDir),
    controllerMetricsUrl,
    cloud,
    log,
  });
  if (prometheus) {
    run.teardown.push('prometheus', async () => {
      const end = await prometheus.stop(run.startedAtMs, log).catch((e: unknown) => log(`prometheus: stopping: ${e instanceof Error ? e.message : String(e)}`));
      if (end?.series) run.record({ t: 'prometheus-series', atMs: Date.now(), series: end.series });
    });
  }
  return prometheus;
}

/** The API workload against a real cloud, and how to take its results once. */
export interface OpenedApiWorkload {
  workload: ApiWorkload;
  /** Take the section, SLIs and pod startup times into the outcome, unless taken already. */
  takeOutcome(): void;
}

/**
 * Opened before the fleet, so it sees every node's start and Ready from the first one on;
 * undefined for a cloud without an API server. Its teardown deletes what it made in a cluster
 * that outlives the run.
 */
export async function openApiWorkload(run: RunContext, cloud: ControlPlane): Promise<OpenedApiWorkload | undefined> {
  const { o } = run;
  if (!cloud.kubeconfigPath) return undefined;
  const workload = await ApiWorkload.open({
    kubeconfigPath: cloud.kubeconfigPath,
    nodes: Array.from({ length: o.nodes }, (_, i) => nodeName(o.namePrefix, i)),
    // A scenario places its own pods, phase by phase.
    podsPerNode: run.scenario ? 0 : o.podsPerNode,
    podRate: o.podRate,
    concurrency: o.podConcurrency,
    namespace: 'twinlab',
    withRefs: o.podRefs,
    record: run.record,
  });
  const takeOutcome = (): void => {
    if (run.outcome.apiWorkload) return;
    const taken: ApiWorkloadOutcome = { section: workload.section(), slis: workload.slis(), podStartupMs: workload.podStartupMs };
    run.outcome.apiWorkload = taken;
  };
  run.teardown.push('api workload', async () => {
    // Normally taken before the fleet stopped; a run that failed before its fleet started takes it here.
    takeOutcome();
    await workload.stop(cloud.outlivesRun === true);
  });
  return { workload, takeOutcome };
}

/** The fake devices, when the options or the scenario ask for them; their teardown deletes the Devices a lasting cluster holds. */
export async function startDevices(run: RunContext, cloud: ControlPlane): Promise<RunDevices | undefined> {
  const { o, log } = run;
  const config = runDevicesConfig(o, run.scenario?.scenario.devices);
  if (!config) return undefined;
  const devices = await RunDevices.start(
    {
      protocol: config.protocol,
      perNode: config.perNode,
      nodes: o.nodes,
      namePrefix: o.namePrefix,
      layout: config.layout,
      seed: config.seed,
      cycles: { collectCycleMs: config.collectCycle, reportCycleMs: config.reportCycle, stateReportCycleMs: config.stateReportCycle },
      namespace: 'twinlab',
    },
    cloud,
    run.record,
    log,
  );
  run.teardown.push('devices', () => devices.stop(cloud.outlivesRun === true).catch((e: unknown) => log(`devices: stopping: ${e instanceof Error ? e.message : String(e)}`)));
  return devices;
}

/** The evidence sampler (machine, processes, limits), sampling until the teardown begins. */
export function startEvidence(run: RunContext, cloud: ControlPlane, fleet: FleetController, measurements: RunMeasurements): EvidenceSampler {
  const apiserverTarget = cloud.metricsTargets.find((t) => t.name === 'kube-apiserver' && t.tls !== undefined);
  const evidence = new EvidenceSampler({
    requestedNodes: run.o.nodes,
    processes: () => [{ name: 'twinlab', pid: process.pid }, ...fleet.shards.shardProcesses(), ...cloud.processes],
    fleet: () => fleet.shards.totals(),
    cloudcoreConnected: () => measurements.cloudcoreConnected(),
    nodeLimit: cloud.provider === 'loopback' ? null : (cloud.nodeLimit ?? null),
    ...(apiserverTarget ? { apiserver: apiserverTarget } : {}),
    ...(cloud.cloudcoreLogPath ? { cloudcoreLog: cloud.cloudcoreLogPath } : {}),
    onSample: (sample) => run.record({ t: 'evidence', ...sample }),
  });
  evidence.start();
  run.teardown.push('evidence', () => evidence.stop());
  return evidence;
}
