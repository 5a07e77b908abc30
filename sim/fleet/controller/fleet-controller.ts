/**
 * The fleet as the main process holds it: the shard pool (processes, snapshots, restarts) and
 * the faults injected into it, started together and stopped together into one result.
 */
import { FleetFaults, type FaultResult } from './fleet-faults.js';
import type { ShardLauncher } from './shard-launcher.js';
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

  /** Launch the shards (forked here, or taken from the control channel) and wait until every one has opened. */
  static async start(options: FleetOptions, launcher?: ShardLauncher): Promise<FleetController> {
    const shards = await ShardPool.start(options, launcher);
    return new FleetController(shards, new FleetFaults(shards));
  }

  /** Stop every shard (graceful = edgecore's last message, then close) and collect final numbers. */
  async stop(graceful: boolean, timeoutMs?: number): Promise<FleetResult> {
    const { finals, ...result } = await this.shards.stop(graceful, timeoutMs);
    return { ...result, faults: this.faults.results(finals) };
  }
}
