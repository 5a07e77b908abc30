/** Sum of the latest snapshot of every shard: the fleet's view of its counters. */
import { emptyFleetTotals, total, type FleetTotals } from '../../model/fleet-totals.js';
import { NODE_STATE_NAMES, type EdgeCountersSnapshot } from '../../model/edge-counters-snapshot.js';
import { mergeSnapshots, type HistogramSnapshot } from '../../model/bucket-histogram.js';
import { DURATION_S_BOUNDS, LATENCY_MS_BOUNDS } from '../../model/bucket-histogram.js';
import type { ShardSnapshot } from '../ipc-messages.js';
import { mergeDeviceCounters, type DeviceCountersSnapshot } from '../../model/device-counters-snapshot.js';

export { total, type FleetTotals };

type NumericKey = {
  [K in keyof EdgeCountersSnapshot]-?: EdgeCountersSnapshot[K] extends number ? K : never;
}[keyof EdgeCountersSnapshot];

const NUMERIC: NumericKey[] = [
  'connected', 'connects', 'connectFailures', 'reconnects', 'disconnects', 'keepalives', 'acksSent', 'duplicates',
  'malformed', 'unanswered', 'pendingRequests', 'errorReplies', 'sendFailures', 'bytesSent', 'bytesReceived',
  'podsCreated', 'podsRunning', 'podsDeleted',
];

function addMap(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function aggregate(snapshots: readonly ShardSnapshot[]): FleetTotals {
  const totals = emptyFleetTotals();
  const states = totals.states;
  totals.shards = snapshots.length;
  if (snapshots.length > 0) {
    totals.ackLatencyMs = mergeSnapshots(LATENCY_MS_BOUNDS, snapshots.map((s) => s.counters.ackLatencyMs));
    totals.bootstrapSeconds = mergeSnapshots(DURATION_S_BOUNDS, snapshots.map((s) => s.counters.bootstrapSeconds));
  }
  const byKind = new Map<string, HistogramSnapshot[]>();
  for (const s of snapshots) {
    for (const [k, h] of Object.entries(s.counters.requestLatencyMs ?? {})) {
      const list = byKind.get(k);
      if (list) list.push(h);
      else byKind.set(k, [h]);
    }
  }
  totals.requestLatencyMs = Object.fromEntries([...byKind].sort(([a], [b]) => a.localeCompare(b)).map(([k, hs]) => [k, mergeSnapshots(LATENCY_MS_BOUNDS, hs)]));
  const devices = snapshots.map((s) => s.counters.devices).filter((d): d is DeviceCountersSnapshot => d !== undefined);
  if (devices.length > 0) totals.devices = mergeDeviceCounters(devices);
  for (const s of snapshots) {
    const c = s.counters;
    for (const name of NODE_STATE_NAMES) states[name] += c.states[name];
    for (const k of NUMERIC) totals[k] += c[k];
    addMap(totals.sent, c.sent);
    addMap(totals.received, c.received);
    if (c.firstFailedSend) addMap((totals.firstFailedSend ??= {}), c.firstFailedSend);
    if (c.failedFastOffline !== undefined) totals.failedFastOffline = (totals.failedFastOffline ?? 0) + c.failedFastOffline;
    totals.started += s.started;
    totals.rssBytes += s.process.rssBytes;
    totals.cpuSeconds += s.process.cpuSeconds;
    totals.eventLoopLagP99Ms = Math.max(totals.eventLoopLagP99Ms, s.process.eventLoopLagP99Ms);
    totals.metaStoreRows += s.metaStoreRows;
  }
  return totals;
}
