/**
 * A shard's link-fault layer. It wraps the shard's hub dialer, so it sees every node's live link
 * (a registry: node name → tap) and can fail dials of nodes whose network is down; it applies and
 * heals faults by id over node selections; and it drives every held byte and every flap cycle
 * from the shard's one timer wheel. Nodes never know: they see only HubLink and HubListener.
 *
 * Cost when no fault is in force: one tap per node that has dialled (the registry entry, which
 * also forwards the link's events to the node) and one field check per write and read on the
 * link. Fault state exists only for nodes a fault selects.
 */
import type { HubClientKind, HubDialer, HubDialOptions, HubLink, HubListener } from '../edge/hub/hub-link.js';
import { NO_TIMER, type TimerId, type TimerTarget, type TimerWheel } from '../scheduler/timer-wheel.js';
import { TlsHubLink } from '../edge/hub/tls-hub-link.js';
import { ConfigInvalidError } from '../errors.js';
import { activeFault, type ActiveFault, type DownState, type FaultHost } from './active-faults.js';
import { emptyChaosSnapshot, emptyFaultCounts, type ChaosSnapshot, type FaultCounts } from './chaos-counters.js';
import { FailedLink } from './failed-link.js';
import { parseLinkFault } from './link-fault.js';
import { LinkShape } from './link-shape.js';
import { LinkShaper, type ShaperHost, type ShaperStats } from './link-shaper.js';
import { parseNodeSelector, selectNodes } from './node-selector.js';

export interface ChaosEngineOptions {
  wheel: TimerWheel;
  /** The shard's hub client: faults need the lean one. */
  client: HubClientKind;
  /** The shard's slice of the fleet. */
  firstNode: number;
  nodeCount: number;
  /** A node's name from its global index. */
  nameOf(index: number): string;
  random?: () => number;
}

/** What applying a fault did in this shard. */
export interface FaultApplied {
  /** Nodes of this shard the selector picked. */
  nodes: number;
  /** Of those, nodes with a live link (open or dialling) the fault acted on at once. */
  links: number;
  counts: FaultCounts;
}

/** A node as the chaos layer sees it: the registry entry, the forwarder of its link's events, and its fault state. */
class NodeTap implements HubListener {
  /** The node (set at its first dial). */
  node: HubListener | undefined = undefined;
  /** The link from its latest dial, until that link closes. */
  link: HubLink | undefined = undefined;
  /** Only while a fault selects the node. */
  faults: NodeFaults | undefined = undefined;

  onHubOpen(hub: HubLink): void {
    this.node!.onHubOpen(hub);
  }

  onHubMessage(hub: HubLink, data: Buffer): void {
    this.node!.onHubMessage(hub, data);
  }

  onHubClosed(hub: HubLink, opened: boolean, reason: string): void {
    if (hub === this.link) this.link = undefined;
    if (hub instanceof TlsHubLink && hub.chaos instanceof LinkShaper) hub.chaos.dispose();
    this.node!.onHubClosed(hub, opened, reason);
  }
}

class NodeFaults {
  /** Faults in force on the node, in the order they were applied, with the node's position in each. */
  readonly entries: Array<{ fault: ActiveFault; j: number }> = [];
  shape = new LinkShape();
  /** The fault holding the node down, if one does. */
  downBy: { fault: ActiveFault; state: DownState } | undefined = undefined;
}

/** Links half-closed by one slow-close command, destroyed together `afterMs` later. */
class SlowCloseBatch implements TimerTarget {
  constructor(private readonly links: HubLink[]) {}
  onTimer(): void {
    for (const link of this.links) link.terminate();
  }
}

const T_PUMP = 1;

export class ChaosEngine implements ShaperHost, FaultHost, TimerTarget {
  readonly wheel: TimerWheel;
  readonly stats: ShaperStats = { heldBytesOut: 0, heldBytesIn: 0, bytesHeld: 0, bytesDiscarded: 0 };
  private readonly client: HubClientKind;
  private readonly slice: { firstNode: number; nodeCount: number };
  private readonly nameOf: (index: number) => string;
  private readonly rand: () => number;
  private readonly taps = new Map<string, NodeTap>();
  private readonly active = new Map<string, ActiveFault>();
  private readonly membersOf = new Map<ActiveFault, NodeTap[]>();
  private nodesFaulted = 0;
  private dialsRefused = 0;
  private dialsTimedOut = 0;
  private resets = 0;
  private resetFallbacks = 0;
  private slowCloses = 0;
  private flapDowns = 0;
  private flapUps = 0;
  /** Shapers holding bytes that can move; the pump visits only these. */
  private pumping: LinkShaper[] = [];
  private spare: LinkShaper[] = [];
  private pumpTimer: TimerId = NO_TIMER;
  private pumpAt = Number.POSITIVE_INFINITY;

  constructor(options: ChaosEngineOptions) {
    this.wheel = options.wheel;
    this.client = options.client;
    this.slice = { firstNode: options.firstNode, nodeCount: options.nodeCount };
    this.nameOf = options.nameOf;
    this.rand = options.random ?? Math.random;
  }

  /** The shard's dialer with this layer in front (the `ws` client gets none: it refuses faults). */
  dialer(inner: HubDialer): HubDialer {
    if (this.client !== 'lean') return inner;
    return (options, listener) => this.dial(inner, options, listener);
  }

  /** Put fault `id` in force on the selected nodes of this shard (or run it once: reset, slow close). */
  apply(id: string, rawSpec: unknown, rawSelector: unknown): FaultApplied {
    if (this.client !== 'lean') {
      throw new ConfigInvalidError(
        `link fault ${id}: this shard dials with the ws reference client (TWINLAB_HUB_CLIENT=ws), which has no fault layer; unset TWINLAB_HUB_CLIENT to use the lean client`,
        { fault: id, client: this.client },
      );
    }
    if (typeof id !== 'string' || id.length === 0) throw new ConfigInvalidError('a link fault needs a non-empty string id', { fault: id });
    const spec = parseLinkFault(rawSpec);
    const selector = parseNodeSelector(rawSelector);
    if (this.active.has(id)) throw new ConfigInvalidError(`link fault ${id} is already in force`, { fault: id });
    const members = selectNodes(selector, this.slice);
    const counts = emptyFaultCounts();
    counts.nodes = members.length;
    if (spec.kind === 'reset') return this.resetNow(members, counts);
    if (spec.kind === 'slow-close') return this.slowCloseNow(members, spec.afterMs, counts);

    const fault = activeFault(id, spec, members, counts, this);
    const taps = members.map((index) => this.tapFor(this.nameOf(index)));
    this.active.set(id, fault);
    this.membersOf.set(fault, taps);
    fault.start();
    taps.forEach((tap, j) => {
      if (tap.link !== undefined) counts.links++;
      if (tap.faults === undefined) {
        tap.faults = new NodeFaults();
        this.nodesFaulted++;
      }
      tap.faults.entries.push({ fault, j });
      this.recompute(tap);
    });
    return { nodes: members.length, links: counts.links, counts: { ...counts } };
  }

  /** End fault `id`: held bytes flow, downed nodes may dial again. Returns its counts, or undefined for an id not in force. */
  heal(id: string): FaultCounts | undefined {
    const fault = this.active.get(id);
    if (!fault) return undefined;
    this.active.delete(id);
    const taps = this.membersOf.get(fault)!;
    this.membersOf.delete(fault);
    fault.stop();
    for (const tap of taps) {
      const nf = tap.faults;
      if (!nf) continue;
      const at = nf.entries.findIndex((e) => e.fault === fault);
      if (at >= 0) nf.entries.splice(at, 1);
      this.recompute(tap);
    }
    return { ...fault.counts };
  }

  /** Heal every fault in force. */
  healAll(): void {
    for (const id of [...this.active.keys()]) this.heal(id);
  }

  /** Ids of the faults in force. */
  get activeIds(): string[] {
    return [...this.active.keys()];
  }

  snapshot(): ChaosSnapshot {
    const faults: Record<string, FaultCounts> = {};
    for (const [id, f] of this.active) faults[id] = { ...f.counts };
    return {
      ...emptyChaosSnapshot(),
      faultsActive: this.active.size,
      nodesFaulted: this.nodesFaulted,
      heldBytesOut: this.stats.heldBytesOut,
      heldBytesIn: this.stats.heldBytesIn,
      bytesHeld: this.stats.bytesHeld,
      bytesDiscarded: this.stats.bytesDiscarded,
      dialsRefused: this.dialsRefused,
      dialsTimedOut: this.dialsTimedOut,
      resets: this.resets,
      resetFallbacks: this.resetFallbacks,
      slowCloses: this.slowCloses,
      flapDowns: this.flapDowns,
      flapUps: this.flapUps,
      registeredNodes: this.taps.size,
      faults,
    };
  }

  // ---- ShaperHost, FaultHost, TimerTarget ----

  now(): number {
    return this.wheel.now();
  }

  random(): number {
    return this.rand();
  }

  wake(shaper: LinkShaper, atMs: number): void {
    if (!shaper.pumping) {
      shaper.pumping = true;
      this.pumping.push(shaper);
    }
    this.armPump(atMs);
  }

  changed(fault: ActiveFault, j: number): void {
    const tap = this.membersOf.get(fault)?.[j];
    if (tap) this.recompute(tap);
  }

  flapped(down: boolean): void {
    if (down) this.flapDowns++;
    else this.flapUps++;
  }

  onTimer(kind: number, nowMs: number): void {
    if (kind !== T_PUMP) return;
    this.pumpTimer = NO_TIMER;
    this.pumpAt = Number.POSITIVE_INFINITY;
    // Shapers woken while this runs (bytes a node sends in reply) go to the other list and arm the next pump themselves.
    const list = this.pumping;
    this.pumping = this.spare;
    let next = Number.POSITIVE_INFINITY;
    try {
      for (const shaper of list) {
        shaper.pumping = false;
        const at = shaper.pump(nowMs);
        if (at === Number.POSITIVE_INFINITY) continue;
        if (!shaper.pumping) {
          shaper.pumping = true;
          this.pumping.push(shaper);
        }
        if (at < next) next = at;
      }
    } finally {
      list.length = 0;
      this.spare = list;
    }
    if (next !== Number.POSITIVE_INFINITY) this.armPump(next);
  }

  // ---- internals ----

  private dial(inner: HubDialer, options: HubDialOptions, listener: HubListener): HubLink {
    const tap = this.tapFor(options.nodeName);
    tap.node = listener;
    const nf = tap.faults;
    if (nf?.downBy) return this.failDial(nf.downBy, options, listener);
    const link = inner(options, tap);
    tap.link = link;
    if (nf && !nf.shape.neutral) this.shapeLink(link, nf.shape);
    return link;
  }

  private failDial(downBy: { fault: ActiveFault; state: DownState }, options: HubDialOptions, listener: HubListener): HubLink {
    const { fault, state } = downBy;
    if (state.dial === 'refuse') {
      fault.counts.dialsRefused++;
      this.dialsRefused++;
      return new FailedLink(listener, `connect ECONNREFUSED ${new URL(options.cloudhubUrl).host} (link down: fault ${fault.id})`, this.wheel, 0);
    }
    fault.counts.dialsTimedOut++;
    this.dialsTimedOut++;
    return new FailedLink(listener, 'Opening handshake has timed out', this.wheel, options.handshakeTimeoutMs);
  }

  private tapFor(name: string): NodeTap {
    let tap = this.taps.get(name);
    if (tap === undefined) {
      tap = new NodeTap();
      this.taps.set(name, tap);
    }
    return tap;
  }

  /** Combine the faults on a node into its shape and down state, and make its link follow. */
  private recompute(tap: NodeTap): void {
    const nf = tap.faults;
    if (!nf) return;
    const shape = new LinkShape();
    let downBy: NodeFaults['downBy'];
    for (const { fault, j } of nf.entries) {
      fault.shape(shape, j);
      if (downBy === undefined) {
        const state = fault.down(j);
        if (state) downBy = { fault, state };
      }
    }
    const wasDown = nf.downBy !== undefined;
    nf.downBy = downBy;
    nf.shape = shape;
    if (downBy && !wasDown && downBy.state.resetLink && tap.link) this.resetLink(tap.link, downBy.fault.counts);
    if (tap.link) this.shapeLink(tap.link, shape);
    if (nf.entries.length === 0) {
      tap.faults = undefined;
      this.nodesFaulted--;
    }
  }

  private shapeLink(link: HubLink, shape: LinkShape): void {
    if (!(link instanceof TlsHubLink) || !link.live) return;
    const current = link.chaos instanceof LinkShaper && !link.chaos.detached ? link.chaos : undefined;
    if (shape.neutral) current?.release();
    else (current ?? new LinkShaper(link, this)).setShape(shape);
  }

  private resetLink(link: HubLink, counts: FaultCounts): void {
    counts.resets++;
    this.resets++;
    if (!(link instanceof TlsHubLink)) {
      link.terminate();
      return;
    }
    if (!link.reset()) this.resetFallbacks++;
  }

  private resetNow(members: number[], counts: FaultCounts): FaultApplied {
    for (const index of members) {
      const link = this.taps.get(this.nameOf(index))?.link;
      if (!link) continue;
      counts.links++;
      this.resetLink(link, counts);
    }
    return { nodes: members.length, links: counts.links, counts };
  }

  private slowCloseNow(members: number[], afterMs: number, counts: FaultCounts): FaultApplied {
    const closing: HubLink[] = [];
    for (const index of members) {
      const link = this.taps.get(this.nameOf(index))?.link;
      if (!(link instanceof TlsHubLink) || !link.live) continue;
      const shaper = link.chaos instanceof LinkShaper && !link.chaos.detached ? link.chaos : new LinkShaper(link, this);
      if (shaper.halfClosed) continue;
      shaper.halfClose();
      closing.push(link);
      this.slowCloses++;
    }
    counts.links = closing.length;
    if (closing.length > 0) this.wheel.schedule(new SlowCloseBatch(closing), 0, afterMs);
    return { nodes: members.length, links: counts.links, counts };
  }

  private armPump(atMs: number): void {
    if (atMs >= this.pumpAt) return;
    if (this.pumpTimer !== NO_TIMER) this.wheel.cancel(this.pumpTimer);
    this.pumpAt = atMs;
    this.pumpTimer = this.wheel.scheduleAt(this, T_PUMP, atMs);
  }
}
