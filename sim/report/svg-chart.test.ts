import { describe, expect, it } from 'vitest';
import { decimate, histogramSvg, niceStep, timeChartSvg } from './svg-chart.js';

describe('svg charts', () => {
  it('picks 1-2-5 tick steps', () => {
    expect(niceStep(1000, 4)).toBe(500);
    expect(niceStep(120, 8)).toBe(20);
    expect(niceStep(7, 5)).toBe(2);
    expect(niceStep(0)).toBe(1);
  });

  it('breaks a line where values are missing', () => {
    const svg = timeChartSvg({ label: 'gaps in a series', xs: [0, 1, 2, 3, 4], yUnit: 'n', series: [{ name: 'a', key: 'a', color: '#000', values: [1, 2, null, 4, null] }] });
    const d = /<path class="series series-a" d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).toMatch(/h0\.1$/); // the lone point at x=3 still shows
  });

  it('thins a day of samples to a bounded path and keeps a one-second dip', () => {
    const xs = Array.from({ length: 86_400 }, (_, i) => i);
    const values = xs.map((i) => (i === 50_000 ? 0 : 1000));
    const thin = decimate(xs, values);
    expect(thin.xs.length).toBeLessThanOrEqual(1800);
    expect(thin.values).toContain(0);
    expect(thin.xs[thin.values.indexOf(0)]).toBe(50_000);
    const svg = timeChartSvg({ label: 'a day', xs, yUnit: 'n', series: [{ name: 'a', key: 'a', color: '#000', values }] });
    expect(svg.length).toBeLessThan(60_000);
  });

  it('labels an overflow bucket above the largest bound, as an extra count or a +Inf bound written as -1', () => {
    for (const bounds of [[10, 100], [10, 100, -1]]) {
      const svg = histogramSvg({ label: 'h', unit: 'ms', bounds, counts: [1, 2, 3] });
      expect(svg.match(/<rect class="bar"/g)).toHaveLength(3);
      expect(svg).toContain('>≤10</text>');
      expect(svg).toContain('>≤100</text>');
      expect(svg).toContain('>&gt;100</text>');
    }
  });

  it('leaves off empty buckets past the last sample but one', () => {
    const svg = histogramSvg({ label: 'h', unit: 'ms', bounds: [1, 2, 3, 4, 5], counts: [0, 4, 0, 0, 0, 0] });
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(svg).not.toContain('>≤4</text>');
  });
});
