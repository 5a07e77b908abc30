/**
 * The fleet's counters summed over its shards (recorded about once a second in `snapshot` events),
 * and each shard's peaks at the stop. The sum itself is sim/fleet/controller/aggregate.ts.
 */
import type { EdgeCountersSnapshot } from './edge-counters-snapshot.js';

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

/** Sum of a traffic map's counts. */
export function total(map: Record<string, number>): number {
  let n = 0;
  for (const v of Object.values(map)) n += v;
  return n;
}
