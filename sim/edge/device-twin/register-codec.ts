/**
 * What the modbus mapper makes of the registers it reads, and the words it writes for a desired
 * value. Reading follows mappers-go `TransferData`: the `limit` registers as big-endian bytes,
 * register order reversed when `isRegisterSwap`, the two bytes of every register swapped when
 * `isSwap`, then read big-endian as the point's type and multiplied by `scale`; integers are
 * truncated (`int64(float64(v) * scale)`), floats written with six decimals
 * (`strconv.FormatFloat(v, 'f', 6, 64)`), a boolean is "true" when the first byte is 1, and a
 * string is every byte, padding included. Writing is the inverse, for FC5/FC6/FC16.
 */
import type { ModbusVisitor } from './device-spec.js';

export type ModbusWrite =
  | { readonly fc: 5; readonly coil: boolean }
  | { readonly fc: 6; readonly word: number }
  | { readonly fc: 16; readonly words: readonly number[] };

/** Reverse register order, then swap bytes within each register (both are involutions). */
function applySwaps(bytes: Buffer, v: Pick<ModbusVisitor, 'isSwap' | 'isRegisterSwap'>): void {
  if (v.isRegisterSwap) {
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
  if (v.isSwap) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const hi = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = hi;
    }
  }
}

/** Bytes a point needs after the swaps, or undefined for a string (it takes what it gets). */
function byteWidth(v: ModbusVisitor): number | undefined {
  switch (v.dataType) {
    case 'int16':
    case 'uint16':
    case 'bool':
      return 2;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 4;
    case 'float64':
      return 8;
    case 'string':
      return undefined;
  }
}

export class RegisterDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegisterDecodeError';
  }
}

/**
 * The twin value for a read of word registers. `words` is the register contents (what FC3/FC4
 * returned, big-endian on the wire).
 */
export function decodeRegisters(v: ModbusVisitor, words: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(words.length * 2);
  for (let i = 0; i < words.length; i++) bytes.writeUInt16BE(words[i]! & 0xffff, 2 * i);
  applySwaps(bytes, v);
  if (v.dataType === 'string') return bytes.toString('utf8');
  if (v.dataType === 'bool') {
    if (bytes.length < 1) throw new RegisterDecodeError('no register for a boolean');
    return String(bytes[0] === 1);
  }
  const width = byteWidth(v)!;
  if (bytes.length < width) throw new RegisterDecodeError(`${v.dataType} needs ${width / 2} registers, read ${words.length}`);
  switch (v.dataType) {
    case 'int16':
      return String(Math.trunc(bytes.readInt16BE(0) * v.scale));
    case 'uint16':
      return String(Math.trunc(bytes.readUInt16BE(0) * v.scale));
    case 'int32':
      return String(Math.trunc(bytes.readInt32BE(0) * v.scale));
    case 'uint32':
      return String(Math.trunc(bytes.readUInt32BE(0) * v.scale));
    case 'float32':
      return formatFixed6(bytes.readFloatBE(0) * v.scale);
    case 'float64':
      return formatFixed6(bytes.readDoubleBE(0) * v.scale);
  }
}

/** The twin value for a read of coils or discrete inputs: the first bit. */
export function decodeBits(v: ModbusVisitor, bits: readonly boolean[]): string {
  const first = bits[0] === true;
  if (v.dataType === 'bool' || v.dataType === 'string') return String(first);
  return String(Math.trunc((first ? 1 : 0) * v.scale));
}

/** Go's `FormatFloat(v, 'f', 6, 64)` spelling of the special values; finite values as toFixed(6). */
function formatFixed6(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return '+Inf';
  if (x === Number.NEGATIVE_INFINITY) return '-Inf';
  // toFixed switches to exponent notation at 1e21; Go never does.
  if (Math.abs(x) >= 1e21) return BigInt(Math.trunc(x)).toString() + '.000000';
  return x.toFixed(6);
}

export class RegisterEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegisterEncodeError';
  }
}

const INT_RANGE = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
} as const;

/**
 * The write that puts `desired` into the point: FC5 for a coil, FC6 for one register, FC16 for
 * several. Numbers are divided by `scale` (integers rounded), then laid out as the read expects.
 */
export function encodeDesired(v: ModbusVisitor, desired: string): ModbusWrite {
  const text = desired.trim();
  if (v.register === 'CoilRegister') {
    const on = text === 'true' || text === '1';
    if (!on && text !== 'false' && text !== '0') throw new RegisterEncodeError(`${JSON.stringify(desired)} is not a coil state`);
    return { fc: 5, coil: on };
  }
  if (v.register !== 'HoldingRegister') throw new RegisterEncodeError(`${v.register} is read-only on the wire`);
  let bytes: Buffer;
  if (v.dataType === 'string') {
    bytes = Buffer.alloc(v.limit * 2);
    const encoded = Buffer.from(desired, 'utf8');
    if (encoded.length > bytes.length) throw new RegisterEncodeError(`${encoded.length} bytes do not fit ${v.limit} registers`);
    encoded.copy(bytes);
  } else if (v.dataType === 'bool') {
    const on = text === 'true' || text === '1';
    if (!on && text !== 'false' && text !== '0') throw new RegisterEncodeError(`${JSON.stringify(desired)} is not a boolean`);
    // The read takes the first byte: 1 in the high byte (after the swaps) reads back as true.
    bytes = Buffer.from([on ? 1 : 0, 0]);
  } else {
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) throw new RegisterEncodeError(`${JSON.stringify(desired)} is not a number`);
    const raw = value / v.scale;
    bytes = Buffer.alloc(byteWidth(v)!);
    switch (v.dataType) {
      case 'float32':
        bytes.writeFloatBE(raw, 0);
        break;
      case 'float64':
        bytes.writeDoubleBE(raw, 0);
        break;
      default: {
        const n = Math.round(raw);
        const [min, max] = INT_RANGE[v.dataType];
        if (n < min || n > max) throw new RegisterEncodeError(`${desired} is outside ${v.dataType} at scale ${v.scale}`);
        if (v.dataType === 'int16') bytes.writeInt16BE(n, 0);
        else if (v.dataType === 'uint16') bytes.writeUInt16BE(n, 0);
        else if (v.dataType === 'int32') bytes.writeInt32BE(n, 0);
        else bytes.writeUInt32BE(n, 0);
      }
    }
  }
  applySwaps(bytes, v);
  const words: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) words.push(bytes.readUInt16BE(i));
  return words.length === 1 ? { fc: 6, word: words[0]! } : { fc: 16, words };
}
