import { describe, expect, it } from 'vitest';
import { RunState } from './run-state.js';

describe('RunState', () => {
  it('ends the wait when woken, and not before', async () => {
    const state = new RunState();
    let ended = false;
    const wait = state.waitForEnd(null).then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(ended).toBe(false);
    state.wake();
    await wait;
    expect(ended).toBe(true);
  });

  it('ends the wait at its deadline', async () => {
    const state = new RunState();
    const t0 = Date.now();
    await state.waitForEnd(t0 + 30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it('ends the wait at once when a reason to end was set before it began', async () => {
    for (const set of [(s: RunState) => (s.interrupted = true), (s: RunState) => (s.stalled = true), (s: RunState) => (s.steadyDone = true), (s: RunState) => (s.error = { code: 'TWL_SHARD_FAILED', message: 'x' })]) {
      const state = new RunState();
      set(state);
      expect(state.ending).toBe(true);
      await state.waitForEnd(null);
    }
  });

  it('is interrupted by SIGINT while it listens, and no longer after', async () => {
    const state = new RunState();
    const before = process.listenerCount('SIGINT');
    const stop = state.listenForSignals();
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    const wait = state.waitForEnd(null);
    process.emit('SIGINT');
    await wait;
    expect(state.interrupted).toBe(true);
    stop();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
