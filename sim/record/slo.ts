/**
 * SLO assertions in k6's threshold syntax over twinlab's SLIs: `pod_startup_ms: p(99)<=5000`.
 * An SLI is a named set of samples (percentiles) or a single value taken from the run summary;
 * a threshold is `<aggregation> <operator> <number>` with k6's aggregations
 * (`p(N)`, `avg`, `min`, `med`, `max`, `count`, `rate`, `value`). The SLI and SLO types are the
 * model's (sim/model/slo.ts); this is how a run's SLOs are chosen, parsed and judged.
 */
import { ConfigInvalidError } from '../errors.js';
import { quantile } from '../model/bucket-histogram.js';
import type { MissingReasons, RunShape, Sli, SloResult, SloSpec } from '../model/slo.js';

export type { MissingReasons, RunShape, Sli, SloResult, SloSpec };

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

/** `pod_startup_ms: p(99)<=5000` → spec; `--optional-slo` gives the same text with `optional` set. */
export function parseSloFlag(text: string, flag: '--slo' | '--optional-slo' = '--slo'): SloSpec {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new ConfigInvalidError(`${flag} ${JSON.stringify(text)} must be "<sli>: <threshold>", e.g. "pod_startup_ms: p(99)<=5000"`, { option: flag });
  const spec: SloSpec = { sli: text.slice(0, colon).trim(), threshold: text.slice(colon + 1).trim() };
  parseThreshold(spec.threshold, `${flag} ${spec.sli}`);
  return flag === '--optional-slo' ? { ...spec, optional: true } : spec;
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

/**
 * Evaluate every SLO; an unknown SLI name is invalid input, named with the list of known ones.
 * An SLI without data fails its SLO (reason `no data`, or the run's own reason for it) unless
 * the SLO is marked optional: a run that measured nothing has not shown anything.
 */
export function evaluateSlos(specs: readonly SloSpec[], slis: Readonly<Record<string, Sli>>, missing: MissingReasons = {}): SloResult[] {
  return specs.map((spec) => {
    const sli = slis[spec.sli];
    if (!sli) {
      throw new ConfigInvalidError(`SLO on unknown SLI ${JSON.stringify(spec.sli)}; known: ${Object.keys(slis).sort().join(', ')}`, { sli: spec.sli });
    }
    const t = parseThreshold(spec.threshold, `SLO ${spec.sli}`);
    const raw = aggregate(sli, t);
    const value = raw === null ? null : Math.round(raw * 1000) / 1000;
    const optional = spec.optional === true;
    return {
      name: `${spec.sli} ${spec.threshold}`,
      sli: spec.sli,
      threshold: spec.threshold,
      value,
      pass: value === null ? optional : holds(value, t.operator, t.bound),
      reason: value === null ? (missing[spec.sli] ?? 'no data') : null,
      ...(optional ? { optional } : {}),
      ...(spec.origin ? { origin: spec.origin } : {}),
    };
  });
}

/** KubeEdge's own SLOs (100k-node scalability test): pod startup p99 ≤ 5 s, mutating API calls p99 ≤ 1 s. */
export const KUBEEDGE_DEFAULT_SLOS: readonly SloSpec[] = [
  { sli: 'pod_startup_ms', threshold: 'p(99)<=5000' },
  { sli: 'api_mutating_ms', threshold: 'p(99)<=1000' },
];

/** What every run is held to, whatever its flags: the fleet it was asked for did its job. */
export const RUN_DEFAULT_SLOS: readonly SloSpec[] = [
  { sli: 'nodes_ready_ratio', threshold: 'value==1', origin: 'default' },
  { sli: 'nodes_not_ready', threshold: 'value==0', origin: 'default' },
  { sli: 'messages_unanswered', threshold: 'value==0', origin: 'default' },
  { sli: 'messages_malformed', threshold: 'value==0', origin: 'default' },
];

/**
 * The SLOs a run is judged by: the run defaults first, then KubeEdge's pod and API SLOs when the
 * run creates pods, then the given ones. A given SLO on a default's SLI replaces that default
 * (a scenario that partitions links may allow some unanswered requests, and says how many).
 */
export function runSlos(given: readonly SloSpec[], shape: RunShape): SloSpec[] {
  const named = new Set(given.map((s) => s.sli));
  // Requests in flight when a scenario breaks a link are lost by design (edgecore re-sends them
  // after its 60 s timeout); what counts is a request lost while nothing was broken.
  const defaults: SloSpec[] = RUN_DEFAULT_SLOS.map((d) =>
    d.sli === 'messages_unanswered' && shape.disruptions ? { ...d, sli: 'messages_unanswered_outside_faults' } : d,
  );
  // KubeEdge's pod and API SLOs hold for a healthy fleet; a pod created for a node that a scenario
  // has cut off starts when the node is back, by design, so a disruptive scenario states its own.
  if (shape.pods && !shape.disruptions) defaults.push({ ...KUBEEDGE_DEFAULT_SLOS[0]!, origin: 'default' });
  if (shape.pods && shape.apiWorkload && !shape.disruptions) defaults.push({ ...KUBEEDGE_DEFAULT_SLOS[1]!, origin: 'default' });
  return [...defaults.filter((d) => !named.has(d.sli)), ...given];
}
