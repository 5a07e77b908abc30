/**
 * Number and duration formatting shared by the Markdown and HTML writers, so both print a run
 * the same way (en-US grouping, "—" for no data).
 */
import type { RunSummary } from '../model/run-summary.js';
import type { Percentiles } from '../model/percentiles.js';

export const NO_DATA = '—';

/** After a count of lost pods: why cloudcore never sent them. */
export const BEFORE_NODE_CACHED =
  "of the lost pods were created before cloudcore had sent their node its first Node update: cloudcore's edgecontroller skips, " +
  'for good, a pod whose node it has not cached yet (cloud/pkg/edgecontroller/controller/downstream.go, IsEdgeNode).';

export function count(v: number): string {
  return v.toLocaleString('en-US');
}

/** A measured value with at most 3 decimals; null is "no data". */
export function value(v: number | null): string {
  if (v === null) return 'no data';
  return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export function kib(bytes: number | null): string {
  return bytes === null ? NO_DATA : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function seconds(s: number): string {
  return `${value(s)} s`;
}

/** `p50 1 ms · p90 2 ms · p99 3 ms · max 4 ms (n=10)`, or "—" without samples. */
export function percentiles(p: Percentiles, unit = 'ms'): string {
  if (p.count === 0) return NO_DATA;
  const part = (label: string, v: number | null): string => `${label} ${v === null ? NO_DATA : value(v)} ${unit}`;
  const parts = [part('p50', p.p50), part('p90', p.p90), part('p99', p.p99)];
  if (p.max !== null) parts.push(part('max', p.max));
  return `${parts.join(' · ')} (n=${count(p.count)})`;
}

/** A phase's recovery entry: `allReadyS` 17.4 → `allReady 17.4 s`, `reconnectP99Ms` → `… ms`, null → "never". */
export function recovery(key: string, v: number | null): string {
  const unit = /Ms$/.test(key) ? 'ms' : /S$/.test(key) ? 's' : '';
  const label = unit === 'ms' ? key.slice(0, -2) : unit === 's' ? key.slice(0, -1) : key;
  if (v === null) return `${label} never`;
  return `${label} ${value(v)}${unit ? ` ${unit}` : ''}`;
}

/** `60–66 s`, or `112 s – end` for a fault still active when the run ended. */
export function span(startS: number, endS: number | null): string {
  return endS === null ? `${value(startS)} s – end` : `${value(startS)}–${value(endS)} s`;
}

/** A missing value shows its reason: `no data`, or `not within N s` for a recovery that never happened. */
export function sloValue(x: RunSummary['slos'][number]): string {
  return x.value === null ? (x.reason ?? NO_DATA) : value(x.value);
}

/** ✓ / ✗; a run that failed shows no ✓ anywhere, only what held (`held`). */
/** Why a run's SLOs cannot read as passed: it failed, or it was interrupted before doing what it was asked; null otherwise. */
export function notJudged(s: Pick<RunSummary, 'error' | 'interrupted'>): string | null {
  return s.error ? 'the run failed' : s.interrupted ? 'the run was interrupted' : null;
}

export function verdictOf(x: RunSummary['slos'][number], runFailed: boolean): string {
  if (!x.pass) return '✗';
  if (x.value === null) return runFailed ? 'no data (optional)' : '✓ (no data, optional)';
  return runFailed ? 'held' : '✓';
}

/** The harness's cost as fixed + marginal per node, and its steady CPU per 10k nodes: the cells both writers show. */
export function harnessCostCells(h: RunSummary['harness']): [string, string] {
  const c = h.cost;
  return [
    c ? `${mib(c.fixedRssBytes)} + ${kib(c.marginalRssBytesPerNode)} per node (r² ${c.r2})` : NO_DATA,
    c?.steadyCpuPctPer10k != null ? `${value(c.steadyCpuPctPer10k)} % of a core` : NO_DATA,
  ];
}

export const HARNESS_HEADER = ['shards', 'peak RSS', 'fixed + marginal RSS', 'steady CPU per 10k nodes', 'CPU', 'event-loop lag p99'] as const;

export function harnessRow(h: RunSummary['harness']): string[] {
  return [String(h.shards), mib(h.peakRssBytes), ...harnessCostCells(h), seconds(h.cpuSeconds), `${value(h.eventLoopLagP99Ms)} ms`];
}
