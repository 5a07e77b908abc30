/**
 * Which nodes a fault applies to, in a form that stays small for 100k nodes: half-open ranges and
 * single global indices, optionally thinned to an exact, deterministic share. The controller sends
 * one selector to every shard; each shard expands it over its own slice of the fleet.
 */
import { z } from 'zod';
import { ConfigInvalidError } from '../errors.js';
import { fmix32 } from '../util/fmix32.js';
import { describeIssues } from './link-fault.js';

export interface NodeSelector {
  /** Half-open ranges of global node indices: `[first, end)`. */
  ranges?: Array<[number, number]>;
  /** Single global node indices. */
  nodes?: number[];
  /**
   * Keep exactly round(share × candidates) of the nodes named above (of the whole fleet when none
   * are named): those with the smallest hash of (index, seed). The same selector picks the same
   * nodes in every shard and every run.
   */
  share?: number;
  seed?: number;
}

const index = z.number().int().nonnegative();

export const nodeSelectorSchema = z
  .object({
    ranges: z
      .array(z.tuple([index, index]).refine(([first, end]) => end > first, 'a range is [first, end) with end > first'))
      .optional(),
    nodes: z.array(index).optional(),
    share: z.number().gt(0).max(1).optional(),
    seed: z.number().int().optional(),
  })
  .strict();

export function parseNodeSelector(raw: unknown): NodeSelector {
  const r = nodeSelectorSchema.safeParse(raw);
  if (!r.success) throw new ConfigInvalidError(`invalid node selector: ${describeIssues(r.error)}`, { selector: raw });
  return r.data;
}

/** The selector with the fleet's range named when it names no nodes, so that a share is of the whole fleet in every shard. */
export function bindSelector(selector: NodeSelector, totalNodes: number): NodeSelector {
  return namesNodes(selector) ? selector : { ...selector, ranges: [[0, totalNodes]] };
}

function namesNodes(selector: NodeSelector): boolean {
  return (selector.ranges?.length ?? 0) > 0 || (selector.nodes?.length ?? 0) > 0;
}

/** The candidates: ranges and single nodes merged into sorted, disjoint half-open ranges. */
export function candidateRanges(selector: NodeSelector): Array<[number, number]> {
  const all: Array<[number, number]> = [...(selector.ranges ?? []).map(([a, b]): [number, number] => [a, b]), ...(selector.nodes ?? []).map((n): [number, number] => [n, n + 1])];
  all.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of all) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** How many nodes the selector picks (its candidates must be named: see `bindSelector`). */
export function countSelected(selector: NodeSelector): number {
  const total = candidateRanges(selector).reduce((n, [a, b]) => n + (b - a), 0);
  return selector.share === undefined ? total : Math.round(selector.share * total);
}

/**
 * The global indices the selector picks within `[firstNode, firstNode + nodeCount)`, ascending.
 * A selector naming no nodes picks from that slice alone.
 */
export function selectNodes(selector: NodeSelector, slice: { firstNode: number; nodeCount: number }): number[] {
  const lo = slice.firstNode;
  const hi = slice.firstNode + slice.nodeCount;
  const ranges = candidateRanges(namesNodes(selector) ? selector : { ranges: [[lo, hi]] });
  const threshold = selector.share === undefined ? undefined : shareThreshold(ranges, selector.share, selector.seed ?? 0);
  const seedMix = mixSeed(selector.seed ?? 0);
  const out: number[] = [];
  for (const [a, b] of ranges) {
    for (let i = Math.max(a, lo); i < Math.min(b, hi); i++) {
      if (threshold === undefined || selectionKey(i, seedMix) <= threshold) out.push(i);
    }
  }
  return out;
}

/** The largest key kept: keys are a bijection of the index for a given seed, so exactly k keys are ≤ it. */
function shareThreshold(ranges: ReadonlyArray<readonly [number, number]>, share: number, seed: number): number | undefined {
  let total = 0;
  for (const [a, b] of ranges) total += b - a;
  const k = Math.round(share * total);
  if (k <= 0) return -1;
  if (k >= total) return undefined;
  const keys = new Uint32Array(total);
  const seedMix = mixSeed(seed);
  let n = 0;
  for (const [a, b] of ranges) for (let i = a; i < b; i++) keys[n++] = selectionKey(i, seedMix);
  keys.sort();
  return keys[k - 1];
}

function mixSeed(seed: number): number {
  return fmix32((seed ^ 0x9e3779b9) >>> 0);
}

/** A bijective 32-bit hash of a node index for one seed. */
export function selectionKey(index: number, seedMix: number): number {
  return fmix32((index ^ seedMix) >>> 0);
}

/** One line for a report: `nodes 0–99, 30% (seed 7)`. */
export function describeSelector(selector: NodeSelector): string {
  const parts: string[] = [];
  for (const [a, b] of selector.ranges ?? []) parts.push(b - a === 1 ? `node ${a}` : `nodes ${a}–${b - 1}`);
  const singles = selector.nodes ?? [];
  if (singles.length > 0) parts.push(singles.length <= 5 ? `node${singles.length > 1 ? 's' : ''} ${singles.join(', ')}` : `${singles.length} single nodes`);
  if (parts.length === 0) parts.push('all nodes');
  const share = selector.share === undefined ? '' : `, ${Math.round(selector.share * 1000) / 10}% (seed ${selector.seed ?? 0})`;
  return `${parts.join(', ')}${share}`;
}
