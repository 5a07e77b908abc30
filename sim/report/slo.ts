/**
 * SLO assertions in k6's threshold syntax over twinlab's SLIs: `pod_startup_ms: p(99)<=5000`.
 * An SLI is a named set of samples (percentiles) or a single value taken from the run summary;
 * a threshold is `<aggregation> <operator> <number>` with k6's aggregations
 * (`p(N)`, `avg`, `min`, `med`, `max`, `count`, `rate`, `value`).
 */
import { ConfigInvalidError } from '../errors.js';
import { quantile, type HistogramSnapshot } from '../metrics/bucket-histogram.js';

export interface SliSamples {
  kind: 'samples';
  values: readonly number[];
}

export interface SliValue {
  kind: 'value';
  value: number | null;
}

/** A fixed-bucket histogram (large sample counts); percentiles interpolate inside the bucket, capped at the largest value seen. */
export interface SliHistogram {
  kind: 'histogram';
  snapshot: HistogramSnapshot;
  max: number;
}

export type Sli = SliSamples | SliValue | SliHistogram;

export interface SloSpec {
  sli: string;
  /** k6 threshold text, e.g. `p(99)<=5000`. */
  threshold: string;
}

export interface SloResult {
  name: string;
  sli: string;
  threshold: string;
  value: number | null;
  /** False only when the SLI has data and breaches the threshold. */
  pass: boolean;
}

const THRESHOLD = /^\s*(p\((\d+(?:\.\d+)?)\)|avg|min|med|max|count|rate|value)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

interface ParsedThreshold {
  aggregation: string;
  percentile: number | undefined;
  operator: string;
  bound: number;
}

export function parseThreshold(text: string, where: string): ParsedThreshold {
  const m = THRESHOLD.exec(text);
  if (!m) {
    throw new ConfigInvalidError(`${where}: threshold ${JSON.stringify(text)} is not k6 syntax (e.g. p(99)<=5000, max<1000, value==0)`, { threshold: text });
  }
  const percentile = m[2] === undefined ? undefined : Number(m[2]);
  if (percentile !== undefined && (percentile <= 0 || percentile > 100)) {
    throw new ConfigInvalidError(`${where}: percentile p(${m[2]}) must be in (0, 100]`, { threshold: text });
  }
  return { aggregation: m[2] === undefined ? m[1]! : 'p', percentile, operator: m[3]!, bound: Number(m[4]) };
}

/** `pod_startup_ms: p(99)<=5000` → spec. */
export function parseSloFlag(text: string): SloSpec {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new ConfigInvalidError(`--slo ${JSON.stringify(text)} must be "<sli>: <threshold>", e.g. "pod_startup_ms: p(99)<=5000"`, { option: '--slo' });
  const spec = { sli: text.slice(0, colon).trim(), threshold: text.slice(colon + 1).trim() };
  parseThreshold(spec.threshold, `--slo ${spec.sli}`);
  return spec;
}

/** Nearest-rank percentile, as clusterloader2 and k6 report them. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

function aggregate(sli: Sli, t: ParsedThreshold): number | null {
  if (sli.kind === 'value') return t.aggregation === 'value' ? sli.value : null;
  if (sli.kind === 'histogram') {
    const h = sli.snapshot;
    if (t.aggregation === 'count') return h.count;
    if (h.count === 0) return null;
    switch (t.aggregation) {
      case 'p':
        return Math.min(sli.max, quantile(h, t.percentile! / 100));
      case 'med':
        return Math.min(sli.max, quantile(h, 0.5));
      case 'avg':
        return h.sum / h.count;
      case 'max':
        return sli.max;
      default:
        return null;
    }
  }
  const v = sli.values;
  if (t.aggregation === 'count') return v.length;
  if (v.length === 0) return null;
  const sorted = [...v].sort((a, b) => a - b);
  switch (t.aggregation) {
    case 'p':
      return percentile(sorted, t.percentile!);
    case 'med':
      return percentile(sorted, 50);
    case 'avg':
      return sorted.reduce((a, b) => a + b, 0) / sorted.length;
    case 'min':
      return sorted[0]!;
    case 'max':
      return sorted[sorted.length - 1]!;
    case 'rate':
      return sorted.filter((x) => x !== 0).length / sorted.length;
    default:
      return null;
  }
}

function holds(value: number, operator: string, bound: number): boolean {
  switch (operator) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '==':
      return value === bound;
    default:
      return value !== bound;
  }
}

/** Evaluate every SLO; an unknown SLI name is invalid input, named with the list of known ones. */
export function evaluateSlos(specs: readonly SloSpec[], slis: Readonly<Record<string, Sli>>): SloResult[] {
  return specs.map((spec) => {
    const sli = slis[spec.sli];
    if (!sli) {
      throw new ConfigInvalidError(`SLO on unknown SLI ${JSON.stringify(spec.sli)}; known: ${Object.keys(slis).sort().join(', ')}`, { sli: spec.sli });
    }
    const t = parseThreshold(spec.threshold, `SLO ${spec.sli}`);
    const raw = aggregate(sli, t);
    const value = raw === null ? null : Math.round(raw * 1000) / 1000;
    return { name: `${spec.sli} ${spec.threshold}`, sli: spec.sli, threshold: spec.threshold, value, pass: value === null || holds(value, t.operator, t.bound) };
  });
}

/** KubeEdge's own SLOs (100k-node scalability test): pod startup p99 ≤ 5 s, mutating API calls p99 ≤ 1 s. */
export const KUBEEDGE_DEFAULT_SLOS: readonly SloSpec[] = [
  { sli: 'pod_startup_ms', threshold: 'p(99)<=5000' },
  { sli: 'api_mutating_ms', threshold: 'p(99)<=1000' },
];
