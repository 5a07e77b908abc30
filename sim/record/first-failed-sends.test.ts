import { describe, expect, it } from 'vitest';
import { FirstFailedSends, predictsUnknown } from './first-failed-sends.js';

describe('FirstFailedSends', () => {
  it('gives each node its first failed send at or after a time, and counts every loss by send', () => {
    const t = new FirstFailedSends();
    t.add({ node: 'a', send: 'lease', detail: 'update lease', leasePending: false, atMs: 100 });
    t.add({ node: 'a', send: 'keepalive', detail: 'keepalive node', leasePending: false, atMs: 1_000 });
    t.add({ node: 'b', send: 'other', detail: 'response pod', leasePending: true, atMs: 1_200 });
    t.add({ node: 'a', send: 'lease', detail: 'update lease', leasePending: false, atMs: 1_500 });
    const since = t.since(500);
    expect([...since.keys()].sort()).toEqual(['a', 'b']);
    expect(since.get('a')!.send).toBe('keepalive');
    expect(predictsUnknown(since.get('a'))).toBe(false);
    expect(predictsUnknown(since.get('b'))).toBe(true);
    expect(predictsUnknown(undefined)).toBe(false);
    expect(t.totals).toEqual({ keepalive: 1, lease: 2, other: 1 });
  });
});
