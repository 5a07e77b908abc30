import { describe, expect, it } from 'vitest';
import { ApiNodeTracker } from './api-node-tracker.js';

describe('ApiNodeTracker.notReadySpans', () => {
  it('reports each NotReady stretch begun at or after the time, with its end when the node was Ready again', () => {
    const t = new ApiNodeTracker(4, 'vn');
    const ev = (kind: 'node-ready-observed' | 'node-notready-observed', name: string, atMs: number): void =>
      t.onWorkload(kind === 'node-ready-observed' ? { kind, name, atMs, first: false } : { kind, name, atMs, status: 'Unknown' });
    for (const n of ['vn-00000', 'vn-00001', 'vn-00002', 'vn-00003']) ev('node-ready-observed', n, 10);
    ev('node-notready-observed', 'vn-00000', 50); // before the restart
    ev('node-ready-observed', 'vn-00000', 60);
    ev('node-notready-observed', 'vn-00001', 150);
    ev('node-ready-observed', 'vn-00001', 158);
    ev('node-notready-observed', 'vn-00002', 170);
    const spans = t.notReadySpans({ first: 0, count: 4 }, 100);
    expect([...spans]).toEqual([
      [1, { fromMs: 150, toMs: 158 }],
      [2, { fromMs: 170, toMs: null }],
    ]);
    expect(t.notReadyNow({ first: 0, count: 4 })).toBe(1);
  });
});
