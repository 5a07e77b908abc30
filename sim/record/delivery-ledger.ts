/**
 * The delivery ledger: what the workload changed for each node against what each node received,
 * reduced to the report's LedgerSection (delivered, lost, duplicated, reordered, resurrected).
 *
 * Pure bookkeeping, O(1) per call, with state per (node, uid) only. Its result is a function of
 * the sequence of `expect`/`receipt` calls alone (no clock, map order = call order), so replaying
 * the run's event log rebuilds exactly the ledger the run reported.
 *
 * Rules, per (node, uid):
 * - The latest `expect` is the object's expected final state and its phase is the phase the object
 *   is counted under (expected, delivered, lost).
 * - The node's state is what it received last, in arrival order, as the edge's store keeps
 *   whatever arrived last: a stale update after a newer one leaves the node stale.
 * - Delivered: that state satisfies the expectation (live with RV ≥ expected, or deleted when a
 *   deletion is expected). Latency runs from the expectation to the first receipt satisfying it;
 *   0 when that receipt came before the expectation was registered (the API call returned after
 *   the node had the change).
 * - Duplicated: a msgId or an RV+operation the node already received for that uid. msgIds are
 *   matched per uid, not per node, because one message may carry several objects.
 * - Reordered: a non-duplicate, non-delete receipt whose RV is below the highest already received
 *   for the uid. Deletes are never reordered: a delete ends the object whatever RV it carries.
 * - Resurrected: any non-delete receipt after a delete was received for the uid.
 *   Duplicated/reordered/resurrected count receipts, under the phase of the expectation current
 *   when they arrived (receipts ahead of an object's first expectation go to that expectation's phase).
 *
 * Untracked: receipts for a (node, uid) that is never expected do not enter the section's counts
 * and are reported by `stats()`. Per-object state is still kept for them when their kind is
 * tracked, because a receipt can precede its expectation; duplicates/reorders/resurrections among
 * never-expected objects of tracked kinds are detected and reported in `stats()` only. Receipts of
 * untracked kinds (e.g. the node's own Lease) keep no state at all.
 */
import type { LedgerCounts, LedgerSection, LostObject } from '../model/run-sections.js';
import { percentilesOf } from '../model/percentiles.js';
import type { Expectation } from '../model/run-events.js';
import { compareRv, parseRv, type RvOrder } from './resource-version.js';

/** An object message a node received. */
export interface Receipt {
  node: string;
  /** Resource type as the edge names it (`pod`, `configmap`…); matched case-insensitively. */
  kind: string;
  uid: string;
  resourceVersion: string;
  /** insert, update, delete…: only `delete` removes the object. */
  operation: string;
  msgId?: string;
  atMs: number;
}

export interface DeliveryLedgerOptions {
  /**
   * Kinds whose receipts keep per-object state even before (or without) an expectation; kinds
   * named by `expect` are added as they come. Matched case-insensitively. Default: every kind.
   */
  trackedKinds?: readonly string[];
}

export interface LedgerSectionOptions {
  graceSeconds: number;
  /** Upstream requests the nodes never got a reply for; carried into the section as is. */
  unansweredUpstream: number;
  /** Lost objects listed; the rest are only counted. Default 100. */
  lostListLimit?: number;
}

export interface DeliveryLedgerStats {
  /** `expect` calls. */
  expectations: number;
  /** `receipt` calls. */
  receipts: number;
  /** (node, uid) pairs with state. */
  objects: number;
  /** Receipts for objects never expected (so far), of any kind. */
  untracked: number;
  /** Anomalies among never-expected objects of tracked kinds; not in the section's counts. */
  untrackedAnomalies: { duplicated: number; reordered: number; resurrected: number };
  /** Duplicate receipts of tracked objects so far, whatever phase they count under: re-sends by the cloud. */
  duplicateReceipts: number;
}

/** Receipt anomalies of one phase; expected/delivered/lost are derived from the final states. */
class PhaseTally {
  duplicated = 0;
  reordered = 0;
  resurrected = 0;
  constructor(
    readonly phase: string,
    readonly order: number,
  ) {}
}

interface Wanted {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** null: deleted. */
  readonly rv: string | null;
  readonly rvOrder: RvOrder;
  readonly atMs: number;
  readonly tally: PhaseTally;
}

/** What the ledger knows about one uid on one node. */
class ObjectTrack {
  wanted: Wanted | null = null;
  /** RV of the last receipt; null when nothing was received. */
  lastRv: string | null = null;
  lastRvOrder: RvOrder = null;
  lastDeleted = false;
  deleteSeen = false;
  /** Highest decimal RV received with any operation (reorder check). */
  maxOrder: RvOrder = null;
  /** Highest decimal RV received with a live operation (did an earlier receipt already satisfy a new expectation). */
  maxLiveOrder: RvOrder = null;
  /** First receipt satisfying `wanted`; its own atMs when that receipt came before `wanted`. */
  satisfiedAtMs: number | null = null;
  /** `m<msgId>` and `r<operation>\0<rv>` of every receipt. */
  readonly seen = new Set<string>();
  // Until the first expectation: what to hand over to its phase, or leave as untracked.
  receipts = 0;
  duplicated = 0;
  reordered = 0;
  resurrected = 0;
}

const DELETE = 'delete';

export class DeliveryLedger {
  /** node → uid → state. Nested so a call allocates no joined key. */
  private readonly nodes = new Map<string, Map<string, ObjectTrack>>();
  private readonly phases = new Map<string, PhaseTally>();
  /** null: every kind is tracked. */
  private readonly trackedKinds: Set<string> | null;
  private expectations = 0;
  private receipts = 0;
  private objects = 0;
  private untracked = 0;
  /** Receipts of something a node already had (cloudcore re-sent it: ObjectSync after a reconnect or restart). */
  private duplicateReceipts = 0;
  private readonly untrackedAnomalies = { duplicated: 0, reordered: 0, resurrected: 0 };
  /** node → when it first received a Node update from cloudcore (edgecontroller has cached it by then). */
  private readonly nodeCachedAtMs = new Map<string, number>();

  constructor(options: DeliveryLedgerOptions = {}) {
    this.trackedKinds = options.trackedKinds === undefined ? null : new Set(options.trackedKinds.map((k) => k.toLowerCase()));
  }

  /** The workload made this change; it replaces any earlier expectation for the same node and uid. */
  expect(e: Expectation): void {
    this.expectations++;
    this.trackedKinds?.add(e.kind.toLowerCase());
    let tally = this.phases.get(e.phase);
    if (tally === undefined) {
      tally = new PhaseTally(e.phase, this.phases.size);
      this.phases.set(e.phase, tally);
    }
    const t = this.trackOf(e.node, e.uid);
    const wanted: Wanted = {
      kind: e.kind,
      namespace: e.namespace,
      name: e.name,
      rv: e.resourceVersion,
      rvOrder: e.resourceVersion === null ? null : parseRv(e.resourceVersion),
      atMs: e.atMs,
      tally,
    };
    if (t.wanted === null) this.adopt(t, tally);
    t.wanted = wanted;
    t.satisfiedAtMs = satisfiedEarlier(wanted, t) ? e.atMs : null;
  }

  /** The node received this object message. */
  receipt(e: Receipt): void {
    this.receipts++;
    if (e.kind === 'node' && !this.nodeCachedAtMs.has(e.node)) this.nodeCachedAtMs.set(e.node, e.atMs);
    let t = this.nodes.get(e.node)?.get(e.uid);
    if (t === undefined) {
      if (this.trackedKinds !== null && !this.trackedKinds.has(e.kind.toLowerCase())) {
        this.untracked++;
        return;
      }
      t = this.trackOf(e.node, e.uid);
    }
    const isDelete = e.operation === DELETE;
    const order = parseRv(e.resourceVersion);

    const rvKey = `r${e.operation}\u0000${e.resourceVersion}`;
    const msgKey = e.msgId === undefined ? undefined : `m${e.msgId}`;
    const duplicated = t.seen.has(rvKey) || (msgKey !== undefined && t.seen.has(msgKey));
    t.seen.add(rvKey);
    if (msgKey !== undefined) t.seen.add(msgKey);
    const reordered = !duplicated && !isDelete && order !== null && t.maxOrder !== null && order < t.maxOrder;
    const resurrected = !isDelete && t.deleteSeen;

    const counts = t.wanted?.tally ?? t;
    if (duplicated) {
      counts.duplicated++;
      this.duplicateReceipts++;
    }
    if (reordered) counts.reordered++;
    if (resurrected) counts.resurrected++;
    if (t.wanted === null) {
      t.receipts++;
      this.untracked++;
      if (duplicated) this.untrackedAnomalies.duplicated++;
      if (reordered) this.untrackedAnomalies.reordered++;
      if (resurrected) this.untrackedAnomalies.resurrected++;
    }

    t.lastRv = e.resourceVersion;
    t.lastRvOrder = order;
    t.lastDeleted = isDelete;
    if (isDelete) t.deleteSeen = true;
    if (order !== null) {
      if (t.maxOrder === null || order > t.maxOrder) t.maxOrder = order;
      if (!isDelete && (t.maxLiveOrder === null || order > t.maxLiveOrder)) t.maxLiveOrder = order;
    }
    if (t.wanted !== null && t.satisfiedAtMs === null && satisfiedBy(t.wanted, t)) t.satisfiedAtMs = e.atMs;
  }

  stats(): DeliveryLedgerStats {
    return {
      expectations: this.expectations,
      receipts: this.receipts,
      objects: this.objects,
      untracked: this.untracked,
      untrackedAnomalies: { ...this.untrackedAnomalies },
      duplicateReceipts: this.duplicateReceipts,
    };
  }

  /**
   * The ledger as it stands (call it once the grace period is over): every expected object not
   * delivered by now is lost. Lost objects are listed by phase (in first-seen order), node, name.
   */
  /** Expected final states not yet seen on their nodes (what `section` would count as lost now). */
  pending(): number {
    let n = 0;
    for (const tracks of this.nodes.values()) {
      for (const t of tracks.values()) if (t.wanted !== null && !satisfiedBy(t.wanted, t)) n++;
    }
    return n;
  }

  section(options: LedgerSectionOptions): LedgerSection {
    const limit = options.lostListLimit ?? 100;
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`lostListLimit must be a non-negative integer, got ${limit}`);
    const tallies = [...this.phases.values()];
    const counts = tallies.map((p): LedgerCounts => ({ expected: 0, delivered: 0, lost: 0, duplicated: p.duplicated, reordered: p.reordered, resurrected: p.resurrected }));
    const latencies: number[] = [];
    const lost: Array<{ order: number; object: LostObject }> = [];
    let lostBeforeNodeCached = 0;

    for (const [node, tracks] of this.nodes) {
      for (const [uid, t] of tracks) {
        const w = t.wanted;
        if (w === null) continue;
        const c = counts[w.tally.order]!;
        c.expected++;
        if (satisfiedBy(w, t)) {
          c.delivered++;
          latencies.push(Math.max(0, (t.satisfiedAtMs ?? w.atMs) - w.atMs));
        } else {
          c.lost++;
          // Only with the evidence: the node did get its first Node update, after the pod was made.
          const cachedAt = this.nodeCachedAtMs.get(node);
          if (w.kind.toLowerCase() === 'pod' && w.rv !== null && cachedAt !== undefined && w.atMs < cachedAt) lostBeforeNodeCached++;
          lost.push({
            order: w.tally.order,
            object: {
              node,
              kind: w.kind,
              namespace: w.namespace,
              name: w.name,
              uid,
              expected: w.rv === null ? 'deleted' : `rv ${w.rv}`,
              lastSeen: t.lastRv === null ? 'nothing' : t.lastDeleted ? 'deleted' : `rv ${t.lastRv}`,
              phase: w.tally.phase,
            },
          });
        }
      }
    }

    lost.sort(byListingOrder);
    const totals: LedgerCounts = { expected: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, resurrected: 0 };
    for (const c of counts) {
      for (const k of Object.keys(totals) as Array<keyof LedgerCounts>) totals[k] += c[k];
    }
    return {
      graceSeconds: options.graceSeconds,
      totals,
      byPhase: tallies.map((p, i) => ({ phase: p.phase, ...counts[i]! })),
      deliveryLatencyMs: percentilesOf(latencies),
      lostObjects: lost.slice(0, limit).map((l) => l.object),
      lostNotListed: Math.max(0, lost.length - limit),
      unansweredUpstream: options.unansweredUpstream,
      ...(lostBeforeNodeCached > 0 ? { lostBeforeNodeCached } : {}),
    };
  }

  private trackOf(node: string, uid: string): ObjectTrack {
    let tracks = this.nodes.get(node);
    if (tracks === undefined) {
      tracks = new Map();
      this.nodes.set(node, tracks);
    }
    let t = tracks.get(uid);
    if (t === undefined) {
      t = new ObjectTrack();
      tracks.set(uid, t);
      this.objects++;
    }
    return t;
  }

  /** A never-expected object gets its first expectation: its receipts stop being untracked and its anomalies join the phase. */
  private adopt(t: ObjectTrack, tally: PhaseTally): void {
    this.untracked -= t.receipts;
    this.untrackedAnomalies.duplicated -= t.duplicated;
    this.untrackedAnomalies.reordered -= t.reordered;
    this.untrackedAnomalies.resurrected -= t.resurrected;
    tally.duplicated += t.duplicated;
    tally.reordered += t.reordered;
    tally.resurrected += t.resurrected;
    t.receipts = t.duplicated = t.reordered = t.resurrected = 0;
  }
}

/** Does what the node holds now satisfy `w`? */
function satisfiedBy(w: Wanted, t: ObjectTrack): boolean {
  if (t.lastRv === null) return false;
  if (w.rv === null) return t.lastDeleted;
  if (t.lastDeleted) return false;
  const c = compareRv(t.lastRv, t.lastRvOrder, w.rv, w.rvOrder);
  return c !== null && c >= 0;
}

/**
 * Did any receipt so far satisfy `w` (so the first satisfying one came before `w` was registered)?
 * Exact for decimal RVs and deletions; for other RVs only the current state is kept to judge by.
 */
function satisfiedEarlier(w: Wanted, t: ObjectTrack): boolean {
  if (satisfiedBy(w, t)) return true;
  if (w.rv === null) return t.deleteSeen;
  return w.rvOrder !== null && t.maxLiveOrder !== null && t.maxLiveOrder >= w.rvOrder;
}

function byListingOrder(a: { order: number; object: LostObject }, b: { order: number; object: LostObject }): number {
  if (a.order !== b.order) return a.order - b.order;
  const x = a.object;
  const y = b.object;
  return cmp(x.node, y.node) || cmp(x.name, y.name) || cmp(x.namespace, y.namespace) || cmp(x.kind, y.kind) || cmp(x.uid, y.uid);
}

/** Code-unit order: the same on every machine and locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
