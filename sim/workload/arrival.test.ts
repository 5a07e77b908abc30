import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runArrivals } from './arrival.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('runArrivals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('constant-arrival-rate starts iteration i at i/rate regardless of completions', async () => {
    const starts: number[] = [];
    const run = runArrivals({ iterations: 5, ratePerSecond: 10, concurrency: 10, model: 'constant-arrival-rate' }, async (i) => {
      starts[i] = Date.now();
      await sleep(350); // slower than the interval: arrivals do not wait for it
    });
    await vi.advanceTimersByTimeAsync(2000);
    const r = await run;
    expect(starts).toEqual([0, 100, 200, 300, 400]);
    expect(r).toMatchObject({ started: 5, completed: 5, failed: 0, dropped: 0, cancelled: 0, maxInFlight: 4, durationMs: 750 });
  });

  it('drops (and names) the iterations due while `concurrency` are in flight, like k6', async () => {
    const run = runArrivals({ iterations: 10, ratePerSecond: 10, concurrency: 2, model: 'constant-arrival-rate' }, () => sleep(1000));
    await vi.advanceTimersByTimeAsync(3000);
    const r = await run;
    expect(r).toMatchObject({ started: 2, completed: 2, dropped: 8, maxInFlight: 2 });
    expect(r.droppedIndices).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a slot freed mid-run is used by the next due arrival, not by the dropped ones', async () => {
    const starts: number[] = [];
    const run = runArrivals({ iterations: 6, ratePerSecond: 10, concurrency: 1, model: 'constant-arrival-rate' }, async (i) => {
      starts.push(i);
      await sleep(150);
    });
    await vi.advanceTimersByTimeAsync(2000);
    const r = await run;
    // 0 @0 (busy until 150), 1 @100 dropped, 2 @200, 3 @300 dropped, 4 @400, 5 @500 dropped.
    expect(starts).toEqual([0, 2, 4]);
    expect(r.droppedIndices).toEqual([1, 3, 5]);
  });

  it('paced waits for a slot instead of dropping', async () => {
    const starts: number[] = [];
    const run = runArrivals({ iterations: 4, ratePerSecond: 10, concurrency: 2, model: 'paced' }, async () => {
      starts.push(Date.now());
      await sleep(1000);
    });
    await vi.advanceTimersByTimeAsync(5000);
    const r = await run;
    expect(starts).toEqual([0, 100, 1000, 1100]);
    expect(r).toMatchObject({ started: 4, completed: 4, dropped: 0, maxInFlight: 2, durationMs: 2100 });
  });

  it('counts failures and hands each error to onError', async () => {
    const errors: [number, unknown][] = [];
    const run = runArrivals(
      { iterations: 3, ratePerSecond: 100, concurrency: 3, model: 'constant-arrival-rate' },
      (i) => (i === 1 ? Promise.reject(new Error('boom')) : Promise.resolve()),
      { onError: (i, e) => errors.push([i, e]) },
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(await run).toMatchObject({ completed: 2, failed: 1 });
    expect(errors).toEqual([[1, new Error('boom')]]);
  });

  it('an abort cancels what has not started and waits for what has', async () => {
    const ac = new AbortController();
    let finished = 0;
    const run = runArrivals({ iterations: 10, ratePerSecond: 10, concurrency: 10, model: 'constant-arrival-rate' }, async () => {
      await sleep(500);
      finished += 1;
    }, { signal: ac.signal });
    await vi.advanceTimersByTimeAsync(250); // iterations 0, 1, 2 started
    ac.abort();
    await vi.advanceTimersByTimeAsync(1000);
    const r = await run;
    expect(r).toMatchObject({ started: 3, completed: 3, cancelled: 7 });
    expect(finished).toBe(3);
  });

  it('finishes at once with nothing to do, and refuses a rate or bound that cannot run', async () => {
    await expect(runArrivals({ iterations: 0, ratePerSecond: 1, concurrency: 1, model: 'paced' }, () => Promise.resolve())).resolves.toMatchObject({ started: 0 });
    expect(() => runArrivals({ iterations: 1, ratePerSecond: 0, concurrency: 1, model: 'paced' }, () => Promise.resolve())).toThrow(RangeError);
    expect(() => runArrivals({ iterations: 1, ratePerSecond: 1, concurrency: 0, model: 'paced' }, () => Promise.resolve())).toThrow(RangeError);
  });
});
