/**
 * Ordinary least squares for the capacity models (y = a + b·N [+ c·nodeLimit]), written out so
 * every step is visible: the normal equations on scaled columns, the coefficients' standard
 * errors and t-based confidence intervals, and confidence and prediction intervals at a new point.
 */
import { studentTQuantile } from './student-t.js';

export interface Coefficient {
  /** "intercept", or the name of the term's variable (e.g. "nodes", "nodeLimit"). */
  term: string;
  estimate: number;
  /** null with no residual degrees of freedom (as many points as terms). */
  stdError: number | null;
  /** The 95 % confidence interval [low, high]; null without residual degrees of freedom. */
  ci95: [number, number] | null;
}

export interface LinearFit {
  /** The variables after the intercept, in the order `predict` takes them. */
  variables: string[];
  coefficients: Coefficient[];
  points: number;
  /** Residual degrees of freedom: points − terms. */
  dof: number;
  /** √(residual sum of squares / dof); null when dof is 0. */
  residualStdError: number | null;
  /** Coefficient of determination; null when y does not vary. */
  r2: number | null;
  /** (XᵀX)⁻¹ on the scaled columns, kept for intervals at new points. */
  unscaledCovariance: number[][];
  /** Each column's scale (the intercept's is 1). */
  scales: number[];
}

export interface Prediction {
  estimate: number;
  /** 95 % interval of the mean response at x. */
  confidence: [number, number] | null;
  /** 95 % interval of one new observation at x. */
  prediction: [number, number] | null;
}

/** Why a model could not be fitted, in words a report can show. */
export class FitUnavailable extends Error {}

/**
 * Fit y = c₀ + Σ cⱼ·xⱼ. `rows[i]` holds point i's variables (without the intercept).
 * Throws FitUnavailable with fewer points than terms or when a variable is collinear with the others.
 */
export function fitLinear(variables: readonly string[], rows: ReadonlyArray<readonly number[]>, y: readonly number[]): LinearFit {
  const p = variables.length + 1;
  const n = rows.length;
  if (n !== y.length) throw new RangeError(`fitLinear: ${n} rows but ${y.length} responses`);
  if (n < p) throw new FitUnavailable(`${n} point(s) for ${p} terms (${['intercept', ...variables].join(', ')})`);
  // Columns scaled to at most 1 in magnitude, so XᵀX of node counts in the 100,000s stays well conditioned.
  const scales = [1, ...variables.map((_, j) => Math.max(...rows.map((r) => Math.abs(r[j]!))) || 1)];
  const X = rows.map((r) => [1, ...r.map((v, j) => v / scales[j + 1]!)]);
  const xtx = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => X.reduce((s, row) => s + row[a]! * row[b]!, 0)));
  const xty = Array.from({ length: p }, (_, a) => X.reduce((s, row, i) => s + row[a]! * y[i]!, 0));
  const inv = invert(xtx, ['intercept', ...variables]);
  const beta = inv.map((row) => row.reduce((s, v, b) => s + v * xty[b]!, 0));
  const fitted = X.map((row) => row.reduce((s, v, a) => s + v * beta[a]!, 0));
  const rss = y.reduce((s, v, i) => s + (v - fitted[i]!) ** 2, 0);
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const tss = y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const dof = n - p;
  const sigma2 = dof > 0 ? rss / dof : null;
  const t = dof > 0 ? studentTQuantile(0.975, dof) : null;
  const coefficients = beta.map((b, a): Coefficient => {
    const estimate = b / scales[a]!;
    const stdError = sigma2 === null ? null : Math.sqrt(Math.max(0, sigma2 * inv[a]![a]!)) / scales[a]!;
    return { term: a === 0 ? 'intercept' : variables[a - 1]!, estimate, stdError, ci95: stdError === null || t === null ? null : [estimate - t * stdError, estimate + t * stdError] };
  });
  return {
    variables: [...variables],
    coefficients,
    points: n,
    dof,
    residualStdError: sigma2 === null ? null : Math.sqrt(sigma2),
    r2: tss > 0 ? 1 - rss / tss : null,
    unscaledCovariance: inv,
    scales,
  };
}

/** The fit's value at `x` (the variables in `fit.variables` order) with 95 % intervals. */
export function predict(fit: LinearFit, x: readonly number[]): Prediction {
  if (x.length !== fit.variables.length) throw new RangeError(`predict: ${x.length} values for ${fit.variables.length} variables`);
  const full = [1, ...x];
  const estimate = full.reduce((s, v, a) => s + v * fit.coefficients[a]!.estimate, 0);
  if (fit.residualStdError === null) return { estimate, confidence: null, prediction: null };
  const z = full.map((v, a) => v / fit.scales[a]!);
  const leverage = z.reduce((s, za, a) => s + za * z.reduce((r, zb, b) => r + fit.unscaledCovariance[a]![b]! * zb, 0), 0);
  const s2 = fit.residualStdError ** 2;
  const t = studentTQuantile(0.975, fit.dof);
  const meanHalf = t * Math.sqrt(s2 * Math.max(0, leverage));
  const newHalf = t * Math.sqrt(s2 * (1 + Math.max(0, leverage)));
  return { estimate, confidence: [estimate - meanHalf, estimate + meanHalf], prediction: [estimate - newHalf, estimate + newHalf] };
}

/** Gauss–Jordan inverse with partial pivoting; a vanishing pivot means collinear columns. */
function invert(m: number[][], names: readonly string[]): number[][] {
  const p = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: p }, (_, j) => (i === j ? 1 : 0))]);
  const scale = Math.max(...m.map((row, i) => Math.abs(row[i]!)));
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-10 * scale) {
      throw new FitUnavailable(`${names[col]} cannot be separated from ${names.filter((_, i) => i !== col).join(' and ')}: the points do not vary it independently`);
    }
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const d = a[col]![col]!;
    for (let j = 0; j < 2 * p; j++) a[col]![j]! /= d;
    for (let r = 0; r < p; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * p; j++) a[r]![j]! -= f * a[col]![j]!;
    }
  }
  return a.map((row) => row.slice(p));
}
