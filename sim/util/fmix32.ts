/** MurmurHash3's 32-bit finaliser, the one integer mixer behind every seeded draw in twinlab. */

/** A bijection on 32-bit integers that mixes every bit; returns an unsigned value. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
