/**
 * A fake device's values ⇄ Modbus words, the way KubeEdge's modbus mapper reads them
 * (sim/protocol/devices/modbus-register-codec.ts, mappers-go `TransferData`). `decodeWords` is that reading
 * as a value; `encodeValue` is its inverse, so a fake device serves exactly the words a mapper
 * decodes back to the value, and refuses values its points cannot carry.
 */
import {
  FLOAT32_MAX,
  INTEGER_RANGE,
  REGISTER_WIDTH,
  mapperBytes,
  numberBytes,
  readScaled,
  registerWords,
  stringBytes,
} from '../../sim/protocol/devices/modbus-register-codec.js';
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

/** Registers (or coils, for bool) a point of this type occupies. */
export function wordCount(spec: Pick<CodecSpec, 'type' | 'limit'>): number {
  if (spec.type === 'string') {
    if (spec.limit === undefined || !Number.isInteger(spec.limit) || spec.limit < 1) {
      throw new ValueEncodeError('a string point needs limit: the number of registers it occupies', { type: spec.type });
    }
    return spec.limit;
  }
  return REGISTER_WIDTH[spec.type];
}

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
  let bytes: Uint8Array;
  if (spec.type === 'string') {
    // Unused bytes stay NUL, as a fixed-width string field on a device is padded.
    const padded = stringBytes(value as string, count);
    if (padded === undefined) {
      throw new ValueEncodeError(`${JSON.stringify(value)} is ${Buffer.byteLength(value as string, 'utf8')} bytes; ${count} register(s) hold ${count * 2} bytes`, { type: spec.type, limit: count });
    }
    bytes = padded;
  } else {
    const scale = spec.scale ?? 1;
    const raw = (value as number) / scale;
    if (!Number.isFinite(raw)) throw new ValueEncodeError(`${String(value)} is not a finite number`, { type: spec.type, value });
    if (spec.type === 'float32' && Math.abs(raw) > FLOAT32_MAX) throw new ValueEncodeError(`${value} is beyond float32`, { type: spec.type, value });
    const encoded = numberBytes(spec.type, value as number, scale);
    if (!(encoded instanceof Uint8Array)) {
      throw new ValueEncodeError(`${value} (raw ${encoded.raw} at scale ${scale}) is outside ${spec.type} ${encoded.min}..${encoded.max}`, { type: spec.type, value });
    }
    bytes = encoded;
  }
  return registerWords(spec, bytes);
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
  return readScaled(spec.type, bytes, spec.scale ?? 1);
}
