/**
 * The faults a fleet can suffer, as one union: a link fault on some nodes (the shards' chaos
 * layer), a crash of the shards hosting some nodes (SIGKILL, then a restart from their meta
 * stores), and a change of every node's reconnect jitter (a storm). Runs in the main process on
 * top of the shard pool; the scenario runner injects faults only through `inject` and `heal`.
 */
import { EventEmitter } from 'node:events';
import { TwinlabError, ErrorCodes } from '../../errors.js';
import { addFaultCounts, emptyFaultCounts, sumChaos, type ChaosSnapshot, type FaultCounts } from '../../chaos/chaos-counters.js';
import { describeFault, isOneShot, parseLinkFault, type LinkFaultSpec } from '../../chaos/link-fault.js';
import { bindSelector, parseNodeSelector, type NodeSelector } from '../../chaos/node-selector.js';
import type { FaultCommand, ShardConfig, ShardSnapshot } from '../ipc-messages.js';
import type { FaultReply, ShardPool } from './shard-pool.js';

/** Nodes [first, first + count) of the fleet. */
export interface NodeSpan {
  first: number;
  count: number;
}

/** Every fault the fleet can be given. */
export type FleetFault =
  /** Link fault `id` on the nodes of `span` until healed (reset and slow close act once and end at once). */
  | { kind: 'link'; id: string; spec: LinkFaultSpec; span: NodeSpan }
  /** Kill the shards hosting `span` with SIGKILL and start them again, carrying the link faults still in force. */
  | { kind: 'shard-crash'; span: NodeSpan }
  /** Every node's random extra sleep before it redials, from now on. */
  | { kind: 'reconnect-jitter'; ms: number };

/** What a shard crash restored: each node's pods before the kill against what it held after its restart. */
export interface RestoreCheck {
  nodes: number;
  podsBefore: number;
  podsAfter: number;
  lost: number;
  duplicated: number;
}

/** What injecting each kind of fault resolves with. */
export interface FleetFaultOutcome {
  link: FaultEvent;
  'shard-crash': RestoreCheck;
  'reconnect-jitter': undefined;
}

/** A link fault starting or ending, for the run's record. */
export interface FaultEvent {
  id: string;
  action: 'start' | 'end';
  /** Wall-clock ms at which the controller sent the command to the shards. */
  atMs: number;
  /** Nodes the fault selected across the fleet. */
  nodes: number;
  spec: LinkFaultSpec;
  /** Summed over shards: at start what it acted on, at end everything it did. */
  counts: FaultCounts;
}

export interface FaultResult {
  id: string;
  spec: LinkFaultSpec;
  /** `describeFault(spec)`, e.g. `delay 200±50 ms both`. */
  detail: string;
  selector: NodeSelector;
  nodes: number;
  startedAtMs: number;
  /** Null when still in force when the fleet stopped. */
  endedAtMs: number | null;
  counts: FaultCounts;
}

/** What faults need of the shard pool. */
export type FaultablePool = Pick<ShardPool, 'nodeCount' | 'ask' | 'latestSnapshots' | 'shardsHosting' | 'inventory' | 'restartShard' | 'setReconnectJitter'>;

interface FleetFaultEvents {
  fault: [FaultEvent];
}

export class FleetFaults extends EventEmitter<FleetFaultEvents> {
  private readonly links = new Map<string, FaultResult>();

  constructor(private readonly pool: FaultablePool) {
    super();
  }

  /** Put `fault` in force; resolves once the shards have acted on it. */
  async inject<F extends FleetFault>(fault: F): Promise<FleetFaultOutcome[F['kind']]>;
  async inject(fault: FleetFault): Promise<FleetFaultOutcome[FleetFault['kind']]> {
    switch (fault.kind) {
      case 'link':
        return this.applyLink(fault.id, fault.spec, { ranges: [[fault.span.first, fault.span.first + fault.span.count]] });
      case 'shard-crash':
        return this.crashShards(fault.span);
      case 'reconnect-jitter':
        this.pool.setReconnectJitter(fault.ms);
        return undefined;
    }
  }

  /**
   * Put link fault `id` in force on the selected nodes (the whole fleet when the selector names
   * none); resolves with the start event once every running shard has applied it. Reset and slow
   * close act once, so they also end here. A shard's refusal (bad spec, the ws client) heals the
   * fault where it was applied and rejects with that shard's error code.
   */
  async applyLink(id: string, spec: LinkFaultSpec, selector: NodeSelector = {}, timeoutMs = 10_000): Promise<FaultEvent> {
    const checked = parseLinkFault(spec);
    const bound = bindSelector(parseNodeSelector(selector), this.pool.nodeCount);
    if (this.links.get(id)?.endedAtMs === null) throw new TwinlabError(ErrorCodes.ConfigInvalid, `link fault ${id} is already in force`, { fault: id });
    const atMs = Date.now();
    const replies = await this.pool.ask({ type: 'fault-apply', id, spec: checked, selector: bound }, timeoutMs);
    const failed = replies.find((r): r is Extract<FaultReply, { type: 'fault-failed' }> => r?.type === 'fault-failed');
    if (failed) {
      await this.pool.ask({ type: 'fault-heal', id }, timeoutMs);
      throw new TwinlabError(failed.code as TwinlabError['code'], `shard ${failed.index}: ${failed.message}`, { shard: failed.index, fault: id });
    }
    const counts = sumReplies(replies);
    const record: FaultResult = { id, spec: checked, detail: describeFault(checked), selector: bound, nodes: counts.nodes, startedAtMs: atMs, endedAtMs: null, counts };
    this.links.set(id, record);
    const started: FaultEvent = { id, action: 'start', atMs, nodes: counts.nodes, spec: checked, counts: { ...counts } };
    this.emit('fault', started);
    if (isOneShot(checked)) this.endLink(record, Date.now(), counts);
    return started;
  }

  /** End link fault `id` everywhere; resolves with the end event, or undefined when it is not in force. */
  async heal(id: string, timeoutMs = 10_000): Promise<FaultEvent | undefined> {
    const record = this.links.get(id);
    if (!record || record.endedAtMs !== null) return undefined;
    const atMs = Date.now();
    const replies = await this.pool.ask({ type: 'fault-heal', id }, timeoutMs);
    const counts = sumReplies(replies);
    counts.nodes = record.nodes;
    counts.links = record.counts.links;
    return this.endLink(record, atMs, counts);
  }

  /** The link faults in force, as a restarted shard must receive them (`ShardConfig.faults`). */
  activeLinks(): FaultCommand[] {
    return [...this.links.values()].filter((f) => f.endedAtMs === null).map(({ id, spec, selector }) => ({ id, spec, selector }));
  }

  /** The chaos layers' counters summed over the latest snapshot of every shard. */
  chaosTotals(): ChaosSnapshot {
    return sumChaos(this.pool.latestSnapshots().map((s) => s.chaos));
  }

  /** Link faults in start order; one still in force takes its counts from the shards' last snapshots. */
  results(finals: readonly ShardSnapshot[]): FaultResult[] {
    const live = sumChaos(finals.map((s) => s.chaos)).faults;
    return [...this.links.values()].map((f) => (f.endedAtMs === null && live[f.id] ? { ...f, counts: live[f.id]! } : { ...f }));
  }

  /**
   * Kill the shards hosting `span` and start them again, carrying the link faults still active so
   * offline nodes stay offline; compare each node's pods before the kill with what it restored.
   */
  private async crashShards(span: NodeSpan): Promise<RestoreCheck> {
    const pool = this.pool;
    const shards = pool.shardsHosting(span.first, span.count);
    const before: Record<string, string[]> = {};
    for (const i of shards) Object.assign(before, await pool.inventory(i));
    for (const i of shards) await pool.restartShard(i, (config) => this.carryInto(config));
    const after: Record<string, string[]> = {};
    for (const i of shards) Object.assign(after, await pool.inventory(i));
    let podsBefore = 0;
    let podsAfter = 0;
    let lost = 0;
    let duplicated = 0;
    for (const [node, held] of Object.entries(before)) {
      const restored = after[node] ?? [];
      podsBefore += held.length;
      podsAfter += restored.length;
      const restoredSet = new Set(restored);
      for (const uid of held) if (!restoredSet.has(uid)) lost++;
      // A uid restored twice, or a pod the node did not hold before the kill, is a duplicate.
      duplicated += restored.length - restoredSet.size;
      const heldSet = new Set(held);
      for (const uid of restoredSet) if (!heldSet.has(uid)) duplicated++;
    }
    return { nodes: Object.keys(before).length, podsBefore, podsAfter, lost, duplicated };
  }

  /** The link faults still in force go into a restarted shard's config, applied before its nodes start. */
  private carryInto(config: ShardConfig): ShardConfig {
    return { ...config, faults: this.activeLinks() };
  }

  private endLink(record: FaultResult, atMs: number, counts: FaultCounts): FaultEvent {
    record.endedAtMs = atMs;
    record.counts = counts;
    const ended: FaultEvent = { id: record.id, action: 'end', atMs, nodes: record.nodes, spec: record.spec, counts: { ...counts } };
    this.emit('fault', ended);
    return ended;
  }
}

function sumReplies(replies: ReadonlyArray<FaultReply | undefined>): FaultCounts {
  const total = emptyFaultCounts();
  for (const r of replies) if (r && r.type !== 'fault-failed' && r.counts) addFaultCounts(total, r.counts);
  return total;
}
