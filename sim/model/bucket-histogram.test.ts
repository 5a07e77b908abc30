import { describe, expect, it } from 'vitest';
import { BucketHistogram, mergeSnapshots, quantile } from './bucket-histogram.js';

describe('BucketHistogram', () => {
  it('counts into the first bucket whose bound is >= the value', () => {
    const h = new BucketHistogram([1, 10, 100]);
    for (const v of [0.5, 1, 1.5, 10, 99, 1000]) h.observe(v);
    expect(h.snapshot().counts).toEqual([2, 2, 1, 1]);
    expect(h.snapshot().sum).toBeCloseTo(1112);
  });

  it('merges and estimates quantiles by interpolation', () => {
    const a = new BucketHistogram([10, 20]);
    const b = new BucketHistogram([10, 20]);
    for (let i = 0; i < 50; i++) a.observe(5);
    for (let i = 0; i < 50; i++) b.observe(15);
    const m = mergeSnapshots([10, 20], [a.snapshot(), b.snapshot()]);
    expect(m.count).toBe(100);
    expect(quantile(m, 0.5)).toBeCloseTo(10);
    expect(quantile(m, 0.99)).toBeCloseTo(19.8);
    expect(quantile(new BucketHistogram([1]).snapshot(), 0.5)).toBeNaN();
  });

  it('rejects bounds that do not ascend and merges of different shapes', () => {
    expect(() => new BucketHistogram([2, 1])).toThrow(RangeError);
    expect(() => new BucketHistogram([1]).merge(new BucketHistogram([1, 2]).snapshot())).toThrow(RangeError);
  });
});
