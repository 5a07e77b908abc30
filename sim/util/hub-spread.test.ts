import { describe, expect, it } from 'vitest';
import { hubSpreadIndex } from './hub-spread.js';

describe('hubSpreadIndex', () => {
  it('splits the fleet evenly by the number in its names', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 300; i++) counts[hubSpreadIndex(`vn-${String(i).padStart(5, '0')}`, 3)]!++;
    expect(counts).toEqual([100, 100, 100]);
    expect(hubSpreadIndex('vn-00007', 3)).toBe(1);
  });

  it('places any other name the same way every time, within range', () => {
    const a = hubSpreadIndex('edge-node-a', 4);
    expect(hubSpreadIndex('edge-node-a', 4)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(4);
    expect(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => hubSpreadIndex(`node-${n}`, 4))).size).toBeGreaterThan(1);
    expect(hubSpreadIndex('vn-00009', 1)).toBe(0);
  });
});
