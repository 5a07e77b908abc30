/**
 * capacity.html: one self-contained page (no script, no network) with the same text and tables as
 * capacity.md and a chart per cost model — measured points, the fit, its 95 % prediction band,
 * the knee and the target — with every sweep's curve on the same axes.
 */
import { escapeMarkup } from '../report/markup-escape.js';
import { capacityMarkdown } from './capacity-markdown.js';
import type { CapacityResult } from './capacity-result.js';
import { formatValue } from './capacity-format.js';
import { predictAt, type CostModel } from './cost-model.js';
import { fitChartSvg, type CurvePoint, type FitChartArm } from './fit-chart.js';
import { sweepNodeLimit } from './sweep-plan.js';
import { BASE_CSS } from '../report/report-css.js';

const ARM_COLORS: Record<string, string> = { baseline: '#2563eb', compare: '#d97706' };

const CSS = `${BASE_CSS}blockquote { background: #fef3c7; border: 1px solid #f59e0b; padding: 8px 12px; border-radius: 4px; margin: 8px 0; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12px; display: block; overflow-x: auto; }
th, td { border: 1px solid #e5e7eb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
svg.chart { display: block; max-width: 100%; height: auto; }
`;

export function capacityHtml(r: CapacityResult): string {
  const body = markdownToHtml(capacityMarkdown(r));
  const charts = chartSections(r);
  const title = `twinlab capacity (${r.cloud})`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeMarkup(title)}</title><style>${CSS}</style></head><body>${injectCharts(body, charts)}</body></html>\n`;
}

/** Charts go right after the verdict, before the tables. */
function injectCharts(body: string, charts: string): string {
  const at = body.indexOf('<h2>', body.indexOf('<h2>Verdict</h2>') + 1);
  return at < 0 ? body + charts : body.slice(0, at) + charts + body.slice(at);
}

function chartSections(r: CapacityResult): string {
  const keys = new Map<string, CostModel>();
  for (const a of r.arms) for (const m of a.models) if (!keys.has(`${m.component}/${m.resource}`)) keys.set(`${m.component}/${m.resource}`, m);
  const out: string[] = [];
  for (const [key, first] of keys) {
    const arms: FitChartArm[] = r.arms.flatMap((a) => {
      const m = a.models.find((x) => `${x.component}/${x.resource}` === key);
      if (!m) return [];
      return [armChart(a.name, m, a.knee.kneeNodes, r.target)];
    });
    const label = `${first.label} against nodes: measured, fit ${first.formula} with its 95 % prediction interval${r.target ? `, and the projection to ${r.target} nodes` : ''}`;
    out.push(`<section class="capacity-chart"><h2>${escapeMarkup(first.label)}</h2>${fitChartSvg({ label, unit: unitLabel(first), arms, format: (v) => formatValue(v, first.unit) })}</section>`);
  }
  return out.join('');
}

function armChart(name: string, m: CostModel, knee: number | null, target: number | null): FitChartArm {
  const steps = (m.points.length > 0 ? m.points : m.excluded).map((p) => p.nodes);
  const sweepLimit = Math.max(...m.points.map((p) => p.nodeLimit ?? 0));
  const lo = Math.min(...steps) / 1.5;
  const hi = Math.max(Math.max(...steps) * 1.5, target ?? 0);
  // Along the curve nodeLimit is the sweep's where it was measured and grows with N beyond it, as a fleet of that size would set it.
  const at = (x: number): CurvePoint | null => {
    const p = predictAt(m, x, Math.max(sweepLimit, sweepNodeLimit([Math.round(x)])));
    return p ? { x, y: p.estimate, low: p.prediction?.[0] ?? null, high: p.prediction?.[1] ?? null } : null;
  };
  const curve: CurvePoint[] = [];
  for (let i = 0; i <= 48; i++) {
    const p = at(lo * (hi / lo) ** (i / 48));
    if (p) curve.push(p);
  }
  return {
    name,
    color: ARM_COLORS[name] ?? '#6b7280',
    points: m.points.map((p) => ({ x: p.nodes, y: p.value, ...(p.nodeLimit !== null && p.nodeLimit !== sweepLimit ? { note: `nodeLimit ${p.nodeLimit}` } : {}) })),
    excluded: m.excluded.map((p) => ({ x: p.nodes, y: p.value, note: 'not fitted: the fleet never got all Ready' })),
    curve,
    knee,
    target: target !== null ? at(target) : null,
  };
}

function unitLabel(m: CostModel): string {
  return m.unit === 'cores' ? 'cores' : m.unit === 'bytes' ? 'bytes' : m.unit === 'per-second' ? 'per second' : 'count';
}

/** The few Markdown constructs capacity-markdown.ts writes: headings, bullets, quotes, tables, **bold** and `code`. */
export function markdownToHtml(md: string): string {
  const inline = (s: string): string =>
    escapeMarkup(s)
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/`([^`]+)`/g, '<code>$1</code>');
  const lines = md.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const h = /^(#{1,3}) (.*)$/.exec(line);
    if (h) {
      out.push(`<h${h[1]!.length}>${inline(h[2]!)}</h${h[1]!.length}>`);
      i++;
    } else if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) {
        rows.push(lines[i]!.slice(1, -1).split(' | ').map((c) => c.trim()));
        i++;
      }
      const [head, , ...rest] = rows;
      out.push(`<table><thead><tr>${(head ?? []).map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${rest.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    } else if (/^ *- /.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^ *- /.test(lines[i]!)) {
        items.push(`<li>${inline(lines[i]!.replace(/^ *- /, ''))}</li>`);
        i++;
      }
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (line.startsWith('> ')) {
      out.push(`<blockquote>${inline(line.slice(2))}</blockquote>`);
      i++;
    } else {
      if (line.trim() !== '') out.push(`<p>${inline(line)}</p>`);
      i++;
    }
  }
  return out.join('\n');
}
