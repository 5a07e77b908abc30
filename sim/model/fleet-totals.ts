/**
 * The fleet's counters summed over its shards (recorded about once a second in `snapshot` events),
 * and each shard's peaks at the stop. The sum itself is sim/fleet/controller/aggregate.ts.
 */
import { DURATION_S_BOUNDS, emptySnapshot, LATENCY_MS_BOUNDS } from './bucket-histogram.js';
import { NODE_STATE_NAMES, type EdgeCountersSnapshot, type NodeStateName } from './edge-counters-snapshot.js';

export interface FleetTotals extends EdgeCountersSnapshot {
  shards: number;
  started: number;
  rssBytes: number;
  cpuSeconds: number;
  /** Worst shard's event-loop delay p99 over the last interval, ms. */
  eventLoopLagP99Ms: number;
  metaStoreRows: number;
}

/** One shard's peaks over the run, as the fleet reported them at its stop. */
export interface ShardPeak {
  index: number;
  pid: number;
  nodes: number;
  peakRssBytes: number;
  cpuSeconds: number;
  runEventLoopLagP99Ms: number;
}

/** A fleet of no shards: every count zero, empty histograms. */
export function emptyFleetTotals(): FleetTotals {
  return {
    states: Object.fromEntries(NODE_STATE_NAMES.map((n) => [n, 0])) as Record<NodeStateName, number>,
    shards: 0,
    started: 0,
    rssBytes: 0,
    cpuSeconds: 0,
    eventLoopLagP99Ms: 0,
    metaStoreRows: 0,
    connected: 0, connects: 0, connectFailures: 0, reconnects: 0, disconnects: 0, keepalives: 0, acksSent: 0,
    duplicates: 0, malformed: 0, unanswered: 0, pendingRequests: 0, errorReplies: 0, sendFailures: 0,
    bytesSent: 0, bytesReceived: 0, podsCreated: 0, podsRunning: 0, podsDeleted: 0,
    sent: {},
    received: {},
    ackLatencyMs: emptySnapshot(LATENCY_MS_BOUNDS),
    bootstrapSeconds: emptySnapshot(DURATION_S_BOUNDS),
  };
}

/** Sum of a traffic map's counts. */
export function total(map: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(map)) n += v;
  return n;
}
