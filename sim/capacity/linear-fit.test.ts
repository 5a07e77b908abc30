import { describe, expect, it } from 'vitest';
import { FitUnavailable, fitLinear, predict } from './linear-fit.js';

/** mulberry32 with Box–Muller: reproducible Gaussian noise. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const covers = (ci: [number, number] | null, v: number): boolean => ci !== null && ci[0] <= v && v <= ci[1];

describe('fitLinear', () => {
  it('recovers an exact line with zero residual', () => {
    const xs = [250, 500, 1000, 2000];
    const fit = fitLinear(['nodes'], xs.map((x) => [x]), xs.map((x) => 0.05 + 0.0007 * x));
    expect(fit.coefficients[0]!.estimate).toBeCloseTo(0.05, 10);
    expect(fit.coefficients[1]!.estimate).toBeCloseTo(0.0007, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.dof).toBe(2);
  });

  it('recovers cloudcore-like RSS = a + b·N + c·nodeLimit from noisy points, intervals covering the truth (seeded)', () => {
    const noise = gaussian(7);
    const truth = { a: 60e6, b: 48_000, c: 7_600 };
    const rows: number[][] = [];
    const y: number[] = [];
    // nodeLimit fixed for the sweep, plus repeats at a second nodeLimit: the two terms separate.
    for (const [n, limit] of [[250, 2100], [500, 2100], [1000, 2100], [2000, 2100], [250, 4200], [500, 4200], [1000, 2100], [250, 6300]] as const) {
      rows.push([n, limit]);
      y.push(truth.a + truth.b * n + truth.c * limit + 2e6 * noise());
    }
    const fit = fitLinear(['nodes', 'nodeLimit'], rows, y);
    const [a, b, c] = fit.coefficients;
    expect(covers(a!.ci95, truth.a)).toBe(true);
    expect(covers(b!.ci95, truth.b)).toBe(true);
    expect(covers(c!.ci95, truth.c)).toBe(true);
    expect(Math.abs(b!.estimate - truth.b) / truth.b).toBeLessThan(0.1);
    expect(c!.term).toBe('nodeLimit');
  });

  it('95 % coefficient intervals cover the true slope in about 95 % of seeded data sets', () => {
    const noise = gaussian(42);
    const xs = [5, 10, 20, 40, 80];
    let covered = 0;
    let predicted = 0;
    const trials = 400;
    for (let i = 0; i < trials; i++) {
      const y = xs.map((x) => 3 + 0.5 * x + noise());
      const fit = fitLinear(['nodes'], xs.map((x) => [x]), y);
      if (covers(fit.coefficients[1]!.ci95, 0.5)) covered += 1;
      // A fresh observation at x = 60 falls in the 95 % prediction interval about 95 % of the time.
      if (covers(predict(fit, [60]).prediction, 3 + 0.5 * 60 + noise())) predicted += 1;
    }
    expect(covered / trials).toBeGreaterThan(0.91);
    expect(covered / trials).toBeLessThan(0.99);
    expect(predicted / trials).toBeGreaterThan(0.91);
    expect(predicted / trials).toBeLessThan(0.99);
  });

  it('widens the prediction interval away from the data and keeps the confidence interval inside it', () => {
    const noise = gaussian(3);
    const xs = [250, 500, 1000, 2000];
    const fit = fitLinear(['nodes'], xs.map((x) => [x]), xs.map((x) => 10 + 0.01 * x + 0.5 * noise()));
    const near = predict(fit, [1000]);
    const far = predict(fit, [100_000]);
    const width = (r: [number, number] | null): number => (r ? r[1] - r[0] : NaN);
    expect(width(far.prediction)).toBeGreaterThan(width(near.prediction));
    expect(width(near.confidence)).toBeLessThan(width(near.prediction));
    expect(far.estimate).toBeCloseTo(fit.coefficients[0]!.estimate + 100_000 * fit.coefficients[1]!.estimate, 6);
  });

  it('gives estimates without intervals when points equal terms', () => {
    const fit = fitLinear(['nodes'], [[1], [2]], [3, 5]);
    expect(fit.coefficients[1]!.estimate).toBeCloseTo(2, 12);
    expect(fit.coefficients[1]!.ci95).toBeNull();
    expect(predict(fit, [10]).prediction).toBeNull();
  });

  it('refuses collinear terms (nodeLimit tied to N) and too few points, saying which', () => {
    expect(() => fitLinear(['nodes', 'nodeLimit'], [[250, 350], [500, 600], [1000, 1100], [2000, 2100]], [1, 2, 3, 4])).toThrow(FitUnavailable);
    expect(() => fitLinear(['nodes', 'nodeLimit'], [[250, 350], [500, 600], [1000, 1100], [2000, 2100]], [1, 2, 3, 4])).toThrow(/cannot be separated/);
    expect(() => fitLinear(['nodes'], [[1]], [1])).toThrow(/1 point\(s\) for 2 terms/);
  });
});
