/**
 * `twinlab sim`: one run — pick and start the cloud, fork the fleet, drive the loopback workload
 * if asked, wait for the duration (or SIGINT), stop everything and write summary.json and
 * summary.md. A run that fails or is interrupted still writes its summary.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ControlPlane } from '../cloud/control-plane.js';
import { attachControlPlane } from '../cloud/attach/attach-control-plane.js';
import { probeBinaries } from '../cloud/local/control-plane-binaries.js';
import { dockerAvailable } from '../cloud/containers/docker-available.js';
import { startContainersControlPlane, type ContainersControlPlane } from '../cloud/containers/containers-control-plane.js';
import type { ContainerSample } from '../cloud/containers/container-stats.js';
import { CONTAINERS_KUBEEDGE_VERSION } from '../cloud/containers/container-specs.js';
import { LOCAL_KUBEEDGE_VERSION, startLocalControlPlane } from '../cloud/local/local-control-plane.js';
import { LOOPBACK_TITLE, startLoopbackControlPlane, type LoopbackControlPlane } from '../cloud/loopback/loopback-control-plane.js';
import { DEFAULT_PROJECT_ID } from '../protocol/kubeedge/message.js';
import { parseJoinToken } from '../edge/bootstrap/join-token.js';
import { ErrorCodes, ExitCodes, TwinlabError, isTwinlabError } from '../errors.js';
import { FleetController, type FleetResult } from '../fleet/controller/fleet-controller.js';
import type { FleetTotals } from '../fleet/controller/aggregate.js';
import { ProgressLine, type ProgressMode } from '../fleet/controller/progress-line.js';
import { nodeName, type ShardEvent } from '../fleet/ipc-messages.js';
import type { RunSummary } from '../model/run-summary.js';
import type { Sli } from '../model/slo.js';
import { writeReports } from '../report/write-reports.js';
import { TWINLAB_VERSION } from '../version.js';
import { ApiWorkload, type ApiWorkloadSection } from './api-workload.js';
import { ProcessUsageSampler, type UsageSnapshot } from '../cloud/process-usage.js';
import { MetricsScraper } from '../cloud/metrics-scraper.js';
import type { ControlPlaneUsage } from '../model/run-summary.js';
import { FleetMetrics } from '../metrics/fleet-metrics.js';
import { RunEventMetrics } from '../metrics/run-event-metrics.js';
import type { MetricsServer } from '../metrics/metrics-server.js';
import { startRunMetricsEndpoint } from './run-metrics-endpoint.js';
import { RunPidFile } from './run-pid-file.js';
import { recordedOptions, type SimOptions } from './sim-options.js';
import { RunRecorder } from './run-recorder.js';
import type { RunEvent } from '../model/run-events.js';
import { loadScenarioFile, type LoadedScenario } from '../scenario/scenario-loader.js';
import { applyScenario, scaleScenario, scaledDeviceTimings, scaledEdgeTimings } from '../scenario/scenario-options.js';
import { ScenarioRunner } from '../scenario/scenario-runner.js';
import { LinkTracker } from '../scenario/link-tracker.js';
import { ApiNodeTracker } from '../scenario/api-node-tracker.js';
import { ApiScenarioWorkload, LoopbackScenarioWorkload, type ScenarioWorkload } from '../scenario/scenario-workload.js';
import { bindScenarioPorts } from './scenario-ports.js';
import { RunDevices, runDevicesConfig } from './run-devices.js';
import { expectationsFromDriver } from './driver-expectations.js';
import { EvidenceSampler } from './evidence-sampler.js';
import { limitWarnings, planRunProcesses, type ProcessPlans } from './process-plans.js';
import { RunPrometheus } from '../prometheus/run-prometheus.js';

export interface SimResult {
  exitCode: number;
  summary: RunSummary;
  outDir: string;
}

type Log = (line: string) => void;

/** What a driver of several runs (the capacity sweep) may hook into; a plain `twinlab sim` passes none. */
export interface RunHooks {
  /** The cloud is up and the fleet about to start: e.g. to scrape its metrics targets alongside the run. */
  onCloud?: (cloud: ControlPlane) => void;
  /** End the run this long after every node is Ready; the fleet's --duration still bounds the whole run. */
  steadyMs?: number;
}

/**
 * Resolve `--cloud auto`: the local real control plane when its binaries are cached, buildable or
 * downloadable; else k3s + the cloudcore image on Docker; never the loopback test peer.
 */
async function chooseCloud(o: SimOptions): Promise<Exclude<SimOptions['cloud'], 'auto'>> {
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

async function startCloud(kind: Exclude<SimOptions['cloud'], 'auto'>, o: SimOptions, outDir: string, log: Log, plans: ProcessPlans): Promise<ControlPlane> {
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

function title(cloud: ControlPlane | undefined, kind: string): string {
  if (!cloud || cloud.provider === 'loopback') return kind === 'loopback' ? LOOPBACK_TITLE : 'twinlab run';
  return `KubeEdge ${cloud.kubeedgeVersion} cloudcore (${cloud.provider})`;
}

function progressMode(o: SimOptions): ProgressMode {
  if (o.progress === 'auto') return process.stderr.isTTY ? 'tty' : 'plain';
  return o.progress;
}

/** Create pods on the loopback peer at `podRate`/s: the harness self-test's workload. */
async function driveLoopbackPods(
  cloud: LoopbackControlPlane,
  o: SimOptions,
  onCreated: (node: string, name: string, uid: string, resourceVersion: string, sentAt: number) => void,
  stopped: () => boolean,
): Promise<void> {
  const total = o.nodes * o.podsPerNode;
  const intervalMs = 1000 / o.podRate;
  let next = Date.now();
  for (let i = 0; i < total && !stopped(); i++) {
    const node = nodeName(o.namePrefix, i % o.nodes);
    const pod = {
      metadata: { name: `twinlab-${i}`, namespace: 'default', labels: { app: 'twinlab' } },
      spec: {
        containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }],
        tolerations: [{ operator: 'Exists' }],
      },
    };
    const sentAt = Date.now();
    const result = await cloud.peer.command({ kind: 'createPod', node, pod });
    onCreated(node, pod.metadata.name, result.uid, result.resourceVersion, sentAt);
    next += intervalMs;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
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
  let cloud: ControlPlane | undefined;
  let fleet: FleetController | undefined;
  let fleetResult: FleetResult | undefined;
  let live: FleetTotals | undefined;
  let apiWorkload: ApiWorkload | undefined;
  let usage: ProcessUsageSampler | undefined;
  let usageBase: UsageSnapshot | undefined;
  let scraper: MetricsScraper | undefined;
  let controlPlane: ControlPlaneUsage | undefined;
  let containerBase: ContainerSample | undefined;
  let error: RunSummary['error'] = null;
  let interrupted = false;
  let kind: Exclude<SimOptions['cloud'], 'auto'> | 'unknown' = 'unknown';
  let apiSlis: Record<string, Sli> = {};
  let workloadSection: ApiWorkloadSection | undefined;
  let cloudcoreConnected: Array<[number, number]> = [];
  const links = new LinkTracker(o.nodes, o.namePrefix);
  const apiNodes = new ApiNodeTracker(o.nodes, o.namePrefix);
  let runner: ScenarioRunner | undefined;
  let devices: RunDevices | undefined;
  let lastSnapshotAt = 0;
  let lastUsageAt = 0;
  /** The ramp: from the fleet's start until every node is Ready (then `steady`), or until it stalls. */
  let stage: 'control-plane' | 'ramp' | 'steady' = 'control-plane';
  let lastReadyAt = 0;
  let readyEvents = 0;
  let stalled = false;
  /** `hooks.steadyMs` has passed since the fleet was all Ready. */
  let steadyDone = false;
  let tearingDown = false;
  let evidence: EvidenceSampler | undefined;
  let prometheus: RunPrometheus | undefined;
  const onPodCreated = (node: string, name: string, uid: string, resourceVersion: string, sentAt: number): void =>
    record({ t: 'expect', atMs: sentAt, node, kind: 'pod', namespace: 'default', name, uid, resourceVersion, phase: recorder.reducer.phase });
  const warned = new Set<string>();
  const progress = new ProgressLine(progressMode(o), o.nodes, startedAtMs);
  let wake: (() => void) | undefined;
  const onSignal = (): void => {
    interrupted = true;
    wake?.();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let metricsServer: MetricsServer | undefined;

  try {
    const endpoint = await startRunMetricsEndpoint({ host: o.metricsHost, port: o.metricsPort, explicit: o.explicit.has('metrics-port') }, metrics.registry, log);
    metricsServer = endpoint.server;
    record({ t: 'metrics-endpoint', atMs: Date.now(), url: metricsServer.url, requestedPort: o.metricsPort, fallbackFrom: endpoint.fallbackFrom });
    log(`metrics: ${metricsServer.url}`);
    kind = await chooseCloud(o);
    const plans = planRunProcesses(o, kind, log);
    cloud = await startCloud(kind, o, outDir, log, plans);
    record({
      t: 'cloud',
      atMs: Date.now(),
      title: title(cloud, kind),
      cloud: {
        provider: cloud.provider, kubeedgeVersion: cloud.kubeedgeVersion, nodeLimit: cloud.nodeLimit ?? null, cloudhubUrl: cloud.cloudhubUrl,
        ...(cloud.config ? { config: cloud.config } : {}),
      },
    });
    for (const w of limitWarnings(plans, cloud, o.nodes)) {
      log(`warning: ${w.message}`);
      record({ t: 'warning', atMs: Date.now(), ...w });
    }
    if (interrupted) throw new TwinlabError(ErrorCodes.Interrupted, 'interrupted while the cloud was starting', {});
    // Beside the cloud, before the fleet: the TSDB holds the whole ramp.
    prometheus = await RunPrometheus.start({
      mode: o.prometheus,
      intervalSeconds: o.prometheusIntervalSeconds,
      ...(o.prometheusRemoteWrite ? { remoteWriteUrl: o.prometheusRemoteWrite } : {}),
      outDir,
      runId: path.basename(outDir),
      controllerMetricsUrl: metricsServer.url,
      cloud,
      log,
    });
    parseJoinToken(cloud.token); // a malformed token fails here, once, naming the bad part
    hooks.onCloud?.(cloud);
    if (cloud.kubeconfigPath && cloud.provider !== 'loopback') {
      // Opened before the fleet, so it sees every node's start and Ready from the first one on.
      apiWorkload = await ApiWorkload.open({
        kubeconfigPath: cloud.kubeconfigPath,
        nodes: Array.from({ length: o.nodes }, (_, i) => nodeName(o.namePrefix, i)),
        // A scenario places its own pods, phase by phase.
        podsPerNode: scenario ? 0 : o.podsPerNode,
        podRate: o.podRate,
        concurrency: o.podConcurrency,
        namespace: 'twinlab',
        withRefs: o.podRefs,
        record,
      });
    }
    const deviceConfig = runDevicesConfig(o, scenario?.scenario.devices);
    if (deviceConfig) {
      devices = await RunDevices.start(
        {
          protocol: deviceConfig.protocol,
          perNode: deviceConfig.perNode,
          nodes: o.nodes,
          namePrefix: o.namePrefix,
          layout: deviceConfig.layout,
          seed: deviceConfig.seed,
          cycles: { collectCycleMs: deviceConfig.collectCycle, reportCycleMs: deviceConfig.reportCycle, stateReportCycleMs: deviceConfig.stateReportCycle },
          namespace: 'twinlab',
        },
        cloud,
        record,
        log,
      );
    }
    log(`fleet: ${o.nodes} nodes in ${plans.shards.processes} shards, ramp ${o.rampPerSecond}/s, certs ${o.certs}, KubeEdge ${o.kubeedgeVersion}`);
    // --duration is the fleet's time: the control plane's build and start are not part of it.
    const fleetStartedAt = Date.now();
    stage = 'ramp';
    lastReadyAt = fleetStartedAt;
    record({ t: 'stage', atMs: fleetStartedAt, stage: 'ramp' });
    fleet = await FleetController.start({
      nodes: o.nodes,
      shards: plans.shards.processes,
      rampPerSecond: o.rampPerSecond,
      namePrefix: o.namePrefix,
      cloudhubUrl: cloud.cloudhubUrl,
      ...(cloud.provider === 'loopback' && (cloud as LoopbackControlPlane).hubUrls.length > 1 ? { cloudhubUrls: [...(cloud as LoopbackControlPlane).hubUrls] } : {}),
      certsUrl: cloud.certsUrl,
      token: cloud.token,
      certs: o.certs,
      certCacheDir: o.certCacheDir,
      dataDir: path.join(outDir, 'shards'),
      kubeedgeVersion: o.kubeedgeVersion,
      projectId: DEFAULT_PROJECT_ID,
      podStartupDelayMs: o.podStartupDelayMs,
      podKillDelayMs: o.podKillDelayMs,
      reconnectJitterMs: o.reconnectJitterMs,
      ...(o.randomLeasePhase ? { randomLeasePhase: true } : {}),
      snapshotIntervalMs: 1000,
      ...(o.timeScale !== 1 ? { timings: scaledEdgeTimings(o.timeScale), deviceTimings: scaledDeviceTimings(o.timeScale) } : {}),
      insecureSkipHostnameCheck: o.insecureSkipHostnameCheck,
    });
    const f = fleet;
    const onEvents = (events: ShardEvent[]): void => {
      apiWorkload?.onShardEvents(events);
      devices?.onShardEvents(events);
      links.onShardEvents(events);
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
    f.on('events', onEvents);
    const early = f.takeEarlyEvents();
    if (early.length > 0) onEvents(early);
    f.on('snapshot', () => {
      const t = f.totals();
      metrics.update(t, f.latestSnapshots());
      progress.update(t);
      const now = Date.now();
      if (usage && now - lastUsageAt >= 10_000) {
        lastUsageAt = now;
        const u = usage.sample();
        record({ t: 'cp-usage', atMs: now, rssBytes: Object.fromEntries(Object.entries(u).map(([name, x]) => [name, x.rssBytes])) });
      }
      if (now - lastSnapshotAt >= 1000) {
        lastSnapshotAt = now;
        record({ t: 'snapshot', atMs: now, totals: t, cloudcoreConnected: scraper?.latest('cloudcore', 'KubeEdge_CloudHub_connected_nodes') ?? null });
      }
      if (stage === 'ramp' && t.states.ready >= o.nodes) {
        stage = 'steady';
        record({ t: 'stage', atMs: now, stage: 'steady' });
        if (hooks.steadyMs !== undefined) {
          const t = setTimeout(() => {
            steadyDone = true;
            wake?.();
          }, hooks.steadyMs);
          t.unref?.();
        }
      } else if (stage === 'ramp' && !stalled && now - lastReadyAt >= o.stallWindowMs && readyEvents < o.nodes) {
        // No node became Ready for the whole window while nodes are pending: waiting longer only hides it.
        stalled = true;
        const pending = o.nodes - t.states.ready;
        record({ t: 'ramp-stalled', atMs: now, windowS: o.stallWindowMs / 1000, ready: t.states.ready, pending, byState: { ...t.states } });
        log(`ramp stalled: no node became Ready for ${o.stallWindowMs / 1000} s; ${pending} of ${o.nodes} nodes pending (${Object.entries(t.states).filter(([k, v]) => v > 0 && k !== 'ready').map(([k, v]) => `${v} ${k}`).join(', ')}); ending the run`);
        wake?.();
      }
    });
    f.on('shard-exit', (index, code) => {
      if (tearingDown) {
        // The fleet's stop waits for each shard's last snapshot, then kills what is still running.
        if (code !== 0) log(`warning: shard ${index} did not stop within the grace period and was killed (exit ${code}); its counters are those of its last snapshot`);
        return;
      }
      if (code !== 0 && !interrupted && error === null) {
        error = { code: ErrorCodes.ShardFailed, message: `shard ${index} exited with code ${code}` };
        wake?.();
      }
    });

    const deadline = fleetStartedAt + o.durationMs;
    let workload: Promise<void> | undefined;
    if (cloud.processes.length > 0 && cloud.provider === 'local') {
      usage = new ProcessUsageSampler(cloud.processes, { intervalMs: 1000 });
      usageBase = usage.start();
    }
    if (cloud.provider === 'containers') {
      const c = cloud as ContainersControlPlane;
      containerBase = await c.sampleUsage().catch(() => undefined);
    }
    const c0 = cloud;
    const apiserverTarget = c0.metricsTargets.find((t) => t.name === 'kube-apiserver' && t.tls !== undefined);
    evidence = new EvidenceSampler({
      requestedNodes: o.nodes,
      processes: () => [{ name: 'twinlab', pid: process.pid }, ...f.shardProcesses(), ...c0.processes],
      fleet: () => f.totals(),
      cloudcoreConnected: () => scraper?.latest('cloudcore', 'KubeEdge_CloudHub_connected_nodes') ?? null,
      nodeLimit: c0.provider === 'loopback' ? null : (c0.nodeLimit ?? null),
      ...(apiserverTarget ? { apiserver: apiserverTarget } : {}),
      ...(c0.cloudcoreLogPath ? { cloudcoreLog: c0.cloudcoreLogPath } : {}),
      onSample: (sample) => record({ t: 'evidence', ...sample }),
    });
    evidence.start();
    if (cloud.metricsTargets.length > 0) {
      // Scenarios time how fast cloudcore notices a dead link: scrape every second for them.
      scraper = new MetricsScraper({ targets: cloud.metricsTargets, metrics: ['KubeEdge_CloudHub_connected_nodes'], intervalMs: scenario ? 1000 : 5000 });
      scraper.start();
    }
    if (apiWorkload) {
      const driver = apiWorkload.driver;
      driver.on((e) => apiNodes.onWorkload(e));
      if (!scenario) driver.on(expectationsFromDriver(record, () => recorder.reducer.phase));
    }
    if (scenario) {
      const c = cloud;
      if (apiWorkload) await apiWorkload.driver.ensureNamespace('twinlab');
      const workloadPort: ScenarioWorkload | undefined = apiWorkload
        ? new ApiScenarioWorkload(apiWorkload.driver, 'twinlab')
        : c.provider === 'loopback'
          ? new LoopbackScenarioWorkload((command) => (c as LoopbackControlPlane).peer.command(command))
          : undefined;
      runner = new ScenarioRunner(
        scenario,
        bindScenarioPorts({
          runStartedAtMs: startedAtMs,
          options: o,
          fleet: f,
          cloud: c,
          scraper,
          workload: workloadPort,
          devices,
          links,
          apiNodes: apiWorkload ? apiNodes : undefined,
          reducer: recorder.reducer,
          record,
          interrupted: () => interrupted || error !== null || stalled,
          log,
        }),
      );
      // After the last phase, wait for the shards' next snapshots so the end state is current.
      workload = runner.run().then(async () => {
        await new Promise((r) => setTimeout(r, 1200));
        wake?.();
      });
    } else if (apiWorkload) {
      const w = apiWorkload;
      workload = w.run(fleetStartedAt + o.durationMs / 2, deadline, () => interrupted || steadyDone);
    }
    else if (o.podsPerNode > 0 && cloud.provider === 'loopback') {
      const lb = cloud as LoopbackControlPlane;
      // Start the workload once every node is Ready (or a third of the run has passed).
      const readyBy = fleetStartedAt + o.durationMs / 3;
      workload = (async () => {
        while (!interrupted && Date.now() < readyBy && f.totals().states.ready < o.nodes) await new Promise((r) => setTimeout(r, 250));
        if (!interrupted) await driveLoopbackPods(lb, o, onPodCreated, () => interrupted || Date.now() >= deadline);
      })();
    }
    // A plain run binds its devices once every node is Ready (or a third of the run has passed); a scenario after its ramp.
    const devicesBound = devices && !scenario ? bindWhenReady(devices, f, o.nodes, fleetStartedAt + o.durationMs / 3, () => interrupted) : undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      // A scenario ends when its timeline does; a plain run at --duration. A stalled ramp ends either.
      if (!scenario) {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        t.unref?.();
      }
      if (interrupted || error !== null || stalled || steadyDone) resolve();
    });
    await devicesBound?.catch((e: unknown) => log(`devices: ${e instanceof Error ? e.message : String(e)}`));
    await workload?.catch((e: unknown) => {
      if (scenario && error === null) error = isTwinlabError(e) ? { code: e.code, message: e.message } : { code: ErrorCodes.ShardFailed, message: `scenario: ${e instanceof Error ? e.message : String(e)}` };
      log(`workload: ${e instanceof Error ? e.message : String(e)}`);
    });
  } catch (e) {
    if (isTwinlabError(e)) error = { code: e.code, message: e.message };
    else error = { code: ErrorCodes.ShardFailed, message: e instanceof Error ? e.message : String(e) };
  } finally {
    tearingDown = true;
    record({ t: 'stage', atMs: Date.now(), stage: 'teardown' });
    evidence?.stop();
    progress.finish();
    await runner?.healAll().catch(() => undefined);
    if (fleet) live = fleet.totals();
    if (usage && usageBase) {
      usage.sample();
      const cpu = usage.cpuSecondsSince(usageBase);
      const peak = usage.peak;
      usage.stop();
      controlPlane = Object.fromEntries(
        Object.keys(cpu).map((name) => [name, { cpuSeconds: round2(cpu[name] ?? 0), peakRssBytes: peak[name]?.rssBytes ?? 0 }]),
      );
    }
    if (containerBase && cloud?.provider === 'containers') {
      // The container runtime's stats API: CPU since the first sample, RSS at the end (no peak tracking).
      const end = await (cloud as ContainersControlPlane).sampleUsage().catch(() => undefined);
      if (end) {
        controlPlane = Object.fromEntries(
          Object.values(end.usage).map((u) => [u.name, { cpuSeconds: round2(u.cpuSeconds - (containerBase?.usage[u.name]?.cpuSeconds ?? 0)), peakRssBytes: u.rssBytes }]),
        );
      }
    }
    if (scraper) {
      await scraper.stop();
      const text = scraper.lastText('cloudcore');
      if (text) await writeFile(path.join(outDir, 'cloudcore-metrics.prom'), text).catch(() => undefined);
      cloudcoreConnected = scraper.seriesOf('cloudcore', 'KubeEdge_CloudHub_connected_nodes').map((p) => [p.atMs, p.value] as [number, number]);
    }
    if (apiWorkload) {
      workloadSection = apiWorkload.section();
      apiSlis = apiWorkload.slis();
    }
    if (fleet) fleetResult = await fleet.stop(true);
    await devices?.stop(cloud?.provider === 'attach').catch((e: unknown) => log(`devices: stopping: ${e instanceof Error ? e.message : String(e)}`));
    if (apiWorkload) await apiWorkload.stop(cloud?.provider === 'attach');
    // After the fleet's last snapshot and before the control plane goes: the final scrape sees both.
    const promEnd = await prometheus?.stop(startedAtMs, log).catch((e: unknown) => log(`prometheus: stopping: ${e instanceof Error ? e.message : String(e)}`));
    if (promEnd?.series) record({ t: 'prometheus-series', atMs: Date.now(), series: promEnd.series });
    if (cloud) await cloud.stop().catch(() => undefined);
    await metricsServer?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const harnessCpu = fleetResult ? fleetResult.shards.reduce((n, sh) => n + sh.cpuSeconds, 0) : 0;
  const cloudcoreCpu = controlPlane?.cloudcore?.cpuSeconds;
  if (live) record({ t: 'snapshot', atMs: Date.now(), totals: live, cloudcoreConnected: cloudcoreConnected.at(-1)?.[1] ?? null });
  record({
    t: 'run-end',
    atMs: Date.now(),
    interrupted,
    error,
    fleet: fleetResult ? { totals: fleetResult.totals, shards: fleetResult.shards, unansweredAtStop: fleetResult.unansweredAtStop } : null,
    controlPlane: controlPlane ?? null,
    cloudcoreConnectedNodes: cloudcoreConnected,
    workload: workloadSection ?? null,
    workloadSlis: apiSlis,
    apiPodStartupMs: apiWorkload ? apiWorkload.podStartupMs : null,
    extraSlis: { harness_to_cloudcore_cpu_ratio: cloudcoreCpu ? round2(harnessCpu / cloudcoreCpu) : null },
  });
  pids?.close();
  recorder.close();
  const summary = recorder.reducer.summary();
  const slos = summary.slos;
  if (error === null && summary.error) error = summary.error;
  await writeReports(summary, outDir);
  const breached = slos.some((x) => !x.pass);
  const exitCode = error
    ? error.code === ErrorCodes.ConfigInvalid || error.code === ErrorCodes.ScenarioInvalid
      ? ExitCodes.InvalidInput
      : ExitCodes.HarnessError
    : interrupted
      ? ExitCodes.Interrupted
      : breached
        ? ExitCodes.SloBreach
        : ExitCodes.Ok;
  return { exitCode, summary, outDir };
}

async function bindWhenReady(devices: RunDevices, fleet: FleetController, nodes: number, readyBy: number, stopped: () => boolean): Promise<void> {
  while (!stopped() && Date.now() < readyBy && fleet.totals().states.ready < nodes) await new Promise((r) => setTimeout(r, 250));
  if (!stopped()) await devices.bind();
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
