import { describe, expect, it } from 'vitest';
import { OP_TEXT } from '../../sim/edge/hub/ws-frame-decoder.js';
import { encodeClientFrame } from '../../sim/edge/hub/ws-frame-encoder.js';
import { ClientFrameScanner } from './client-frame-scanner.js';
import { ACK_TEXT, KEEPALIVE_TEXT, LEASE_TEXT } from './node-traffic.js';

const stream = Buffer.concat([LEASE_TEXT, ACK_TEXT, KEEPALIVE_TEXT, 'x'.repeat(70_000), ''].map((t) => encodeClientFrame(OP_TEXT, t)));
const lengths = [LEASE_TEXT.length, ACK_TEXT.length, KEEPALIVE_TEXT.length, 70_000, 0];

function scan(chunks: Buffer[]): number[] {
  const seen: number[] = [];
  const scanner = new ClientFrameScanner((n) => seen.push(n));
  for (const c of chunks) scanner.push(c);
  return seen;
}

describe('ClientFrameScanner', () => {
  it('finds each frame of a stream read in one chunk', () => {
    expect(scan([stream])).toEqual(lengths);
  });

  it('finds the same frames whatever the read boundaries, headers split included', () => {
    for (const size of [1, 2, 3, 5, 7, 13, 950, 4096]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
      expect(scan(chunks), `reads of ${size} bytes`).toEqual(lengths);
    }
  });
});
