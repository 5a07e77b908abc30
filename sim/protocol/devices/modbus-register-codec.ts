/**
 * KubeEdge's modbus mapper reading of register words (mappers-go `TransferData`), for both ends of
 * the wire: the virtual mappers decode what they read and lay out what they write with it, and the
 * fake devices serve the words it decodes to their values. Reading: the `limit` registers as
 * big-endian bytes, register order reversed when `isRegisterSwap`, the two bytes of every register
 * swapped when `isSwap`, then read big-endian as the point's type and multiplied by `scale`. The
 * twin value the mapper reports: integers truncated (`int64(float64(v) * scale)`), floats with six
 * decimals (`strconv.FormatFloat(v, 'f', 6, 64)`), a boolean "true" when the first byte is 1, and
 * a string every byte, padding included.
 */

/** How the words of a point are read (mapper-framework `VisitorConfigData.DataType`). */
export type ModbusValueType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'bool' | 'string';
export type NumericValueType = Exclude<ModbusValueType, 'bool' | 'string'>;
export type IntegerValueType = Exclude<NumericValueType, 'float32' | 'float64'>;

export interface RegisterSwaps {
  readonly isSwap?: boolean;
  readonly isRegisterSwap?: boolean;
}

/** Registers (or coils, for bool) a value of the type fills; a string fills what it is given. */
export const REGISTER_WIDTH: Readonly<Record<Exclude<ModbusValueType, 'string'>, number>> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  float64: 4,
};

/** Raw (unscaled) range of the integer types. */
export const INTEGER_RANGE: Readonly<Record<IntegerValueType, { readonly min: number; readonly max: number }>> = {
  int16: { min: -0x8000, max: 0x7fff },
  uint16: { min: 0, max: 0xffff },
  int32: { min: -0x8000_0000, max: 0x7fff_ffff },
  uint32: { min: 0, max: 0xffff_ffff },
};

export const FLOAT32_MAX = 3.4028234663852886e38;

export function isFloatType(type: NumericValueType): type is 'float32' | 'float64' {
  return type === 'float32' || type === 'float64';
}

/** Reverse the register order, then swap the bytes within each register; both are involutions. */
function applySwaps(bytes: Uint8Array, swaps: RegisterSwaps): void {
  if (swaps.isRegisterSwap) {
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
  if (swaps.isSwap) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const hi = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = hi;
    }
  }
}

/** The bytes the mapper interprets for these register words: big-endian, then the swaps. */
export function mapperBytes(swaps: RegisterSwaps, words: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    bytes[2 * i] = (w >>> 8) & 0xff;
    bytes[2 * i + 1] = w & 0xff;
  }
  applySwaps(bytes, swaps);
  return bytes;
}

/** The register words the mapper reads as `bytes` (the inverse of mapperBytes; `bytes` is swapped in place). */
export function registerWords(swaps: RegisterSwaps, bytes: Uint8Array): number[] {
  applySwaps(bytes, swaps);
  const words = new Array<number>(bytes.length >> 1);
  for (let i = 0; i < words.length; i++) words[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  return words;
}

/** The number a numeric type reads from the mapper's bytes, times `scale`. */
export function readScaled(type: NumericValueType, bytes: Uint8Array, scale: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
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

/** The twin value the mapper reports for a register point, from its bytes after the swaps. */
export function twinValue(type: ModbusValueType, bytes: Uint8Array, scale: number): string {
  if (type === 'string') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (type === 'bool') return String(bytes[0] === 1);
  const x = readScaled(type, bytes, scale);
  return isFloatType(type) ? formatFixed6(x) : String(Math.trunc(x));
}

/** Go's `FormatFloat(v, 'f', 6, 64)`: its spelling of the special values; finite values as toFixed(6). */
function formatFixed6(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  // toFixed switches to exponent notation at 1e21; Go never does.
  if (Math.abs(x) >= 1e21) return BigInt(Math.trunc(x)).toString() + '.000000';
  return x.toFixed(6);
}

/** An integer that does not fit its type once divided by the scale and rounded. */
export interface IntegerOverflow {
  readonly raw: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The big-endian bytes (before the swaps) that read back as `value`: divided by `scale`, integers
 * rounded. A float32 beyond its range becomes an infinity; a caller that must refuse it checks first.
 */
export function numberBytes(type: NumericValueType, value: number, scale: number): Uint8Array | IntegerOverflow {
  const raw = value / scale;
  const bytes = new Uint8Array(REGISTER_WIDTH[type] * 2);
  const view = new DataView(bytes.buffer);
  if (type === 'float32') view.setFloat32(0, raw);
  else if (type === 'float64') view.setFloat64(0, raw);
  else {
    const n = Math.round(raw);
    const range = INTEGER_RANGE[type];
    if (n < range.min || n > range.max) return { raw: n, ...range };
    if (type === 'int16') view.setInt16(0, n);
    else if (type === 'uint16') view.setUint16(0, n);
    else if (type === 'int32') view.setInt32(0, n);
    else view.setUint32(0, n);
  }
  return bytes;
}

/** A string's UTF-8 bytes NUL-padded to `registers` registers, or undefined when they do not fit. */
export function stringBytes(text: string, registers: number): Uint8Array | undefined {
  const encoded = Buffer.from(text, 'utf8');
  const bytes = new Uint8Array(registers * 2);
  if (encoded.length > bytes.length) return undefined;
  bytes.set(encoded);
  return bytes;
}
