import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger.js';
import { SECTION } from './delivery-ledger.test-kit.js';

describe('DeliveryLedger at scale', () => {
  it('processes 100k objects over 1000 nodes with exact counts', () => {
    const l = new DeliveryLedger({ trackedKinds: ['pod'] });
    const objects = 100_000;
    for (let i = 0; i < objects; i++) {
      const node = `vn-${String(i % 1000).padStart(5, '0')}`;
      const uid = `u-${i}`;
      const rv = 1000 + i;
      const phase = i < objects / 2 ? 'ramp' : 'storm';
      l.expect({ node, kind: 'pod', namespace: 'default', name: `p-${i}`, uid, resourceVersion: String(rv), atMs: i, phase });
      // Every 10th object is lost, every 100th duplicated, every 1000th also gets a stale RV after the right one.
      if (i % 10 !== 0) l.receipt({ node, kind: 'pod', uid, resourceVersion: String(rv), operation: 'insert', msgId: `m-${i}`, atMs: i + (i % 50) });
      if (i % 100 === 1) l.receipt({ node, kind: 'pod', uid, resourceVersion: String(rv), operation: 'insert', msgId: `m-${i}`, atMs: i + 60 });
      if (i % 1000 === 5) l.receipt({ node, kind: 'pod', uid, resourceVersion: String(rv - 1), operation: 'update', atMs: i + 70 });
      l.receipt({ node, kind: 'lease', uid: `lease-${node}`, resourceVersion: String(i), operation: 'update', atMs: i });
    }
    const s = l.section(SECTION);
    expect(s.totals).toEqual({ expected: 100_000, delivered: 89_900, lost: 10_100, duplicated: 1000, reordered: 100, resurrected: 0 });
    expect(s.byPhase.map((p) => [p.phase, p.expected])).toEqual([
      ['ramp', 50_000],
      ['storm', 50_000],
    ]);
    expect(s.deliveryLatencyMs).toMatchObject({ count: 89_900, max: 49 });
    expect(s.lostObjects).toHaveLength(100);
    expect(s.lostNotListed).toBe(10_000);
    expect(l.stats()).toMatchObject({ objects: 100_000, untracked: 100_000 });
  });
});
