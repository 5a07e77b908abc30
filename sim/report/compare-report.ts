/**
 * A comparison of two runs as text (a terminal or CI log), Markdown (a job summary) or JSON:
 * the verdict first, then every metric with baseline, current, change and verdict.
 */
import type { Comparison, ComparisonRow, Verdict } from './compare.js';
import { describeDifference } from './compare-setup.js';

export const COMPARE_FORMATS = ['text', 'markdown', 'json'] as const;

export type CompareFormat = (typeof COMPARE_FORMATS)[number];

function shown(row: ComparisonRow, v: number | null | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return 'no data';
  if (row.kind === 'slo') return v === 1 ? 'pass' : 'fail';
  if (row.unit === 'bytes') return Math.abs(v) >= 1048576 ? `${(v / 1048576).toFixed(1)} MiB` : `${(v / 1024).toFixed(1)} KiB`;
  const n = v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return row.unit ? `${n} ${row.unit}` : n;
}

function change(row: ComparisonRow): string {
  const c = row.changePct;
  if (c === null) return '—';
  if (c === Infinity) return '+∞ (from 0)';
  if (c === -Infinity) return '−∞ (from 0)';
  if (c === 0) return '0%';
  return `${c > 0 ? '+' : '−'}${Math.abs(c).toFixed(1)}%`;
}

const MARK: Record<Verdict, string> = {
  regression: '✗ regression',
  improvement: '✓ improvement',
  'within bound': 'within bound',
  'below floor': 'below floor',
  unchanged: 'unchanged',
  info: 'info',
  'no data': 'no data',
  added: 'only in current',
  removed: 'only in baseline',
};

function headline(c: Comparison): string {
  const bound = `beyond ${c.options.maxRegressionPct}% (floor ${c.options.minDeltaMs} ms)`;
  if (c.regressions === 0) return `✓ no regression ${bound} across ${c.rows.length} metrics`;
  const names = c.rows.filter((r) => r.verdict === 'regression').map((r) => r.metric);
  return `✗ ${c.regressions} regression${c.regressions === 1 ? '' : 's'} ${bound}: ${names.join(', ')}`;
}

/** Said right under the headline when the runs' setups differ (compared with --allow-different-setups). */
function setupWarning(c: Comparison): string | null {
  if (c.setupDifferences.length === 0) return null;
  return `⚠ the two runs' setups differ, so a change may come from the setup and not the code: ${c.setupDifferences.map(describeDifference).join('; ')}`;
}

function cells(r: ComparisonRow): string[] {
  return [r.metric, shown(r, r.baseline), shown(r, r.current), change(r), MARK[r.verdict]];
}

const HEADER = ['metric', 'baseline', 'current', 'change', 'verdict'];

function renderText(c: Comparison): string {
  const rows = [HEADER, ...c.rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const right = new Set([1, 2, 3]);
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    `baseline: ${c.baseline.runId} (${c.baseline.title})`,
    `current:  ${c.current.runId} (${c.current.title})`,
    headline(c),
    ...[setupWarning(c)].filter((w): w is string => w !== null),
    '',
    line(HEADER),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...c.rows.map((r) => line(cells(r))),
    '',
  ].join('\n');
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function renderMarkdown(c: Comparison): string {
  return [
    '## Compared with the baseline',
    '',
    `**${mdCell(headline(c))}**`,
    '',
    ...[setupWarning(c)].filter((w): w is string => w !== null).flatMap((w) => [`> ${mdCell(w)}`, '']),
    `Baseline \`${c.baseline.runId}\` (${mdCell(c.baseline.title)}) → current \`${c.current.runId}\` (${mdCell(c.current.title)}).`,
    '',
    `| ${HEADER.join(' | ')} |`,
    '|---|---:|---:|---:|---|',
    ...c.rows.map((r) => {
      const [metric, ...rest] = cells(r);
      return `| \`${mdCell(metric!.replace(/`/g, "'"))}\` | ${rest.map(mdCell).join(' | ')} |`;
    }),
    '',
  ].join('\n');
}

/** Infinity is not JSON: a change from 0 is written as the string "+Infinity"/"-Infinity". */
function renderJson(c: Comparison): string {
  const rows = c.rows.map((r) => ({ ...r, changePct: r.changePct === null || Number.isFinite(r.changePct) ? r.changePct : r.changePct > 0 ? '+Infinity' : '-Infinity' }));
  return `${JSON.stringify({ ...c, rows }, null, 2)}\n`;
}

export function renderComparison(c: Comparison, format: CompareFormat): string {
  return format === 'json' ? renderJson(c) : format === 'markdown' ? renderMarkdown(c) : renderText(c);
}
