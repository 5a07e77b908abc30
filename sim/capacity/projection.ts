/**
 * The sweep's models carried to a target fleet: cores and memory per control-plane component with
 * 95 % prediction intervals, cloudcore's open files against its limit, the totals, a flag when
 * the target lies far beyond what was measured, and, given a budget, whether the target fits it.
 */
import { predictAt, type CostModel } from './cost-model.js';
import { sweepNodeLimit } from './sweep-plan.js';
import { COMPONENTS, type StepMeasurement } from './step-measurement.js';

/** Beyond this multiple of the largest measured step a projection is flagged as a long extrapolation. */
export const EXTRAPOLATION_FLAG = 10;

export interface Estimate {
  estimate: number;
  /** 95 % prediction interval; null when the fit had no residual degrees of freedom. */
  low: number | null;
  high: number | null;
}

export interface ComponentProjection {
  component: string;
  /** From the p95 CPU model (the mean model where that is higher): the cores to provision. */
  cores: Estimate | null;
  /** From the mean CPU model. */
  coresMean: Estimate | null;
  memoryBytes: Estimate | null;
}

export interface Budget {
  cores?: number;
  memoryBytes?: number;
}

export interface BudgetVerdict {
  budget: Budget;
  /** True only when the upper ends of the intervals fit (the estimate alone when there is no interval). */
  fits: boolean;
  lines: string[];
}

export interface Projection {
  arm: string;
  target: number;
  /** The nodeLimit cloudcore would run with at the target (the sweep's rule: target + margin). */
  nodeLimit: number;
  largestStep: number;
  /** target / largest step. */
  factor: number;
  /** The target is more than EXTRAPOLATION_FLAG × the largest step. */
  farExtrapolation: boolean;
  components: ComponentProjection[];
  cloudcoreOpenFiles: Estimate | null;
  /** cloudcore's RLIMIT_NOFILE as measured; a target above it cannot hold a socket per node. */
  cloudcoreFdLimit: number | null;
  cloudcoreGoroutines: Estimate | null;
  etcdDbBytes: Estimate | null;
  /** Sums over the control-plane components: estimates, and the sum of the upper ends (conservative). */
  totals: { cores: { estimate: number; high: number | null }; memoryBytes: { estimate: number; high: number | null } };
  budget: BudgetVerdict | null;
}

/**
 * The p95 line, but never under the mean line: small steps' p95 carries their ramps' bursts, so
 * its slope can be the shallower one, and a target's p95 below its mean says only that.
 */
function notBelow(p95: Estimate | null, mean: Estimate | null): Estimate | null {
  if (!p95 || !mean || p95.estimate >= mean.estimate) return p95 ?? mean;
  return mean;
}

export function project(models: readonly CostModel[], steps: readonly StepMeasurement[], arm: string, target: number, budget: Budget | null): Projection {
  const mine = models.filter((m) => m.arm === arm);
  const armSteps = steps.filter((s) => s.arm === arm);
  const largestStep = Math.max(0, ...armSteps.filter((s) => s.reachedSteady).map((s) => s.nodes));
  const nodeLimit = sweepNodeLimit([target]);
  const at = (component: string, resource: string): Estimate | null => {
    const m = mine.find((x) => x.component === component && x.resource === resource);
    const p = m ? predictAt(m, target, nodeLimit) : null;
    // Costs are not negative: a band reaching below zero says only that the low end is unknown.
    return p ? { estimate: p.estimate, low: p.prediction ? Math.max(0, p.prediction[0]) : null, high: p.prediction?.[1] ?? null } : null;
  };
  const components = COMPONENTS.map((c) => ({ component: c, cores: notBelow(at(c, 'cpu-p95'), at(c, 'cpu-mean')), coresMean: at(c, 'cpu-mean'), memoryBytes: at(c, 'rss') })).filter(
    (c) => c.cores !== null || c.memoryBytes !== null,
  );
  const sum = (pick: (c: ComponentProjection) => Estimate | null): { estimate: number; high: number | null } => {
    const es = components.map(pick).filter((e): e is Estimate => e !== null);
    return { estimate: es.reduce((n, e) => n + Math.max(0, e.estimate), 0), high: es.every((e) => e.high !== null) ? es.reduce((n, e) => n + Math.max(0, e.high!), 0) : null };
  };
  const totals = { cores: sum((c) => c.cores), memoryBytes: sum((c) => c.memoryBytes) };
  const fdLimits = armSteps.map((s) => s.components.cloudcore?.fdLimit).filter((v): v is number => typeof v === 'number');
  const factor = largestStep > 0 ? target / largestStep : Infinity;
  return {
    arm,
    target,
    nodeLimit,
    largestStep,
    factor,
    farExtrapolation: factor > EXTRAPOLATION_FLAG,
    components,
    cloudcoreOpenFiles: at('cloudcore', 'open-files'),
    cloudcoreFdLimit: fdLimits.length > 0 ? Math.min(...fdLimits) : null,
    cloudcoreGoroutines: at('cloudcore', 'goroutines'),
    etcdDbBytes: at('etcd', 'db-size'),
    totals,
    budget: budget ? judgeBudget(totals, budget) : null,
  };
}

export function judgeBudget(totals: Projection['totals'], budget: Budget): BudgetVerdict {
  const lines: string[] = [];
  let fits = true;
  const check = (what: string, have: number | undefined, need: { estimate: number; high: number | null }, show: (v: number) => string): void => {
    if (have === undefined) return;
    const bound = need.high ?? need.estimate;
    const ok = bound <= have;
    fits &&= ok;
    const est = `${show(need.estimate)}${need.high !== null ? ` (up to ${show(need.high)} at the upper 95 % bounds)` : ' (no interval)'}`;
    lines.push(
      ok
        ? `${what}: needs ${est}, fits in ${show(have)}`
        : need.estimate <= have
          ? `${what}: needs ${est}; the estimate fits in ${show(have)} but the upper bound does not`
          : `${what}: needs ${est}, more than ${show(have)}`,
    );
  };
  check('cores', budget.cores, totals.cores, (v) => v.toFixed(2));
  check('memory', budget.memoryBytes, totals.memoryBytes, formatBytes);
  return { budget, fits, lines };
}

export function formatBytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = v;
  let u = 0;
  while (Math.abs(x) >= 1024 && u < units.length - 1) {
    x /= 1024;
    u += 1;
  }
  return `${x.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
