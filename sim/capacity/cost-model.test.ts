import { describe, expect, it } from 'vitest';
import { healthyStep } from './capacity.test-kit.js';
import { fitModels } from './cost-model.js';
import { project } from './projection.js';
import { planSweep, separationNote } from './sweep-plan.js';

const steps = [healthyStep(250), healthyStep(500), healthyStep(1000), healthyStep(2000), healthyStep(250, { separatesNodeLimit: true }, 8400)];

describe('planSweep', () => {
  it('holds nodeLimit fixed above the largest step and adds one step at a second nodeLimit', () => {
    const plan = planSweep({ steps: [1000, 250, 2000, 500], fixedNodeLimit: undefined, canSetNodeLimit: true }, 'baseline');
    expect(plan.map((p) => [p.nodes, p.nodeLimit, p.separatesNodeLimit])).toEqual([
      [250, 2100, false],
      [500, 2100, false],
      [1000, 2100, false],
      [2000, 2100, false],
      [250, 8400, true],
    ]);
    expect(separationNote(plan)).toContain('one more step ran 250 nodes at nodeLimit 8400');
  });

  it('cannot separate the terms when the user fixed nodeLimit or cloudcore is their own', () => {
    expect(planSweep({ steps: [5, 10], fixedNodeLimit: 50, canSetNodeLimit: true }, 'b').every((p) => p.nodeLimit === 50 && !p.separatesNodeLimit)).toBe(true);
    expect(planSweep({ steps: [5, 10], fixedNodeLimit: undefined, canSetNodeLimit: false }, 'b').every((p) => p.nodeLimit === null)).toBe(true);
  });
});

describe('fitModels', () => {
  const models = fitModels(steps, 'baseline');
  const model = (component: string, resource: string) => models.find((m) => m.component === component && m.resource === resource)!;

  it('fits cloudcore RSS with a nodeLimit term that recovers the 7.6 KB per unit, and the per-node term', () => {
    const m = model('cloudcore', 'rss');
    expect(m.formula).toBe('a + b·N + c·nodeLimit');
    expect(m.points).toHaveLength(5);
    expect(m.fit!.coefficients.map((c) => c.term)).toEqual(['intercept', 'nodes', 'nodeLimit']);
    expect(m.fit!.coefficients[1]!.estimate).toBeCloseTo(45_000, 3);
    expect(m.fit!.coefficients[2]!.estimate).toBeCloseTo(7_600, 3);
  });

  it('keeps the nodeLimit-only step out of models without a nodeLimit term', () => {
    const m = model('kube-apiserver', 'cpu-mean');
    expect(m.formula).toBe('a + b·N');
    expect(m.points.map((p) => p.nodes)).toEqual([250, 500, 1000, 2000]);
    expect(m.fit!.coefficients[1]!.estimate).toBeCloseTo(0.0002, 9);
  });

  it('predicts the largest step from the smaller ones (exact data: no error)', () => {
    const h = model('etcd', 'rss').holdout!;
    expect(h.nodes).toBe(2000);
    expect(h.trainedOn).toEqual([250, 500, 1000]);
    expect(h.errorPct).toBeCloseTo(0, 6);
  });

  it('leaves a step whose fleet never got all Ready out of the fit, and keeps it as excluded', () => {
    const past = healthyStep(4000, { reachedSteady: false, ready: 2100 });
    past.components.etcd = { ...past.components.etcd!, rssBytes: 1 };
    const m = fitModels([...steps, past], 'baseline').find((x) => x.component === 'etcd' && x.resource === 'rss')!;
    expect(m.points.map((p) => p.nodes)).toEqual([250, 500, 1000, 2000]);
    expect(m.excluded).toEqual([{ nodes: 4000, nodeLimit: 2100, value: 1 }]);
    expect(m.fit!.coefficients[1]!.estimate).toBeCloseTo(8_000, 3);
  });

  it('says why a model has no hold-out with two steps', () => {
    const few = fitModels([healthyStep(5), healthyStep(10)], 'baseline');
    expect(few.find((m) => m.resource === 'rss' && m.component === 'etcd')!.holdoutUnavailable).toMatch(/fewer than two distinct node counts/);
  });
});

describe('project', () => {
  it('projects to the target, flags a far extrapolation and judges a budget on the upper bounds', () => {
    const models = fitModels(steps, 'baseline');
    const p = project(models, steps, 'baseline', 100_000, { cores: 200, memoryBytes: 1024 ** 3 });
    expect(p.factor).toBe(50);
    expect(p.farExtrapolation).toBe(true);
    expect(p.nodeLimit).toBe(100_100);
    const cloudcore = p.components.find((c) => c.component === 'cloudcore')!;
    // 40 MB + 7.6 KB × 100,100 + 45 KB × 100,000
    expect(cloudcore.memoryBytes!.estimate).toBeCloseTo(40e6 + 7_600 * 100_100 + 45_000 * 100_000, -3);
    expect(p.cloudcoreOpenFiles!.estimate).toBeCloseTo(100_040, 3);
    expect(p.cloudcoreFdLimit).toBe(20_000);
    expect(p.budget!.fits).toBe(false);
    expect(p.budget!.lines[1]).toMatch(/^memory: needs .* more than 1\.0 GiB$/);
    // Cores to provision come from the p95 line, and never fall below the mean line.
    for (const c of p.components) expect(c.cores!.estimate).toBeGreaterThanOrEqual(c.coresMean!.estimate);
    const flatP95 = models.map((m) => (m.resource === 'cpu-p95' && m.fit ? { ...m, fit: { ...m.fit, coefficients: m.fit.coefficients.map((k, i) => (i === 0 ? k : { ...k, estimate: 0 })) } } : m));
    const shallow = project(flatP95, steps, 'baseline', 100_000, null).components.find((c) => c.component === 'kube-apiserver')!;
    expect(shallow.cores).toEqual(shallow.coresMean);
    const small = project(models, steps, 'baseline', 4000, { cores: 100, memoryBytes: 100 * 1024 ** 3 });
    expect(small.farExtrapolation).toBe(false);
    expect(small.budget!.fits).toBe(true);
  });
});
