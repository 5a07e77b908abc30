import { describe, expect, it } from 'vitest';
import { goJsonString, goJsonStringify } from './go-json.js';

// Expected spellings are Go's encoding/json (encode.go appendString, floatEncoder; Go ≥ 1.22).
describe('goJsonString', () => {
  it('quotes plain ASCII as is', () => {
    expect(goJsonString('edgecontroller')).toBe('"edgecontroller"');
    expect(goJsonString('')).toBe('""');
  });

  it('escapes <, > and & as \\u003c, \\u003e, \\u0026 (HTMLEscape)', () => {
    expect(goJsonString('<a href="x">&</a>')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
  });

  it('escapes U+2028 and U+2029 but writes other non-ASCII raw', () => {
    expect(goJsonString('a\u2028b\u2029c')).toBe('"a\\u2028b\\u2029c"');
    expect(goJsonString('héllo 日本 🚀')).toBe('"héllo 日本 🚀"');
  });

  it('uses \\b \\f \\n \\r \\t and lowercase \\u00XX for other control characters; DEL stays raw', () => {
    expect(goJsonString('\b\f\n\r\t\u0001\u001f\u007f')).toBe('"\\b\\f\\n\\r\\t\\u0001\\u001f\u007f"');
  });

  it('escapes quote and backslash', () => {
    expect(goJsonString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  });

  it('writes a lone surrogate as U+FFFD, as Go does after decoding it', () => {
    expect(goJsonString('a\ud800b')).toBe('"a\uFFFDb"');
    expect(goJsonString('\udfff')).toBe('"\uFFFD"');
  });

  it('leaves an escaped backslash followed by the letters ud800 alone', () => {
    expect(goJsonString('\\ud800<')).toBe('"\\\\ud800\\u003c"');
  });

  it('takes the same path for long strings as for short ones', () => {
    const long = 'x'.repeat(300);
    expect(goJsonString(long + '<')).toBe(`"${long}\\u003c"`);
    expect(goJsonString(long)).toBe(`"${long}"`);
  });
});

describe('goJsonStringify', () => {
  it('writes compact JSON in insertion order with Go escapes inside strings and keys', () => {
    expect(goJsonStringify({ b: 1, a: ['<', null, true], '&': {} })).toBe('{"b":1,"a":["\\u003c",null,true],"\\u0026":{}}');
  });

  it('spells numbers like Go float64 (exponent below 1e-6 and from 1e21)', () => {
    expect(goJsonStringify([0, 1, -1.5, 0.000001, 1e-7, 1e20, 1e21, 1.5e300, 123456789012])).toBe(
      '[0,1,-1.5,0.000001,1e-7,100000000000000000000,1e+21,1.5e+300,123456789012]',
    );
  });

  it('writes null for undefined at the top level', () => {
    expect(goJsonStringify(undefined)).toBe('null');
  });
});
