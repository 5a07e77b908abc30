/**
 * One sweep step's figures: what each control-plane component cost over the step's steady window
 * (from the run's own one-second evidence, or from the components' Prometheus metrics when the
 * run could not see their processes), the step's SLIs and the harness's own cost. The window is
 * cut from the step's own `stage` events, so a step never inherits another step's load.
 */
import type { EvidenceSample } from '../model/evidence.js';
import { processRole } from '../model/evidence.js';
import type { RunEventRecord } from '../record/event-log.js';
import type { RunSummary } from '../model/run-summary.js';
import type { SeriesPoint } from '../cloud/metrics-scraper.js';

/** How the machine-cpu rule (limit-rules.ts) says that processes outside the run took most of the CPU. */
const OTHERS_USED_MOST = 'processes outside this run used most of the CPU';

/** The control-plane processes a step measures, in the order reports list them. */
export const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore'] as const;
export type Component = (typeof COMPONENTS)[number];

/** Series scraped from the components' /metrics during a step (no labels: process_*, go_goroutines, etcd_mvcc_db_total_size_in_bytes). */
export interface ScrapeRecord {
  targets: string[];
  series: Array<{ target: string; metric: string; points: SeriesPoint[] }>;
}

export interface ComponentMeasurement {
  /** Share of one core, mean over the window. */
  cpuCoresMean: number | null;
  /** 95th percentile of the per-interval CPU over the window. */
  cpuCoresP95: number | null;
  /** Highest RSS in the window, bytes. */
  rssBytes: number | null;
  openFiles: number | null;
  fdLimit: number | null;
  goroutines: number | null;
  /** Where the figures came from: the run's /proc evidence or the component's own Prometheus metrics. */
  source: 'proc' | 'prometheus';
}

export interface StepMeasurement {
  /** Which sweep the step belongs to: `baseline`, or `compare` under --compare-config. */
  arm: string;
  nodes: number;
  nodeLimit: number | null;
  /** The step that only varies nodeLimit (sweep-plan.ts). */
  separatesNodeLimit: boolean;
  /** The step's run directory, relative to the sweep's out dir. */
  runDir: string;
  exitCode: number;
  error: { code: string; message: string } | null;
  ready: number;
  /** Every node became Ready, so the window is the steady stage; false: the last seconds before teardown. */
  reachedSteady: boolean;
  window: { startS: number; endS: number; samples: number };
  components: Partial<Record<Component, ComponentMeasurement>>;
  apiserver: { requestsPerS: number | null; mutatingP99Ms: number | null; readP99Ms: number | null; rejectedPerS: number | null; etcdP99Ms: number | null };
  etcd: { dbSizeBytes: number | null };
  harness: { cpuCoresMean: number | null; rssBytes: number | null };
  /** client-go's client-side throttling waits in cloudcore's log over the window, and in how many of its samples; null when its log was not read. */
  cloudcoreThrottled: { waits: number; samples: number } | null;
  /** The machine over the window: how busy, and how much of it processes outside the run took. */
  machine: { cores: number | null; busyCoresMean: number | null; otherCoresMean: number | null };
  slis: { joinToReadyP99Ms: number | null; podStartupP99Ms: number | null; apiMutatingP99Ms: number | null; apiReadP99Ms: number | null };
  failedSlos: Array<{ name: string; threshold: string; value: number | null }>;
  /**
   * The first limit the run's rules named, leaving out a machine whose CPU processes outside the
   * run took, and CPU saturation or client throttling that began before the window (the window's
   * own samples judge those instead).
   */
  firstLimit: { rule: string; text: string } | null;
  /** CPU saturation or client throttling the rules found before the window, during the ramp: reported, not a knee by itself. */
  rampLimit: { rule: string; text: string } | null;
  /** The machine's CPU saturated with processes outside the run as its largest consumer: what the step shared, not what the setup holds. */
  sharedMachine: string | null;
  /** What the run's rules saw without calling it a limit (slow API, a stalled ramp), in order. */
  symptoms: string[];
}

export interface StepInput {
  arm: string;
  nodes: number;
  separatesNodeLimit: boolean;
  runDir: string;
  exitCode: number;
  steadyMs: number;
  events: readonly RunEventRecord[];
  summary: RunSummary;
  scrape: ScrapeRecord | null;
}

/** The limit rules the window's own samples judge again: CPU, and cloudcore's client throttling. */
const WINDOW_RULES = new Set(['machine-cpu', 'process-cpu', 'cloudcore-throttled']);

export function measureStep(input: StepInput): StepMeasurement {
  const { events, summary } = input;
  const runStart = Date.parse(summary.startedAt);
  const stageAt = (name: string): number | undefined => events.find((e) => e.t === 'stage' && e.stage === name)?.atMs;
  const steadyAt = stageAt('steady');
  const rampAt = stageAt('ramp') ?? runStart;
  const teardownAt = stageAt('teardown') ?? events.at(-1)?.atMs ?? runStart;
  const start = steadyAt ?? Math.max(rampAt, teardownAt - input.steadyMs);
  const end = Math.min(teardownAt, start + input.steadyMs);
  const evidence = events.filter((e): e is RunEventRecord & EvidenceSample => e.t === 'evidence' && e.atMs > start && e.atMs <= end) as unknown as EvidenceSample[];

  const components: Partial<Record<Component, ComponentMeasurement>> = {};
  for (const name of COMPONENTS) {
    const fromProc = fromEvidence(evidence, name);
    const fromProm = input.scrape ? fromScrape(input.scrape, name, start, end) : null;
    const m = fromProc ?? fromProm;
    if (!m) continue;
    // /proc has no goroutine count; the component's own metrics fill it (and open files when /proc could not read them).
    if (fromProm) {
      m.goroutines ??= fromProm.goroutines;
      m.openFiles ??= fromProm.openFiles;
      m.fdLimit ??= fromProm.fdLimit;
    }
    components[name] = m;
  }
  const api = evidence.map((s) => s.apiserver).filter((a): a is NonNullable<EvidenceSample['apiserver']> => a !== null);
  const throttled = evidence.map((s) => s.cloudcore?.throttledWaits).filter((w): w is number => typeof w === 'number');
  const harnessCpu = evidence.map((s) => sumWhere(s, (n) => processRole(n) === 'harness', (p) => p.cpuCores));
  const harnessRss = evidence.map((s) => sumWhere(s, (n) => processRole(n) === 'harness', (p) => p.rssBytes));
  const busy = evidence.map((s) => s.machine.busyCores).filter((v): v is number => v !== null);
  const others = evidence.filter((s) => s.machine.busyCores !== null).map((s) => Math.max(0, s.machine.busyCores! - sumWhere(s, () => true, (p) => p.cpuCores)));
  const scrapedRate = input.scrape ? counterRate(seriesOf(input.scrape, 'kube-apiserver', 'apiserver_request_total'), start, end) : null;
  const dbSize = input.scrape ? lastIn(seriesOf(input.scrape, 'etcd', 'etcd_mvcc_db_total_size_in_bytes'), start, end) : null;
  const limits = summary.limits.findings.filter((f) => f.kind === 'limit');
  const outside = (f: (typeof limits)[number]): boolean => f.rule === 'machine-cpu' && f.evidence.some((e) => e.startsWith(OTHERS_USED_MOST));
  // A CPU or throttling limit that began before the window was the ramp's (enrolment,
  // registration); the window's own samples are measured above, so it makes a knee only if it
  // lasted into the window.
  const windowStartS = (start - runStart) / 1000;
  const duringRamp = (f: (typeof limits)[number]): boolean => WINDOW_RULES.has(f.rule) && f.atS < windowStartS;
  const own = limits.find((f) => !outside(f) && !duringRamp(f));
  const ramp = limits.find((f) => !outside(f) && duringRamp(f));
  const shared = limits.find(outside);
  const slis = summary.slis;
  const p99 = (name: string): number | null => {
    const v = slis[name];
    return v && 'p99' in v ? v.p99 : null;
  };
  return {
    arm: input.arm,
    nodes: input.nodes,
    nodeLimit: summary.cloud.nodeLimit,
    separatesNodeLimit: input.separatesNodeLimit,
    runDir: input.runDir,
    exitCode: input.exitCode,
    error: summary.error,
    ready: summary.nodes.ready,
    reachedSteady: steadyAt !== undefined,
    window: { startS: round((start - runStart) / 1000, 1), endS: round((end - runStart) / 1000, 1), samples: evidence.length },
    components,
    apiserver: {
      requestsPerS: mean(api.map((a) => a.requestsPerS)) ?? scrapedRate,
      mutatingP99Ms: max(api.map((a) => a.mutatingP99Ms)),
      readP99Ms: max(api.map((a) => a.readP99Ms)),
      rejectedPerS: mean(api.map((a) => a.rejectedPerS)),
      etcdP99Ms: max(api.map((a) => a.etcdP99Ms)),
    },
    etcd: { dbSizeBytes: dbSize },
    harness: { cpuCoresMean: mean(harnessCpu), rssBytes: max(harnessRss) },
    cloudcoreThrottled: throttled.length > 0 ? { waits: throttled.reduce((n, w) => n + w, 0), samples: throttled.filter((w) => w > 0).length } : null,
    machine: { cores: evidence[0]?.machine.cores ?? null, busyCoresMean: mean(busy), otherCoresMean: mean(others) },
    slis: {
      joinToReadyP99Ms: summary.latency.joinToReadyMs.p99,
      podStartupP99Ms: p99('pod_startup_ms') ?? (summary.latency.podStartupMs.count > 0 ? summary.latency.podStartupMs.p99 : null),
      apiMutatingP99Ms: p99('api_mutating_ms'),
      apiReadP99Ms: p99('api_read_ms'),
    },
    failedSlos: summary.slos.filter((s) => !s.pass).map((s) => ({ name: s.name, threshold: s.threshold, value: s.value })),
    firstLimit: own ? { rule: own.rule, text: own.text } : null,
    rampLimit: ramp ? { rule: ramp.rule, text: ramp.text } : null,
    sharedMachine: shared?.text ?? null,
    symptoms: summary.limits.findings.filter((f) => f.kind === 'symptom').map((f) => `${f.rule}: ${f.text}`),
  };
}

function fromEvidence(samples: readonly EvidenceSample[], name: string): ComponentMeasurement | null {
  const own = samples.map((s) => s.processes[name]).filter((p): p is NonNullable<typeof p> => p !== undefined);
  if (own.length === 0) return null;
  const cpu = own.map((p) => p.cpuCores);
  const fds = own.map((p) => p.fds).filter((v): v is number => v !== null);
  return {
    cpuCoresMean: mean(cpu),
    cpuCoresP95: quantile(cpu, 0.95),
    rssBytes: max(own.map((p) => p.rssBytes)),
    openFiles: max(fds),
    fdLimit: own.at(-1)?.fdLimit ?? null,
    goroutines: null,
    source: 'proc',
  };
}

/** CPU from process_cpu_seconds_total's increase between scrapes; the rest are gauges. */
function fromScrape(scrape: ScrapeRecord, name: string, start: number, end: number): ComponentMeasurement | null {
  if (!scrape.targets.includes(name)) return null;
  const cpuPoints = seriesOf(scrape, name, 'process_cpu_seconds_total').filter((p) => p.atMs >= start && p.atMs <= end);
  const rates: number[] = [];
  for (let i = 1; i < cpuPoints.length; i++) {
    const dt = (cpuPoints[i]!.atMs - cpuPoints[i - 1]!.atMs) / 1000;
    const dv = cpuPoints[i]!.value - cpuPoints[i - 1]!.value;
    if (dt > 0 && dv >= 0) rates.push(dv / dt);
  }
  const first = cpuPoints[0];
  const last = cpuPoints.at(-1);
  const spanS = first && last ? (last.atMs - first.atMs) / 1000 : 0;
  const inWindow = (metric: string): number[] => seriesOf(scrape, name, metric).filter((p) => p.atMs >= start && p.atMs <= end).map((p) => p.value);
  const rss = inWindow('process_resident_memory_bytes');
  const goroutines = inWindow('go_goroutines');
  const fds = inWindow('process_open_fds');
  if (cpuPoints.length === 0 && rss.length === 0 && goroutines.length === 0) return null;
  return {
    cpuCoresMean: first && last && spanS > 0 && last.value >= first.value ? (last.value - first.value) / spanS : null,
    cpuCoresP95: quantile(rates, 0.95),
    rssBytes: max(rss),
    openFiles: max(fds),
    fdLimit: lastIn(seriesOf(scrape, name, 'process_max_fds'), start, end),
    goroutines: max(goroutines),
    source: 'prometheus',
  };
}

/** A counter's mean rate over the window, per second. */
function counterRate(points: readonly SeriesPoint[], start: number, end: number): number | null {
  const inside = points.filter((p) => p.atMs >= start && p.atMs <= end);
  const first = inside[0];
  const last = inside.at(-1);
  if (!first || !last || last.atMs <= first.atMs || last.value < first.value) return null;
  return (last.value - first.value) / ((last.atMs - first.atMs) / 1000);
}

function seriesOf(scrape: ScrapeRecord, target: string, metric: string): SeriesPoint[] {
  return scrape.series.find((s) => s.target === target && s.metric === metric)?.points ?? [];
}

function lastIn(points: readonly SeriesPoint[], start: number, end: number): number | null {
  const inside = points.filter((p) => p.atMs >= start && p.atMs <= end);
  return inside.at(-1)?.value ?? null;
}

function sumWhere(s: EvidenceSample, keep: (name: string) => boolean, value: (p: EvidenceSample['processes'][string]) => number): number {
  return Object.entries(s.processes).reduce((n, [name, p]) => (keep(name) ? n + value(p) : n), 0);
}

function mean(values: ReadonlyArray<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

function max(values: ReadonlyArray<number | null>): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : Math.max(...v);
}

/** Nearest-rank quantile. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
