/**
 * An inline SVG for one cost model: measured points, the fitted line with its 95 % prediction
 * band, the knee and the target (with its interval), one colour per sweep. The x axis (nodes) is
 * logarithmic so doubling steps and a target far beyond them share one chart. Hand-written like
 * the run report's charts (svg-chart.ts), so capacity.html needs no library and no network.
 */
import { escapeMarkup } from '../report/markup-escape.js';
import { niceStep } from '../report/svg-chart.js';

export interface CurvePoint {
  x: number;
  y: number;
  low: number | null;
  high: number | null;
}

export interface FitChartArm {
  name: string;
  color: string;
  points: ReadonlyArray<{ x: number; y: number; note?: string }>;
  /** Measured but not fitted (drawn hollow). */
  excluded?: ReadonlyArray<{ x: number; y: number; note: string }>;
  /** The fit sampled along x; empty without a fit. */
  curve: readonly CurvePoint[];
  knee: number | null;
  target: CurvePoint | null;
}

export interface FitChart {
  label: string;
  unit: string;
  arms: readonly FitChartArm[];
  format: (v: number) => string;
}

const WIDTH = 960;
const HEIGHT = 300;
const PAD = { left: 76, right: 24, top: 30, bottom: 46 };
const TEXT = '#374151';
const GRID = '#e5e7eb';
const AXIS = '#9ca3af';

function c(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${c(x)}" y="${c(y)}" fill="${TEXT}"${attrs ? ` ${attrs}` : ''}>${escapeMarkup(body)}</text>`;
}

export function fitChartSvg(chart: FitChart): string {
  const xs = chart.arms.flatMap((a) => [...a.points.map((p) => p.x), ...(a.excluded ?? []).map((p) => p.x), ...a.curve.map((p) => p.x), ...(a.target ? [a.target.x] : [])]).filter((x) => x > 0);
  const ys = chart.arms.flatMap((a) => [
    ...a.points.map((p) => p.y),
    ...(a.excluded ?? []).map((p) => p.y),
    ...a.curve.flatMap((p) => [p.y, p.high ?? p.y]),
    ...(a.target ? [a.target.high ?? a.target.y] : []),
  ]);
  const lx0 = Math.floor(Math.log10(Math.max(1, Math.min(...xs))));
  const lx1 = Math.max(lx0 + 1, Math.ceil(Math.log10(Math.max(...xs, 10))));
  const finite = ys.filter((y) => Number.isFinite(y));
  const yMaxRaw = Math.max(0, ...finite);
  const yMinPos = Math.min(...finite.filter((y) => y > 0), yMaxRaw);
  // A target far beyond the steps spans decades: a log y axis keeps the measured points readable beside it.
  const logY = yMinPos > 0 && yMaxRaw / yMinPos > 20;
  const ly0 = logY ? Math.floor(Math.log10(yMinPos)) : 0;
  const ly1 = logY ? Math.max(ly0 + 1, Math.ceil(Math.log10(yMaxRaw))) : 0;
  const yStep = niceStep(yMaxRaw > 0 ? yMaxRaw : 1, 4);
  const yMax = Math.max(yStep, Math.ceil(yMaxRaw / yStep) * yStep);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const toX = (x: number): number => PAD.left + ((Math.log10(Math.max(x, 10 ** lx0)) - lx0) / (lx1 - lx0)) * plotW;
  const toY = logY
    ? (y: number): number => PAD.top + plotH - ((Math.log10(Math.min(Math.max(y, 10 ** ly0), 10 ** ly1)) - ly0) / (ly1 - ly0)) * plotH
    : (y: number): number => PAD.top + plotH - (Math.min(Math.max(y, 0), yMax) / yMax) * plotH;
  const yTicks = logY ? Array.from({ length: ly1 - ly0 + 1 }, (_, i) => 10 ** (ly0 + i)) : Array.from({ length: Math.round(yMax / yStep) + 1 }, (_, i) => i * yStep);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart fit" role="img" aria-label="${escapeMarkup(chart.label)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
  ];
  for (const v of yTicks) {
    out.push(`<line class="grid" x1="${PAD.left}" y1="${c(toY(v))}" x2="${WIDTH - PAD.right}" y2="${c(toY(v))}" stroke="${GRID}"/>`);
    out.push(text(PAD.left - 6, toY(v) + 4, chart.format(v), 'text-anchor="end"'));
  }
  for (let e = lx0; e <= lx1; e++) {
    const x = toX(10 ** e);
    out.push(`<line class="grid" x1="${c(x)}" y1="${PAD.top}" x2="${c(x)}" y2="${PAD.top + plotH}" stroke="${GRID}"/>`);
    out.push(text(x, PAD.top + plotH + 16, (10 ** e).toLocaleString('en-US'), 'text-anchor="middle"'));
  }
  out.push(`<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}" stroke="${AXIS}"/>`);
  out.push(text(PAD.left + plotW / 2, HEIGHT - 8, 'nodes (log scale)', 'text-anchor="middle"'));
  out.push(text(8, PAD.top - 12, `${chart.unit}${logY ? ' (log scale)' : ''}`));
  chart.arms.forEach((arm, i) => {
    const banded = arm.curve.filter((p) => p.low !== null && p.high !== null);
    if (banded.length > 1) {
      const upper = banded.map((p) => `${c(toX(p.x))} ${c(toY(p.high!))}`);
      const lower = [...banded].reverse().map((p) => `${c(toX(p.x))} ${c(toY(p.low!))}`);
      out.push(`<path class="interval series-${arm.name}" d="M${upper.join(' L')} L${lower.join(' L')} Z" fill="${arm.color}" fill-opacity="0.13" stroke="none"><title>${escapeMarkup(`${arm.name}: 95 % prediction interval`)}</title></path>`);
    }
    if (arm.curve.length > 1) {
      out.push(`<path class="fit series-${arm.name}" d="M${arm.curve.map((p) => `${c(toX(p.x))} ${c(toY(p.y))}`).join(' L')}" fill="none" stroke="${arm.color}" stroke-width="2"/>`);
    }
    for (const p of arm.points) {
      out.push(`<circle class="point series-${arm.name}" cx="${c(toX(p.x))}" cy="${c(toY(p.y))}" r="4" fill="${arm.color}"><title>${escapeMarkup(`${arm.name}: ${p.x} nodes → ${chart.format(p.y)}${p.note ? ` (${p.note})` : ''}`)}</title></circle>`);
    }
    for (const p of arm.excluded ?? []) {
      out.push(`<circle class="excluded series-${arm.name}" cx="${c(toX(p.x))}" cy="${c(toY(p.y))}" r="4" fill="#ffffff" stroke="${arm.color}" stroke-width="2"><title>${escapeMarkup(`${arm.name}: ${p.x} nodes → ${chart.format(p.y)} (${p.note})`)}</title></circle>`);
    }
    if (arm.knee !== null) {
      const x = toX(arm.knee);
      out.push(`<line class="knee series-${arm.name}" x1="${c(x)}" y1="${PAD.top}" x2="${c(x)}" y2="${PAD.top + plotH}" stroke="${arm.color}" stroke-dasharray="6 4"/>`);
      out.push(text(x + 4, PAD.top + 12 + 14 * i, `knee (${arm.name}): ${arm.knee}`));
    }
    if (arm.target) {
      const t = arm.target;
      const x = toX(t.x);
      if (t.low !== null && t.high !== null) out.push(`<line class="target-interval series-${arm.name}" x1="${c(x)}" y1="${c(toY(t.low))}" x2="${c(x)}" y2="${c(toY(t.high))}" stroke="${arm.color}" stroke-width="3"/>`);
      out.push(`<rect class="target series-${arm.name}" x="${c(x - 5)}" y="${c(toY(t.y) - 5)}" width="10" height="10" fill="${arm.color}"><title>${escapeMarkup(`${arm.name}: ${t.x} nodes → ${chart.format(t.y)}${t.low !== null && t.high !== null ? ` (${chart.format(t.low)} – ${chart.format(t.high)})` : ''}`)}</title></rect>`);
    }
  });
  const legendY = HEIGHT - 8;
  chart.arms.forEach((arm, i) => {
    const x = WIDTH - PAD.right - 150 * (chart.arms.length - i);
    out.push(`<rect x="${x}" y="${legendY - 9}" width="10" height="10" fill="${arm.color}"/>`);
    out.push(text(x + 14, legendY, arm.name));
  });
  out.push('</svg>');
  return out.join('');
}
