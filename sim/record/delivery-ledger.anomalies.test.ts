import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from './delivery-ledger.js';
import { change, got, SECTION } from './delivery-ledger.test-kit.js';

describe('DeliveryLedger anomalies', () => {
  it('counts a re-delivered msgId as a duplicate even when the RV differs', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', '10', 0));
    l.receipt(got('n1', 'web', 'insert', '10', 1, 'm-1'));
    l.receipt(got('n1', 'web', 'update', '11', 2, 'm-1'));
    expect(l.section(SECTION).totals).toMatchObject({ duplicated: 1, reordered: 0, delivered: 1 });
  });

  it('counts the same RV and operation again as a duplicate, with or without msgIds', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', '10', 0));
    l.receipt(got('n1', 'web', 'insert', '10', 1, 'm-1'));
    l.receipt(got('n1', 'web', 'insert', '10', 2, 'm-2'));
    l.receipt(got('n1', 'web', 'insert', '10', 3));
    expect(l.section(SECTION).totals).toMatchObject({ duplicated: 2 });
  });

  it('does not call the same msgId on another object or another node a duplicate', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'a', '10', 0));
    l.expect(change('n1', 'b', '10', 0));
    l.expect(change('n2', 'a', '10', 0));
    l.receipt(got('n1', 'a', 'insert', '10', 1, 'list-1'));
    l.receipt(got('n1', 'b', 'insert', '10', 1, 'list-1'));
    l.receipt(got('n2', 'a', 'insert', '10', 1, 'list-1'));
    expect(l.section(SECTION).totals).toMatchObject({ delivered: 3, duplicated: 0 });
  });

  it('does not call a delete carrying the last RV a duplicate or a reorder', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', null, 0));
    l.receipt(got('n1', 'web', 'insert', '10', 1));
    l.receipt(got('n1', 'web', 'update', '12', 2));
    l.receipt(got('n1', 'web', 'delete', '11', 3)); // a delete is final whatever RV it carries
    expect(l.section(SECTION).totals).toMatchObject({ delivered: 1, duplicated: 0, reordered: 0, resurrected: 0 });
  });

  it('counts an older RV after a newer one as reordered, and leaves the node stale', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', '12', 0));
    l.receipt(got('n1', 'web', 'update', '12', 1));
    l.receipt(got('n1', 'web', 'update', '11', 2));
    const s = l.section(SECTION);
    expect(s.totals).toMatchObject({ reordered: 1, duplicated: 0, lost: 1 });
    expect(s.lostObjects).toMatchObject([{ expected: 'rv 12', lastSeen: 'rv 11' }]);
  });

  it('counts a re-delivered old RV as a duplicate, not also as a reorder', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', '12', 0));
    l.receipt(got('n1', 'web', 'insert', '11', 1));
    l.receipt(got('n1', 'web', 'update', '12', 2));
    l.receipt(got('n1', 'web', 'insert', '11', 3));
    expect(l.section(SECTION).totals).toMatchObject({ duplicated: 1, reordered: 0 });
  });

  it('counts every live receipt after a delivered delete as a resurrection', () => {
    const l = new DeliveryLedger();
    l.expect(change('n1', 'web', null, 0));
    l.receipt(got('n1', 'web', 'insert', '10', 1));
    l.receipt(got('n1', 'web', 'delete', '10', 2));
    l.receipt(got('n1', 'web', 'update', '11', 3));
    l.receipt(got('n1', 'web', 'update', '12', 4));
    const s = l.section(SECTION);
    expect(s.totals).toMatchObject({ resurrected: 2, reordered: 0, lost: 1 });
    expect(s.lostObjects).toMatchObject([{ expected: 'deleted', lastSeen: 'rv 12' }]);
  });

  it('counts anomalies under the phase current when they arrived; early ones under the first expectation', () => {
    const l = new DeliveryLedger();
    l.receipt(got('n1', 'web', 'insert', '10', 0, 'm-1'));
    l.receipt(got('n1', 'web', 'insert', '10', 1, 'm-1'));
    l.expect(change('n1', 'web', '10', 2, 'ramp'));
    l.expect(change('n1', 'web', '11', 3, 'storm'));
    l.receipt(got('n1', 'web', 'update', '11', 4));
    l.receipt(got('n1', 'web', 'update', '11', 5));
    const s = l.section(SECTION);
    expect(s.byPhase).toEqual([
      { phase: 'ramp', expected: 0, delivered: 0, lost: 0, duplicated: 1, reordered: 0, resurrected: 0 },
      { phase: 'storm', expected: 1, delivered: 1, lost: 0, duplicated: 1, reordered: 0, resurrected: 0 },
    ]);
    expect(s.totals).toMatchObject({ expected: 1, delivered: 1, duplicated: 2 });
    expect(l.stats()).toMatchObject({ untracked: 0, untrackedAnomalies: { duplicated: 0, reordered: 0, resurrected: 0 } });
  });

  it('keeps receipts for never-expected objects out of the counts, reporting them in stats', () => {
    const l = new DeliveryLedger({ trackedKinds: ['Pod', 'configmap'] });
    l.expect(change('n1', 'web', '10', 0));
    l.receipt(got('n1', 'web', 'insert', '10', 1));
    // A configmap the cloud sent on its own: tracked kind, never expected; duplicated and reordered.
    l.receipt(got('n1', 'kube-root-ca.crt', 'insert', '5', 1, undefined, 'configmap'));
    l.receipt(got('n1', 'kube-root-ca.crt', 'insert', '5', 2, undefined, 'configmap'));
    l.receipt(got('n1', 'kube-root-ca.crt', 'update', '7', 3, undefined, 'configmap'));
    l.receipt(got('n1', 'kube-root-ca.crt', 'update', '6', 4, undefined, 'configmap'));
    // The node's own Lease: untracked kind, no state, no anomaly detection.
    l.receipt(got('n1', 'lease', 'update', '1', 5, 'm-9', 'lease'));
    l.receipt(got('n1', 'lease', 'update', '1', 6, 'm-9', 'lease'));

    const s = l.section(SECTION);
    expect(s.totals).toEqual({ expected: 1, delivered: 1, lost: 0, duplicated: 0, reordered: 0, resurrected: 0 });
    expect(l.stats()).toEqual({
      expectations: 1,
      receipts: 7,
      objects: 2,
      untracked: 6,
      untrackedAnomalies: { duplicated: 1, reordered: 1, resurrected: 0 },
      // the configmap's second insert rv 5 is a re-send, expected or not; the Lease keeps no state
      duplicateReceipts: 1,
    });
  });

  it('tracks every kind when no kinds are named, and kinds named by expectations otherwise', () => {
    const all = new DeliveryLedger();
    all.receipt(got('n1', 'lease', 'update', '1', 0, 'm-1', 'lease'));
    all.receipt(got('n1', 'lease', 'update', '1', 1, 'm-1', 'lease'));
    expect(all.stats()).toMatchObject({ objects: 1, untracked: 2, untrackedAnomalies: { duplicated: 1 } });

    const named = new DeliveryLedger({ trackedKinds: [] });
    named.expect(change('n1', 'cm', '1', 0, 'steady', 'ConfigMap'));
    named.receipt(got('n1', 'other', 'insert', '1', 1, undefined, 'configmap'));
    named.receipt(got('n1', 'pod', 'insert', '1', 1, undefined, 'pod'));
    expect(named.stats()).toMatchObject({ objects: 2, untracked: 2 });
  });
});
