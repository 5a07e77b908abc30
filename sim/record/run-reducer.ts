/**
 * Builds the run's result model from its events alone. The live run feeds every event it records
 * through the same reducer, so `twinlab report <run-dir>` on a killed run's events.jsonl gives the
 * same summary the run would have written, up to the last event that reached the disk.
 */
import type { RunEvent } from '../model/run-events.js';
import type { RunSummary, HarnessCost } from '../model/run-summary.js';
import type { ApiWorkloadSection } from '../model/api-workload-section.js';
import type { Distribution, FaultRecord, LedgerSection, PhaseRecord, StageRecord, TimeSeries } from '../model/run-sections.js';
import type { Sli, SloResult } from '../model/slo.js';
import type { EvidenceSample } from '../model/evidence.js';
import type { ShardEvent } from '../model/shard-events.js';
import { total, type FleetTotals } from '../model/fleet-totals.js';
import { seriesFromEvidence, type ControlPlaneSeries } from '../model/control-plane-series.js';
import { emptyDeviceCounters, errorTotal, IO_ERROR_KINDS, type DeviceCountersSnapshot } from '../model/device-counters-snapshot.js';
import { errorRatioOf, type DevicePhaseRow, type DeviceSeries, type DevicesSection, type DevicesSetup } from '../model/devices-section.js';
import { ErrorCodes, isTwinlabError } from '../errors.js';
import { ApiWorkloadFold } from './api-workload-fold.js';
import { buildSummary } from './build-summary.js';
import { buildDevicesSection } from './build-devices-section.js';
import { evaluateSlos, runSlos } from './slo.js';
import { diagnoseLimits } from './limit-rules.js';
import { DeliveryLedger } from './delivery-ledger.js';
import { FirstFailedSends } from './first-failed-sends.js';

type RunStart = Extract<RunEvent, { t: 'run-start' }>;
type RunEnd = Extract<RunEvent, { t: 'run-end' }>;
type RestoreCheck = Extract<RunEvent, { t: 'restore-check' }>;
type RampStalled = Extract<RunEvent, { t: 'ramp-stalled' }>;

/** edgecore's upstream request timeout (metaclient syncMsgRespTimeout), before --time-scale. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Scenario phases that break links or stop processes: requests in flight are lost to them by design. */
const DISRUPTIVE_PHASES = new Set(['storm', 'flap', 'partition', 'blackhole', 'half-open', 'latency', 'offline', 'restart-shards', 'restart-cloud']);

/** Upper bounds (ms) of the latency histograms the HTML report draws. */
const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, Number.POSITIVE_INFINITY];
const MAX_SERIES_POINTS = 1500;
const DEVICE_RATE_WINDOW_MS = 2000;

export class RunReducer {
  private start: RunStart | undefined;
  private cloud: Extract<RunEvent, { t: 'cloud' }> | undefined;
  private end: RunEnd | undefined;
  private lastTotals: FleetTotals | undefined;
  private lastAtMs = 0;
  private peakConnected = 0;
  private readonly joinMs: number[] = [];
  /** Pod uid → when the workload created it (first expectation with a resourceVersion). */
  private readonly podCreatedAt = new Map<string, number>();
  private readonly runningAt = new Map<string, number>();
  private readonly podStartupMs: number[] = [];
  private readonly ledger = new DeliveryLedger();
  /** Each node's first failed send at every link loss (restart-cloud phases predict Unknown Nodes from it). */
  readonly firstFailedSends = new FirstFailedSends();
  private expectations = 0;
  private readonly phases: PhaseRecord[] = [];
  private readonly faults = new Map<string, FaultRecord>();
  private readonly restoreChecks: RestoreCheck[] = [];
  private readonly series: {
    atMs: number; connected: number; ready: number; reconnecting: number; sent: number; received: number;
    cloud: number | null; rss: number; cpu: number; unanswered: number;
  }[] = [];
  /** Nodes that registered (became Ready) at least once. */
  private readonly everReady = new Set<string>();
  private readonly stageStarts: Array<{ name: string; atMs: number }> = [];
  private stall: RampStalled | undefined;
  private readonly evidence: EvidenceSample[] = [];
  private readonly cpRss: Array<{ atMs: number; rss: Record<string, number> }> = [];
  private currentPhase = 'run';
  /** End of the scenario's first phase (its ramp): RSS growth before it is start-up, not a leak. */
  private firstPhaseEndMs: number | undefined;
  private deviceSetup: DevicesSetup | undefined;
  private deviceProgress: Extract<RunEvent, { t: 'devices' }> | undefined;
  private readonly deviceSamples = { reportToApiMs: [] as number[], desiredToReportedMs: [] as number[], desiredToDeviceWriteMs: [] as number[] };
  private readonly deviceErrors: string[] = [];
  private lastDevices: DeviceCountersSnapshot | undefined;
  private readonly devicePhases = new Map<string, DevicePhaseRow>();
  private readonly deviceSeries: Array<{ atMs: number; reads: number; errors: number }> = [];
  /** `warning` events in the order they came (for the reports' "what held the fleet back"). */
  readonly warnings: Array<Extract<RunEvent, { t: 'warning' }>> = [];
  private promSeries: ControlPlaneSeries | undefined;
  /** The API workload's fold, from its first `api-workload` event on (null: the run had none so far). */
  private apiWorkload: ApiWorkloadFold | null = null;
  private apiProgress: Extract<RunEvent, { t: 'api-workload' }> | undefined;
  private readonly apiErrors: string[] = [];

  apply(e: RunEvent): void {
    switch (e.t) {
      case 'run-start':
        this.start = e;
        break;
      case 'cloud':
        this.cloud = e;
        break;
      case 'snapshot': {
        const t = e.totals;
        this.lastTotals = t;
        this.peakConnected = Math.max(this.peakConnected, t.connected);
        this.series.push({
          atMs: e.atMs, connected: t.connected, ready: t.states.ready, reconnecting: t.states.reconnecting, sent: total(t.sent), received: total(t.received),
          cloud: e.cloudcoreConnected, rss: t.rssBytes, cpu: t.cpuSeconds, unanswered: t.unanswered,
        });
        if (t.devices) this.applyDeviceCounters(e.atMs, t.devices);
        break;
      }
      case 'shard':
        for (const s of e.events) this.applyShardEvent(s);
        this.apiWorkload?.onShardEvents(e.events);
        break;
      case 'api-workload':
        this.apiWorkload ??= new ApiWorkloadFold();
        this.apiWorkload.observe(e.observations);
        this.apiProgress = e;
        this.apiErrors.push(...e.errors);
        break;
      case 'expect':
        this.expectations++;
        if (e.kind === 'pod' && e.resourceVersion !== null && !this.podCreatedAt.has(e.uid)) {
          this.podCreatedAt.set(e.uid, e.atMs);
          const ranAt = this.runningAt.get(e.uid);
          if (ranAt !== undefined) {
            this.runningAt.delete(e.uid);
            this.podStartupMs.push(Math.max(0, ranAt - e.atMs));
          }
        }
        this.ledger.expect({ node: e.node, kind: e.kind, namespace: e.namespace, name: e.name, uid: e.uid, resourceVersion: e.resourceVersion, atMs: e.atMs, phase: e.phase });
        break;
      case 'phase-start':
        this.currentPhase = e.name;
        break;
      case 'phase-end':
        this.phases.push(e.record);
        this.firstPhaseEndMs ??= e.atMs;
        break;
      case 'fault-start':
        this.faults.set(e.id, { id: e.id, phase: e.phase, kind: e.kind, detail: e.detail, group: e.group, nodes: e.nodes, startS: this.secondsOf(e.atMs), endS: null });
        break;
      case 'fault-end': {
        const f = this.faults.get(e.id);
        if (f) f.endS = this.secondsOf(e.atMs);
        break;
      }
      case 'restore-check':
        this.restoreChecks.push(e);
        break;
      case 'cp-usage':
        this.cpRss.push({ atMs: e.atMs, rss: e.rssBytes });
        break;
      case 'prometheus-series':
        this.promSeries = e.series;
        break;
      case 'stage':
        this.stageStarts.push({ name: e.stage, atMs: e.atMs });
        break;
      case 'ramp-stalled':
        this.stall = e;
        break;
      case 'evidence': {
        const { t: _t, ...sample } = e;
        this.evidence.push(sample);
        break;
      }
      case 'run-end':
        this.end = e;
        break;
      case 'devices-setup':
        this.deviceSetup = e.setup;
        break;
      case 'warning':
        this.warnings.push(e);
        break;
      case 'devices':
        this.deviceProgress = e;
        this.deviceSamples.reportToApiMs.push(...e.reportToApiMs);
        this.deviceSamples.desiredToReportedMs.push(...e.desiredToReportedMs);
        this.deviceSamples.desiredToDeviceWriteMs.push(...e.desiredToDeviceWriteMs);
        for (const m of e.errors) if (this.deviceErrors.length < 20 && !this.deviceErrors.includes(m)) this.deviceErrors.push(m);
        break;
    }
    if (e.atMs > this.lastAtMs) this.lastAtMs = e.atMs;
  }

  /** Objects the workload expects on nodes that have not arrived yet. */
  pendingDeliveries(): number {
    return this.ledger.pending();
  }

  /** Objects nodes received again with a version they already had (cloudcore's re-sends), so far. */
  resentObjects(): number {
    return this.ledger.stats().duplicateReceipts;
  }

  /** What the workload changed in `phase`, and how much of it the nodes hold now. */
  phaseDeliveries(phase: string): { expected: number; delivered: number } {
    const row = this.ledger.section({ graceSeconds: 0, unansweredUpstream: 0, lostListLimit: 0 }).byPhase.find((p) => p.phase === phase);
    return { expected: row?.expected ?? 0, delivered: row?.delivered ?? 0 };
  }

  get phase(): string {
    return this.currentPhase;
  }

  private applyShardEvent(s: ShardEvent): void {
    switch (s.kind) {
      case 'node-ready':
        this.joinMs.push(s.joinMs);
        this.everReady.add(s.node);
        break;
      case 'first-failed-send':
        this.firstFailedSends.add({ node: s.node, send: s.send, detail: s.detail, leasePending: s.leasePending, atMs: s.atMs });
        break;
      case 'object':
        this.ledger.receipt({ node: s.node, kind: s.type, uid: s.uid, resourceVersion: s.resourceVersion, operation: s.operation, atMs: s.atMs });
        break;
      case 'pod-running': {
        const created = this.podCreatedAt.get(s.uid);
        if (created === undefined) this.runningAt.set(s.uid, s.atMs);
        else if (!this.runningAt.has(s.uid)) {
          this.podStartupMs.push(Math.max(0, s.atMs - created));
          this.runningAt.set(s.uid, -1);
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * A snapshot's device counters: what changed since the previous snapshot goes to the phase
   * running now (a shard restarted from zero adds nothing rather than a negative count).
   */
  private applyDeviceCounters(atMs: number, d: DeviceCountersSnapshot): void {
    const prev = this.lastDevices ?? emptyDeviceCounters();
    this.lastDevices = d;
    this.deviceSeries.push({ atMs, reads: d.reads, errors: errorTotal(d.readErrors) });
    if (!this.deviceSetup && d.devices === 0 && d.reads === 0 && errorTotal(d.readErrors) === 0) return;
    const up = (now: number, before: number): number => Math.max(0, now - before);
    let row = this.devicePhases.get(this.currentPhase);
    if (!row) {
      row = { phase: this.currentPhase, reads: 0, readErrors: emptyDeviceCounters().readErrors, errorRatio: null, skipped: 0, twinReports: 0, confirmed: 0 };
      this.devicePhases.set(this.currentPhase, row);
    }
    row.reads += up(d.reads, prev.reads);
    for (const k of IO_ERROR_KINDS) row.readErrors[k] += up(d.readErrors[k] ?? 0, prev.readErrors[k] ?? 0);
    row.errorRatio = errorRatioOf(row.reads, errorTotal(row.readErrors));
    row.skipped += up(d.readsSkipped, prev.readsSkipped);
    row.twinReports += up(d.twinReports, prev.twinReports);
    row.confirmed += up(d.reportsConfirmed, prev.reportsConfirmed);
  }

  private secondsOf(atMs: number): number {
    return Math.round((atMs - (this.start?.atMs ?? atMs)) / 100) / 10;
  }

  /** The result model as of the events seen so far; a run without its `run-end` is marked as cut short. */
  summary(): RunSummary {
    const start = this.start;
    if (!start) throw new Error('no run-start event: not a twinlab event log');
    const end = this.end;
    const endedAtMs = end?.atMs ?? this.lastAtMs;
    const error = end ? end.error : { code: ErrorCodes.Interrupted, message: 'the run stopped without finishing (no run-end event): rebuilt from the events that reached the disk' };
    const fleet = end?.fleet ?? (this.lastTotals ? { totals: this.lastTotals, shards: [], unansweredAtStop: 0 } : undefined);
    const ledger = this.ledgerSection(fleet?.totals.unanswered ?? 0, fleet?.unansweredAtStop ?? 0);
    // A run that ended wrote its API workload's section and SLIs in `run-end`; a killed one has them
    // from the recorded observations.
    const api = this.apiWorkloadRebuilt(end);
    const podStartupMs = end?.apiPodStartupMs ?? api?.podStartupMs ?? this.podStartupMs;
    const devices = this.devicesSection(endDeviceCounters(fleet?.totals.devices, this.lastTotals?.devices), (endedAtMs - start.atMs) / 1000);
    const slis = this.slis(podStartupMs, ledger, end?.workloadSlis ?? api?.slis ?? {}, end, devices);
    let slos: SloResult[] = [];
    let sloError: RunSummary['error'] = null;
    const pods = this.podCreatedAt.size > 0 || Number(start.options.podsPerNode ?? 0) > 0;
    const judged = runSlos(start.slos, { pods, apiWorkload: pods && (this.cloud?.cloud.provider ?? 'loopback') !== 'loopback', disruptions: this.disruptionWindows().length > 0 });
    try {
      slos = evaluateSlos(judged, slis, this.missingReasons());
    } catch (e) {
      if (isTwinlabError(e)) sloError = { code: e.code, message: e.message };
      else throw e;
    }
    const summary = buildSummary({
      title: this.cloud?.title ?? 'twinlab run',
      twinlabVersion: start.twinlabVersion,
      runId: start.runId,
      startedAtMs: start.atMs,
      endedAtMs,
      interrupted: end ? end.interrupted : true,
      cloud: this.cloud?.cloud ?? { provider: 'loopback', kubeedgeVersion: String(start.options.kubeedgeVersion ?? ''), nodeLimit: null, cloudhubUrl: '' },
      options: start.options,
      requestedNodes: start.requestedNodes,
      fleet: fleet ? { totals: fleet.totals, shards: fleet.shards, unansweredAtStop: fleet.unansweredAtStop } : undefined,
      live: this.lastTotals,
      peakConnected: this.peakConnected,
      joinMs: this.joinMs,
      podStartupMs,
      error: error ?? sloError,
      slis,
      slos,
      controlPlane: end?.controlPlane ?? null,
      cloudcoreConnectedNodes: end?.cloudcoreConnectedNodes ?? this.series.filter((p) => p.cloud !== null).map((p) => [p.atMs, p.cloud!] as [number, number]),
      workload: end?.workload ?? api?.section ?? null,
      scenario: start.scenario ? { name: start.scenario.name, description: start.scenario.description, source: start.scenario.source, phases: this.phases } : null,
      faults: [...this.faults.values()].sort((a, b) => a.startS - b.startS),
      ledger,
      timeseries: this.timeseries(),
      controlPlaneSeries: this.promSeries ?? seriesFromEvidence(this.evidence, start.atMs),
      distributions: this.distributions(podStartupMs, ledger),
      devices,
      stages: this.stages(endedAtMs),
      limits: diagnoseLimits(this.evidence, {
        runStartMs: start.atMs,
        requestedNodes: start.requestedNodes,
        provider: this.cloud?.cloud.provider ?? 'unknown',
        cloudcoreQps: this.cloudcoreQps(),
        stall: this.stall ? { atMs: this.stall.atMs, windowS: this.stall.windowS, ready: this.stall.ready, pending: this.stall.pending, byState: this.stall.byState } : null,
        warnings: this.warnings,
      }),
      harnessCost: this.harnessCost(),
    });
    return summary;
  }

  /** The API workload's section, SLIs and pod startups as folded from its observations; undefined without any. */
  private apiWorkloadRebuilt(end: RunEnd | undefined): { section: ApiWorkloadSection; slis: Record<string, Sli>; podStartupMs: number[] } | undefined {
    const fold = this.apiWorkload;
    const p = this.apiProgress;
    if (!fold || !p || (end?.workload && end.apiPodStartupMs)) return undefined;
    const totals = { pods: p.pods, api: p.api, configMapUpdates: p.configMapUpdates, errors: this.apiErrors };
    return { section: fold.section(totals), slis: fold.slis(totals), podStartupMs: fold.podStartupMs };
  }

  private cloudcoreQps(): { qps: number; burst: number; overridden: boolean } | null {
    return this.cloud ? cloudcoreClientQps(this.cloud.cloud) : null;
  }

  /** Each stage from its start to the next one's (the last to the end of the run), seconds since the command started. */
  private stages(endedAtMs: number): StageRecord[] {
    return this.stageStarts.map((st, i) => ({
      name: st.name,
      startS: this.secondsOf(st.atMs),
      endS: this.secondsOf(this.stageStarts[i + 1]?.atMs ?? endedAtMs),
    }));
  }

  /** Why an SLI that should have a value has none: a recovery names the window it was waited for. */
  private missingReasons(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const phase of this.phases) {
      for (const [metric, value] of Object.entries(phase.recovery)) {
        if (value === null && phase.timeoutS !== undefined) out[phaseSliName(phase.name, metric)] = `not within ${phase.timeoutS} s`;
      }
    }
    if (this.stall) out.fleet_all_ready_s = `the ramp stalled (no node Ready for ${this.stall.windowS} s)`;
    return out;
  }

  /**
   * The shards' RSS against connected nodes, fitted as fixed + marginal × N over the snapshots.
   * Null when the node count did not spread over at least a fifth of its peak (no slope to see).
   */
  private harnessCost(): HarnessCost | null {
    const pts = this.series.filter((p) => p.rss > 0);
    const peak = Math.max(0, ...pts.map((p) => p.connected));
    const lo = Math.min(...pts.map((p) => p.connected));
    if (pts.length < 5 || peak <= 0 || peak - lo < peak / 5) return null;
    const fit = leastSquares(pts.map((p) => [p.connected, p.rss] as const));
    if (!fit) return null;
    const steady = this.stageStarts.find((x) => x.name === 'steady');
    const after = this.stageStarts.find((x) => x.name === 'teardown');
    let steadyCpuPctPer10k: number | null = null;
    if (steady) {
      const win = this.series.filter((p) => p.atMs >= steady.atMs && (!after || p.atMs <= after.atMs));
      const a = win[0];
      const b = win.at(-1);
      const nodes = b ? b.connected : 0;
      if (a && b && b.atMs - a.atMs >= 5000 && nodes > 0) steadyCpuPctPer10k = Math.round(((b.cpu - a.cpu) / ((b.atMs - a.atMs) / 1000)) * 100 * (10_000 / nodes) * 100) / 100;
    }
    return { fixedRssBytes: Math.round(fit.a), marginalRssBytesPerNode: Math.round(fit.b), r2: Math.round(fit.r2 * 1000) / 1000, points: pts.length, steadyCpuPctPer10k };
  }

  private devicesSection(counters: DeviceCountersSnapshot | undefined, durationSeconds: number): DevicesSection | null {
    const p = this.deviceProgress;
    return buildDevicesSection({
      counters,
      durationSeconds,
      workload: p
        ? {
            created: p.created,
            createFailed: p.createFailed,
            reportToApiMs: this.deviceSamples.reportToApiMs,
            desiredToReportedMs: this.deviceSamples.desiredToReportedMs,
            desiredToDeviceWriteMs: this.deviceSamples.desiredToDeviceWriteMs,
            desiredSet: p.desiredSet,
            desiredWritten: p.desiredWritten,
            desiredShown: p.desiredShown,
            errors: this.deviceErrors,
          }
        : undefined,
      setup: this.deviceSetup,
      fakeDevices: p?.fakeDevices,
      byPhase: [...this.devicePhases.values()].map((r) => ({ ...r, readErrors: { ...r.readErrors } })),
      series: this.deviceTimeseries(),
    });
  }

  /**
   * Reads and read errors per second, each over the last ~2 s of snapshots: the fleet's sum moves
   * whenever one shard's snapshot arrives, so a one-interval rate would saw-tooth between shards.
   */
  private deviceTimeseries(): DeviceSeries | undefined {
    const pts = this.deviceSeries;
    if (pts.length === 0) return undefined;
    const step = Math.max(1, Math.ceil(pts.length / MAX_SERIES_POINTS));
    const out: DeviceSeries = { atS: [], readsPerS: [], readErrorsPerS: [] };
    let j = 0;
    for (let i = 0; i < pts.length; i += step) {
      const p = pts[i]!;
      while (j < i && pts[j + 1]!.atMs <= p.atMs - DEVICE_RATE_WINDOW_MS) j++;
      const prev = pts[j]!;
      const dt = (p.atMs - prev.atMs) / 1000;
      out.atS.push(this.secondsOf(p.atMs));
      out.readsPerS.push(dt > 0 ? Math.max(0, Math.round((p.reads - prev.reads) / dt)) : 0);
      out.readErrorsPerS.push(dt > 0 ? Math.max(0, Math.round((p.errors - prev.errors) / dt)) : 0);
    }
    return out;
  }

  private ledgerSection(unanswered: number, pendingAtStop: number): LedgerSection | null {
    if (this.expectations === 0) return null;
    return this.ledger.section({ graceSeconds: this.start?.scenario?.graceSeconds ?? 0, unansweredUpstream: unanswered + pendingAtStop });
  }

  private slis(podStartupMs: readonly number[], ledger: LedgerSection | null, workloadSlis: Record<string, Sli>, end: RunEnd | undefined, devices: DevicesSection | null): Record<string, Sli> {
    const live = this.lastTotals;
    const requested = this.start?.requestedNodes ?? 0;
    const v = (value: number | null): Sli => ({ kind: 'value', value });
    const slis: Record<string, Sli> = {
      join_to_ready_ms: { kind: 'samples', values: this.joinMs },
      pod_startup_ms: { kind: 'samples', values: podStartupMs },
      api_mutating_ms: { kind: 'samples', values: [] },
      api_read_ms: { kind: 'samples', values: [] },
      ...workloadSlis,
      nodes_not_ready: v(live ? requested - live.states.ready : null),
      messages_unanswered_outside_faults: v(this.unansweredOutsideFaults(end)),
      nodes_ready_ratio: v(requested > 0 && (live || this.everReady.size > 0) ? Math.round((Math.min(requested, this.everReady.size) / requested) * 10_000) / 10_000 : null),
      fleet_all_ready_s: v(this.allReadyS()),
      messages_unanswered: v(end?.fleet ? end.fleet.totals.unanswered : live ? live.unanswered : null),
      messages_malformed: v(end?.fleet ? end.fleet.totals.malformed : live ? live.malformed : null),
    };
    for (const [name, value] of Object.entries(end?.extraSlis ?? {})) slis[name] = v(value);
    // Ledger, restore and slope SLIs always exist, null when the run did not measure them, so an
    // SLO on them passes without data (as in k6) instead of failing as an unknown SLI.
    for (const name of ['ledger_expected', 'ledger_delivered', 'ledger_lost', 'ledger_duplicated', 'ledger_reordered', 'ledger_resurrected', 'ledger_unanswered_upstream', 'delivery_p99_ms', 'restore_pods_lost', 'restore_pods_duplicated', 'cloudcore_rss_slope_mib_per_h']) {
      slis[name] = v(null);
    }
    if (ledger) {
      slis.ledger_expected = v(ledger.totals.expected);
      slis.ledger_delivered = v(ledger.totals.delivered);
      slis.ledger_lost = v(ledger.totals.lost);
      slis.ledger_duplicated = v(ledger.totals.duplicated);
      slis.ledger_reordered = v(ledger.totals.reordered);
      slis.ledger_resurrected = v(ledger.totals.resurrected);
      slis.ledger_unanswered_upstream = v(ledger.unansweredUpstream);
      slis.delivery_p99_ms = v(ledger.deliveryLatencyMs.p99);
    }
    for (const phase of this.phases) {
      for (const [metric, value] of Object.entries(phase.recovery)) slis[phaseSliName(phase.name, metric)] = v(value);
    }
    if (this.restoreChecks.length > 0) {
      slis.restore_pods_lost = v(this.restoreChecks.reduce((n, c) => n + c.lost, 0));
      slis.restore_pods_duplicated = v(this.restoreChecks.reduce((n, c) => n + c.duplicated, 0));
    }
    const slope = this.rssSlope('cloudcore');
    if (slope !== null) slis.cloudcore_rss_slope_mib_per_h = v(slope);
    // Device SLIs exist in every run, empty or null without devices, as the ledger's do.
    slis.device_report_latency_ms = { kind: 'samples', values: this.deviceSamples.reportToApiMs };
    slis.device_desired_roundtrip_ms = { kind: 'samples', values: this.deviceSamples.desiredToReportedMs };
    slis.devices_created = v(devices?.devices.created ?? null);
    slis.device_read_errors = v(devices ? errorTotal(devices.reads.errors) : null);
    slis.device_read_error_ratio = v(devices?.reads.errorRatio ?? null);
    if (devices) {
      // Every phase that ran gets one (null when no snapshot fell in it), so an SLO on it never names an unknown SLI.
      for (const phase of this.phases) slis[phaseSliName(phase.name, 'deviceReadErrors')] = v(null);
      for (const row of devices.byPhase) slis[phaseSliName(row.phase, 'deviceReadErrors')] = v(errorTotal(row.readErrors));
    }
    return slis;
  }

  /** Least-squares slope of cloudcore's RSS after the first phase, MiB per hour (a leak is a slope, not a value). */
  private rssSlope(process: string): number | null {
    const from = this.firstPhaseEndMs ?? 0;
    const pts = this.cpRss.filter((p) => p.atMs >= from && p.rss[process] !== undefined).map((p) => [p.atMs / 3_600_000, p.rss[process]! / 1048576] as const);
    if (pts.length < 3) return null;
    const fit = leastSquares(pts);
    return fit ? Math.round(fit.b * 100) / 100 : null;
  }

  /**
   * When the scenario disrupted links or processes, in ms: each disruptive phase and link fault
   * from its start to its end plus edgecore's request timeout (a request lost to the fault times
   * out that much later) and two snapshot intervals.
   */
  private disruptionWindows(): Array<[number, number]> {
    const start = this.start;
    if (!start) return [];
    const timeoutMs = REQUEST_TIMEOUT_MS * Number(start.options.timeScale ?? 1) + 2000;
    const at = (sec: number): number => start.atMs + sec * 1000;
    const end = this.end?.atMs ?? this.lastAtMs;
    const windows: Array<[number, number]> = [];
    for (const p of this.phases) if (DISRUPTIVE_PHASES.has(p.kind)) windows.push([at(p.startS), at(p.endS) + timeoutMs]);
    for (const f of this.faults.values()) windows.push([at(f.startS), (f.endS === null ? end : at(f.endS)) + timeoutMs]);
    return windows;
  }

  /** Requests that timed out outside every disruption window (null without snapshots). */
  private unansweredOutsideFaults(end: RunEnd | undefined): number | null {
    if (this.series.length === 0) return null;
    const windows = this.disruptionWindows();
    const inside = (atMs: number): boolean => windows.some(([a, b]) => atMs >= a && atMs <= b);
    let outside = 0;
    let prev = 0;
    const points: Array<[number, number]> = this.series.map((p) => [p.atMs, p.unanswered]);
    if (end?.fleet) points.push([end.atMs, end.fleet.totals.unanswered]);
    for (const [atMs, unanswered] of points) {
      // A restarted shard starts its counters from zero: count only growth.
      const grew = Math.max(0, unanswered - prev);
      if (grew > 0 && !inside(atMs)) outside += grew;
      prev = unanswered;
    }
    return outside;
  }

  /** Seconds from the fleet's start (the ramp stage) until every requested node had been Ready; null if that never happened. */
  private allReadyS(): number | null {
    const ramp = this.stageStarts.find((x) => x.name === 'ramp');
    const steady = this.stageStarts.find((x) => x.name === 'steady');
    if (!ramp || !steady) return null;
    return Math.round((steady.atMs - ramp.atMs) / 100) / 10;
  }

  private timeseries(): TimeSeries | null {
    if (this.series.length === 0 || !this.start) return null;
    const step = Math.max(1, Math.ceil(this.series.length / MAX_SERIES_POINTS));
    const out: TimeSeries = { atS: [], connected: [], ready: [], reconnecting: [], sentPerS: [], receivedPerS: [], cloudcoreConnected: [] };
    let prev = this.series[0]!;
    for (let i = 0; i < this.series.length; i += step) {
      const p = this.series[i]!;
      const dt = (p.atMs - prev.atMs) / 1000;
      out.atS.push(this.secondsOf(p.atMs));
      out.connected.push(p.connected);
      out.ready.push(p.ready);
      out.reconnecting.push(p.reconnecting);
      out.sentPerS.push(dt > 0 ? Math.round((p.sent - prev.sent) / dt) : 0);
      out.receivedPerS.push(dt > 0 ? Math.round((p.received - prev.received) / dt) : 0);
      out.cloudcoreConnected.push(p.cloud);
      prev = p;
    }
    return out;
  }

  private distributions(podStartupMs: readonly number[], _ledger: LedgerSection | null): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    if (this.joinMs.length > 0) out.join_to_ready_ms = distributionOf(this.joinMs);
    if (podStartupMs.length > 0) out.pod_startup_ms = distributionOf(podStartupMs);
    if (this.deviceSamples.reportToApiMs.length > 0) out.device_report_latency_ms = distributionOf(this.deviceSamples.reportToApiMs);
    if (this.deviceSamples.desiredToReportedMs.length > 0) out.device_desired_roundtrip_ms = distributionOf(this.deviceSamples.desiredToReportedMs);
    return out;
  }
}

/**
 * Device counters for the summary: counts from the fleet's final totals, gauges (devices on
 * nodes, online, members, unconfirmed) as the last snapshot before the stop saw them, as for nodes.
 */
function endDeviceCounters(final: DeviceCountersSnapshot | undefined, live: DeviceCountersSnapshot | undefined): DeviceCountersSnapshot | undefined {
  if (!final || !live) return final ?? live;
  return { ...final, devices: live.devices, online: live.online, members: live.members, unconfirmed: live.unconfirmed };
}

export function distributionOf(values: readonly number[], bounds: readonly number[] = LATENCY_BOUNDS_MS): Distribution {
  const counts = new Array<number>(bounds.length).fill(0);
  for (const v of values) {
    let i = 0;
    while (i < bounds.length - 1 && v > bounds[i]!) i++;
    counts[i]! += 1;
  }
  return { unit: 'ms', bounds: bounds.map((b) => (Number.isFinite(b) ? b : -1)), counts };
}

/** y = a + b·x by least squares, with r²; undefined when x does not vary. */
export function leastSquares(points: ReadonlyArray<readonly [number, number]>): { a: number; b: number; r2: number } | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  if (sxx === 0) return undefined;
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const syy = points.reduce((s, p) => s + (p[1] - my) ** 2, 0);
  const b = sxy / sxx;
  return { a: my - b * mx, b, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** `storm` + `allReadyS` → `storm_all_ready_s`: the SLI name of a phase's recovery time. */
export function phaseSliName(phase: string, metric: string): string {
  return `${phase}_${metric}`.replace(/-/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The qps/burst cloudcore's API clients ran with (local provider). cloudcore v1.23.1 builds its
 * clients before AdjustCloudCoreConfig rewrites qps/burst to 5×/10× nodeLimit, so they keep the
 * loaded values: `cloud.config` records them; a run recorded before it never wrote qps/burst, so
 * its clients ran with cloudcore's defaults (5×/10× Go's DefaultNodeLimit of 500).
 */
export function cloudcoreClientQps(cloud: RunSummary['cloud']): { qps: number; burst: number; overridden: boolean } | null {
  if (cloud.provider !== 'local') return null;
  const entry = (key: string) => cloud.config?.cloudcore.find((e) => e.key === key);
  const qps = entry('kubeAPIConfig.qps');
  const burst = entry('kubeAPIConfig.burst');
  if (typeof qps?.effective === 'number' && typeof burst?.effective === 'number') {
    return { qps: qps.effective, burst: burst.effective, overridden: qps.overridden || burst.overridden };
  }
  return { qps: 2500, burst: 5000, overridden: false };
}
