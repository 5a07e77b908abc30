import { describe, expect, it } from 'vitest';
import { TimerWheel, type TimerTarget } from './timer-wheel.js';

class Recorder implements TimerTarget {
  readonly fires: Array<{ kind: number; at: number }> = [];
  onTimer(kind: number, nowMs: number): void {
    this.fires.push({ kind, at: nowMs });
  }
}

describe('TimerWheel catch-up after a blocked loop (injected clock)', () => {
  it('fires everything due, once, in due order, and reports the lag', () => {
    let clock = 1_000_000; // an arbitrary monotonic origin
    const w = new TimerWheel({ manual: true, now: () => clock, tickMs: 10, slots: 64 });
    const r = new Recorder();
    // Spread over more than one round of the wheel (640 ms), scheduled out of order.
    const delays = [5000, 30, 700, 15, 640, 2500, 30_000];
    delays.forEach((d, k) => w.schedule(r, k, d));
    clock += 6000; // blocked for 6 s
    expect(w.runDue()).toBe(6);
    expect(r.fires.map((f) => delays[f.kind])).toEqual([15, 30, 640, 700, 2500, 5000]);
    // Every target sees the real time of the batch, not its due time.
    expect(new Set(r.fires.map((f) => f.at))).toEqual(new Set([clock]));
    // Earliest due tick was 20 ms after origin: 5980 ms late.
    expect(w.lagMs).toBe(5980);
    expect(w.runDue()).toBe(0);
    clock += 24_000;
    expect(w.runDue()).toBe(1);
    expect(w.size).toBe(0);
  });

  it('a periodic target re-arming after a long block fires once, not once per missed period', () => {
    let clock = 0;
    const w = new TimerWheel({ manual: true, now: () => clock });
    let fires = 0;
    const keepalive: TimerTarget = {
      onTimer() {
        fires++;
        w.schedule(keepalive, 0, 15_000);
      },
    };
    w.schedule(keepalive, 0, 15_000);
    clock = 100_000;
    w.runDue();
    expect(fires).toBe(1);
    clock = 114_999;
    w.runDue();
    expect(fires).toBe(1);
    clock = 115_000;
    w.runDue();
    expect(fires).toBe(2);
  });

  it('does nothing when called again with no time passed, and nothing before due', () => {
    let clock = 0;
    const w = new TimerWheel({ manual: true, now: () => clock });
    const r = new Recorder();
    w.schedule(r, 0, 100);
    clock = 99.9;
    expect(w.runDue()).toBe(0);
    clock = 100;
    expect(w.runDue()).toBe(1);
    expect(w.runDue()).toBe(0);
  });
});

/** Live Node.js timers in this process. */
function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('TimerWheel driven by its real timer', () => {
  it('fires timers on its own and sleeps when empty', { timeout: 2000 }, async () => {
    const w = new TimerWheel({ tickMs: 5, unref: false });
    try {
      const baseline = timeouts();
      const fired: number[] = [];
      const start = w.now();
      const done = new Promise<void>((resolve) => {
        const t: TimerTarget = {
          onTimer(kind, nowMs) {
            fired.push(kind);
            expect(nowMs - start).toBeGreaterThanOrEqual(kind);
            if (fired.length === 3) resolve();
          },
        };
        w.schedule(t, 60, 60);
        w.schedule(t, 20, 20);
        w.schedule(t, 40, 40);
      });
      await done;
      expect(fired).toEqual([20, 40, 60]);
      expect(w.size).toBe(0);
      expect(w.lagMs).toBeGreaterThanOrEqual(0);
      // Empty: the wheel has dropped its real timer.
      expect(timeouts()).toBe(baseline);
    } finally {
      w.stop();
    }
  });

  it('arms its real timer for the first timer of an empty wheel', { timeout: 2000 }, async () => {
    const w = new TimerWheel({ tickMs: 5 });
    try {
      const start = w.now();
      const after = await new Promise<number>((resolve) => {
        w.schedule({ onTimer: (_kind, nowMs) => resolve(nowMs - start) }, 0, 15);
      });
      expect(after).toBeGreaterThanOrEqual(15);
    } finally {
      w.stop();
    }
  });

  it('rearms earlier when a sooner timer is scheduled after a later one', { timeout: 2000 }, async () => {
    const w = new TimerWheel({ tickMs: 5 });
    try {
      const start = w.now();
      const firedAfter = await new Promise<number>((resolve) => {
        const t: TimerTarget = { onTimer: (_kind, nowMs) => resolve(nowMs - start) };
        w.schedule(t, 2, 20_000); // the real timer is armed ~20 s out
        w.schedule(t, 1, 10);
      });
      expect(firedAfter).toBeGreaterThanOrEqual(10);
      expect(firedAfter).toBeLessThan(5000);
      expect(w.size).toBe(1);
    } finally {
      w.stop();
    }
  });

  it('advance is refused outside manual mode', () => {
    const w = new TimerWheel();
    expect(() => w.advance(10)).toThrow(/manual/);
    w.stop();
  });
});
