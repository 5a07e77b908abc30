import { describe, expect, it } from 'vitest';
import { phaseOffset } from '../../sim/scheduler/timer-wheel.js';
import { PhaseRing } from './phase-ring.js';

function fired(ring: PhaseRing, upToMs: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = 0; t <= upToMs; t += stepMs) ring.advance(t, (m) => out.push(m));
  return out;
}

describe('PhaseRing', () => {
  it('fires every member once per period, in phase order', () => {
    const ring = new PhaseRing([700, 0, 300, 999], 1000);
    expect(fired(ring, 999, 100)).toEqual([1, 2, 0]);
    ring.advance(1000, () => {});
    const next: number[] = [];
    ring.advance(1999, (m) => next.push(m));
    // 999 was due at 999 (fired at 1000 above), then the second period's 0, 300, 700 and 999.
    expect(next).toEqual([2, 0, 3]);
  });

  it('spreads golden-ratio phases evenly over a 100 ms grid', () => {
    const period = 10_000;
    const ring = new PhaseRing(Array.from({ length: 10_000 }, (_, i) => phaseOffset(i, period)), period);
    const perTick: number[] = [];
    // Ticks at 99, 199, … 29,999 ms: three whole periods.
    for (let t = 99; t < 3 * period; t += 100) {
      let n = 0;
      ring.advance(t, () => n++);
      perTick.push(n);
    }
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(30_000);
    // 10k members over 100 ticks: 100 per tick, give or take the sequence's discrepancy.
    expect(Math.max(...perTick)).toBeLessThanOrEqual(103);
    expect(Math.min(...perTick)).toBeGreaterThanOrEqual(97);
  });

  it('catches up after a late tick instead of skipping', () => {
    const ring = new PhaseRing([10, 20], 100);
    expect(fired(ring, 350, 350)).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('rejects a phase outside the period', () => {
    expect(() => new PhaseRing([100], 100)).toThrow(RangeError);
  });
});
