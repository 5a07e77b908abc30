import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger.js';
import { change, got, SECTION } from './delivery-ledger.test-kit.js';

describe('DeliveryLedger deliveries', () => {
  it('counts a create → update → delete delivered in order as one delivered object', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', '10', 1000, 'churn'));
    l.receipt(got('n1', 'web', 'insert', '10', 1040));
    l.expect(change('n1', 'web', '11', 2000, 'churn'));
    l.receipt(got('n1', 'web', 'update', '11', 2025));
    l.expect(change('n1', 'web', null, 3000, 'churn'));
    l.receipt(got('n1', 'web', 'delete', '11', 3010));

    const s = l.section(SECTION);
    expect(s.totals).toEqual({ expected: 1, delivered: 1, lost: 0, duplicated: 0, reordered: 0, resurrected: 0 });
    expect(s.byPhase).toEqual([{ phase: 'churn', expected: 1, delivered: 1, lost: 0, duplicated: 0, reordered: 0, resurrected: 0 }]);
    // Latency of the latest expectation (the delete) only.
    expect(s.deliveryLatencyMs).toEqual({ count: 1, p50: 10, p90: 10, p99: 10, max: 10 });
    expect(s.lostObjects).toEqual([]);
    expect(s.lostNotListed).toBe(0);
    expect(s.graceSeconds).toBe(30);
  });

  it('lists a lost update with what the node last saw', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', '10', 1000));
    l.receipt(got('n1', 'web', 'insert', '10', 1005));
    l.expect(change('n1', 'web', '12', 2000));
    l.expect(change('n2', 'db', '20', 2000));
    l.expect(change('n3', 'old', null, 2000));
    l.receipt(got('n3', 'old', 'update', '30', 2001));

    const s = l.section({ graceSeconds: 5, unansweredUpstream: 3 });
    expect(s.totals).toMatchObject({ expected: 3, delivered: 0, lost: 3 });
    expect(s.unansweredUpstream).toBe(3);
    expect(s.lostObjects).toEqual([
      { node: 'n1', kind: 'pod', namespace: 'default', name: 'web', uid: 'uid-web', expected: 'rv 12', lastSeen: 'rv 10', phase: 'steady' },
      { node: 'n2', kind: 'pod', namespace: 'default', name: 'db', uid: 'uid-db', expected: 'rv 20', lastSeen: 'nothing', phase: 'steady' },
      { node: 'n3', kind: 'pod', namespace: 'default', name: 'old', uid: 'uid-old', expected: 'deleted', lastSeen: 'rv 30', phase: 'steady' },
    ]);
  });

  it('names lost pods made before cloudcore sent their node its first Node update (edgecontroller had not cached the node)', () => {
    const l = new DeliveryLedger();
    // n1: the pod came before the node's first Node update; n2: after it; n3: no Node update seen at all.
    l.expect(change('n1', 'early', '10', 1000));
    l.receipt(got('n1', 'n1', 'update', '5', 1500, undefined, 'node'));
    l.receipt(got('n2', 'n2', 'update', '6', 500, undefined, 'node'));
    l.expect(change('n2', 'late', '11', 1000));
    l.expect(change('n3', 'unknown', '12', 1000));
    l.receipt(got('n1', 'n1', 'update', '7', 2500, undefined, 'node'));

    const s = l.section(SECTION);
    expect(s.totals.lost).toBe(3);
    expect(s.lostBeforeNodeCached).toBe(1);
    // Nothing to name, nothing written.
    const none = new DeliveryLedger();
    none.expect(change('n2', 'late', '11', 1000));
    none.receipt(got('n2', 'n2', 'update', '6', 500, undefined, 'node'));
    expect(none.section(SECTION)).not.toHaveProperty('lostBeforeNodeCached');
  });

  it('takes a newer RV than expected as delivered, and compares RVs as numbers, not strings', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'a', '9', 0));
    l.receipt(got('n1', 'a', 'insert', '10', 5)); // "10" < "9" as strings
    l.expect(change('n1', 'b', '100000000000000000001', 0));
    l.receipt(got('n1', 'b', 'insert', '100000000000000000000', 5)); // beyond 2^53: compared exactly
    const s = l.section(SECTION);
    expect(s.totals).toMatchObject({ delivered: 1, lost: 1 });
    expect(s.lostObjects.map((o) => o.name)).toEqual(['b']);
  });

  it('compares non-numeric RVs by equality only', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'a', 'abc', 0));
    l.receipt(got('n1', 'a', 'insert', 'abc', 5));
    l.expect(change('n1', 'b', 'abc', 0));
    l.receipt(got('n1', 'b', 'insert', 'abd', 5));
    expect(l.section(SECTION).lostObjects.map((o) => `${o.name} ${o.lastSeen}`)).toEqual(['b rv abd']);
  });

  it('judges by the state the node holds last: an expected deletion followed by a live receipt is lost', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', null, 100));
    l.receipt(got('n1', 'web', 'delete', '7', 110));
    l.receipt(got('n1', 'web', 'update', '8', 120));
    expect(l.section(SECTION).lostObjects).toMatchObject([{ expected: 'deleted', lastSeen: 'rv 8' }]);
  });

  it('measures latency from the latest expectation to the first receipt satisfying it', () => {
    const l = new DeliveryLedger();
    // 10 objects delivered after 10, 20, … 100 ms; one update delivered after a stale receipt.
    for (let i = 1; i <= 10; i++) {
      l.expect(change('n1', `p${i}`, '5', 1000));
      l.receipt(got('n1', `p${i}`, 'insert', '5', 1000 + i * 10));
    }
    l.expect(change('n2', 'q', '8', 2000));
    l.receipt(got('n2', 'q', 'update', '7', 2100));
    l.receipt(got('n2', 'q', 'update', '8', 2500));
    l.receipt(got('n2', 'q', 'update', '9', 2600));
    const s = l.section(SECTION);
    expect(s.totals).toMatchObject({ expected: 11, delivered: 11 });
    expect(s.deliveryLatencyMs).toEqual({ count: 11, p50: 60, p90: 100, p99: 500, max: 500 });
  });

  it('counts latency 0 when the node had the change before the expectation was registered', () => {
    const l = new DeliveryLedger();
    l.receipt(got('n1', 'web', 'insert', '10', 1000));
    l.expect(change('n1', 'web', '10', 1500));
    l.receipt(got('n1', 'gone', 'delete', '3', 1000));
    l.receipt(got('n1', 'gone', 'update', '4', 1001)); // resurrected, then…
    l.expect(change('n1', 'gone', null, 1500));
    l.receipt(got('n1', 'gone', 'delete', '4', 1900)); // …deleted again: the first satisfying receipt still came first
    const s = l.section(SECTION);
    expect(s.totals).toMatchObject({ expected: 2, delivered: 2, lost: 0, resurrected: 1 });
    expect(s.deliveryLatencyMs).toMatchObject({ count: 2, max: 0 });
    expect(l.stats().untracked).toBe(0);
  });

  it('counts an object under the phase of its latest change, phases in first-seen order', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'a', '1', 0, 'ramp'));
    l.expect(change('n1', 'b', '2', 0, 'ramp'));
    l.expect(change('n1', 'c', '3', 0, 'storm'));
    l.expect(change('n1', 'a', '4', 10, 'storm'));
    l.expect(change('n1', 'd', '5', 10, 'heal'));
    l.receipt(got('n1', 'a', 'insert', '4', 11));
    l.receipt(got('n1', 'b', 'insert', '2', 11));
    l.receipt(got('n1', 'd', 'insert', '5', 11));
    const s = l.section(SECTION);
    expect(s.byPhase).toEqual([
      { phase: 'ramp', expected: 1, delivered: 1, lost: 0, duplicated: 0, reordered: 0, resurrected: 0 },
      { phase: 'storm', expected: 2, delivered: 1, lost: 1, duplicated: 0, reordered: 0, resurrected: 0 },
      { phase: 'heal', expected: 1, delivered: 1, lost: 0, duplicated: 0, reordered: 0, resurrected: 0 },
    ]);
    expect(s.totals).toEqual({ expected: 4, delivered: 3, lost: 1, duplicated: 0, reordered: 0, resurrected: 0 });
  });

  it('caps the lost list, counts the rest and sorts by phase, node, name', () => {
    const l = new DeliveryLedger();
    for (const phase of ['ramp', 'storm']) {
      for (const node of ['n2', 'n1']) {
        for (const name of ['z', 'y', 'x']) l.expect(change(node, `${phase}-${name}`, '1', 0, phase));
      }
    }
    // Registered with nodes and names in descending order, so the listing order is the sort's doing.
    const s = l.section({ ...SECTION, lostListLimit: 4 });
    expect(s.totals.lost).toBe(12);
    expect(s.lostNotListed).toBe(8);
    expect(s.lostObjects.map((o) => `${o.phase}/${o.node}/${o.name}`)).toEqual(['ramp/n1/ramp-x', 'ramp/n1/ramp-y', 'ramp/n1/ramp-z', 'ramp/n2/ramp-x']);
    expect(l.section(SECTION).lostObjects).toHaveLength(12);
    expect(l.section({ ...SECTION, lostListLimit: 0 })).toMatchObject({ lostObjects: [], lostNotListed: 12 });
    expect(() => l.section({ ...SECTION, lostListLimit: -1 })).toThrow(RangeError);
  });
});

describe('pending deliveries', () => {
  it('counts expected states not yet seen, and agrees with the lost count of a section', () => {
    const ledger = new DeliveryLedger();
    ledger.expect({ node: 'n1', kind: 'pod', namespace: 'ns', name: 'a', uid: 'ua', resourceVersion: '5', atMs: 0, phase: 'p' });
    ledger.expect({ node: 'n1', kind: 'pod', namespace: 'ns', name: 'b', uid: 'ub', resourceVersion: null, atMs: 0, phase: 'p' });
    expect(ledger.pending()).toBe(2);
    ledger.receipt({ node: 'n1', kind: 'pod', uid: 'ua', resourceVersion: '5', operation: 'insert', atMs: 1 });
    expect(ledger.pending()).toBe(1);
    ledger.receipt({ node: 'n1', kind: 'pod', uid: 'ub', resourceVersion: '6', operation: 'delete', atMs: 2 });
    expect(ledger.pending()).toBe(0);
    expect(ledger.section({ graceSeconds: 0, unansweredUpstream: 0 }).totals.lost).toBe(0);
  });
});
