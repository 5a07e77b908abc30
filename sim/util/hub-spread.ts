/**
 * Which of several hub endpoints a node dials: the loopback peer can run as several processes,
 * one listening port each, and a node must always reach the same one (its session, its objects
 * and its ACK lane live there). The shards dial by this rule and the peer routes commands by it.
 */
import { fmix32 } from './fmix32.js';

/** Node `prefix-00042` → 42 mod n (the fleet's names: an even split); any other name → a hash. */
export function hubSpreadIndex(nodeName: string, n: number): number {
  if (n <= 1) return 0;
  const digits = /(\d{1,15})$/.exec(nodeName);
  if (digits) return Number(digits[1]) % n;
  let h = 0x811c9dc5;
  for (let i = 0; i < nodeName.length; i++) h = Math.imul(h ^ nodeName.charCodeAt(i), 0x01000193);
  return fmix32(h) % n;
}
