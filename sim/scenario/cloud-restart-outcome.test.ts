import { describe, expect, it } from 'vitest';
import type { FirstFailedSend } from '../record/first-failed-sends.js';
import { cloudRestartOutcome } from './cloud-restart-outcome.js';

const T0 = 1_000_000;
const sent = (node: string, send: FirstFailedSend['send'], leasePending = false): [string, FirstFailedSend] => [node, { node, send, detail: send, leasePending, atMs: T0 + 5_000 }];

describe('cloudRestartOutcome', () => {
  it('the lease-first nodes (and those with a lease unanswered) are the predicted Unknown set; agreement counts both ways', () => {
    const out = cloudRestartOutcome({
      nodes: ['a', 'b', 'c', 'd', 'e'],
      firstFailed: new Map([sent('a', 'lease'), sent('b', 'keepalive'), sent('c', 'other', true), sent('d', 'keepalive')]),
      unknown: new Map([
        ['a', { fromMs: T0 + 48_000, toMs: T0 + 55_000 }],
        ['c', { fromMs: T0 + 50_000, toMs: T0 + 61_000 }],
        ['d', { fromMs: T0 + 52_000, toMs: null }],
      ]),
      stoppedAtMs: T0,
    });
    expect(out.record.firstFailedSend).toEqual({ lease: ['a'], keepalive: ['b', 'd'], other: ['c'], none: ['e'] });
    expect(out.record.predictedUnknown).toEqual(['a', 'c']);
    expect(out.record.unknown).toEqual([
      { node: 'a', afterS: 48, forS: 7 },
      { node: 'c', afterS: 50, forS: 11 },
      { node: 'd', afterS: 52, forS: null },
    ]);
    expect(out.record.agreement).toEqual({ both: 2, unknownOnly: ['d'], predictedOnly: [] });
    expect(out.recovery).toMatchObject({
      leaseFirst: 1,
      keepaliveFirst: 2,
      otherFirst: 1,
      noFailedSend: 1,
      predictedUnknown: 2,
      nodesUnknown: 3,
      unknownFraction: 0.6,
      unknownMedianS: 7,
      unknownMaxS: 11,
      stillUnknown: 1,
      flipMispredicted: 1,
    });
  });

  it('without an API server the Unknown side is null, not zero', () => {
    const out = cloudRestartOutcome({ nodes: ['a'], firstFailed: new Map([sent('a', 'lease')]), unknown: null, stoppedAtMs: T0 });
    expect(out.recovery.nodesUnknown).toBeNull();
    expect(out.recovery.flipMispredicted).toBeNull();
    expect(out.record.unknown).toBeNull();
    expect(out.recovery.predictedUnknown).toBe(1);
  });
});
