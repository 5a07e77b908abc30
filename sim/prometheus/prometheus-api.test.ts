import { describe, expect, it } from 'vitest';
import { parseQueryData } from './prometheus-api.js';

describe('parseQueryData', () => {
  it('reads a matrix (range query) into series of numbers', () => {
    const s = parseQueryData({
      resultType: 'matrix',
      result: [{ metric: { job: 'cloudcore', run_id: 'r' }, values: [[1700000000, '1'], [1700000002, '2.5']] }],
    });
    expect(s).toEqual([{ labels: { job: 'cloudcore', run_id: 'r' }, points: [[1700000000, 1], [1700000002, 2.5]] }]);
  });

  it('reads a vector and a scalar', () => {
    expect(parseQueryData({ resultType: 'vector', result: [{ metric: { job: 'etcd' }, value: [1700000000.5, '1'] }] })).toEqual([{ labels: { job: 'etcd' }, points: [[1700000000.5, 1]] }]);
    expect(parseQueryData({ resultType: 'scalar', result: [1700000000, '3'] })).toEqual([{ labels: {}, points: [[1700000000, 3]] }]);
  });

  it('keeps NaN values (Prometheus sends "NaN") and drops malformed points', () => {
    const s = parseQueryData({ resultType: 'matrix', result: [{ metric: {}, values: [[1, 'NaN'], ['x', '1'], [2]] }] });
    expect(s[0]!.points).toHaveLength(1);
    expect(Number.isNaN(s[0]!.points[0]![1])).toBe(true);
  });

  it('gives nothing for an answer that is not a query result', () => {
    expect(parseQueryData(null)).toEqual([]);
    expect(parseQueryData({ resultType: 'matrix', result: 'x' })).toEqual([]);
  });
});
