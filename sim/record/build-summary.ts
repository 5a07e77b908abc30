/**
 * Builds the result model (summary.json) from what the reducer folded out of the run's events:
 * the fleet's totals and shard peaks, the latency samples, the SLIs and verdicts, the sections.
 */
import { total, type FleetTotals, type ShardPeak } from '../model/fleet-totals.js';
import { percentilesOf, percentilesOfHistogram } from '../model/percentiles.js';
import type { ControlPlaneUsage, HarnessCost, RunSummary } from '../model/run-summary.js';
import type { Sli, SloResult } from '../model/slo.js';
import type { ApiWorkloadSection } from '../model/api-workload-section.js';
import type { ControlPlaneSeries } from '../model/control-plane-series.js';
import type { Distribution, FaultRecord, LedgerSection, LimitsSection, ScenarioSection, StageRecord, TimeSeries } from '../model/run-sections.js';
import type { DevicesSection } from '../model/devices-section.js';

/** What the fleet reported at its stop: the summed totals, each shard's peaks, requests still unanswered. */
export interface FleetEnd {
  totals: FleetTotals;
  shards: ShardPeak[];
  unansweredAtStop: number;
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
  fleet: FleetEnd | undefined;
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
