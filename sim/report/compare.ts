/**
 * `twinlab compare`: two runs' summaries side by side. Every SLI (p50/p90/p99/max of sampled
 * ones, the value of scalar ones), the SLO verdicts and a few key totals are flattened into
 * metrics; each metric knows which way is worse, and a change in the worse direction beyond
 * `maxRegressionPct` is a regression. Pure: no files, no printing (compare-command.ts does that).
 *
 * Which way is worse:
 * - the SLIs twinlab emits are listed in SLI_DIRECTIONS below;
 * - an SLI not listed there is classified by name, in this order: a rate (`per_s`, `PerS`,
 *   `throughput`) is better higher; a time or size (`_ms`/`Ms`, `_s`/`…S` as in `storm_allReadyS`,
 *   `_seconds`, `_bytes`, `_mib`) is better lower; a count of bad things (lost, failed, error,
 *   not_ready, unanswered, malformed, duplicated, reordered, resurrected, dropped, timeout, cpu,
 *   rss) is better lower; a count of good things (ready, delivered, connected, running) is better
 *   higher; anything else is shown but never flagged (`info`);
 * - the totals are listed in TOTALS below; each control-plane process's CPU seconds and peak RSS
 *   are better lower.
 *
 * Noise: a change whose absolute size is at most `minDeltaMs` (default 5 ms; `minDeltaMs / 1000`
 * for metrics in seconds) is "below floor" and never a regression, so p99 2 ms → 3 ms is not a
 * 50 % regression. Counts and bytes have no floor: one lost object more than a baseline of 0 is
 * a regression. A baseline of 0 that became non-zero is an infinite change.
 */

import { setupDifferences, type SetupDifference } from './compare-setup.js';

export type Direction = 'lower-is-better' | 'higher-is-better' | 'neutral';

export type Verdict = 'regression' | 'improvement' | 'within bound' | 'below floor' | 'unchanged' | 'info' | 'no data' | 'added' | 'removed';

export type MetricUnit = 'ms' | 's' | 'bytes' | '';

interface PercentilesLike {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** The fields of summary.json that compare reads; a RunSummary is one. */
export interface ComparableSummary {
  title: string;
  runId: string;
  durationSeconds: number;
  /** The setup fields (compare-setup.ts); optional so that summaries from before they were read still load. */
  cloud?: { provider?: string | undefined; kubeedgeVersion?: string | undefined } | undefined;
  options?: Record<string, string | number | boolean> | undefined;
  scenario?: { name?: string | undefined } | null | undefined;
  nodes: { requested?: number | undefined; ready: number; peakConnected: number };
  messages: { received: number; sent: number; unanswered: number; malformed: number; sendFailures: number; errorReplies: number; duplicates: number };
  connections: { connectFailures: number };
  latency?: { ackMs?: PercentilesLike } | undefined;
  harness: { cpuSeconds: number; peakRssBytes: number; rssBytesPerNode: number | null; eventLoopLagP99Ms: number };
  slis: Record<string, PercentilesLike | { value: number | null }>;
  slos?: Array<{ name: string; pass: boolean; value: number | null }> | undefined;
  controlPlane?: Record<string, { cpuSeconds: number; peakRssBytes: number }> | null | undefined;
  ledger?: { totals: { delivered: number; lost: number; duplicated: number; reordered: number; resurrected: number } } | null | undefined;
}

export interface CompareOptions {
  /** Largest change in the worse direction that is not a regression, in percent (10 = 10 %). */
  maxRegressionPct: number;
  /** Absolute floor for millisecond metrics; seconds use it / 1000. */
  minDeltaMs: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { maxRegressionPct: 10, minDeltaMs: 5 };

export interface ComparisonRow {
  metric: string;
  kind: 'slo' | 'sli' | 'total';
  direction: Direction;
  unit: MetricUnit;
  /** For SLO rows 1 = pass, 0 = fail. Undefined: the metric is not in that summary. */
  baseline: number | null | undefined;
  current: number | null | undefined;
  /** Percent change from the baseline; Infinity from a baseline of 0; null when not computable. */
  changePct: number | null;
  verdict: Verdict;
}

export interface Comparison {
  baseline: { runId: string; title: string };
  current: { runId: string; title: string };
  options: CompareOptions;
  /** Where the two runs' setups differ (empty when they match); compared anyway only on request. */
  setupDifferences: SetupDifference[];
  rows: ComparisonRow[];
  regressions: number;
}

const LOWER: Direction = 'lower-is-better';
const HIGHER: Direction = 'higher-is-better';

/** The SLIs twinlab emits (sim-run.ts, api-workload.ts, the run reducer) and which way is better. */
export const SLI_DIRECTIONS: Readonly<Record<string, Direction>> = {
  join_to_ready_ms: LOWER,
  pod_startup_ms: LOWER,
  api_mutating_ms: LOWER,
  api_read_ms: LOWER,
  node_ready_in_api_ms: LOWER,
  configmap_to_edge_ms: LOWER,
  delivery_ms: LOWER,
  delivery_p99_ms: LOWER,
  /** Harness CPU per cloudcore CPU second: lower is a cheaper twin. */
  harness_to_cloudcore_cpu_ratio: LOWER,
  nodes_not_ready: LOWER,
  messages_unanswered: LOWER,
  messages_malformed: LOWER,
  /** How many changes the workload made: a property of the scenario, not a quality. */
  ledger_expected: 'neutral',
  ledger_delivered: HIGHER,
  ledger_lost: LOWER,
  ledger_duplicated: LOWER,
  ledger_reordered: LOWER,
  ledger_resurrected: LOWER,
  ledger_unanswered_upstream: LOWER,
  restore_pods_lost: LOWER,
  restore_pods_duplicated: LOWER,
  /** A leak shows as a slope. */
  cloudcore_rss_slope_mib_per_h: LOWER,
};

/** Direction of an SLI by name: the table first, then the naming rules in the module comment. */
export function sliDirection(name: string): Direction {
  const listed = SLI_DIRECTIONS[name];
  if (listed) return listed;
  if (/per_s$|PerS$|throughput/i.test(name)) return HIGHER;
  if (/(_ms|Ms|_s|[a-z]S|_seconds|_bytes|_mib)$/.test(name)) return LOWER;
  if (/lost|fail|error|not_ready|unanswered|malformed|duplicat|reorder|resurrect|dropped|timeout|cpu|rss/i.test(name)) return LOWER;
  if (/ready|delivered|connected|running/i.test(name)) return HIGHER;
  return 'neutral';
}

export function sliUnit(name: string): MetricUnit {
  if (/(_ms|Ms)$/.test(name)) return 'ms';
  if (/(_s|[a-z]S|_seconds)$/.test(name)) return 's';
  if (/_bytes$/.test(name)) return 'bytes';
  return '';
}

interface Metric {
  metric: string;
  kind: ComparisonRow['kind'];
  direction: Direction;
  unit: MetricUnit;
  value: number | null;
}

interface Total {
  metric: string;
  direction: Direction;
  unit: MetricUnit;
  read: (s: ComparableSummary) => number | null | undefined;
  /** An SLI that carries the same number: when a summary has it, the total is not repeated. */
  sameAsSli?: string;
}

const rate = (n: number, s: ComparableSummary): number | null => (s.durationSeconds > 0 ? Math.round((n / s.durationSeconds) * 100) / 100 : null);

/** The totals compared besides the SLIs, with which way is better. */
export const TOTALS: readonly Total[] = [
  { metric: 'nodes.ready', direction: HIGHER, unit: '', read: (s) => s.nodes.ready },
  { metric: 'nodes.peakConnected', direction: HIGHER, unit: '', read: (s) => s.nodes.peakConnected },
  { metric: 'messages.unanswered', direction: LOWER, unit: '', read: (s) => s.messages.unanswered, sameAsSli: 'messages_unanswered' },
  { metric: 'messages.malformed', direction: LOWER, unit: '', read: (s) => s.messages.malformed, sameAsSli: 'messages_malformed' },
  { metric: 'messages.sendFailures', direction: LOWER, unit: '', read: (s) => s.messages.sendFailures },
  { metric: 'messages.errorReplies', direction: LOWER, unit: '', read: (s) => s.messages.errorReplies },
  { metric: 'messages.duplicates', direction: LOWER, unit: '', read: (s) => s.messages.duplicates },
  { metric: 'connections.connectFailures', direction: LOWER, unit: '', read: (s) => s.connections.connectFailures },
  /** Throughput: what the fleet moved per second of run; the same scenario moving less is slower. */
  { metric: 'throughput.sentPerS', direction: HIGHER, unit: '', read: (s) => rate(s.messages.sent, s) },
  { metric: 'throughput.receivedPerS', direction: HIGHER, unit: '', read: (s) => rate(s.messages.received, s) },
  { metric: 'latency.ackMs.p99', direction: LOWER, unit: 'ms', read: (s) => (s.latency?.ackMs ? s.latency.ackMs.p99 : undefined) },
  { metric: 'harness.cpuSeconds', direction: LOWER, unit: 's', read: (s) => s.harness.cpuSeconds },
  { metric: 'harness.peakRssBytes', direction: LOWER, unit: 'bytes', read: (s) => s.harness.peakRssBytes },
  { metric: 'harness.rssBytesPerNode', direction: LOWER, unit: 'bytes', read: (s) => s.harness.rssBytesPerNode },
  { metric: 'harness.eventLoopLagP99Ms', direction: LOWER, unit: 'ms', read: (s) => s.harness.eventLoopLagP99Ms },
  { metric: 'ledger.delivered', direction: HIGHER, unit: '', read: (s) => s.ledger?.totals.delivered, sameAsSli: 'ledger_delivered' },
  { metric: 'ledger.lost', direction: LOWER, unit: '', read: (s) => s.ledger?.totals.lost, sameAsSli: 'ledger_lost' },
  { metric: 'ledger.duplicated', direction: LOWER, unit: '', read: (s) => s.ledger?.totals.duplicated, sameAsSli: 'ledger_duplicated' },
  { metric: 'ledger.reordered', direction: LOWER, unit: '', read: (s) => s.ledger?.totals.reordered, sameAsSli: 'ledger_reordered' },
  { metric: 'ledger.resurrected', direction: LOWER, unit: '', read: (s) => s.ledger?.totals.resurrected, sameAsSli: 'ledger_resurrected' },
];

const PERCENTILE_KEYS = ['p50', 'p90', 'p99', 'max'] as const;

/** Every metric of one summary, in display order: SLO verdicts, SLIs (by name), totals. */
export function flattenMetrics(s: ComparableSummary): Metric[] {
  const out: Metric[] = [];
  for (const slo of s.slos ?? []) out.push({ metric: `SLO ${slo.name}`, kind: 'slo', direction: HIGHER, unit: '', value: slo.pass ? 1 : 0 });
  for (const name of Object.keys(s.slis).sort()) {
    const sli = s.slis[name]!;
    const direction = sliDirection(name);
    const unit = sliUnit(name);
    if ('value' in sli) out.push({ metric: name, kind: 'sli', direction, unit, value: sli.value });
    else for (const k of PERCENTILE_KEYS) out.push({ metric: `${name} ${k}`, kind: 'sli', direction, unit, value: sli[k] });
  }
  for (const t of TOTALS) {
    if (t.sameAsSli && t.sameAsSli in s.slis) continue;
    const v = t.read(s);
    if (v === undefined) continue;
    out.push({ metric: t.metric, kind: 'total', direction: t.direction, unit: t.unit, value: v });
  }
  for (const [process, u] of Object.entries(s.controlPlane ?? {})) {
    out.push({ metric: `controlPlane.${process}.cpuSeconds`, kind: 'total', direction: LOWER, unit: 's', value: u.cpuSeconds });
    out.push({ metric: `controlPlane.${process}.peakRssBytes`, kind: 'total', direction: LOWER, unit: 'bytes', value: u.peakRssBytes });
  }
  return out;
}

function floorOf(unit: MetricUnit, o: CompareOptions): number {
  return unit === 'ms' ? o.minDeltaMs : unit === 's' ? o.minDeltaMs / 1000 : 0;
}

function judge(m: Pick<Metric, 'direction' | 'unit' | 'kind'>, base: number, cur: number, o: CompareOptions): { changePct: number | null; verdict: Verdict } {
  const delta = cur - base;
  const changePct = base === 0 ? (delta === 0 ? 0 : delta > 0 ? Infinity : -Infinity) : (delta / Math.abs(base)) * 100;
  if (delta === 0) return { changePct, verdict: 'unchanged' };
  if (m.direction === 'neutral') return { changePct, verdict: 'info' };
  // An SLO that flips is never noise and needs no percentage.
  if (m.kind !== 'slo') {
    if (Math.abs(delta) <= floorOf(m.unit, o)) return { changePct, verdict: 'below floor' };
    if (Math.abs(changePct) <= o.maxRegressionPct) return { changePct, verdict: 'within bound' };
  }
  const worse = m.direction === 'lower-is-better' ? delta > 0 : delta < 0;
  return { changePct: m.kind === 'slo' ? null : changePct, verdict: worse ? 'regression' : 'improvement' };
}

export function compareSummaries(baseline: ComparableSummary, current: ComparableSummary, options: CompareOptions = DEFAULT_COMPARE_OPTIONS): Comparison {
  const base = new Map(flattenMetrics(baseline).map((m) => [m.metric, m]));
  const cur = flattenMetrics(current);
  const rows: ComparisonRow[] = [];
  const seen = new Set<string>();
  const row = (m: Metric, b: number | null | undefined, c: number | null | undefined): ComparisonRow => {
    const common = { metric: m.metric, kind: m.kind, direction: m.direction, unit: m.unit, baseline: b, current: c };
    if (b === undefined) return { ...common, changePct: null, verdict: 'added' };
    if (c === undefined) return { ...common, changePct: null, verdict: 'removed' };
    if (b === null || c === null) return { ...common, changePct: null, verdict: 'no data' };
    return { ...common, ...judge(m, b, c, options) };
  };
  for (const m of cur) {
    seen.add(m.metric);
    rows.push(row(m, base.has(m.metric) ? base.get(m.metric)!.value : undefined, m.value));
  }
  for (const m of base.values()) if (!seen.has(m.metric)) rows.push(row(m, m.value, undefined));
  const order = { slo: 0, sli: 1, total: 2 } as const;
  rows.sort((a, b) => order[a.kind] - order[b.kind]);
  return {
    baseline: { runId: baseline.runId, title: baseline.title },
    current: { runId: current.runId, title: current.title },
    options,
    setupDifferences: setupDifferences(baseline, current),
    rows,
    regressions: rows.filter((r) => r.verdict === 'regression').length,
  };
}
