/**
 * What the virtual modbus mapper makes of the registers it reads, and the write that puts a desired
 * value into a point (FC5/FC6/FC16), on the mapper's register codec (sim/protocol/devices/
 * modbus-register-codec.ts): the twin value is the mapper's string for the point's type and scale,
 * and a write lays the value out so that the read gives it back.
 */
import { mapperBytes, numberBytes, REGISTER_WIDTH, registerWords, stringBytes, twinValue } from '../../protocol/devices/modbus-register-codec.js';
import type { ModbusVisitor } from './device-spec.js';

export type ModbusWrite =
  | { readonly fc: 5; readonly coil: boolean }
  | { readonly fc: 6; readonly word: number }
  | { readonly fc: 16; readonly words: readonly number[] };

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
  const bytes = mapperBytes(v, words);
  if (v.dataType === 'bool' && bytes.length < 1) throw new RegisterDecodeError('no register for a boolean');
  if (v.dataType !== 'string' && v.dataType !== 'bool' && words.length < REGISTER_WIDTH[v.dataType]) {
    throw new RegisterDecodeError(`${v.dataType} needs ${REGISTER_WIDTH[v.dataType]} registers, read ${words.length}`);
  }
  return twinValue(v.dataType, bytes, v.scale);
}

/** The twin value for a read of coils or discrete inputs: the first bit. */
export function decodeBits(v: ModbusVisitor, bits: readonly boolean[]): string {
  const first = bits[0] === true;
  if (v.dataType === 'bool' || v.dataType === 'string') return String(first);
  return String(Math.trunc((first ? 1 : 0) * v.scale));
}

export class RegisterEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegisterEncodeError';
  }
}

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
  let bytes: Uint8Array;
  if (v.dataType === 'string') {
    const padded = stringBytes(desired, v.limit);
    if (padded === undefined) throw new RegisterEncodeError(`${Buffer.byteLength(desired, 'utf8')} bytes do not fit ${v.limit} registers`);
    bytes = padded;
  } else if (v.dataType === 'bool') {
    const on = text === 'true' || text === '1';
    if (!on && text !== 'false' && text !== '0') throw new RegisterEncodeError(`${JSON.stringify(desired)} is not a boolean`);
    // The read takes the first byte: 1 in the high byte (after the swaps) reads back as true.
    bytes = Uint8Array.of(on ? 1 : 0, 0);
  } else {
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) throw new RegisterEncodeError(`${JSON.stringify(desired)} is not a number`);
    const encoded = numberBytes(v.dataType, value, v.scale);
    if (!(encoded instanceof Uint8Array)) throw new RegisterEncodeError(`${desired} is outside ${v.dataType} at scale ${v.scale}`);
    bytes = encoded;
  }
  const words = registerWords(v, bytes);
  return words.length === 1 ? { fc: 6, word: words[0]! } : { fc: 16, words };
}
