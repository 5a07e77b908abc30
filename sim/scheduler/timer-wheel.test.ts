import { describe, expect, it } from 'vitest';
import { NO_TIMER, TimerWheel, type TimerId, type TimerTarget } from './timer-wheel.js';

/** Records every fire as (kind, nowMs) in order. */
class Recorder implements TimerTarget {
  readonly fires: Array<{ kind: number; at: number }> = [];
  onTimer(kind: number, nowMs: number): void {
    this.fires.push({ kind, at: nowMs });
  }
  kinds(): number[] {
    return this.fires.map((f) => f.kind);
  }
}

function manualWheel(tickMs = 10, slots = 4096): TimerWheel {
  return new TimerWheel({ manual: true, tickMs, slots });
}

describe('TimerWheel ordering and timing', () => {
  it('fires in due order, ties in schedule order', () => {
    const w = manualWheel();
    const r = new Recorder();
    w.schedule(r, 3, 300);
    w.schedule(r, 1, 100);
    w.schedule(r, 2, 100);
    w.schedule(r, 0, 50);
    w.advance(1000);
    expect(r.kinds()).toEqual([0, 1, 2, 3]);
  });

  it('orders by exact due time inside one tick', () => {
    const w = manualWheel(100);
    const r = new Recorder();
    w.schedule(r, 2, 90);
    w.schedule(r, 1, 20);
    w.schedule(r, 3, 95);
    w.advance(100);
    expect(r.kinds()).toEqual([1, 2, 3]);
  });

  it('never fires before the due time, and fires within one tick after it', () => {
    const w = manualWheel(10);
    const r = new Recorder();
    const delays = [1, 9, 10, 11, 15, 99, 100, 101, 12345];
    delays.forEach((d, k) => w.schedule(r, k, d));
    for (let t = 0; t < 13_000; t++) w.advance(1);
    expect(r.fires).toHaveLength(delays.length);
    for (const f of r.fires) {
      const due = delays[f.kind]!;
      expect(f.at).toBeGreaterThanOrEqual(due);
      expect(f.at - due).toBeLessThan(10);
    }
  });

  it('does not fire at a time before due even when advanced in one jump', () => {
    const w = manualWheel(10);
    const r = new Recorder();
    w.schedule(r, 0, 25);
    expect(w.advance(20)).toBe(0);
    expect(r.fires).toEqual([]);
    expect(w.advance(10)).toBe(1);
    expect(r.fires[0]!.at).toBe(30);
  });

  it('handles delays of hours (many rounds of a small wheel)', () => {
    const w = manualWheel(10, 64); // one round = 640 ms
    const r = new Recorder();
    const hour = 3_600_000;
    w.schedule(r, 1, 3 * hour);
    w.schedule(r, 0, hour);
    w.schedule(r, 2, 5 * hour + 7);
    w.advance(hour - 10);
    expect(r.fires).toEqual([]);
    w.advance(10);
    expect(r.fires).toEqual([{ kind: 0, at: hour }]);
    w.advance(2 * hour - 1);
    expect(r.kinds()).toEqual([0]);
    w.advance(1);
    expect(r.kinds()).toEqual([0, 1]);
    w.advance(2 * hour + 100);
    expect(r.fires[2]).toEqual({ kind: 2, at: 5 * hour + 10 });
    expect(w.size).toBe(0);
  });

  it('fires 100k timers exactly once each, across rounds', () => {
    const w = manualWheel(10, 1024);
    const count = new Uint8Array(100_000);
    const target: TimerTarget = {
      onTimer(kind) {
        count[kind]!++;
      },
    };
    for (let k = 0; k < count.length; k++) w.schedule(target, k, (k * 7919) % 60_000);
    expect(w.size).toBe(100_000);
    expect(w.advance(61_000)).toBe(100_000);
    expect(w.advance(120_000)).toBe(0);
    expect(count.every((c) => c === 1)).toBe(true);
    expect(w.size).toBe(0);
    expect(w.stats.fired).toBe(100_000);
  });

  it('keeps an exact period when the target re-arms itself in onTimer', () => {
    const w = manualWheel(10);
    const at: number[] = [];
    const lease: TimerTarget = {
      onTimer(_kind, nowMs) {
        at.push(nowMs);
        w.schedule(lease, 0, 10_000);
      },
    };
    w.schedule(lease, 0, 10_000);
    w.advance(60_000);
    expect(at).toEqual([10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
  });
});

describe('TimerWheel cancel and reschedule', () => {
  it('cancel stops a timer and is false the second time or for a stale id', () => {
    const w = manualWheel();
    const r = new Recorder();
    const a = w.schedule(r, 1, 100);
    const b = w.schedule(r, 2, 100);
    expect(w.cancel(a)).toBe(true);
    expect(w.cancel(a)).toBe(false);
    expect(w.cancel(NO_TIMER)).toBe(false);
    expect(w.isPending(a)).toBe(false);
    expect(w.isPending(b)).toBe(true);
    w.advance(200);
    expect(r.kinds()).toEqual([2]);
    expect(w.cancel(b)).toBe(false);
  });

  it('an old id does not cancel the new timer that reused its slot', () => {
    const w = manualWheel();
    const r = new Recorder();
    const old = w.schedule(r, 1, 10);
    w.advance(10);
    const fresh = w.schedule(r, 2, 10);
    expect(fresh).not.toBe(old);
    expect(w.cancel(old)).toBe(false);
    w.advance(10);
    expect(r.kinds()).toEqual([1, 2]);
  });

  it('reschedule moves a timer later or earlier and keeps its id', () => {
    const w = manualWheel();
    const r = new Recorder();
    const a = w.schedule(r, 1, 100);
    w.schedule(r, 2, 200);
    expect(w.reschedule(a, 300)).toBe(true);
    w.advance(250);
    expect(r.kinds()).toEqual([2]);
    expect(w.reschedule(a, 10)).toBe(true);
    w.advance(10);
    expect(r.fires).toEqual([
      { kind: 2, at: 200 },
      { kind: 1, at: 260 },
    ]);
    expect(w.reschedule(a, 10)).toBe(false);
  });

  it('cancel inside a callback stops a timer due in the same batch', () => {
    const w = manualWheel();
    const r = new Recorder();
    let victim: TimerId = NO_TIMER;
    const killer: TimerTarget = {
      onTimer() {
        expect(w.cancel(victim)).toBe(true);
      },
    };
    w.schedule(killer, 0, 50);
    victim = w.schedule(r, 1, 50);
    w.schedule(r, 2, 50);
    w.advance(50);
    expect(r.kinds()).toEqual([2]);
    expect(w.size).toBe(0);
  });

  it('a callback cancelling its own timer gets false; reschedule of a batch-mate defers it', () => {
    const w = manualWheel();
    const r = new Recorder();
    let self: TimerId = NO_TIMER;
    let mate: TimerId = NO_TIMER;
    const t: TimerTarget = {
      onTimer() {
        expect(w.cancel(self)).toBe(false);
        expect(w.reschedule(mate, 100)).toBe(true);
      },
    };
    self = w.schedule(t, 0, 10);
    mate = w.schedule(r, 1, 10);
    w.advance(10);
    expect(r.fires).toEqual([]);
    w.advance(100);
    expect(r.fires).toEqual([{ kind: 1, at: 110 }]);
  });

  it('a slot freed by a cancel and reused inside the batch does not fire in that batch', () => {
    const w = manualWheel();
    const r = new Recorder();
    let victim: TimerId = NO_TIMER;
    const t: TimerTarget = {
      onTimer() {
        w.cancel(victim);
        w.schedule(r, 9, 0); // likely reuses victim's slot
      },
    };
    w.schedule(t, 0, 10);
    victim = w.schedule(r, 1, 10);
    w.advance(10);
    expect(r.fires).toEqual([]);
    w.advance(10);
    expect(r.fires).toEqual([{ kind: 9, at: 20 }]);
  });

  it('schedule with delay 0 inside a callback fires at the next tick, not in the same batch', () => {
    const w = manualWheel(10);
    let fires = 0;
    const loop: TimerTarget = {
      onTimer() {
        fires++;
        w.schedule(loop, 0, 0);
      },
    };
    w.schedule(loop, 0, 0);
    expect(w.advance(10)).toBe(1);
    expect(fires).toBe(1);
    expect(w.advance(10)).toBe(1);
    expect(w.advance(50)).toBe(5);
    expect(fires).toBe(7);
    expect(w.size).toBe(1);
  });

  it('delay 0 from outside a callback never fires synchronously', () => {
    const w = manualWheel(10);
    const r = new Recorder();
    w.schedule(r, 1, 0);
    expect(r.fires).toEqual([]);
    w.advance(10);
    expect(r.kinds()).toEqual([1]);
  });

  it('stop drops every timer and turns later schedules into no-ops', () => {
    const w = manualWheel();
    const r = new Recorder();
    const a = w.schedule(r, 1, 10);
    w.stop();
    expect(w.size).toBe(0);
    expect(w.cancel(a)).toBe(false);
    expect(w.schedule(r, 2, 10)).toBe(NO_TIMER);
    w.advance(100);
    expect(r.fires).toEqual([]);
  });

  it('grows its slab past the initial capacity', () => {
    const w = new TimerWheel({ manual: true, initialCapacity: 16 });
    const r = new Recorder();
    const ids = Array.from({ length: 1000 }, (_, k) => w.schedule(r, k, 1000 - k));
    expect(w.stats.capacity).toBeGreaterThanOrEqual(1000);
    for (let k = 0; k < 1000; k += 2) expect(w.cancel(ids[k]!)).toBe(true);
    w.advance(1000);
    expect(r.fires).toHaveLength(500);
    expect(r.kinds()[0]).toBe(999);
  });
});

describe('TimerWheel errors from targets', () => {
  it('counts a throwing target, fires the rest of the batch, then rethrows', () => {
    const w = manualWheel();
    const r = new Recorder();
    const bad: TimerTarget = {
      onTimer() {
        throw new Error('boom');
      },
    };
    w.schedule(bad, 0, 10);
    w.schedule(r, 1, 10);
    expect(() => w.advance(10)).toThrow('boom');
    expect(r.kinds()).toEqual([1]);
    expect(w.stats.errors).toBe(1);
    // the wheel still works
    w.schedule(r, 2, 10);
    w.advance(10);
    expect(r.kinds()).toEqual([1, 2]);
  });

  it('hands errors to onError instead when given', () => {
    const seen: Array<[string, number]> = [];
    const w = new TimerWheel({ manual: true, onError: (e, kind) => seen.push([(e as Error).message, kind]) });
    w.schedule({ onTimer: () => { throw new Error('x'); } }, 7, 10);
    expect(w.advance(10)).toBe(1);
    expect(seen).toEqual([['x', 7]]);
    expect(w.stats.errors).toBe(1);
  });

  it('rejects a NaN or infinite delay', () => {
    const w = manualWheel();
    const r = new Recorder();
    expect(() => w.schedule(r, 0, Number.NaN)).toThrow(RangeError);
    expect(() => w.schedule(r, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(w.size).toBe(0);
  });
});
