/**
 * The run's own measurements as Prometheus metrics, made from the same events the summary is
 * made from (sim/model/run-events.ts): join → Ready, pod startup and its two halves, the delivery
 * of every object the workload changed (ConfigMap → edge among them), device report and desired
 * round-trip latencies, and which run stage, scenario phase and faults are in force — so Grafana
 * can draw the summary's numbers over time and annotate phases and faults.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunEvent } from '../model/run-events.js';
import { RUN_EVENT_METRIC_CATALOGUE, type RunEventMetricName } from './metric-catalogue.js';

/** Seconds: from a few ms (a loopback delivery) to minutes (a join through a stalled cloud). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Pending expectations kept for matching; beyond it the oldest are dropped (and never observed). */
const MAX_PENDING = 200_000;


function help(name: RunEventMetricName): string {
  return RUN_EVENT_METRIC_CATALOGUE.find((m) => m.name === name)!.help;
}

function labels(name: RunEventMetricName): string[] {
  return [...RUN_EVENT_METRIC_CATALOGUE.find((m) => m.name === name)!.labels];
}

interface Pending {
  kind: string;
  atMs: number;
  rv: number | null;
  /** A pod's first expectation: the start of its startup. */
  podCreatedAtMs: number | null;
}

function rvNumber(rv: string | null): number | null {
  if (rv === null) return null;
  const n = Number(rv);
  return Number.isFinite(n) ? n : null;
}

export class RunEventMetrics {
  private readonly info: Gauge;
  private readonly stage: Gauge;
  private readonly phase: Gauge;
  private readonly fault: Gauge;
  private readonly faultsStarted: Counter;
  private readonly joinReady: Histogram;
  private readonly podStartup: Histogram;
  private readonly delivery: Histogram;
  private readonly reportToApi: Histogram;
  private readonly desiredRoundTrip: Histogram;
  private readonly desiredToWrite: Histogram;
  /** node \0 uid → what the workload changed last. */
  private readonly pending = new Map<string, Pending>();
  /** pod uid → when it reached its node (for on_edge). */
  private readonly podArrived = new Map<string, number>();
  /** pod uid → its creation (for total). */
  private readonly podCreated = new Map<string, number>();
  private readonly phases = new Map<string, { phase: string; kind: string }>();
  private readonly faults = new Map<string, Record<string, string>>();
  private currentStage: string | null = null;
  private runLabels: Record<string, string> = { run: '', scenario: '', cloud: '', version: '' };

  constructor(registry: Registry) {
    const gauge = (name: RunEventMetricName): Gauge => new Gauge({ name, help: help(name), labelNames: labels(name), registers: [registry] });
    const hist = (name: RunEventMetricName): Histogram => new Histogram({ name, help: help(name), labelNames: labels(name), buckets: LATENCY_BUCKETS, registers: [registry] });
    this.info = gauge('twinlab_run_info');
    this.stage = gauge('twinlab_run_stage');
    this.phase = gauge('twinlab_scenario_phase');
    this.fault = gauge('twinlab_fault_active');
    this.faultsStarted = new Counter({ name: 'twinlab_faults_started_total', help: help('twinlab_faults_started_total'), labelNames: labels('twinlab_faults_started_total'), registers: [registry] });
    this.joinReady = hist('twinlab_node_join_ready_seconds');
    this.podStartup = hist('twinlab_pod_startup_seconds');
    this.delivery = hist('twinlab_object_delivery_seconds');
    this.reportToApi = hist('twinlab_device_report_to_api_seconds');
    this.desiredRoundTrip = hist('twinlab_device_desired_round_trip_seconds');
    this.desiredToWrite = hist('twinlab_device_desired_to_write_seconds');
  }

  observe(e: RunEvent): void {
    switch (e.t) {
      case 'run-start':
        this.runLabels = { run: e.runId, scenario: e.scenario?.name ?? '', cloud: '', version: e.twinlabVersion };
        this.info.set(this.runLabels, 1);
        return;
      case 'cloud':
        this.info.remove(this.runLabels);
        this.runLabels = { ...this.runLabels, cloud: e.cloud.provider };
        this.info.set(this.runLabels, 1);
        return;
      case 'stage':
        if (this.currentStage !== null) this.stage.remove({ stage: this.currentStage });
        this.currentStage = e.stage;
        this.stage.set({ stage: e.stage }, 1);
        return;
      case 'phase-start': {
        const l = { phase: e.name, kind: e.kind };
        this.phases.set(e.name, l);
        this.phase.set(l, 1);
        return;
      }
      case 'phase-end': {
        const l = this.phases.get(e.record.name);
        if (l) this.phase.remove(l);
        this.phases.delete(e.record.name);
        return;
      }
      case 'fault-start': {
        const l = { fault: e.id, kind: e.kind, phase: e.phase, group: e.group };
        this.faults.set(e.id, l);
        this.fault.set(l, 1);
        this.faultsStarted.inc({ kind: e.kind });
        return;
      }
      case 'fault-end': {
        const l = this.faults.get(e.id);
        if (l) this.fault.remove(l);
        this.faults.delete(e.id);
        return;
      }
      case 'expect':
        this.expect(e.node, e.kind.toLowerCase(), e.uid, e.resourceVersion, e.atMs);
        return;
      case 'shard':
        for (const s of e.events) {
          if (s.kind === 'node-ready') this.joinReady.observe(s.joinMs / 1000);
          else if (s.kind === 'object') this.received(s.node, s.type.toLowerCase(), s.operation, s.uid, s.resourceVersion, s.atMs);
          else if (s.kind === 'pod-running') this.podRunning(s.uid, s.atMs);
        }
        return;
      case 'devices':
        for (const ms of e.reportToApiMs) this.reportToApi.observe(ms / 1000);
        for (const ms of e.desiredToReportedMs) this.desiredRoundTrip.observe(ms / 1000);
        for (const ms of e.desiredToDeviceWriteMs) this.desiredToWrite.observe(ms / 1000);
        return;
      default:
        return;
    }
  }

  private expect(node: string, kind: string, uid: string, rv: string | null, atMs: number): void {
    const key = `${node}\u0000${uid}`;
    if (kind === 'pod' && rv !== null && !this.podCreated.has(uid)) this.podCreated.set(uid, atMs);
    this.pending.delete(key); // re-inserted last: the map's order is the drop order
    this.pending.set(key, { kind, atMs, rv: rvNumber(rv), podCreatedAtMs: kind === 'pod' ? (this.podCreated.get(uid) ?? null) : null });
    if (this.pending.size > MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
  }

  private received(node: string, kind: string, operation: string, uid: string, rv: string, atMs: number): void {
    const key = `${node}\u0000${uid}`;
    const p = this.pending.get(key);
    if (!p) return;
    const got = rvNumber(rv);
    const satisfies = p.rv === null ? operation === 'delete' : got !== null && got >= p.rv;
    if (!satisfies) return;
    this.pending.delete(key);
    this.delivery.observe({ kind: p.kind || kind }, Math.max(0, atMs - p.atMs) / 1000);
    if (p.kind === 'pod' && p.podCreatedAtMs !== null && !this.podArrived.has(uid)) {
      this.podArrived.set(uid, atMs);
      this.podStartup.observe({ stage: 'to_edge' }, Math.max(0, atMs - p.podCreatedAtMs) / 1000);
    }
  }

  private podRunning(uid: string, atMs: number): void {
    const created = this.podCreated.get(uid);
    const arrived = this.podArrived.get(uid);
    if (created === undefined) return;
    this.podCreated.delete(uid);
    this.podArrived.delete(uid);
    this.podStartup.observe({ stage: 'total' }, Math.max(0, atMs - created) / 1000);
    if (arrived !== undefined) this.podStartup.observe({ stage: 'on_edge' }, Math.max(0, atMs - arrived) / 1000);
  }
}
