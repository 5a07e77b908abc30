/**
 * Client-to-server WebSocket frames (RFC 6455 §5.2–5.3): one unfragmented frame, FIN set, masked
 * with a fresh key from a pooled CSPRNG buffer, header and payload in a single allocation so a
 * send is one socket write.
 */
import { randomFillSync } from 'node:crypto';

const MASK_POOL_BYTES = 8 * 1024;
let maskPool = Buffer.alloc(0);
let maskOffset = MASK_POOL_BYTES;

/** Write the next 4-byte masking key at `out[at]`. */
function writeMaskKey(out: Buffer, at: number): void {
  if (maskOffset >= MASK_POOL_BYTES) {
    if (maskPool.length === 0) maskPool = Buffer.allocUnsafeSlow(MASK_POOL_BYTES);
    randomFillSync(maskPool);
    maskOffset = 0;
  }
  out[at] = maskPool[maskOffset]!;
  out[at + 1] = maskPool[maskOffset + 1]!;
  out[at + 2] = maskPool[maskOffset + 2]!;
  out[at + 3] = maskPool[maskOffset + 3]!;
  maskOffset += 4;
}

function headerLength(payloadLength: number): number {
  return 2 + (payloadLength < 126 ? 0 : payloadLength < 0x10000 ? 2 : 8) + 4;
}

/** Header (with the masking key) for a payload of `length` bytes at `out[0]`; returns its length. */
function writeHeader(out: Buffer, opcode: number, length: number): number {
  out[0] = 0x80 | opcode;
  let at = 2;
  if (length < 126) {
    out[1] = 0x80 | length;
  } else if (length < 0x10000) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
    at = 4;
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    out.writeUInt32BE(length >>> 0, 6);
    at = 10;
  }
  writeMaskKey(out, at);
  return at + 4;
}

function maskInPlace(out: Buffer, start: number, keyAt: number): void {
  const k0 = out[keyAt]!;
  const k1 = out[keyAt + 1]!;
  const k2 = out[keyAt + 2]!;
  const k3 = out[keyAt + 3]!;
  const end = out.length;
  let i = start;
  for (; i + 3 < end; i += 4) {
    out[i] = out[i]! ^ k0;
    out[i + 1] = out[i + 1]! ^ k1;
    out[i + 2] = out[i + 2]! ^ k2;
    out[i + 3] = out[i + 3]! ^ k3;
  }
  const keys = [k0, k1, k2, k3];
  for (let j = 0; i < end; i++, j++) out[i] = out[i]! ^ keys[j]!;
}

/** One masked client frame carrying `payload` (a string is sent as UTF-8). */
export function encodeClientFrame(opcode: number, payload: string | Uint8Array): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const header = headerLength(length);
  const out = Buffer.allocUnsafe(header + length);
  const start = writeHeader(out, opcode, length);
  if (typeof payload === 'string') out.write(payload, start, 'utf8');
  else out.set(payload, start);
  maskInPlace(out, start, start - 4);
  return out;
}

/** A close frame: the code and reason, or an empty body when `code` is undefined. */
export function encodeClientClose(code: number | undefined, reason: Uint8Array = Buffer.alloc(0)): Buffer {
  if (code === undefined) return encodeClientFrame(0x8, Buffer.alloc(0));
  const body = Buffer.allocUnsafe(2 + reason.length);
  body.writeUInt16BE(code, 0);
  body.set(reason, 2);
  return encodeClientFrame(0x8, body);
}
