import { describe, expect, it } from 'vitest';
import { LatencySamples, nearestRank } from './latency-samples.js';

describe('LatencySamples', () => {
  it('reports exact nearest-rank percentiles, as clusterloader2 does', () => {
    const s = new LatencySamples();
    for (let v = 100; v >= 1; v--) s.add(v); // 1..100 ms, in reverse order
    const r = s.summary();
    expect(r).toMatchObject({ count: 100, p50Ms: 50, p90Ms: 90, p99Ms: 99, maxMs: 100, overflow: 0 });
    expect(r.histogram.count).toBe(100);
  });

  it('is NaN when empty and exact for a single sample', () => {
    expect(new LatencySamples().summary()).toMatchObject({ count: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN });
    const one = new LatencySamples();
    one.add(851);
    expect(one.summary()).toMatchObject({ p50Ms: 851, p99Ms: 851, maxMs: 851 });
  });

  it('stops keeping samples at the cap but keeps counting them in the histogram and max', () => {
    const s = new LatencySamples(3);
    for (const v of [5, 1, 3, 1000]) s.add(v);
    const r = s.summary();
    expect(r).toMatchObject({ count: 4, overflow: 1, p99Ms: 5, maxMs: 1000 });
    expect(r.histogram.count).toBe(4);
  });

  it('nearestRank uses ceil(q·n)', () => {
    expect(nearestRank([10, 20, 30, 40], 0.5)).toBe(20);
    expect(nearestRank([10, 20, 30, 40], 0.51)).toBe(30);
    expect(nearestRank([10, 20, 30, 40], 0.99)).toBe(40);
    expect(nearestRank([10], 0)).toBe(10);
  });
});
