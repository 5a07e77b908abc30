import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts with a burst of a tenth of a second and refills at the rate', () => {
    const b = new TokenBucket(10_000, 0);
    expect(b.burstBytes).toBe(1000);
    expect(b.take(5000, 0)).toBe(1000);
    expect(b.take(5000, 0)).toBe(0);
    expect(b.take(5000, 50)).toBe(500);
    expect(b.available(60)).toBe(100);
    // Never more than the burst, however long it was idle.
    expect(b.available(60_000)).toBe(1000);
  });

  it('bounds throughput to the rate over time', () => {
    const b = new TokenBucket(20_000, 0);
    let sent = 0;
    for (let t = 0; t <= 5000; t += 10) sent += b.take(1_000_000, t);
    // 5 s at 20 KB/s plus the first burst.
    expect(sent).toBeGreaterThanOrEqual(100_000);
    expect(sent).toBeLessThanOrEqual(100_000 + 2000);
  });

  it('says how long until bytes are available', () => {
    const b = new TokenBucket(1000, 0);
    b.take(100, 0);
    expect(b.waitMs(50, 0)).toBe(50);
    expect(b.waitMs(5000, 0)).toBe(100);
    expect(b.waitMs(1, 1)).toBe(0);
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
  });

  it('grants whole bytes even at tiny rates', () => {
    const b = new TokenBucket(5, 0);
    expect(b.burstBytes).toBe(1);
    expect(b.take(10, 0)).toBe(1);
    expect(b.take(10, 100)).toBe(0);
    expect(b.take(10, 200)).toBe(1);
  });
});
