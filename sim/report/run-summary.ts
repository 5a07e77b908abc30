/**
 * The result model of one run (summary.json) and how it is built from what the fleet and the
 * cloud provider reported. Every field is documented in README ("summary.json").
 */
import type { CloudProviderName, ControlPlaneConfig } from '../cloud/control-plane.js';
import type { ControlPlaneSeries } from './control-plane-series.js';
import type { FleetResult } from '../fleet/controller/fleet-controller.js';
import { total, type FleetTotals } from '../fleet/controller/aggregate.js';
import { quantile, type HistogramSnapshot } from '../metrics/bucket-histogram.js';
import type { Sli, SloResult } from './slo.js';
import type { ApiWorkloadSection } from '../run/api-workload.js';
import type { Distribution, FaultRecord, LedgerSection, LimitsSection, ScenarioSection, StageRecord, TimeSeries } from './run-sections.js';
import type { DevicesSection } from './devices-section.js';

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface RunSummary {
  title: string;
  twinlabVersion: string;
  runId: string;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  /** True when the run was stopped by SIGINT/SIGTERM before its duration ended. */
  interrupted: boolean;
  cloud: {
    provider: CloudProviderName;
    kubeedgeVersion: string;
    nodeLimit: number | null;
    cloudhubUrl: string;
    /** What the run set in the control plane's config and what the components ran with (local provider). */
    config?: ControlPlaneConfig;
  };
  options: Record<string, string | number | boolean>;
  nodes: {
    requested: number;
    started: number;
    /** Sockets open at the end of the run (before the fleet stopped). */
    connected: number;
    /** Nodes registered and connected at the end of the run. */
    ready: number;
    peakConnected: number;
    byState: Record<string, number>;
  };
  messages: {
    sent: number;
    received: number;
    /** ACKs the nodes sent for downstream objects and replies. */
    acked: number;
    /** Downstream messages delivered again with a msg_id the node had already seen. */
    duplicates: number;
    malformed: number;
    /** Upstream requests that got no reply within edgecore's 60 s request timeout (each timeout counts). */
    unanswered: number;
    /** Upstream requests still waiting for their reply when the fleet stopped. */
    pendingAtStop: number;
    errorReplies: number;
    sendFailures: number;
    bytesSent: number;
    bytesReceived: number;
    sentByType: Record<string, number>;
    receivedByType: Record<string, number>;
  };
  connections: { connects: number; connectFailures: number; reconnects: number; disconnects: number; keepalives: number };
  pods: { created: number; running: number; deleted: number };
  latency: {
    /** Node start (bootstrap included) → register reply, ms. */
    joinToReadyMs: Percentiles;
    /** Pod created by the driver → Running: observed by the API watch (real clouds) or reported by the node (loopback), ms. */
    podStartupMs: Percentiles;
    /** Downstream receipt → ACK written on the edge, ms. */
    ackMs: Percentiles;
    bootstrapSeconds: Percentiles;
  };
  harness: {
    shards: number;
    peakRssBytes: number;
    /** Peak RSS over peak connected nodes: includes the fixed cost, so it overstates small fleets (see marginalRssBytesPerNode). */
    rssBytesPerNode: number | null;
    cpuSeconds: number;
    eventLoopLagP99Ms: number;
    /** The harness's RSS as fixed + marginal × connected nodes, fitted over the fleet's snapshots; null when the node count did not vary enough to fit. */
    cost: HarnessCost | null;
  };
  /** Every SLI of the run: percentiles of sampled ones, the value of scalar ones. */
  slis: Record<string, Percentiles | { value: number | null }>;
  /** SLO verdicts, in the order given. */
  slos: SloResult[];
  /** CPU seconds and peak RSS per control-plane process during the run (local provider). */
  controlPlane: ControlPlaneUsage | null;
  /** cloudcore's own KubeEdge_CloudHub_connected_nodes over the run: [wall ms, value]. */
  cloudcoreConnectedNodes: Array<[number, number]>;
  /** The API-side workload against a real cloud, when one ran. */
  workload: ApiWorkloadSection | null;
  /** The scenario that drove the run and its phases as they ran; null for a plain `twinlab sim`. */
  scenario: ScenarioSection | null;
  /** Link faults applied during the run, in start order. */
  faults: FaultRecord[];
  /** What the workload changed on nodes against what the nodes saw; null when nothing was tracked. */
  ledger: LedgerSection | null;
  /** Per-second fleet series for charts; null when the run produced no snapshots. */
  timeseries: TimeSeries | null;
  /** The control plane over time (CPU, RSS, cloudcore, kube-apiserver, etcd): from the run's Prometheus, else the evidence samples; absent when neither had any. */
  controlPlaneSeries?: ControlPlaneSeries;
  /** Latency distributions (bucket counts) for histograms, by SLI name. */
  distributions: Record<string, Distribution>;
  /** Devices: mapper reads and errors, device reports, and read → API and desired → reported latencies; null without devices. */
  devices?: DevicesSection | null;
  /** The run's clock: control-plane start, ramp, steady, teardown (seconds since the command started). */
  stages: StageRecord[];
  /** What held the fleet back: the first limit the run hit, with its evidence (README, "What held the fleet back"). */
  limits: LimitsSection;
  error: { code: string; message: string } | null;
}

/** The shards' RSS = fixed + marginal × connected nodes (least squares over the run's snapshots). */
export interface HarnessCost {
  fixedRssBytes: number;
  marginalRssBytesPerNode: number;
  /** Coefficient of determination of the fit. */
  r2: number;
  points: number;
  /** Shards' CPU in the steady stage per 10,000 connected nodes, in % of a core; null without a steady stage. */
  steadyCpuPctPer10k: number | null;
}

export type ControlPlaneUsage = Record<string, { cpuSeconds: number; peakRssBytes: number }>;

export function percentilesOf(values: readonly number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (v: number): number => Math.round(v * 100) / 100;
  return { count: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

export function percentilesOfHistogram(h: HistogramSnapshot): Percentiles {
  if (h.count === 0) return { count: 0, p50: null, p90: null, p99: null, max: null };
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return { count: h.count, p50: round(quantile(h, 0.5)), p90: round(quantile(h, 0.9)), p99: round(quantile(h, 0.99)), max: null };
}

export interface SummaryInput {
  title: string;
  twinlabVersion: string;
  runId: string;
  startedAtMs: number;
  endedAtMs: number;
  interrupted: boolean;
  cloud: RunSummary['cloud'];
  options: RunSummary['options'];
  requestedNodes: number;
  fleet: FleetResult | undefined;
  /** Fleet totals just before the fleet was stopped: what was connected and Ready at the end. */
  live: FleetTotals | undefined;
  /** Most nodes connected at once during the run. */
  peakConnected: number;
  joinMs: readonly number[];
  podStartupMs: readonly number[];
  error: RunSummary['error'];
  slis: Readonly<Record<string, Sli>>;
  slos: SloResult[];
  controlPlane: ControlPlaneUsage | null;
  cloudcoreConnectedNodes: Array<[number, number]>;
  workload: ApiWorkloadSection | null;
  scenario?: ScenarioSection | null;
  faults?: FaultRecord[];
  ledger?: LedgerSection | null;
  timeseries?: TimeSeries | null;
  controlPlaneSeries?: ControlPlaneSeries | null;
  distributions?: Record<string, Distribution>;
  devices?: DevicesSection | null;
  stages?: StageRecord[];
  limits?: LimitsSection;
  harnessCost?: HarnessCost | null;
}

export function buildSummary(input: SummaryInput): RunSummary {
  const t = input.fleet?.totals;
  const peakRss = input.fleet ? input.fleet.shards.reduce((n, s) => n + s.peakRssBytes, 0) : 0;
  const live = input.live;
  return {
    title: input.title,
    twinlabVersion: input.twinlabVersion,
    runId: input.runId,
    startedAt: new Date(input.startedAtMs).toISOString(),
    endedAt: new Date(input.endedAtMs).toISOString(),
    durationSeconds: Math.round((input.endedAtMs - input.startedAtMs) / 10) / 100,
    interrupted: input.interrupted,
    cloud: input.cloud,
    options: input.options,
    nodes: {
      requested: input.requestedNodes,
      started: t?.started ?? 0,
      connected: live?.connected ?? 0,
      ready: live?.states.ready ?? 0,
      peakConnected: input.peakConnected,
      byState: live ? { ...live.states } : {},
    },
    messages: {
      sent: t ? total(t.sent) : 0,
      received: t ? total(t.received) : 0,
      acked: t?.acksSent ?? 0,
      duplicates: t?.duplicates ?? 0,
      malformed: t?.malformed ?? 0,
      unanswered: t?.unanswered ?? 0,
      pendingAtStop: input.fleet?.unansweredAtStop ?? 0,
      errorReplies: t?.errorReplies ?? 0,
      sendFailures: t?.sendFailures ?? 0,
      bytesSent: t?.bytesSent ?? 0,
      bytesReceived: t?.bytesReceived ?? 0,
      sentByType: t ? byType(t.sent) : {},
      receivedByType: t ? byType(t.received) : {},
    },
    connections: {
      connects: t?.connects ?? 0,
      connectFailures: t?.connectFailures ?? 0,
      reconnects: t?.reconnects ?? 0,
      disconnects: t?.disconnects ?? 0,
      keepalives: t?.keepalives ?? 0,
    },
    pods: { created: t?.podsCreated ?? 0, running: t?.podsRunning ?? 0, deleted: t?.podsDeleted ?? 0 },
    latency: {
      joinToReadyMs: percentilesOf(input.joinMs),
      podStartupMs: percentilesOf(input.podStartupMs),
      ackMs: t ? percentilesOfHistogram(t.ackLatencyMs) : percentilesOf([]),
      bootstrapSeconds: t ? percentilesOfHistogram(t.bootstrapSeconds) : percentilesOf([]),
    },
    harness: {
      shards: input.fleet?.shards.length ?? 0,
      peakRssBytes: peakRss,
      rssBytesPerNode: input.peakConnected > 0 ? Math.round(peakRss / input.peakConnected) : null,
      cpuSeconds: input.fleet ? Math.round(input.fleet.shards.reduce((n, s) => n + s.cpuSeconds, 0) * 100) / 100 : 0,
      eventLoopLagP99Ms: input.fleet ? Math.round(Math.max(0, ...input.fleet.shards.map((s) => s.runEventLoopLagP99Ms)) * 100) / 100 : 0,
      cost: input.harnessCost ?? null,
    },
    slis: Object.fromEntries(
      Object.entries(input.slis)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, sli]) => [
          name,
          sli.kind === 'samples'
            ? percentilesOf(sli.values)
            : sli.kind === 'histogram'
              ? { ...percentilesOfHistogram(sli.snapshot), max: sli.snapshot.count > 0 ? sli.max : null }
              : { value: sli.value },
        ]),
    ),
    slos: input.slos,
    controlPlane: input.controlPlane,
    cloudcoreConnectedNodes: input.cloudcoreConnectedNodes,
    workload: input.workload,
    scenario: input.scenario ?? null,
    faults: input.faults ?? [],
    ledger: input.ledger ?? null,
    timeseries: input.timeseries ?? null,
    ...(input.controlPlaneSeries ? { controlPlaneSeries: input.controlPlaneSeries } : {}),
    distributions: input.distributions ?? {},
    devices: input.devices ?? null,
    stages: input.stages ?? [],
    limits: input.limits ?? { verdict: 'no-evidence', headline: 'No evidence was sampled.', first: null, findings: [], samples: 0, peaks: { machineBusyCores: null, cores: null, processes: {} }, meanCpuCores: null },
    error: input.error,
  };
}

/** "update\tpod" keys → "update pod", sorted for stable output. */
function byType(map: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(map)
      .map(([k, v]) => [k.replace('\t', ' '), v] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
