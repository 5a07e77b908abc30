/**
 * The mapper's register codec on words computed by hand from IEEE 754 and mappers-go's
 * TransferData rules (never from what the code emits): byte and word orders, the typed read and
 * scale, the twin value's spelling, and the layout of a value to write.
 */
import { describe, expect, it } from 'vitest';
import { mapperBytes, numberBytes, registerWords, stringBytes, twinValue } from './modbus-register-codec.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('the bytes the mapper reads', () => {
  // uint32 0x11223344 on the wire as registers 0x1122 0x3344.
  it.each([
    ['ABCD (no swap)', {}, '11223344'],
    ['isRegisterSwap reverses the registers', { isRegisterSwap: true }, '33441122'],
    ['isSwap swaps the bytes of each register', { isSwap: true }, '22114433'],
    ['both', { isSwap: true, isRegisterSwap: true }, '44332211'],
  ])('%s', (_, swaps, bytes) => {
    expect(hex(mapperBytes(swaps, [0x1122, 0x3344]))).toBe(bytes);
  });

  it('registerWords lays bytes out so that mapperBytes reads them back', () => {
    for (const swaps of [{}, { isSwap: true }, { isRegisterSwap: true }, { isSwap: true, isRegisterSwap: true }]) {
      const words = registerWords(swaps, Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]));
      expect(hex(mapperBytes(swaps, words))).toBe('112233445566');
    }
    expect(registerWords({ isRegisterSwap: true }, Uint8Array.from([0x3f, 0xc0, 0, 0]))).toEqual([0x0000, 0x3fc0]);
  });
});

describe('the twin value', () => {
  it('integers are read signed or unsigned and truncated after scale', () => {
    expect(twinValue('int16', Uint8Array.from([0xff, 0x38]), 1)).toBe('-200');
    expect(twinValue('uint16', Uint8Array.from([0xff, 0x38]), 1)).toBe('65336');
    expect(twinValue('int16', Uint8Array.from([0xff, 0x38]), 0.1)).toBe('-20');
    expect(twinValue('int32', Uint8Array.from([0xff, 0xff, 0xff, 0xfe]), 1)).toBe('-2');
    expect(twinValue('uint32', Uint8Array.from([0xff, 0xff, 0xff, 0xfe]), 1)).toBe('4294967294');
  });

  it('floats carry six decimals, with Go’s spelling of NaN, the infinities and large values', () => {
    expect(twinValue('float32', Uint8Array.from([0x3f, 0xc0, 0, 0]), 1)).toBe('1.500000');
    expect(twinValue('float64', Uint8Array.from([0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]), 1)).toBe('0.100000');
    expect(twinValue('float32', Uint8Array.from([0x7f, 0xc0, 0, 0]), 1)).toBe('NaN');
    expect(twinValue('float32', Uint8Array.from([0x7f, 0x80, 0, 0]), 1)).toBe('+Inf');
    expect(twinValue('float32', Uint8Array.from([0xff, 0x80, 0, 0]), 1)).toBe('-Inf');
    // 1e22 = 0x4480F0CF064DD592, exact in binary64; Go prints it without an exponent.
    expect(twinValue('float64', Uint8Array.from([0x44, 0x80, 0xf0, 0xcf, 0x06, 0x4d, 0xd5, 0x92]), 1)).toBe('10000000000000000000000.000000');
  });

  it('a boolean register is true when its first byte is 1; a string keeps its padding', () => {
    expect(twinValue('bool', Uint8Array.from([1, 0]), 1)).toBe('true');
    expect(twinValue('bool', Uint8Array.from([0, 1]), 1)).toBe('false');
    expect(twinValue('string', Uint8Array.from([0x41, 0x42, 0x43, 0]), 1)).toBe('ABC\u0000');
  });
});

describe('the bytes of a value to write', () => {
  it('divides by scale, rounds integers and reports what does not fit', () => {
    expect(hex(numberBytes('int16', 21.5, 0.1) as Uint8Array)).toBe('00d7');
    expect(hex(numberBytes('float32', 1.5, 1) as Uint8Array)).toBe('3fc00000');
    expect(hex(numberBytes('float64', 1.5, 1) as Uint8Array)).toBe('3ff8000000000000');
    expect(numberBytes('int16', 3300, 0.1)).toEqual({ raw: 33000, min: -0x8000, max: 0x7fff });
    expect(numberBytes('uint16', -1, 1)).toEqual({ raw: -1, min: 0, max: 0xffff });
  });

  it('strings are UTF-8, NUL-padded to their registers', () => {
    expect(hex(stringBytes('ABC', 2)!)).toBe('41424300');
    expect(stringBytes('ABCDE', 2)).toBeUndefined();
  });
});
