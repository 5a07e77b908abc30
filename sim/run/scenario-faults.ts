/**
 * A scenario's link faults on the fleet's chaos layer: applied to node ranges over IPC, and
 * carried into restarted shards so an offline node stays offline across its shard's crash.
 */
import type { LinkFaultSpec } from '../chaos/link-fault.js';
import type { NodeSelector } from '../chaos/node-selector.js';
import type { FleetController } from '../fleet/controller/fleet-controller.js';
import type { ShardConfig } from '../fleet/ipc-messages.js';
import type { NodeRange } from '../scenario/scenario-loader.js';

export class FleetFaults {
  constructor(private readonly fleet: FleetController) {}

  async apply(id: string, fault: LinkFaultSpec, range: NodeRange): Promise<void> {
    const selector: NodeSelector = { ranges: [[range.first, range.first + range.count]] };
    await this.fleet.applyFault(id, fault, selector);
  }

  async heal(id: string): Promise<void> {
    await this.fleet.healFault(id);
  }

  /** The faults still in force go into a restarted shard's config, applied before its nodes start. */
  carryInto(config: ShardConfig): ShardConfig {
    return { ...config, faults: this.fleet.activeFaults() };
  }
}
