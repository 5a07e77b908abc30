import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../sim/errors.js';
import { AddressMap } from './address-map.js';
import { defaultModbusProfile } from './default-profile.js';
import { parseModbusProfile, type ModbusDeviceProfileInput } from './device-profile.js';
import { loadModbusProfileFile, parseModbusProfileText } from './profile-file.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const point = (over: Record<string, unknown>): Record<string, unknown> => ({
  name: 'p',
  register: 'HoldingRegister',
  offset: 0,
  type: 'int16',
  generator: { kind: 'constant', value: 1 },
  ...over,
});
const profile = (...points: Array<Record<string, unknown>>): unknown => ({ name: 't', points });

describe('the built-in profile', () => {
  it('parses, and fills in limit and access', () => {
    const p = defaultModbusProfile();
    const byName = Object.fromEntries(p.points.map((x) => [x.name, x]));
    expect(byName.temperature).toMatchObject({ register: 'InputRegister', type: 'float32', limit: 2, access: 'ReadOnly' });
    expect(byName.humidity).toMatchObject({ register: 'HoldingRegister', type: 'int16', scale: 0.1, limit: 1, access: 'ReadWrite' });
    expect(byName.relay).toMatchObject({ register: 'CoilRegister', type: 'bool', access: 'ReadWrite' });
    expect(byName.alarm).toMatchObject({ register: 'DiscreteInputRegister', type: 'bool', access: 'ReadOnly' });
    expect(byName.serialNumber).toMatchObject({ type: 'string', limit: 8, access: 'ReadOnly' });
  });

  it('examples/thermometer-plc.yaml is the same profile', () => {
    expect(loadModbusProfileFile(path.join(here, 'examples', 'thermometer-plc.yaml'))).toEqual(defaultModbusProfile());
  });

  it('maps every address of a multi-register point to that point', () => {
    const map = new AddressMap(defaultModbusProfile());
    expect(map.slot('InputRegister', 1)).toMatchObject({ point: { def: { name: 'temperature' } }, word: 1 });
    expect(map.slot('HoldingRegister', 17)).toMatchObject({ point: { def: { name: 'serialNumber' } }, word: 7 });
    expect(map.slot('HoldingRegister', 18)).toBeUndefined();
    expect(map.runs('HoldingRegister')).toEqual([
      { address: 0, count: 5 },
      { address: 10, count: 8 },
    ]);
  });
});

describe('what a profile may not say', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a bool in a holding register', profile(point({ type: 'bool', generator: { kind: 'constant', value: true } })), /bool points live in CoilRegister/],
    ['a number in a coil', profile(point({ register: 'CoilRegister' })), /holds bits: type must be bool/],
    ['two points on one register', profile(point({ name: 'a', type: 'float32' }), point({ name: 'b', offset: 1 })), /HoldingRegister 1 belongs to both a and b/],
    ['a string without limit', profile(point({ type: 'string', generator: { kind: 'constant', value: 'x' } })), /needs limit/],
    ['a limit that disagrees with the type', profile(point({ type: 'float32', limit: 1 })), /float32 occupies 2/],
    ['a sine beyond int16', profile(point({ generator: { kind: 'sine', amplitude: 40000, periodSeconds: 60 } })), /do not fit int16/],
    ['a number generator for a string', profile(point({ type: 'string', limit: 2 })), /needs a generator of strings/],
    ['a constant string longer than the point', profile(point({ type: 'string', limit: 1, generator: { kind: 'constant', value: 'abc' } })), /3 bytes do not fit 1 registers/],
    ['a writable input register', profile(point({ register: 'InputRegister', access: 'ReadWrite' })), /access must be ReadOnly/],
    ['a scale on a coil', profile(point({ register: 'CoilRegister', type: 'bool', scale: 2, generator: { kind: 'constant', value: true } })), /no byte order or scale/],
    ['a point past 65535', profile(point({ offset: 65535, type: 'uint32' })), /runs past address 65535/],
    ['an unknown field', profile(point({ bitOrder: 'lsb' })), /unknown field "bitOrder"/],
    ['the same name twice', profile(point({ name: 'x' }), point({ name: 'x', offset: 5 })), /used twice/],
    ['an exception code Modbus does not have', { ...(profile(point({})) as object), fault: { exception: { code: 9, rate: 1 } } }, /exception code/],
  ];
  for (const [what, input, message] of cases) {
    it(what, () => {
      expect(() => parseModbusProfile(input, 'test')).toThrow(ConfigInvalidError);
      expect(() => parseModbusProfile(input, 'test')).toThrow(message);
    });
  }

  it('int16 with scale 0.1 carries −3276.8..3276.7, so a sine of 45±8 fits', () => {
    const ok: ModbusDeviceProfileInput = {
      name: 'ok',
      points: [{ name: 'h', register: 'HoldingRegister', offset: 0, type: 'int16', scale: 0.1, generator: { kind: 'sine', amplitude: 8, periodSeconds: 60, offset: 45 } }],
    };
    expect(parseModbusProfile(ok).points[0]!.limit).toBe(1);
  });
});

describe('profile files', () => {
  it('a problem is reported at its file, line and column', () => {
    const text = ['name: t', 'points:', '  - name: a', '    register: HoldingRegister', '    offset: 0', '    type: bool', '    generator: { kind: constant, value: true }', ''].join('\n');
    expect(() => parseModbusProfileText(text, 'dev.yaml')).toThrow(/^dev\.yaml:6:11: points\[0\]\.type: bool points live in CoilRegister/);
  });

  it('broken YAML says so with its position', () => {
    expect(() => parseModbusProfileText('name: [unclosed\n', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+: not valid YAML/);
  });

  it('a missing file is a ConfigInvalidError naming it', () => {
    expect(() => loadModbusProfileFile('/nonexistent/dev.yaml')).toThrow(/\/nonexistent\/dev\.yaml: cannot read device profile \(no such file\)/);
  });
});
