/**
 * Inline SVG charts for the HTML report, written by hand so the report needs no library and no
 * network: a time chart (lines over seconds since start, with fault bands and phase boundaries)
 * and a bucket histogram. Colours are presentation attributes, so a chart renders even without
 * the report's stylesheet.
 */
import { escapeMarkup } from './markup-escape.js';

export interface LineSeries {
  name: string;
  /** CSS class suffix: `series-<key>`. */
  key: string;
  color: string;
  /** One value per x; null leaves a gap. */
  values: ReadonlyArray<number | null>;
}

/** A shaded interval, e.g. a link fault; `endS` null runs to the end of the chart. */
export interface TimeBand {
  label: string;
  /** Hover text. */
  detail: string;
  startS: number;
  endS: number | null;
}

/** A vertical line, e.g. a phase starting. */
export interface TimeMarker {
  label: string;
  atS: number;
}

export interface TimeChart {
  /** The SVG's aria-label. */
  label: string;
  xs: readonly number[];
  series: readonly LineSeries[];
  bands?: readonly TimeBand[];
  /** What the shaded bands are, in the legend; default `link fault`. */
  bandLegend?: string;
  markers?: readonly TimeMarker[];
  yUnit: string;
  /** Right end of the x axis when the run lasted longer than its last sample (seconds). */
  xEnd?: number;
}

export interface HistogramChart {
  label: string;
  unit: string;
  /** Upper bounds, ascending. */
  bounds: readonly number[];
  /** Per bucket; one more than `bounds` means a last bucket above the largest bound. */
  counts: readonly number[];
}

const WIDTH = 960;
const PAD = { left: 64, right: 20, top: 36, bottom: 58 };
const FAULT_COLOR = '#dc2626';
const PHASE_COLOR = '#6b7280';
const AXIS_COLOR = '#9ca3af';
const GRID_COLOR = '#e5e7eb';
const TEXT_COLOR = '#374151';

/** Coordinates with one decimal: enough for a screen, short and stable in snapshots. */
function c(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Tick step of 1, 2 or 5 × 10^k so that about `target` ticks cover `span`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

function tickLabel(v: number): string {
  return Math.abs(v) >= 10_000 ? `${Math.round(v / 1000).toLocaleString('en-US')}k` : v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

function svgOpen(label: string, height: number, kind: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${kind}" role="img" aria-label="${escapeMarkup(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`;
}

function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${c(x)}" y="${c(y)}" fill="${TEXT_COLOR}"${attrs ? ` ${attrs}` : ''}>${escapeMarkup(body)}</text>`;
}

interface YAxis {
  max: number;
  step: number;
}

function yAxis(maxValue: number): YAxis {
  const step = niceStep(maxValue > 0 ? maxValue : 1, 4);
  return { step, max: Math.max(step, Math.ceil(maxValue / step) * step) };
}

function yGrid(axis: YAxis, toY: (v: number) => number, x0: number, x1: number, unit: string): string[] {
  const out: string[] = [];
  for (let v = 0; v <= axis.max + axis.step / 2; v += axis.step) {
    const y = toY(v);
    out.push(`<line class="grid" x1="${c(x0)}" y1="${c(y)}" x2="${c(x1)}" y2="${c(y)}" stroke="${GRID_COLOR}"/>`);
    out.push(text(x0 - 6, y + 4, tickLabel(v), 'text-anchor="end"'));
  }
  out.push(text(12, PAD.top - 10, unit));
  return out;
}

/** Lines over time with fault bands and phase boundaries behind them. */
export function timeChartSvg(chart: TimeChart): string {
  const height = 320;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const bands = chart.bands ?? [];
  const markers = chart.markers ?? [];
  const xMin = Math.min(0, minOf(chart.xs));
  const xMax = Math.max(xMin + 1, chart.xEnd ?? -Infinity, maxOf(chart.xs), maxOf(markers.map((m) => m.atS)), maxOf(bands.map((b) => b.endS ?? b.startS)));
  const axis = yAxis(Math.max(0, ...chart.series.map((s) => maxOf(s.values))));
  const toX = (s: number): number => PAD.left + ((s - xMin) / (xMax - xMin)) * plotW;
  const toY = (v: number): number => PAD.top + plotH - (v / axis.max) * plotH;
  const bottom = PAD.top + plotH;
  const out = [svgOpen(chart.label, height, 'time-chart')];

  out.push(...yGrid(axis, toY, PAD.left, PAD.left + plotW, chart.yUnit));
  const xStep = niceStep(xMax - xMin, 8);
  for (let s = Math.ceil(xMin / xStep) * xStep; s <= xMax + 1e-9; s += xStep) {
    out.push(`<line class="tick" x1="${c(toX(s))}" y1="${c(bottom)}" x2="${c(toX(s))}" y2="${c(bottom + 4)}" stroke="${AXIS_COLOR}"/>`);
    out.push(text(toX(s), bottom + 16, `${tickLabel(s)} s`, 'text-anchor="middle"'));
  }
  out.push(`<line class="axis" x1="${PAD.left}" y1="${c(bottom)}" x2="${c(PAD.left + plotW)}" y2="${c(bottom)}" stroke="${AXIS_COLOR}"/>`);

  if (bands.length > 0) {
    out.push('<g class="faults">');
    bands.forEach((b, i) => {
      const x0 = toX(b.startS);
      const x1 = toX(b.endS ?? xMax);
      out.push(
        `<rect class="fault" x="${c(x0)}" y="${PAD.top}" width="${c(Math.max(1, x1 - x0))}" height="${c(plotH)}" fill="${FAULT_COLOR}" fill-opacity="0.12" stroke="${FAULT_COLOR}" stroke-opacity="0.35"><title>${escapeMarkup(b.detail)}</title></rect>`,
        faultLabel(b.label, x0, PAD.top + 14 + (i % 3) * 13, PAD.left + plotW),
      );
    });
    out.push('</g>');
  }
  if (markers.length > 0) {
    out.push('<g class="phases">');
    for (const m of markers) {
      const x = toX(m.atS);
      out.push(
        `<line class="phase" x1="${c(x)}" y1="${PAD.top - 4}" x2="${c(x)}" y2="${c(bottom)}" stroke="${PHASE_COLOR}" stroke-dasharray="4 3"/>`,
        text(x + 3, PAD.top - 8, m.label, 'class="phase-label" font-weight="600"'),
      );
    }
    out.push('</g>');
  }

  for (const s of chart.series) {
    const d = linePath(chart.xs, s.values, toX, toY);
    if (d) out.push(`<path class="series series-${escapeMarkup(s.key)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"><title>${escapeMarkup(s.name)}</title></path>`);
  }

  // Legend under the axis: series, then what the shading and dashed lines mean.
  let lx = PAD.left;
  const ly = height - 14;
  for (const s of chart.series) {
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`, text(lx + 24, ly, s.name));
    lx += 24 + s.name.length * 7 + 24;
  }
  if (bands.length > 0) {
    const legend = chart.bandLegend ?? 'link fault';
    out.push(`<rect x="${lx}" y="${ly - 10}" width="18" height="10" fill="${FAULT_COLOR}" fill-opacity="0.12" stroke="${FAULT_COLOR}" stroke-opacity="0.35"/>`, text(lx + 24, ly, legend));
    lx += 24 + (chart.bandLegend === undefined ? 9 : legend.length) * 7 + 24;
  }
  if (markers.length > 0) {
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${PHASE_COLOR}" stroke-dasharray="4 3"/>`, text(lx + 24, ly, 'phase start'));
  }
  out.push('</svg>');
  return out.join('\n');
}

/** A band's label inside it from the left, or right-aligned to the plot's edge where it would run off. */
function faultLabel(label: string, x0: number, y: number, right: number): string {
  const halo = 'stroke="#ffffff" stroke-width="3" stroke-opacity="0.8" paint-order="stroke"';
  const fits = x0 + 3 + label.length * 6.5 <= right;
  return text(fits ? x0 + 3 : right - 3, y, label, `class="fault-label" font-size="11" ${halo}${fits ? '' : ' text-anchor="end"'}`);
}

/** Largest number in a list (nulls skipped); -Infinity for none. A loop: a day of seconds is too many arguments for Math.max. */
function maxOf(values: ReadonlyArray<number | null>): number {
  let m = -Infinity;
  for (const v of values) if (v !== null && v > m) m = v;
  return m;
}

function minOf(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m) m = v;
  return m;
}

/** Points a line keeps at most; longer series keep each bucket's minimum and maximum so dips stay visible. */
const MAX_POINTS = 1800;

export function decimate(xs: readonly number[], values: ReadonlyArray<number | null>): { xs: number[]; values: Array<number | null> } {
  const n = Math.min(xs.length, values.length);
  if (n <= MAX_POINTS) return { xs: xs.slice(0, n), values: values.slice(0, n) };
  const size = Math.ceil(n / (MAX_POINTS / 2));
  const outX: number[] = [];
  const outV: Array<number | null> = [];
  for (let start = 0; start < n; start += size) {
    let lo = -1;
    let hi = -1;
    for (let i = start; i < Math.min(n, start + size); i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (lo < 0 || v < values[lo]!) lo = i;
      if (hi < 0 || v > values[hi]!) hi = i;
    }
    if (lo < 0) {
      outX.push(xs[start]!);
      outV.push(null);
      continue;
    }
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      outX.push(xs[i]!);
      outV.push(values[i]!);
    }
  }
  return { xs: outX, values: outV };
}

/** `M x y L x y …` per run of non-null values; a lone point gets a dot-length stroke. */
function linePath(allXs: readonly number[], allValues: ReadonlyArray<number | null>, toX: (s: number) => number, toY: (v: number) => number): string {
  const { xs, values } = decimate(allXs, allValues);
  const parts: string[] = [];
  let run = 0;
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      if (run === 1) parts.push('h0.1');
      run = 0;
      continue;
    }
    parts.push(`${run === 0 ? 'M' : 'L'}${c(toX(xs[i]!))} ${c(toY(v))}`);
    run++;
  }
  if (run === 1) parts.push('h0.1');
  return parts.join(' ');
}

/**
 * `≤bound` per bucket; the bucket past the largest bound (one count more than bounds, or a last
 * bound that is not larger than the one before it — summary.json writes +Inf as -1) is `>largest`.
 */
function bucketLabel(bounds: readonly number[], i: number): string {
  const b = bounds[i];
  const prev = i > 0 ? bounds[i - 1]! : -Infinity;
  if (b !== undefined && Number.isFinite(b) && b > prev) return `≤${tickLabel(b)}`;
  return `>${tickLabel(i > 0 ? prev : 0)}`;
}

/** Buckets to draw: all up to the last non-empty one, plus one empty one after it for context. */
function shownBuckets(bounds: readonly number[], counts: readonly number[]): number {
  const n = Math.min(counts.length, bounds.length + 1);
  let last = -1;
  for (let i = 0; i < n; i++) if (counts[i]! > 0) last = i;
  return Math.min(n, last + 2);
}

/** One bar per bucket, equal widths (buckets are usually exponential), count above each bar; empty buckets past the last sample are left off. */
export function histogramSvg(chart: HistogramChart): string {
  const height = 280;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const n = shownBuckets(chart.bounds, chart.counts);
  const counts = chart.counts.slice(0, n);
  const axis = yAxis(Math.max(0, maxOf(counts)));
  const toY = (v: number): number => PAD.top + plotH - (v / axis.max) * plotH;
  const bottom = PAD.top + plotH;
  const slot = plotW / Math.max(1, n);
  const out = [svgOpen(chart.label, height, 'histogram')];
  out.push(...yGrid(axis, toY, PAD.left, PAD.left + plotW, 'samples'));
  out.push(`<line class="axis" x1="${PAD.left}" y1="${c(bottom)}" x2="${c(PAD.left + plotW)}" y2="${c(bottom)}" stroke="${AXIS_COLOR}"/>`);
  for (let i = 0; i < n; i++) {
    const v = counts[i]!;
    const x = PAD.left + i * slot + slot * 0.1;
    const y = toY(v);
    const label = bucketLabel(chart.bounds, i);
    out.push(
      `<rect class="bar" x="${c(x)}" y="${c(y)}" width="${c(slot * 0.8)}" height="${c(bottom - y)}" fill="#2563eb"><title>${escapeMarkup(`${label} ${chart.unit}: ${v.toLocaleString('en-US')}`)}</title></rect>`,
      text(x + slot * 0.4, bottom + 16, label, 'text-anchor="middle"'),
    );
    if (v > 0) out.push(text(x + slot * 0.4, y - 4, v.toLocaleString('en-US'), 'text-anchor="middle" font-size="11"'));
  }
  out.push(text(PAD.left + plotW / 2, height - 14, `upper bound of bucket (${chart.unit})`, 'text-anchor="middle"'));
  out.push('</svg>');
  return out.join('\n');
}
