/**
 * The modbus mapper's reading of register words (mappers-go TransferData) and its inverse for
 * writes, on hand-computed words: types, scale, isSwap and isRegisterSwap.
 */
import { describe, expect, it } from 'vitest';
import type { ModbusVisitor } from './device-spec.js';
import { decodeBits, decodeRegisters, encodeDesired } from './register-codec.js';

function v(over: Partial<ModbusVisitor>): ModbusVisitor {
  return { protocol: 'modbus', register: 'HoldingRegister', offset: 0, limit: 1, scale: 1, isSwap: false, isRegisterSwap: false, dataType: 'int16', ...over };
}

describe('decodeRegisters', () => {
  it('reads int16 signed and uint16 unsigned, truncating after scale', () => {
    expect(decodeRegisters(v({ dataType: 'int16' }), [0xff38])).toBe('-200');
    expect(decodeRegisters(v({ dataType: 'uint16' }), [0xff38])).toBe('65336');
    expect(decodeRegisters(v({ dataType: 'int16', scale: 0.1 }), [215])).toBe('21');
    expect(decodeRegisters(v({ dataType: 'int16', scale: 0.1 }), [0xff38])).toBe('-20');
  });

  it('reads 32-bit values big-endian, word-swapped with isRegisterSwap, byte-swapped with isSwap', () => {
    expect(decodeRegisters(v({ dataType: 'uint32', limit: 2 }), [0x0001, 0x0002])).toBe('65538');
    expect(decodeRegisters(v({ dataType: 'uint32', limit: 2, isRegisterSwap: true }), [0x0002, 0x0001])).toBe('65538');
    expect(decodeRegisters(v({ dataType: 'uint32', limit: 2, isSwap: true }), [0x0100, 0x0200])).toBe('65538');
    expect(decodeRegisters(v({ dataType: 'int32', limit: 2 }), [0xffff, 0xfffe])).toBe('-2');
  });

  it('writes floats with six decimals (FormatFloat f, 6)', () => {
    // 23.5f = 0x41BC0000
    expect(decodeRegisters(v({ dataType: 'float32', limit: 2 }), [0x41bc, 0x0000])).toBe('23.500000');
    expect(decodeRegisters(v({ dataType: 'float32', limit: 2, scale: 2 }), [0x41bc, 0x0000])).toBe('47.000000');
    // 0.1 as float64 = 0x3FB999999999999A
    expect(decodeRegisters(v({ dataType: 'float64', limit: 4 }), [0x3fb9, 0x9999, 0x9999, 0x999a])).toBe('0.100000');
    expect(decodeRegisters(v({ dataType: 'float64', limit: 4, isRegisterSwap: true }), [0x999a, 0x9999, 0x9999, 0x3fb9])).toBe('0.100000');
  });

  it('a boolean register is true only when its first byte is 1; a string keeps its padding', () => {
    expect(decodeRegisters(v({ dataType: 'bool' }), [0x0100])).toBe('true');
    expect(decodeRegisters(v({ dataType: 'bool' }), [0x0001])).toBe('false');
    expect(decodeRegisters(v({ dataType: 'string', limit: 3 }), [0x4142, 0x4300, 0x0000])).toBe('ABC\u0000\u0000\u0000');
  });

  it('refuses too few registers for the type', () => {
    expect(() => decodeRegisters(v({ dataType: 'float32', limit: 1 }), [0x41bc])).toThrow(/needs 2 registers/);
  });
});

describe('decodeBits', () => {
  it('reports the first coil', () => {
    expect(decodeBits(v({ register: 'CoilRegister', dataType: 'bool' }), [true, false])).toBe('true');
    expect(decodeBits(v({ register: 'DiscreteInputRegister', dataType: 'bool' }), [false])).toBe('false');
  });
});

describe('encodeDesired', () => {
  it('a coil is FC5, one register FC6, several FC16, each the inverse of the read', () => {
    expect(encodeDesired(v({ register: 'CoilRegister', dataType: 'bool' }), 'true')).toEqual({ fc: 5, coil: true });
    expect(encodeDesired(v({ dataType: 'int16' }), '-200')).toEqual({ fc: 6, word: 0xff38 });
    expect(encodeDesired(v({ dataType: 'int16', scale: 0.1 }), '21.5')).toEqual({ fc: 6, word: 215 });
    expect(encodeDesired(v({ dataType: 'float32', limit: 2, isRegisterSwap: true }), '23.5')).toEqual({ fc: 16, words: [0x0000, 0x41bc] });
    expect(encodeDesired(v({ dataType: 'uint32', limit: 2, isSwap: true }), '65538')).toEqual({ fc: 16, words: [0x0100, 0x0200] });
    const s = v({ dataType: 'string', limit: 2 });
    const w = encodeDesired(s, 'OK');
    expect(w).toEqual({ fc: 16, words: [0x4f4b, 0x0000] });
  });

  it('round-trips through the read', () => {
    for (const [spec, value, read] of [
      [v({ dataType: 'int16', scale: 0.5 }), '-7', '-7'],
      [v({ dataType: 'uint16' }), '65535', '65535'],
      [v({ dataType: 'int32', limit: 2, isSwap: true, isRegisterSwap: true }), '-123456', '-123456'],
      [v({ dataType: 'float64', limit: 4 }), '21.25', '21.250000'],
    ] as const) {
      const w = encodeDesired(spec, value);
      const words = w.fc === 6 ? [w.word] : w.fc === 16 ? [...w.words] : [];
      expect(decodeRegisters(spec, words)).toBe(read);
    }
  });

  it('refuses what the point cannot hold or the table cannot take', () => {
    expect(() => encodeDesired(v({ dataType: 'int16' }), '40000')).toThrow(/outside int16/);
    expect(() => encodeDesired(v({ dataType: 'int16' }), 'warm')).toThrow(/not a number/);
    expect(() => encodeDesired(v({ register: 'InputRegister' }), '1')).toThrow(/read-only/);
    expect(() => encodeDesired(v({ register: 'CoilRegister', dataType: 'bool' }), 'maybe')).toThrow(/coil state/);
  });
});
