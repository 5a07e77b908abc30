import { describe, expect, it } from 'vitest';
import { TimerWheel, type TimerTarget } from './timer-wheel.js';

/** Re-arms itself loosely every `periodMs`, recording when it fired. */
class Periodic implements TimerTarget {
  readonly fires: number[] = [];
  constructor(
    private readonly wheel: TimerWheel,
    private readonly periodMs: number,
  ) {}
  onTimer(_kind: number, nowMs: number): void {
    this.fires.push(nowMs);
    this.wheel.scheduleLoose(this, 0, this.periodMs);
  }
}

describe('TimerWheel loose timers', () => {
  it('land on the coalescing grid, never more than a tick early, and share its instants', () => {
    const w = new TimerWheel({ manual: true, tickMs: 10, coalesceMs: 100 });
    const fires: number[] = [];
    const t: TimerTarget = { onTimer: (_k, now) => fires.push(now) };
    for (const delay of [0, 5, 95, 100, 101, 111, 250, 9_990, 10_000, 10_005]) w.scheduleLoose(t, 0, delay);
    w.advance(20_000);
    expect(fires).toEqual([0, 0, 100, 100, 100, 200, 300, 10_000, 10_000, 10_000].map((x) => x || 10));
    // 0 and 5 ms are due now: they fire at the next tick, as schedule() would
  });

  it('keep a period that is a multiple of the grid exactly, from batches that run late by less than a tick', () => {
    let clock = 0;
    const w = new TimerWheel({ manual: true, tickMs: 10, coalesceMs: 100, now: () => clock });
    const p = new Periodic(w, 10_000);
    w.scheduleLoose(p, 0, 10_000);
    for (let k = 1; k <= 5; k++) {
      clock = k * 10_000 + 7; // the real timer fired 7 ms after the grid instant
      w.runDue();
    }
    expect(p.fires).toEqual([10_007, 20_007, 30_007, 40_007, 50_007]);
  });

  it('are exact timers when the grid is the tick, and reschedule onto the grid', () => {
    const exact = new TimerWheel({ manual: true, tickMs: 10 });
    const fires: number[] = [];
    const t: TimerTarget = { onTimer: (_k, now) => fires.push(now) };
    exact.scheduleLoose(t, 0, 1_234);
    exact.advance(2_000);
    expect(fires).toEqual([1_240]);

    const w = new TimerWheel({ manual: true, tickMs: 10, coalesceMs: 100 });
    const at: number[] = [];
    const id = w.schedule({ onTimer: (_k, now) => at.push(now) }, 0, 30);
    expect(w.rescheduleLoose(id, 1_234)).toBe(true);
    w.advance(2_000);
    expect(at).toEqual([1_300]);
  });

  it('refuse a grid that is not a multiple of the tick', () => {
    expect(() => new TimerWheel({ manual: true, tickMs: 10, coalesceMs: 105 })).toThrow(/multiple of tickMs/);
    expect(() => new TimerWheel({ manual: true, tickMs: 10, coalesceMs: 5 })).toThrow(/multiple of tickMs/);
  });
});
