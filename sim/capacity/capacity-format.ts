/** How capacity figures read in the Markdown and HTML reports, by unit. */
import type { Unit } from './cost-model.js';
import { formatBytes, type Estimate } from './projection.js';

export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'cores':
      return `${significant(v)} cores`;
    case 'bytes':
      return formatBytes(v);
    case 'per-second':
      return `${significant(v)}/s`;
    case 'count':
      return significant(v);
  }
}

/**
 * A coefficient with its 95 % half-width: the intercept in the model's unit, a slope per node
 * (per 1000 nodes for cores and rates, which are tiny per node) or per unit of nodeLimit.
 */
export function formatCoefficient(v: number, halfWidth: number | null, unit: Unit, term: string): string {
  const pm = (x: number, show: (y: number) => string): string => (halfWidth === null ? show(x) : `${show(x)} ± ${show(halfWidth)}`);
  if (term === 'intercept') return unit === 'bytes' ? pm(v, (y) => formatBytes(y)) : pm(v, (y) => formatValue(y, unit));
  const per = term === 'nodes' ? 'node' : term;
  if (unit === 'bytes') return `${pm(v, (y) => significant(y / 1024))} KiB/${per}`;
  if (unit === 'cores' || unit === 'per-second') return `${pm(v, (y) => significant(y * 1000))} ${unit === 'cores' ? 'cores' : '/s'} per 1000 ${per === 'node' ? 'nodes' : per}`;
  return `${pm(v, (y) => significant(y))}/${per}`;
}

export function formatEstimate(e: Estimate | null, unit: Unit): string {
  if (!e) return '–';
  return e.low !== null && e.high !== null ? `${formatValue(e.estimate, unit)} [${formatValue(e.low, unit)} – ${formatValue(e.high, unit)}]` : `${formatValue(e.estimate, unit)} (no interval)`;
}

export function significant(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10 ** digits) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toString();
}

export function formatMs(v: number | null): string {
  return v === null ? '–' : `${significant(v)} ms`;
}
