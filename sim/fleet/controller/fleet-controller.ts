/**
 * The fleet as the main process holds it: the shard pool (processes, snapshots, restarts) and
 * the faults injected into it, started together and stopped together into one result.
 */
import { FleetFaults, type FaultResult } from './fleet-faults.js';
import { ShardPool, type FleetOptions } from './shard-pool.js';
import type { FleetTotals, ShardPeak } from '../../model/fleet-totals.js';

export interface FleetResult {
  totals: FleetTotals;
  shards: ShardPeak[];
  /** Requests still unanswered when the fleet stopped. */
  unansweredAtStop: number;
  /** Link faults applied during the run, in start order. */
  faults?: FaultResult[];
}

export class FleetController {
  private constructor(
    readonly shards: ShardPool,
    readonly faults: FleetFaults,
  ) {}

  /** Fork the shards and wait until every one has opened. */
  static async start(options: FleetOptions): Promise<FleetController> {
    const shards = await ShardPool.start(options);
    return new FleetController(shards, new FleetFaults(shards));
  }

  /** Stop every shard (graceful = edgecore's last message, then close) and collect final numbers. */
  async stop(graceful: boolean, timeoutMs?: number): Promise<FleetResult> {
    const { finals, ...result } = await this.shards.stop(graceful, timeoutMs);
    return { ...result, faults: this.faults.results(finals) };
  }
}
