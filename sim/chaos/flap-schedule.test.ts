import { describe, expect, it } from 'vitest';
import { flapDraw, FlapSchedule, type FlapCycle } from './flap-schedule.js';

const members = Array.from({ length: 200 }, (_, i) => 1000 + i * 3);

function cycle(over: Partial<FlapCycle> = {}): FlapCycle {
  return { downMs: 300, upMs: 700, probability: 1, seed: 0, sync: false, ...over };
}

describe('FlapSchedule', () => {
  it('in sync with probability 1: down for downMs at the start of every cycle', () => {
    const s = new FlapSchedule(cycle({ sync: true }), members);
    for (const t of [0, 1, 299.9, 1000, 1299, 5000]) expect(s.isDown(0, t)).toBe(true);
    for (const t of [300, 999.9, 1300, 5300]) expect(s.isDown(0, t)).toBe(false);
    expect(s.nextChangeAfter(0)).toBe(300);
    expect(s.nextChangeAfter(300)).toBe(1000);
    expect(s.nextChangeAfter(2999)).toBe(3000);
  });

  it('staggers members evenly over one cycle, deterministically', () => {
    const s = new FlapSchedule(cycle(), members);
    const buckets = new Array<number>(10).fill(0);
    for (let j = 0; j < members.length; j++) {
      const o = s.offset(j);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(1000);
      buckets[Math.floor(o / 100)]!++;
    }
    for (const b of buckets) expect(b).toBeGreaterThanOrEqual(15);
    expect(new FlapSchedule(cycle(), members).offset(17)).toBe(s.offset(17));
    // Before its first cycle a member is up.
    const late = members.findIndex((_, j) => s.offset(j) > 500);
    expect(s.isDown(late, s.offset(late) - 1)).toBe(false);
    expect(s.isDown(late, s.offset(late))).toBe(true);
  });

  it('goes down in about `probability` of the cycles, the same cycles every time', () => {
    const s = new FlapSchedule(cycle({ probability: 0.25, seed: 9 }), members);
    let down = 0;
    let cycles = 0;
    for (let j = 0; j < members.length; j++) {
      for (let k = 0; k < 20; k++) {
        cycles++;
        if (s.isDown(j, s.offset(j) + k * 1000 + 1)) down++;
      }
    }
    expect(down / cycles).toBeGreaterThan(0.2);
    expect(down / cycles).toBeLessThan(0.3);
    expect(flapDraw(1234, 5, 9)).toBe(flapDraw(1234, 5, 9));
    expect(flapDraw(1234, 5, 9)).not.toBe(flapDraw(1234, 6, 9));
    expect(new FlapSchedule(cycle({ probability: 0 }), members).isDown(0, 1e6)).toBe(false);
  });

  it('visits every member whose state changes in a window, found by sweeping ticks', () => {
    for (const c of [cycle(), cycle({ probability: 0.5, seed: 3 }), cycle({ sync: true }), cycle({ downMs: 950, upMs: 50 })]) {
      const s = new FlapSchedule(c, members);
      const state = members.map((_, j) => s.isDown(j, 0));
      let changes = 0;
      let swept = 0;
      // Irregular ticks, as a loaded event loop gives; one window longer than a cycle.
      const ticks = [10, 17, 3, 40, 1200, 9, 250, 33, 10, 10, 500, 61];
      for (let round = 0; round < 6; round++) {
        for (const dt of ticks) {
          const to = swept + dt;
          const visited = new Set<number>();
          s.forEachChange(swept, to, (j) => visited.add(j));
          for (let j = 0; j < members.length; j++) {
            const now = s.isDown(j, to);
            if (now !== state[j]) {
              // A change the window does not report would be a node stuck in its old state.
              expect(visited.has(j)).toBe(true);
              state[j] = now;
              changes++;
            }
          }
          swept = to;
        }
      }
      expect(changes).toBeGreaterThan(0);
    }
  });

  it('names the next instant anything can change', () => {
    const s = new FlapSchedule(cycle(), members);
    let t = 0;
    for (let i = 0; i < 50; i++) {
      const next = s.nextChangeAfter(t);
      expect(next).toBeGreaterThan(t);
      // Nothing changes strictly between t and next.
      const mid = (t + next) / 2;
      for (let j = 0; j < members.length; j++) expect(s.isDown(j, mid)).toBe(s.isDown(j, t + 1e-9));
      t = next;
    }
    expect(new FlapSchedule(cycle(), []).nextChangeAfter(0)).toBe(Number.POSITIVE_INFINITY);
  });
});
