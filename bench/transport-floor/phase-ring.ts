/**
 * Fires each of n members once per period, each at its own phase, from one coarse process-wide
 * timer: members are kept sorted by phase and a cursor walks them, so a tick costs what is due
 * in it, never a pass over all n, and no member needs a timer of its own.
 */
export class PhaseRing {
  /** Member indexes in phase order. */
  private readonly order: Int32Array;
  /** Phases (ms into a period) in the same order. */
  private readonly phases: Float64Array;
  private cursor = 0;
  /** Start of the period the cursor is in, in ms since the ring's origin. */
  private cycleStartMs = 0;

  constructor(
    phasesMs: ArrayLike<number>,
    readonly periodMs: number,
  ) {
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new RangeError(`period must be a positive finite number of ms, got ${periodMs}`);
    const n = phasesMs.length;
    const order = Array.from({ length: n }, (_, i) => i);
    for (const i of order) {
      const p = phasesMs[i]!;
      if (!(p >= 0 && p < periodMs)) throw new RangeError(`phase ${p} of member ${i} is outside [0, ${periodMs})`);
    }
    order.sort((a, b) => phasesMs[a]! - phasesMs[b]!);
    this.order = Int32Array.from(order);
    this.phases = Float64Array.from(order, (i) => phasesMs[i]!);
  }

  /**
   * Calls `fire(member)` for every occurrence due at or before `elapsedMs` (ms since the ring's
   * origin) that has not fired yet, in time order. A late tick catches up: nothing is skipped.
   */
  advance(elapsedMs: number, fire: (member: number) => void): void {
    const n = this.order.length;
    if (n === 0) return;
    while (this.cycleStartMs + this.phases[this.cursor]! <= elapsedMs) {
      fire(this.order[this.cursor]!);
      if (++this.cursor === n) {
        this.cursor = 0;
        this.cycleStartMs += this.periodMs;
      }
    }
  }
}
