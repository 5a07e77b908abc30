/**
 * The cost models of one sweep: for each component and resource, y = a + b·N fitted over the
 * steps (cloudcore's RSS with a separate c·nodeLimit term when the sweep varied nodeLimit), each
 * validated by fitting without the largest step and predicting it. Only steps whose fleet got
 * all Ready are fitted: past the knee, N is not the number of nodes the control plane served.
 */
import { FitUnavailable, fitLinear, predict, type LinearFit } from './linear-fit.js';
import type { StepMeasurement } from './step-measurement.js';

export type Unit = 'cores' | 'bytes' | 'count' | 'per-second';

export interface ResourceSpec {
  component: string;
  resource: string;
  unit: Unit;
  label: string;
  value: (s: StepMeasurement) => number | null;
  /** cloudcore's RSS and goroutines: nodeLimit sizes memory and worker pools it allocates before any node connects. */
  nodeLimitTerm?: boolean;
}

const cp = (component: 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'cloudcore'): ResourceSpec[] => [
  { component, resource: 'cpu-mean', unit: 'cores', label: `${component} CPU (mean)`, value: (s) => s.components[component]?.cpuCoresMean ?? null },
  { component, resource: 'cpu-p95', unit: 'cores', label: `${component} CPU (p95)`, value: (s) => s.components[component]?.cpuCoresP95 ?? null },
  { component, resource: 'rss', unit: 'bytes', label: `${component} RSS`, value: (s) => s.components[component]?.rssBytes ?? null, ...(component === 'cloudcore' ? { nodeLimitTerm: true } : {}) },
];

export const RESOURCES: readonly ResourceSpec[] = [
  ...cp('etcd'),
  ...cp('kube-apiserver'),
  ...cp('kube-controller-manager'),
  ...cp('cloudcore'),
  { component: 'cloudcore', resource: 'open-files', unit: 'count', label: 'cloudcore open files', value: (s) => s.components.cloudcore?.openFiles ?? null },
  // cloudcore sizes its EdgeController worker pools by nodeLimit: goroutines grow with it before any node connects.
  { component: 'cloudcore', resource: 'goroutines', unit: 'count', label: 'cloudcore goroutines', value: (s) => s.components.cloudcore?.goroutines ?? null, nodeLimitTerm: true },
  { component: 'etcd', resource: 'db-size', unit: 'bytes', label: 'etcd database size', value: (s) => s.etcd.dbSizeBytes },
  { component: 'kube-apiserver', resource: 'request-rate', unit: 'per-second', label: 'kube-apiserver requests', value: (s) => s.apiserver.requestsPerS },
  { component: 'harness', resource: 'cpu-mean', unit: 'cores', label: 'twinlab harness CPU (mean)', value: (s) => s.harness.cpuCoresMean },
  { component: 'harness', resource: 'rss', unit: 'bytes', label: 'twinlab harness RSS', value: (s) => s.harness.rssBytes },
];

export interface ModelPoint {
  nodes: number;
  nodeLimit: number | null;
  value: number;
}

export interface Holdout {
  /** Node counts the hold-out fit saw. */
  trainedOn: number[];
  nodes: number;
  measured: number;
  predicted: number;
  /** (predicted − measured) / measured, %; null when measured is 0. */
  errorPct: number | null;
  /** The hold-out fit's 95 % prediction interval at the held-out step. */
  interval: [number, number] | null;
  /** The measured value lies in that interval. */
  within: boolean | null;
}

export interface CostModel {
  arm: string;
  component: string;
  resource: string;
  unit: Unit;
  label: string;
  /** e.g. "a + b·N + c·nodeLimit". */
  formula: string;
  points: ModelPoint[];
  /** Steps left out of the fit: their fleet never got all Ready, so N is not what the control plane served. */
  excluded: ModelPoint[];
  fit: LinearFit | null;
  /** Why there is no fit (too few points, collinear terms). */
  unavailable: string | null;
  holdout: Holdout | null;
  /** Why there is no hold-out check. */
  holdoutUnavailable: string | null;
}

export function fitModels(steps: readonly StepMeasurement[], arm: string, specs: readonly ResourceSpec[] = RESOURCES): CostModel[] {
  const mine = steps.filter((s) => s.arm === arm);
  return specs.map((spec) => fitModel(mine, arm, spec)).filter((m) => m.points.length + m.excluded.length > 0);
}

export function fitModel(steps: readonly StepMeasurement[], arm: string, spec: ResourceSpec): CostModel {
  const limits = new Set(steps.map((s) => s.nodeLimit));
  const withLimit = spec.nodeLimitTerm === true && limits.size > 1 && !limits.has(null);
  // Steps that only move nodeLimit stay out of models without a nodeLimit term.
  const relevant = steps.filter((s) => withLimit || !s.separatesNodeLimit);
  const pointsOf = (ss: readonly StepMeasurement[]): ModelPoint[] =>
    ss.flatMap((s): ModelPoint[] => {
      const v = spec.value(s);
      return v === null ? [] : [{ nodes: s.nodes, nodeLimit: s.nodeLimit, value: v }];
    });
  // A step past the knee whose fleet never got all Ready measured fewer nodes than it asked for.
  const points = pointsOf(relevant.filter((s) => s.reachedSteady));
  const excluded = pointsOf(relevant.filter((s) => !s.reachedSteady));
  const variables = withLimit ? ['nodes', 'nodeLimit'] : ['nodes'];
  const base = { arm, component: spec.component, resource: spec.resource, unit: spec.unit, label: spec.label, formula: withLimit ? 'a + b·N + c·nodeLimit' : 'a + b·N', points, excluded };
  const rowsOf = (ps: readonly ModelPoint[]): number[][] => ps.map((p) => (withLimit ? [p.nodes, p.nodeLimit!] : [p.nodes]));
  let fit: LinearFit | null = null;
  let unavailable: string | null = null;
  try {
    fit = fitLinear(variables, rowsOf(points), points.map((p) => p.value));
  } catch (e) {
    if (!(e instanceof FitUnavailable)) throw e;
    unavailable = e.message;
  }
  const { holdout, reason } = holdOut(points, variables, rowsOf, withLimit);
  return { ...base, fit, unavailable, holdout, holdoutUnavailable: reason };
}

/** Fit without the largest step, predict it. */
function holdOut(points: readonly ModelPoint[], variables: string[], rowsOf: (ps: readonly ModelPoint[]) => number[][], withLimit: boolean): { holdout: Holdout | null; reason: string | null } {
  if (points.length === 0) return { holdout: null, reason: 'no points' };
  const largest = Math.max(...points.map((p) => p.nodes));
  const heldIndex = points.findIndex((p) => p.nodes === largest);
  const held = points[heldIndex]!;
  const train = points.filter((_, i) => i !== heldIndex);
  if (new Set(train.map((p) => p.nodes)).size < 2) return { holdout: null, reason: `the steps below ${largest} nodes have fewer than two distinct node counts` };
  try {
    const fit = fitLinear(variables, rowsOf(train), train.map((p) => p.value));
    const x = withLimit ? [held.nodes, held.nodeLimit!] : [held.nodes];
    const pr = predict(fit, x);
    return {
      holdout: {
        trainedOn: train.map((p) => p.nodes),
        nodes: held.nodes,
        measured: held.value,
        predicted: pr.estimate,
        errorPct: held.value !== 0 ? ((pr.estimate - held.value) / Math.abs(held.value)) * 100 : null,
        interval: pr.prediction,
        within: pr.prediction ? pr.prediction[0] <= held.value && held.value <= pr.prediction[1] : null,
      },
      reason: null,
    };
  } catch (e) {
    if (!(e instanceof FitUnavailable)) throw e;
    return { holdout: null, reason: e.message };
  }
}

/** The model's value at N nodes (and nodeLimit, for a model with that term), with its 95 % intervals. */
export function predictAt(model: CostModel, nodes: number, nodeLimit: number): ReturnType<typeof predict> | null {
  if (!model.fit) return null;
  return predict(model.fit, model.fit.variables.length === 2 ? [nodes, nodeLimit] : [nodes]);
}
