/**
 * When each node of a flap fault is down: the cycle arithmetic, with no timer per node. Member j
 * starts cycling `offset(j)` ms after the fault (staggered evenly over one cycle, or 0 in sync);
 * each cycle of `downMs + upMs` it is down for the first `downMs` when its draw for that cycle is
 * below `probability`. Down and up instants sit on two sorted rings, so the one scheduled entry of
 * a shard finds the members whose state can change in a tick by binary search, not by a scan.
 */
import { fmix32 } from '../util/fmix32.js';

export interface FlapCycle {
  downMs: number;
  upMs: number;
  probability: number;
  seed: number;
  sync: boolean;
}

const INV_PHI = 0.6180339887498949;

/** A deterministic draw in [0, 1) for a node's `cycle`-th cycle. */
export function flapDraw(index: number, cycle: number, seed: number): number {
  const h = fmix32((fmix32((index ^ Math.imul(seed, 0x27d4eb2f)) >>> 0) ^ Math.imul(cycle + 1, 0x165667b1)) >>> 0);
  return h / 4294967296;
}

export class FlapSchedule {
  readonly cycleMs: number;
  private readonly offsets: Float64Array;
  /** Members sorted by the ring position of their down instant (= offset) and of their up instant. */
  private readonly byDown: Int32Array;
  private readonly downAt: Float64Array;
  private readonly byUp: Int32Array;
  private readonly upAt: Float64Array;

  /** `members` are global node indices; the schedule refers to them by position j. */
  constructor(
    readonly cycle: FlapCycle,
    readonly members: readonly number[],
  ) {
    this.cycleMs = cycle.downMs + cycle.upMs;
    const n = members.length;
    this.offsets = new Float64Array(n);
    const seedFrac = (fmix32(cycle.seed >>> 0) / 4294967296) % 1;
    for (let j = 0; j < n; j++) {
      const frac = (members[j]! * INV_PHI + seedFrac) % 1;
      this.offsets[j] = cycle.sync ? 0 : Math.floor(frac * this.cycleMs);
    }
    const ring = (j: number, shift: number): number => (this.offsets[j]! + shift) % this.cycleMs;
    [this.byDown, this.downAt] = sortedRing(n, (j) => ring(j, 0));
    [this.byUp, this.upAt] = sortedRing(n, (j) => ring(j, cycle.downMs));
  }

  offset(j: number): number {
    return this.offsets[j]!;
  }

  /** Whether member j is down `elapsedMs` after the fault started. */
  isDown(j: number, elapsedMs: number): boolean {
    const d = elapsedMs - this.offsets[j]!;
    if (d < 0) return false;
    const k = Math.floor(d / this.cycleMs);
    if (d - k * this.cycleMs >= this.cycle.downMs) return false;
    const p = this.cycle.probability;
    return p >= 1 || (p > 0 && flapDraw(this.members[j]!, k, this.cycle.seed) < p);
  }

  /** Visit every member with a down or up instant in (fromMs, toMs] (a member may be visited twice). */
  forEachChange(fromMs: number, toMs: number, visit: (j: number) => void): void {
    if (!(toMs > fromMs)) return;
    if (toMs - fromMs >= this.cycleMs) {
      for (let j = 0; j < this.members.length; j++) visit(j);
      return;
    }
    const a = fromMs % this.cycleMs;
    const b = toMs % this.cycleMs;
    visitWindow(this.byDown, this.downAt, a, b, visit);
    visitWindow(this.byUp, this.upAt, a, b, visit);
  }

  /** The first instant after `elapsedMs` at which some member can change; Infinity with no members. */
  nextChangeAfter(elapsedMs: number): number {
    if (this.members.length === 0) return Number.POSITIVE_INFINITY;
    const a = elapsedMs % this.cycleMs;
    const base = elapsedMs - a;
    const next = Math.min(nextOnRing(this.downAt, a, this.cycleMs), nextOnRing(this.upAt, a, this.cycleMs));
    return base + next;
  }
}

function sortedRing(n: number, at: (j: number) => number): [Int32Array, Float64Array] {
  const order = new Int32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  order.sort((x, y) => at(x) - at(y));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = at(order[i]!);
  return [order, values];
}

/** First position whose value is > v. */
function upperBound(values: Float64Array, v: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Members whose ring value lies in (a, b], wrapping through the cycle's end when b ≤ a. */
function visitWindow(order: Int32Array, values: Float64Array, a: number, b: number, visit: (j: number) => void): void {
  const from = upperBound(values, a);
  if (a < b) {
    const to = upperBound(values, b);
    for (let i = from; i < to; i++) visit(order[i]!);
    return;
  }
  for (let i = from; i < values.length; i++) visit(order[i]!);
  const to = upperBound(values, b);
  for (let i = 0; i < to; i++) visit(order[i]!);
}

/** Distance from the cycle's start to the first ring value after `a` (next cycle's first value + cycle when none is left). */
function nextOnRing(values: Float64Array, a: number, cycleMs: number): number {
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  const i = upperBound(values, a);
  return i < values.length ? values[i]! : values[0]! + cycleMs;
}
