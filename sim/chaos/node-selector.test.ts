import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../errors.js';
import { bindSelector, candidateRanges, countSelected, describeSelector, parseNodeSelector, selectNodes, type NodeSelector } from './node-selector.js';

/** The fleet split as planShards splits 100 nodes over 3 shards. */
const SLICES = [
  { firstNode: 0, nodeCount: 34 },
  { firstNode: 34, nodeCount: 33 },
  { firstNode: 67, nodeCount: 33 },
];

function overFleet(selector: NodeSelector): number[] {
  return SLICES.flatMap((slice) => selectNodes(selector, slice));
}

describe('node selectors', () => {
  it('expands ranges and single nodes within a shard slice, merged and ascending', () => {
    const sel: NodeSelector = { ranges: [[30, 40], [5, 8]], nodes: [70, 6, 39, 99] };
    expect(candidateRanges(sel)).toEqual([[5, 8], [30, 40], [70, 71], [99, 100]]);
    expect(selectNodes(sel, SLICES[0]!)).toEqual([5, 6, 7, 30, 31, 32, 33]);
    expect(selectNodes(sel, SLICES[1]!)).toEqual([34, 35, 36, 37, 38, 39]);
    expect(selectNodes(sel, SLICES[2]!)).toEqual([70, 99]);
    expect(countSelected(sel)).toBe(3 + 10 + 1 + 1);
  });

  it('names the whole fleet when it names no nodes', () => {
    expect(bindSelector({}, 100)).toEqual({ ranges: [[0, 100]] });
    expect(bindSelector({ share: 0.3, seed: 1 }, 100)).toEqual({ share: 0.3, seed: 1, ranges: [[0, 100]] });
    expect(bindSelector({ nodes: [3] }, 100)).toEqual({ nodes: [3] });
    // Unbound, a shard takes its own slice.
    expect(selectNodes({}, SLICES[2]!)).toHaveLength(33);
  });

  it('picks an exact share, the same in every shard and every run, different per seed', () => {
    const sel = bindSelector({ share: 0.3, seed: 7 }, 100);
    const picked = overFleet(sel);
    expect(picked).toHaveLength(30);
    expect(countSelected(sel)).toBe(30);
    expect(overFleet(sel)).toEqual(picked);
    expect(new Set(picked).size).toBe(30);
    // Spread over the fleet rather than a block.
    for (const slice of SLICES) expect(selectNodes(sel, slice).length).toBeGreaterThan(3);
    const other = overFleet(bindSelector({ share: 0.3, seed: 8 }, 100));
    expect(other).toHaveLength(30);
    expect(other).not.toEqual(picked);
  });

  it('takes a share of the named nodes only', () => {
    const sel: NodeSelector = { ranges: [[10, 30]], share: 0.5, seed: 3 };
    const picked = overFleet(sel);
    expect(picked).toHaveLength(10);
    for (const i of picked) expect(i >= 10 && i < 30).toBe(true);
    expect(overFleet({ ranges: [[10, 30]], share: 1 })).toHaveLength(20);
    expect(overFleet({ ranges: [[10, 11]], share: 0.4 })).toHaveLength(0);
  });

  it('stays compact and fast for 100k nodes', () => {
    const sel = bindSelector({ share: 0.3, seed: 42 }, 100_000);
    expect(JSON.stringify(sel).length).toBeLessThan(80);
    const start = performance.now();
    const slice = selectNodes(sel, { firstNode: 50_000, nodeCount: 10_000 });
    expect(performance.now() - start).toBeLessThan(1000);
    expect(slice.length).toBeGreaterThan(2700);
    expect(slice.length).toBeLessThan(3300);
  });

  it('rejects malformed selectors', () => {
    expect(() => parseNodeSelector({ ranges: [[5, 5]] })).toThrow(ConfigInvalidError);
    expect(() => parseNodeSelector({ ranges: [[-1, 5]] })).toThrow(/ranges/);
    expect(() => parseNodeSelector({ nodes: [1.5] })).toThrow(/nodes/);
    expect(() => parseNodeSelector({ share: 0 })).toThrow(/share/);
    expect(() => parseNodeSelector({ group: 'a' })).toThrow(ConfigInvalidError);
    expect(parseNodeSelector({ ranges: [[0, 10]], share: 0.5, seed: 2 })).toEqual({ ranges: [[0, 10]], share: 0.5, seed: 2 });
  });

  it('describes itself for a report', () => {
    expect(describeSelector({ ranges: [[0, 100]], share: 0.3, seed: 7 })).toBe('nodes 0–99, 30% (seed 7)');
    expect(describeSelector({ nodes: [4, 9] })).toBe('nodes 4, 9');
    expect(describeSelector({})).toBe('all nodes');
  });
});
