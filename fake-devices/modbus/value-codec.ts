/**
 * Values ⇄ Modbus words, the way KubeEdge's modbus mapper reads them: it fetches `limit` registers
 * as big-endian bytes, reverses the register order when `isRegisterSwap`, swaps the two bytes of
 * every register when `isSwap`, reads the result big-endian and multiplies by `scale`
 * (mappers-go `TransferData`). `decodeWords` is that reading; `encodeValue` is its inverse, so a
 * fake device serves exactly the words a mapper decodes back to the value.
 */
import { ConfigInvalidError } from '../../sim/errors.js';
import type { PointType, PointValue } from './modbus-types.js';

/** What the codec needs of a point. `limit` is the register count; only strings need it. */
export interface CodecSpec {
  type: PointType;
  scale?: number;
  isSwap?: boolean;
  isRegisterSwap?: boolean;
  limit?: number;
}

/** A value that does not fit its point (out of the type's range, too long, wrong kind). */
export class ValueEncodeError extends ConfigInvalidError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, context);
  }
}

const FIXED_WIDTH: Readonly<Record<Exclude<PointType, 'string'>, number>> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  float64: 4,
};

/** Registers (or coils, for bool) a point of this type occupies. */
export function wordCount(spec: Pick<CodecSpec, 'type' | 'limit'>): number {
  if (spec.type === 'string') {
    if (spec.limit === undefined || !Number.isInteger(spec.limit) || spec.limit < 1) {
      throw new ValueEncodeError('a string point needs limit: the number of registers it occupies', { type: spec.type });
    }
    return spec.limit;
  }
  return FIXED_WIDTH[spec.type];
}

/** Raw (unscaled) integer range of the integer types. */
export const INTEGER_RANGE: Readonly<Record<'int16' | 'uint16' | 'int32' | 'uint32', { min: number; max: number }>> = {
  int16: { min: -0x8000, max: 0x7fff },
  uint16: { min: 0, max: 0xffff },
  int32: { min: -0x8000_0000, max: 0x7fff_ffff },
  uint32: { min: 0, max: 0xffff_ffff },
};

const FLOAT32_MAX = 3.4028234663852886e38;

/** The kind of JS value a point type holds. */
export function valueKind(type: PointType): 'number' | 'boolean' | 'string' {
  return type === 'bool' ? 'boolean' : type === 'string' ? 'string' : 'number';
}

/**
 * The range of *scaled* values a numeric type can carry, or undefined for bool and string.
 * A float's range is its finite range; scaling by a negative number flips the ends.
 */
export function scaledRange(spec: Pick<CodecSpec, 'type' | 'scale'>): { min: number; max: number } | undefined {
  const scale = spec.scale ?? 1;
  let raw: { min: number; max: number };
  switch (spec.type) {
    case 'bool':
    case 'string':
      return undefined;
    case 'float32':
      raw = { min: -FLOAT32_MAX, max: FLOAT32_MAX };
      break;
    case 'float64':
      raw = { min: -Number.MAX_VALUE, max: Number.MAX_VALUE };
      break;
    default:
      raw = INTEGER_RANGE[spec.type];
  }
  const a = raw.min * scale;
  const b = raw.max * scale;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}

/** The value's bytes as the mapper sees them after its swaps; also the inverse (both swaps are involutions). */
function applySwaps(bytes: Uint8Array, spec: CodecSpec): void {
  if (spec.isRegisterSwap) {
    const words = bytes.length >> 1;
    for (let i = 0, j = words - 1; i < j; i++, j--) {
      const a0 = bytes[2 * i]!;
      const a1 = bytes[2 * i + 1]!;
      bytes[2 * i] = bytes[2 * j]!;
      bytes[2 * i + 1] = bytes[2 * j + 1]!;
      bytes[2 * j] = a0;
      bytes[2 * j + 1] = a1;
    }
  }
  if (spec.isSwap) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const hi = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = hi;
    }
  }
}

function wordsFromBytes(bytes: Uint8Array): number[] {
  const out = new Array<number>(bytes.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  return out;
}

function bytesFromWords(words: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    bytes[2 * i] = (w >>> 8) & 0xff;
    bytes[2 * i + 1] = w & 0xff;
  }
  return bytes;
}

/** Truncate a string so its UTF-8 form fits `maxBytes` without cutting a character. */
export function fitUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * The words a device serves for `value`. Bools give one coil bit (0 or 1); every other type gives
 * uint16 register contents. Integers are rounded after dividing by `scale`.
 */
export function encodeValue(spec: CodecSpec, value: PointValue): number[] {
  const kind = valueKind(spec.type);
  if (typeof value !== kind) {
    throw new ValueEncodeError(`a ${spec.type} point takes a ${kind}, not ${JSON.stringify(value)}`, { type: spec.type, value });
  }
  if (spec.type === 'bool') return [value ? 1 : 0];
  const count = wordCount(spec);
  const bytes = new Uint8Array(count * 2);
  const view = new DataView(bytes.buffer);
  if (spec.type === 'string') {
    const encoded = Buffer.from(value as string, 'utf8');
    if (encoded.length > bytes.length) {
      throw new ValueEncodeError(`${JSON.stringify(value)} is ${encoded.length} bytes; ${count} register(s) hold ${bytes.length} bytes`, { type: spec.type, limit: count });
    }
    // Unused bytes stay NUL, as a fixed-width string field on a device is padded.
    bytes.set(encoded);
  } else {
    const raw = (value as number) / (spec.scale ?? 1);
    if (!Number.isFinite(raw)) throw new ValueEncodeError(`${String(value)} is not a finite number`, { type: spec.type, value });
    switch (spec.type) {
      case 'float32':
        if (Math.abs(raw) > FLOAT32_MAX) throw new ValueEncodeError(`${value} is beyond float32`, { type: spec.type, value });
        view.setFloat32(0, raw);
        break;
      case 'float64':
        view.setFloat64(0, raw);
        break;
      default: {
        const n = Math.round(raw);
        const range = INTEGER_RANGE[spec.type];
        if (n < range.min || n > range.max) {
          throw new ValueEncodeError(`${value} (raw ${n} at scale ${spec.scale ?? 1}) is outside ${spec.type} ${range.min}..${range.max}`, { type: spec.type, value });
        }
        if (spec.type === 'int16') view.setInt16(0, n);
        else if (spec.type === 'uint16') view.setUint16(0, n);
        else if (spec.type === 'int32') view.setInt32(0, n);
        else view.setUint32(0, n);
      }
    }
  }
  applySwaps(bytes, spec);
  return wordsFromBytes(bytes);
}

/** Bytes in the order the mapper interprets them: register words after `isRegisterSwap`/`isSwap`. */
export function mapperBytes(spec: CodecSpec, words: readonly number[]): Uint8Array {
  const bytes = bytesFromWords(words);
  applySwaps(bytes, spec);
  return bytes;
}

/**
 * The value the mapper reads from these words. Bools read the first coil bit; strings drop the
 * NUL padding (the mapper keeps it: see mapperTwinValue).
 */
export function decodeWords(spec: CodecSpec, words: readonly number[]): PointValue {
  if (spec.type === 'bool') {
    if (words.length < 1) throw new ValueEncodeError('a bool point needs one coil bit', { type: spec.type });
    return words[0] === 1;
  }
  const count = wordCount(spec);
  if (words.length !== count) {
    throw new ValueEncodeError(`a ${spec.type} point is ${count} registers, got ${words.length}`, { type: spec.type, words: words.length });
  }
  const bytes = mapperBytes(spec, words);
  if (spec.type === 'string') return Buffer.from(bytes).toString('utf8').replace(/\0+$/, '');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scale = spec.scale ?? 1;
  switch (spec.type) {
    case 'int16':
      return view.getInt16(0) * scale;
    case 'uint16':
      return view.getUint16(0) * scale;
    case 'int32':
      return view.getInt32(0) * scale;
    case 'uint32':
      return view.getUint32(0) * scale;
    case 'float32':
      return view.getFloat32(0) * scale;
    case 'float64':
      return view.getFloat64(0) * scale;
  }
}
