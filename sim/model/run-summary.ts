/**
 * The result model of one run (summary.json): what every report reads. Built from the run's
 * events by sim/record (build-summary.ts); every field is documented in docs/summary.md.
 */
import type { CloudProviderName, ControlPlaneConfig } from './control-plane-info.js';
import type { ControlPlaneSeries } from './control-plane-series.js';
import type { Percentiles } from './percentiles.js';
import type { SloResult } from './slo.js';
import type { ApiWorkloadSection } from './api-workload-section.js';
import type { Distribution, FaultRecord, LedgerSection, LimitsSection, ScenarioSection, StageRecord, TimeSeries } from './run-sections.js';
import type { DevicesSection } from './devices-section.js';

export type { Percentiles };

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
  /** What held the fleet back: the first limit the run hit, with its evidence (docs/verdicts.md, "What held the fleet back"). */
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
