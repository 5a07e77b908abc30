/**
 * Small deterministic randomness: a 32-bit hash of integers (for values that must be a pure
 * function of seed and time) and a tiny stateful generator (for fault decisions). Both are cheap
 * enough to run on every request, which a seeded faker instance is not.
 */
import { fmix32 } from '../../sim/util/fmix32.js';

/** Mixes integers into one 32-bit value (a murmur3-style finaliser per input). */
export function hash32(...inputs: number[]): number {
  let h = 0x9e3779b9;
  for (const input of inputs) {
    let k = Math.imul(input | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // Inputs beyond 32 bits (times in steps, large seeds) still count.
    const high = Math.floor(input / 0x1_0000_0000) | 0;
    if (high !== 0) h = Math.imul(h ^ high, 0x85ebca6b);
  }
  return fmix32(h);
}

/** A number in [0, 1) that depends only on the inputs. */
export function unitFloat(...inputs: number[]): number {
  return hash32(...inputs) / 0x1_0000_0000;
}

/** mulberry32: a seeded stream of numbers in [0, 1); one 32-bit word of state. */
export class SeededStream {
  private state: number;

  constructor(seed: number) {
    this.state = hash32(seed) | 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }
}
