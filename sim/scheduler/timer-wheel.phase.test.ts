import { describe, expect, it } from 'vitest';
import { TimerWheel, nextPhaseDelay, phaseOffset, type TimerTarget } from './timer-wheel.js';

describe('nextPhaseDelay', () => {
  it('is one full period when the anchor is now (edgecore: first run one period after connect)', () => {
    expect(nextPhaseDelay(10_000, 5000, 5000)).toBe(10_000);
  });

  it('keeps the phase of an anchor in the past or the future', () => {
    expect(nextPhaseDelay(10_000, 0, 23_000)).toBe(7000);
    expect(nextPhaseDelay(10_000, 0, 30_000)).toBe(10_000);
    expect(nextPhaseDelay(10_000, 4000, 1000)).toBe(3000);
    expect(nextPhaseDelay(10_000, 40_000, 1000)).toBe(9000);
  });

  it('rejects a non-positive period', () => {
    expect(() => nextPhaseDelay(0, 0, 0)).toThrow(RangeError);
  });
});

describe('phaseOffset', () => {
  it('is deterministic and inside the period', () => {
    for (let s = -50; s < 1000; s++) {
      const p = phaseOffset(s, 10_000);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(10_000);
      expect(phaseOffset(s, 10_000)).toBe(p);
    }
  });

  it('spreads 10k consecutive seeds evenly over 10 ms buckets of a 10 s period', () => {
    const buckets = new Uint32Array(1000);
    for (let s = 0; s < 10_000; s++) buckets[Math.floor(phaseOffset(s, 10_000) / 10)]!++;
    expect(Math.max(...buckets)).toBeLessThanOrEqual(15);
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(5);
  });
});

describe('TimerWheel.schedulePhased', () => {
  it('spreads the first leases of 10k nodes connected in the same tick, then each period stays exact', () => {
    const w = new TimerWheel({ manual: true, tickMs: 10 });
    const period = 10_000;
    const perTick = new Map<number, number>();
    const fireTimes: number[][] = [];
    class Node implements TimerTarget {
      readonly times: number[] = [];
      onTimer(_kind: number, nowMs: number): void {
        this.times.push(nowMs);
        perTick.set(nowMs, (perTick.get(nowMs) ?? 0) + 1);
        w.schedule(this, 0, period);
      }
    }
    const connectedAt = w.now();
    const nodes: Node[] = [];
    for (let n = 0; n < 10_000; n++) {
      const node = new Node();
      nodes.push(node);
      w.schedulePhased(node, 0, period, connectedAt + phaseOffset(n, period));
    }
    w.advance(3 * period);
    for (const node of nodes) fireTimes.push(node.times);
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(20);
    for (const times of fireTimes) {
      expect(times.length).toBeGreaterThanOrEqual(2);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBe(period);
    }
  });

  it('without an offset all nodes anchored at the same instant fire together, like edgecore', () => {
    const w = new TimerWheel({ manual: true });
    const at = new Set<number>();
    const t: TimerTarget = { onTimer: (_k, now) => void at.add(now) };
    for (let n = 0; n < 100; n++) w.schedulePhased(t, 0, 15_000, w.now());
    w.advance(15_000);
    expect([...at]).toEqual([15_000]);
  });
});
