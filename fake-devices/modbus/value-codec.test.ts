import { describe, expect, it } from 'vitest';
import type { ModbusVisitor } from '../../sim/edge/device-twin/device-spec.js';
import { decodeRegisters, encodeDesired } from '../../sim/edge/device-twin/register-codec.js';
import { mapperDataType, mapperTwinValue, toVisitorConfig } from './kubeedge-mapper-view.js';
import type { PointType } from './modbus-types.js';
import { decodeWords, encodeValue, ValueEncodeError, wordCount, type CodecSpec } from './value-codec.js';

// Golden words are written from IEEE 754 and the mapper's rules, not from what the code emits:
// float32 1.5 = 0x3FC00000; isRegisterSwap reverses the registers, isSwap swaps the bytes in each.
describe('float32 1.5 in every byte and word order', () => {
  const cases: Array<[string, Partial<CodecSpec>, number[]]> = [
    ['big-endian (ABCD)', {}, [0x3fc0, 0x0000]],
    ['isRegisterSwap (CDAB)', { isRegisterSwap: true }, [0x0000, 0x3fc0]],
    ['isSwap (BADC)', { isSwap: true }, [0xc03f, 0x0000]],
    ['both (DCBA)', { isSwap: true, isRegisterSwap: true }, [0x0000, 0xc03f]],
  ];
  for (const [name, swaps, words] of cases) {
    it(`${name} → ${words.map((w) => w.toString(16).padStart(4, '0')).join(' ')}`, () => {
      const spec: CodecSpec = { type: 'float32', ...swaps };
      expect(encodeValue(spec, 1.5)).toEqual(words);
      expect(decodeWords(spec, words)).toBe(1.5);
    });
  }

  it('a swapped device read without the swap is a different number', () => {
    expect(decodeWords({ type: 'float32' }, [0x0000, 0x3fc0])).not.toBe(1.5);
  });
});

describe('integers', () => {
  it('int16 is two’s complement, big-endian', () => {
    expect(encodeValue({ type: 'int16' }, -2)).toEqual([0xfffe]);
    expect(decodeWords({ type: 'int16' }, [0xfffe])).toBe(-2);
    expect(decodeWords({ type: 'uint16' }, [0xfffe])).toBe(0xfffe);
  });

  it('int16 with isSwap swaps the bytes of the register', () => {
    expect(encodeValue({ type: 'int16', isSwap: true }, 0x1234)).toEqual([0x3412]);
  });

  it('scale 0.1: 45.5 travels as raw 455 and reads back as 45.5', () => {
    expect(encodeValue({ type: 'int16', scale: 0.1 }, 45.5)).toEqual([455]);
    expect(decodeWords({ type: 'int16', scale: 0.1 }, [455])).toBeCloseTo(45.5, 12);
  });

  it('uint32 0x12345678: high word first unless isRegisterSwap', () => {
    expect(encodeValue({ type: 'uint32' }, 0x12345678)).toEqual([0x1234, 0x5678]);
    expect(encodeValue({ type: 'uint32', isRegisterSwap: true }, 0x12345678)).toEqual([0x5678, 0x1234]);
    expect(encodeValue({ type: 'uint32', isSwap: true }, 0x12345678)).toEqual([0x3412, 0x7856]);
    expect(decodeWords({ type: 'uint32' }, [0xffff, 0xffff])).toBe(0xffffffff);
  });

  it('int32 −1 is all ones; uint32 reads the same words as 2³²−1', () => {
    expect(encodeValue({ type: 'int32' }, -1)).toEqual([0xffff, 0xffff]);
    expect(decodeWords({ type: 'int32' }, [0xffff, 0xffff])).toBe(-1);
  });

  it('refuses values the type cannot carry', () => {
    expect(() => encodeValue({ type: 'int16' }, 40000)).toThrow(ValueEncodeError);
    expect(() => encodeValue({ type: 'uint16' }, -1)).toThrow(ValueEncodeError);
    expect(() => encodeValue({ type: 'int16', scale: 0.1 }, 3300)).toThrow(/outside int16/);
    expect(() => encodeValue({ type: 'uint32' }, 2 ** 32)).toThrow(ValueEncodeError);
    expect(() => encodeValue({ type: 'float32' }, Number.NaN)).toThrow(ValueEncodeError);
    expect(() => encodeValue({ type: 'int16' }, 'seven')).toThrow(/takes a number/);
  });
});

describe('float64, bool and string', () => {
  it('float64 1.5 = 0x3FF8000000000000; isRegisterSwap reverses all four registers', () => {
    expect(encodeValue({ type: 'float64' }, 1.5)).toEqual([0x3ff8, 0, 0, 0]);
    expect(encodeValue({ type: 'float64', isRegisterSwap: true }, 1.5)).toEqual([0, 0, 0, 0x3ff8]);
    expect(decodeWords({ type: 'float64', isRegisterSwap: true }, [0, 0, 0, 0x3ff8])).toBe(1.5);
  });

  it('bool is one coil bit', () => {
    expect(encodeValue({ type: 'bool' }, true)).toEqual([1]);
    expect(encodeValue({ type: 'bool' }, false)).toEqual([0]);
    expect(decodeWords({ type: 'bool' }, [1])).toBe(true);
    expect(decodeWords({ type: 'bool' }, [0])).toBe(false);
  });

  it('strings are bytes in register order, NUL-padded to limit registers', () => {
    expect(encodeValue({ type: 'string', limit: 2 }, 'ABC')).toEqual([0x4142, 0x4300]);
    expect(encodeValue({ type: 'string', limit: 2, isSwap: true }, 'ABC')).toEqual([0x4241, 0x0043]);
    expect(decodeWords({ type: 'string', limit: 2 }, [0x4142, 0x4300])).toBe('ABC');
    expect(() => encodeValue({ type: 'string', limit: 1 }, 'ABC')).toThrow(/3 bytes; 1 register\(s\) hold 2 bytes/);
  });

  it('decoding the wrong number of registers is an error, not a guess', () => {
    expect(() => decodeWords({ type: 'float32' }, [0x3fc0])).toThrow(ValueEncodeError);
    expect(() => wordCount({ type: 'string' })).toThrow(/limit/);
  });
});

const samples: Record<Exclude<PointType, 'bool' | 'string'>, number[]> = {
    int16: [-32768, -1, 0, 1, 12345, 32767],
    uint16: [0, 1, 40000, 65535],
    int32: [-2147483648, -70000, 0, 70000, 2147483647],
    uint32: [0, 65536, 4294967295],
    float32: [-1.5, 0, 0.25, 1024.5, 3.0e38],
    float64: [-1e300, Math.PI, 0, 1e-300],
};

describe('round trips', () => {
  for (const [type, values] of Object.entries(samples) as Array<[PointType, number[]]>) {
    for (const isSwap of [false, true]) {
      for (const isRegisterSwap of [false, true]) {
        it(`${type} isSwap=${isSwap} isRegisterSwap=${isRegisterSwap}`, () => {
          const spec: CodecSpec = { type, isSwap, isRegisterSwap };
          for (const v of values) {
            const words = encodeValue(spec, v);
            expect(words).toHaveLength(wordCount(spec));
            expect(words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff)).toBe(true);
            expect(decodeWords(spec, words)).toBe(type === 'float32' ? Math.fround(v) : v);
          }
        });
      }
    }
  }
});

describe('what the KubeEdge mapper reports', () => {
  it('int with a fractional scale is truncated, as int64(float64(raw)*scale) does', () => {
    expect(mapperTwinValue({ type: 'int16', scale: 0.1 }, [455])).toBe('45');
    expect(mapperTwinValue({ type: 'int16', scale: 0.1 }, [0xfffb])).toBe('0');
    expect(mapperTwinValue({ type: 'int16' }, [0xfffe])).toBe('-2');
  });

  it('float and double carry six decimals', () => {
    expect(mapperTwinValue({ type: 'float32', isRegisterSwap: true }, [0x0000, 0x3fc0])).toBe('1.500000');
    expect(mapperTwinValue({ type: 'float64' }, [0x3ff8, 0, 0, 0])).toBe('1.500000');
  });

  it('boolean and string: the string keeps its NUL padding, as Go string(bytes) does', () => {
    expect(mapperTwinValue({ type: 'bool' }, [1])).toBe('true');
    expect(mapperTwinValue({ type: 'string', limit: 2 }, [0x4142, 0x4300])).toBe('ABC\u0000');
  });

  it('property types and visitor config match a modbus Device', () => {
    expect(mapperDataType('uint32')).toBe('int');
    expect(mapperDataType('float32')).toBe('float');
    expect(mapperDataType('float64')).toBe('double');
    expect(toVisitorConfig({ type: 'float32', register: 'InputRegister', offset: 4, isRegisterSwap: true })).toEqual({
      register: 'InputRegister',
      offset: 4,
      limit: 2,
      scale: 1,
      isSwap: false,
      isRegisterSwap: true,
    });
  });
});

// The virtual mapper (sim/edge) reading what a fake device serves, and the device decoding what
// the mapper writes: both ends of the wire on the same words.
describe('the virtual mapper against the fake device', () => {
  const visitor = (spec: CodecSpec): ModbusVisitor => ({
    protocol: 'modbus',
    register: 'HoldingRegister',
    offset: 0,
    limit: wordCount(spec),
    scale: spec.scale ?? 1,
    isSwap: spec.isSwap ?? false,
    isRegisterSwap: spec.isRegisterSwap ?? false,
    dataType: spec.type,
  });

  it.each<[CodecSpec, number | string, string]>([
    [{ type: 'float32' }, 1.5, '1.500000'],
    [{ type: 'float32', isRegisterSwap: true }, 1.5, '1.500000'],
    [{ type: 'float32', isSwap: true }, 1.5, '1.500000'],
    [{ type: 'float32', isSwap: true, isRegisterSwap: true }, 1.5, '1.500000'],
    [{ type: 'int16', scale: 0.1 }, 45.5, '45'],
    [{ type: 'int16' }, -2, '-2'],
    [{ type: 'uint32', isSwap: true }, 0x12345678, '305419896'],
    [{ type: 'int32', isSwap: true, isRegisterSwap: true }, -123456, '-123456'],
    [{ type: 'float64', isRegisterSwap: true }, Math.PI, '3.141593'],
    [{ type: 'string', limit: 2 }, 'ABC', 'ABC\u0000'],
  ])('%j serving %j reads as %j', (spec, value, twin) => {
    expect(decodeRegisters(visitor(spec), encodeValue(spec, value))).toBe(twin);
  });

  for (const [type, values] of Object.entries(samples) as Array<[PointType, number[]]>) {
    it(`a desired ${type} the mapper writes is the value the device decodes, in every byte order`, () => {
      for (const isSwap of [false, true]) {
        for (const isRegisterSwap of [false, true]) {
          const spec: CodecSpec = { type, isSwap, isRegisterSwap };
          for (const v of values) {
            const write = encodeDesired(visitor(spec), String(v));
            const words = write.fc === 6 ? [write.word] : write.fc === 16 ? [...write.words] : [];
            expect(words).toEqual(encodeValue(spec, type === 'float32' ? Math.fround(v) : v));
            expect(decodeWords(spec, words)).toBe(type === 'float32' ? Math.fround(v) : v);
          }
        }
      }
    });
  }
});
