import { describe, expect, it } from 'vitest';
import { EDGECORE_TIMINGS } from '../../edge/edge-runtime.js';
import { timerGridMs } from './shard.js';

describe('timerGridMs', () => {
  it('is 100 ms at edgecore’s timings (2 % of the 5 s between dials)', () => {
    expect(timerGridMs(EDGECORE_TIMINGS)).toBe(100);
  });

  it('shrinks with shortened timings and falls back to the 10 ms tick, where loose timers are exact', () => {
    expect(timerGridMs({ ...EDGECORE_TIMINGS, dialIntervalMs: 2_500 })).toBe(50);
    expect(timerGridMs({ ...EDGECORE_TIMINGS, keepaliveMs: 1_500, leaseMs: 1_000, dialIntervalMs: 500, reconnectSleepMs: 3_000 })).toBe(10);
    expect(timerGridMs({ ...EDGECORE_TIMINGS, keepaliveMs: 500, reconnectSleepMs: 500, dialIntervalMs: 200, leaseMs: 1_000, statusSyncMs: 1_000 })).toBe(10);
  });
});
