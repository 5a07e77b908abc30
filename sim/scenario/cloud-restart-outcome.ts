/**
 * What a cloudcore restart did to the fleet, node by node: which Nodes the API showed Unknown and
 * for how long, which send failed first on each node, and whether the lease-first set (a lease lost
 * on the dead link, or left unanswered by it, waits for the 60 s re-send) predicted the Unknown set.
 * Pure: the restart-cloud phase feeds it what the API tracker and the shards' events recorded.
 */
import type { CloudRestartRecord } from '../model/run-sections.js';
import { predictsUnknown, type FirstFailedSend } from '../record/first-failed-sends.js';

export interface CloudRestartObservations {
  /** The nodes the phase covers, in index order. */
  nodes: readonly string[];
  /** Node name → its first failed send after the stop. */
  firstFailed: ReadonlyMap<string, FirstFailedSend>;
  /** Node name → its NotReady stretch seen by the API after the stop; null when the run has no API. */
  unknown: ReadonlyMap<string, { fromMs: number; toMs: number | null }> | null;
  stoppedAtMs: number;
}

/** The phase's recovery numbers (SLIs `<phase>_<metric>`) and its node-by-node record. */
export function cloudRestartOutcome(o: CloudRestartObservations): { recovery: Record<string, number | null>; record: Omit<CloudRestartRecord, 'signal' | 'detail' | 'stoppedS' | 'readyS'> } {
  const bySend: CloudRestartRecord['firstFailedSend'] = { lease: [], keepalive: [], other: [], none: [] };
  const predicted: string[] = [];
  for (const node of o.nodes) {
    const e = o.firstFailed.get(node);
    bySend[e ? e.send : 'none'].push(node);
    if (predictsUnknown(e)) predicted.push(node);
  }
  const unknown: CloudRestartRecord['unknown'] = [];
  const durations: number[] = [];
  if (o.unknown) {
    for (const node of o.nodes) {
      const span = o.unknown.get(node);
      if (!span) continue;
      const forS = span.toMs === null ? null : round1((span.toMs - span.fromMs) / 1000);
      unknown.push({ node, afterS: round1((span.fromMs - o.stoppedAtMs) / 1000), forS });
      if (forS !== null) durations.push(forS);
    }
  }
  const unknownSet = new Set(unknown.map((u) => u.node));
  const predictedSet = new Set(predicted);
  const agreement = {
    both: predicted.filter((n) => unknownSet.has(n)).length,
    unknownOnly: unknown.map((u) => u.node).filter((n) => !predictedSet.has(n)),
    predictedOnly: predicted.filter((n) => !unknownSet.has(n)),
  };
  durations.sort((a, b) => a - b);
  const api = o.unknown !== null;
  const recovery: Record<string, number | null> = {
    leaseFirst: bySend.lease.length,
    keepaliveFirst: bySend.keepalive.length,
    otherFirst: bySend.other.length,
    noFailedSend: bySend.none.length,
    predictedUnknown: predicted.length,
    nodesUnknown: api ? unknown.length : null,
    unknownFraction: api && o.nodes.length > 0 ? round3(unknown.length / o.nodes.length) : null,
    unknownMedianS: durations.length > 0 ? durations[Math.floor((durations.length - 1) / 2)]! : null,
    unknownMaxS: durations.length > 0 ? durations[durations.length - 1]! : null,
    stillUnknown: api ? unknown.filter((u) => u.forS === null).length : null,
    flipMispredicted: api ? agreement.unknownOnly.length + agreement.predictedOnly.length : null,
  };
  return { recovery, record: { nodes: o.nodes.length, firstFailedSend: bySend, predictedUnknown: predicted, unknown: api ? unknown : null, agreement: api ? agreement : null } };
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
