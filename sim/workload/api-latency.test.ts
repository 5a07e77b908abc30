import { describe, expect, it } from 'vitest';
import { ApiLatency, classifyMethod } from './api-latency.js';

describe('ApiLatency', () => {
  it('classifies POST/PUT/PATCH/DELETE as mutating and GET (object or LIST) as read', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'delete'].map(classifyMethod)).toEqual(['mutating', 'mutating', 'mutating', 'mutating', 'mutating']);
    expect(['GET', 'HEAD'].map(classifyMethod)).toEqual(['read', 'read']);
  });

  it('keeps a histogram, statuses and transport errors per class', () => {
    const a = new ApiLatency();
    for (let i = 0; i < 99; i++) a.observe('POST', 201, 10);
    a.observe('PUT', 409, 800);
    a.observe('GET', 200, 3);
    a.observe('GET', 404, 2);
    a.transportError('DELETE');
    const s = a.summary();
    expect(s.mutating).toMatchObject({ count: 100, transportErrors: 1, byStatus: { '2xx': 99, '409': 1 }, maxMs: 800 });
    expect(s.mutating.p50Ms).toBeGreaterThan(5);
    expect(s.mutating.p50Ms).toBeLessThanOrEqual(10);
    expect(s.mutating.p99Ms).toBeLessThanOrEqual(10); // 99 of 100 calls took 10 ms
    expect(s.read).toMatchObject({ count: 2, transportErrors: 0, byStatus: { '2xx': 1, '4xx': 1 } });
    expect(s.read.histogram.bounds.at(-1)).toBe(60000);
    expect(s.read.p99Ms).toBe(3); // interpolation in the 2.5–5 ms bucket would say 4.9; capped at the slowest call

  });
});
