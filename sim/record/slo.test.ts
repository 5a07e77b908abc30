import { describe, expect, it } from 'vitest';
import { TwinlabError } from '../errors.js';
import { evaluateSlos, parseSloFlag, parseThreshold, percentile, runSlos } from './slo.js';

describe('k6 thresholds over SLIs', () => {
  const slis = {
    pod_startup_ms: { kind: 'samples' as const, values: [100, 200, 300, 400, 5000] },
    api_mutating_ms: { kind: 'samples' as const, values: [] },
    messages_unanswered: { kind: 'value' as const, value: 0 },
  };

  it('evaluates percentiles, counts and values; no data fails with its reason unless optional', () => {
    const r = evaluateSlos(
      [
        { sli: 'pod_startup_ms', threshold: 'p(99)<=5000' },
        { sli: 'pod_startup_ms', threshold: 'p(50)<300' },
        { sli: 'pod_startup_ms', threshold: 'max<1000' },
        { sli: 'pod_startup_ms', threshold: 'count==5' },
        { sli: 'api_mutating_ms', threshold: 'p(99)<=1000' },
        { sli: 'messages_unanswered', threshold: 'value==0' },
        { sli: 'api_mutating_ms', threshold: 'p(99)<=1000', optional: true },
      ],
      slis,
    );
    expect(r.map((x) => [x.value, x.pass, x.reason])).toEqual([
      [5000, true, null],
      [300, false, null],
      [5000, false, null],
      [5, true, null],
      [null, false, 'no data'],
      [0, true, null],
      [null, true, 'no data'],
    ]);
    expect(r[6]!.optional).toBe(true);
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
    expect(parseSloFlag('pod_startup_ms: p(99)<=5000', '--optional-slo')).toEqual({ sli: 'pod_startup_ms', threshold: 'p(99)<=5000', optional: true });
    expect(() => parseSloFlag('x', '--optional-slo')).toThrow(/--optional-slo/);
    expect(() => evaluateSlos([{ sli: 'nope', threshold: 'max<1' }], slis)).toThrow(/known: api_mutating_ms/);
  });

  it('names the reason a value is missing when the run gives one (a recovery that never happened)', () => {
    const r = evaluateSlos([{ sli: 'storm_all_ready_s', threshold: 'value<=120' }], { storm_all_ready_s: { kind: 'value', value: null } }, { storm_all_ready_s: 'not within 180 s' });
    expect(r[0]).toMatchObject({ value: null, pass: false, reason: 'not within 180 s' });
  });

  it('holds every run to the defaults, adds pod and API SLOs when pods are made, and lets a given SLO replace a default', () => {
    const plain = runSlos([], { pods: false, apiWorkload: false });
    expect(plain.map((x) => `${x.sli} ${x.threshold}`)).toEqual(['nodes_ready_ratio value==1', 'nodes_not_ready value==0', 'messages_unanswered value==0', 'messages_malformed value==0']);
    expect(plain.every((x) => x.origin === 'default')).toBe(true);
    const loopbackPods = runSlos([], { pods: true, apiWorkload: false }).map((x) => x.sli);
    expect(loopbackPods).toContain('pod_startup_ms');
    expect(loopbackPods).not.toContain('api_mutating_ms');
    expect(runSlos([], { pods: true, apiWorkload: true }).map((x) => x.sli)).toContain('api_mutating_ms');
    const given = runSlos([{ sli: 'messages_unanswered', threshold: 'value<=10' }], { pods: false, apiWorkload: false });
    expect(given.filter((x) => x.sli === 'messages_unanswered')).toEqual([{ sli: 'messages_unanswered', threshold: 'value<=10' }]);
    expect(given).toHaveLength(4);
    // A scenario that breaks links on purpose is judged on the requests lost outside its disruptions.
    const chaos = runSlos([], { pods: false, apiWorkload: false, disruptions: true }).map((x) => x.sli);
    expect(chaos).toContain('messages_unanswered_outside_faults');
    expect(chaos).not.toContain('messages_unanswered');
    expect(runSlos([], { pods: true, apiWorkload: true, disruptions: true }).map((x) => x.sli)).not.toContain('pod_startup_ms');
  });
});
