/**
 * What a shard's chaos layer counts, as plain JSON for the shard snapshot and the fault replies,
 * and the sums the fleet controller makes of them. Shared by both sides of the IPC channel.
 */

/** Counts of one fault in one shard (or summed over shards). */
export interface FaultCounts {
  /** Nodes the fault selected. */
  nodes: number;
  /** Live links (open or dialling) it acted on when it started. */
  links: number;
  /** Nodes it took down (down: at start; flap: every down cycle) and brought back up (flap cycles and the heal). */
  downs: number;
  ups: number;
  /** Dials it failed at once (refuse) or at the handshake timeout (timeout). */
  dialsRefused: number;
  dialsTimedOut: number;
  /** Links it destroyed with a TCP RST. */
  resets: number;
}

export interface ChaosSnapshot {
  /** Faults in force now (one-shot faults are never in force). */
  faultsActive: number;
  /** Nodes under at least one fault in force. */
  nodesFaulted: number;
  /** Bytes held on their way out / in right now. */
  heldBytesOut: number;
  heldBytesIn: number;
  /** Bytes that went through a hold (delay, stall, bandwidth) since the shard started. */
  bytesHeld: number;
  /** Held bytes lost because their link closed (a reset, a peer close) before they were released. */
  bytesDiscarded: number;
  dialsRefused: number;
  dialsTimedOut: number;
  resets: number;
  /** Resets that fell back to a plain close because the runtime offered no RST on a TLS socket. */
  resetFallbacks: number;
  slowCloses: number;
  /** Flap transitions across all faults. */
  flapDowns: number;
  flapUps: number;
  /** Nodes the chaos layer tracks (every node that has dialled): the registry's size. */
  registeredNodes: number;
  /** Counts of each fault in force, by id. */
  faults: Record<string, FaultCounts>;
}

export function emptyFaultCounts(): FaultCounts {
  return { nodes: 0, links: 0, downs: 0, ups: 0, dialsRefused: 0, dialsTimedOut: 0, resets: 0 };
}

export function addFaultCounts(into: FaultCounts, from: FaultCounts): FaultCounts {
  into.nodes += from.nodes;
  into.links += from.links;
  into.downs += from.downs;
  into.ups += from.ups;
  into.dialsRefused += from.dialsRefused;
  into.dialsTimedOut += from.dialsTimedOut;
  into.resets += from.resets;
  return into;
}

export function emptyChaosSnapshot(): ChaosSnapshot {
  return {
    faultsActive: 0,
    nodesFaulted: 0,
    heldBytesOut: 0,
    heldBytesIn: 0,
    bytesHeld: 0,
    bytesDiscarded: 0,
    dialsRefused: 0,
    dialsTimedOut: 0,
    resets: 0,
    resetFallbacks: 0,
    slowCloses: 0,
    flapDowns: 0,
    flapUps: 0,
    registeredNodes: 0,
    faults: {},
  };
}

type ChaosNumber = Exclude<keyof ChaosSnapshot, 'faults' | 'faultsActive'>;
const SUMMED: ChaosNumber[] = [
  'nodesFaulted', 'heldBytesOut', 'heldBytesIn', 'bytesHeld', 'bytesDiscarded', 'dialsRefused', 'dialsTimedOut',
  'resets', 'resetFallbacks', 'slowCloses', 'flapDowns', 'flapUps', 'registeredNodes',
];

/**
 * The fleet's view: counts summed over shards, per-fault counts summed by id. A fault in force is
 * in force in every shard, so `faultsActive` is the number of distinct ids. Snapshots from shards
 * without a chaos layer (undefined) count as zero.
 */
export function sumChaos(snapshots: ReadonlyArray<ChaosSnapshot | undefined>): ChaosSnapshot {
  const total = emptyChaosSnapshot();
  for (const s of snapshots) {
    if (!s) continue;
    for (const k of SUMMED) total[k] += s[k];
    for (const [id, counts] of Object.entries(s.faults)) addFaultCounts((total.faults[id] ??= emptyFaultCounts()), counts);
  }
  total.faultsActive = Object.keys(total.faults).length;
  return total;
}
