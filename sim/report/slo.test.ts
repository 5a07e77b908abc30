import { describe, expect, it } from 'vitest';
import { TwinlabError } from '../errors.js';
import { evaluateSlos, parseSloFlag, parseThreshold, percentile } from './slo.js';

describe('k6 thresholds over SLIs', () => {
  const slis = {
    pod_startup_ms: { kind: 'samples' as const, values: [100, 200, 300, 400, 5000] },
    api_mutating_ms: { kind: 'samples' as const, values: [] },
    messages_unanswered: { kind: 'value' as const, value: 0 },
  };

  it('evaluates percentiles, counts and values; no data passes with a null value', () => {
    const r = evaluateSlos(
      [
        { sli: 'pod_startup_ms', threshold: 'p(99)<=5000' },
        { sli: 'pod_startup_ms', threshold: 'p(50)<300' },
        { sli: 'pod_startup_ms', threshold: 'max<1000' },
        { sli: 'pod_startup_ms', threshold: 'count==5' },
        { sli: 'api_mutating_ms', threshold: 'p(99)<=1000' },
        { sli: 'messages_unanswered', threshold: 'value==0' },
      ],
      slis,
    );
    expect(r.map((x) => [x.value, x.pass])).toEqual([
      [5000, true],
      [300, false],
      [5000, false],
      [5, true],
      [null, true],
      [0, true],
    ]);
    expect(r[0]!.name).toBe('pod_startup_ms p(99)<=5000');
  });

  it('uses nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  it('rejects bad syntax and unknown SLIs with typed errors naming them', () => {
    expect(() => parseThreshold('p99<5', 'x')).toThrow(TwinlabError);
    expect(() => parseThreshold('p(0)<5', 'x')).toThrow(/p\(0\)/);
    expect(() => parseSloFlag('pod_startup_ms p(99)<5')).toThrow(/--slo/);
    expect(parseSloFlag('pod_startup_ms: p(99)<=5000')).toEqual({ sli: 'pod_startup_ms', threshold: 'p(99)<=5000' });
    expect(() => evaluateSlos([{ sli: 'nope', threshold: 'max<1' }], slis)).toThrow(/known: api_mutating_ms/);
  });
});
