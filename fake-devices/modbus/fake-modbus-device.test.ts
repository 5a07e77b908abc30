import { describe, expect, it } from 'vitest';
import { AddressMap } from './address-map.js';
import { defaultModbusProfile } from './default-profile.js';
import { FakeModbusDevice, type DeviceClock } from './fake-modbus-device.js';
import { ModbusFault } from './modbus-fault.js';
import { ModbusException, ModbusExceptionCode } from './modbus-exception.js';
import { encodeValue } from './value-codec.js';

function clockAt(seconds: number): DeviceClock & { set(s: number): void } {
  let now = seconds * 1000;
  return { startedAtMs: 0, now: () => now, set: (s) => (now = s * 1000) };
}

function device(seed = 1, clock: DeviceClock = clockAt(0)): FakeModbusDevice {
  return new FakeModbusDevice(new AddressMap(defaultModbusProfile()), { id: 'dev-1', unitId: 1, seed, clock });
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModbusException) return e.code;
    throw e;
  }
  return undefined;
}

describe('reads come from the generators, lazily', () => {
  it('humidity (int16, scale 0.1, sine 45±8 over 600 s) reads raw 450 at t=0 and 530 at t=150', () => {
    const clock = clockAt(0);
    const d = device(1, clock);
    expect(d.readWords('HoldingRegister', 0, 1)).toEqual([450]);
    clock.set(150);
    expect(d.readWords('HoldingRegister', 0, 1)).toEqual([530]);
  });

  it('a read across points returns each point’s words in address order', () => {
    const d = device();
    const words = d.readWords('HoldingRegister', 0, 5);
    expect(words.slice(0, 1)).toEqual([450]);
    expect(words.slice(1, 3)).toEqual(encodeValue({ type: 'float32' }, 21.5));
    expect(words.slice(3, 5)).toEqual(encodeValue({ type: 'uint32' }, 1400));
  });

  it('reading only the second register of a float32 gives its low word', () => {
    expect(device().readWords('HoldingRegister', 2, 1)).toEqual([encodeValue({ type: 'float32' }, 21.5)[1]]);
  });

  it('an unmapped address anywhere in the range is illegal data address (0x02)', () => {
    const d = device();
    expect(codeOf(() => d.readWords('HoldingRegister', 5, 1))).toBe(ModbusExceptionCode.IllegalDataAddress);
    expect(codeOf(() => d.readWords('HoldingRegister', 3, 3))).toBe(ModbusExceptionCode.IllegalDataAddress);
    expect(codeOf(() => d.readBits('CoilRegister', 0, 2))).toBe(ModbusExceptionCode.IllegalDataAddress);
    expect(codeOf(() => d.readWords('InputRegister', 0, 4))).toBeUndefined();
  });

  it('the same seed and time give the same readings; another seed gives others', () => {
    const a = device(3).readWords('InputRegister', 0, 4);
    expect(device(3).readWords('InputRegister', 0, 4)).toEqual(a);
    expect(device(4).readWords('InputRegister', 0, 4)).not.toEqual(a);
  });
});

describe('writes stick', () => {
  it('a written holding register overrides its generator from then on', () => {
    const clock = clockAt(0);
    const d = device(1, clock);
    d.writeRegisters(0, [555]);
    clock.set(150);
    expect(d.readWords('HoldingRegister', 0, 1)).toEqual([555]);
    expect(d.value('humidity')).toBeCloseTo(55.5, 9);
    expect(d.isDesired('humidity')).toBe(true);
    expect(d.isDesired('targetTemperature')).toBe(false);
  });

  it('writing one register of a float32 merges it into the current value', () => {
    const d = device();
    const [hi] = encodeValue({ type: 'float32' }, 30);
    d.writeRegisters(1, [hi!]);
    // 21.5 = 0x41AC0000, 30 = 0x41F00000: the high words differ, the low words are both 0.
    expect(d.value('targetTemperature')).toBe(30);
  });

  it('a coil write sticks', () => {
    const d = device();
    expect(d.readBits('CoilRegister', 0, 1)).toEqual([false]);
    d.writeCoils(0, [true]);
    expect(d.readBits('CoilRegister', 0, 1)).toEqual([true]);
  });

  it('read-only points and out-of-range values are illegal data value (0x03), and nothing is written', () => {
    const d = device();
    expect(codeOf(() => d.writeRegisters(3, [0, 1]))).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(codeOf(() => d.writeRegisters(0, [1001]))).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(codeOf(() => d.writeRegisters(0, [0xffff]))).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(codeOf(() => d.writeRegisters(1, encodeValue({ type: 'float32' }, 36)))).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(codeOf(() => d.writeRegisters(1, [0x7fc0, 0]))).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(d.isDesired('humidity')).toBe(false);
    expect(d.isDesired('targetTemperature')).toBe(false);
  });

  it('a multi-register write with one bad part writes nothing', () => {
    const d = device();
    // humidity 50.0 is fine, targetTemperature 99 is above its max of 35.
    expect(codeOf(() => d.writeRegisters(0, [500, ...encodeValue({ type: 'float32' }, 99)]))).toBe(ModbusExceptionCode.IllegalDataValue);
    expect(d.readWords('HoldingRegister', 0, 1)).toEqual([450]);
    expect(codeOf(() => d.writeRegisters(17, [0, 0]))).toBe(ModbusExceptionCode.IllegalDataAddress);
  });
});

describe('faults', () => {
  it('exception at rate 1 is decided for every request; rate 0 never', () => {
    const d = device();
    d.setFault(ModbusFault.exception(ModbusExceptionCode.ServerDeviceBusy, 1));
    for (let i = 0; i < 20; i++) expect(d.decideFault()?.exception).toBe(ModbusExceptionCode.ServerDeviceBusy);
    d.setFault(ModbusFault.exception(ModbusExceptionCode.ServerDeviceBusy, 0));
    for (let i = 0; i < 20; i++) expect(d.decideFault()).toBeUndefined();
  });

  it('a drop on the next request happens once', () => {
    const d = device();
    d.setFault(ModbusFault.combine(ModbusFault.dropNext(), ModbusFault.latency(5)));
    expect(d.decideFault()).toMatchObject({ drop: true });
    expect(d.decideFault()).toMatchObject({ drop: false, delayMs: 5 });
    expect(d.fault).toEqual({ latency: { fixedMs: 5, jitterMs: 0 } });
  });

  it('rates and jitter are drawn from the device seed: the same seed fails the same requests', () => {
    const pattern = (seed: number): string => {
      const d = device(seed);
      d.setFault(ModbusFault.combine(ModbusFault.exception(4, 0.3), ModbusFault.latency(10, 20)));
      return Array.from({ length: 50 }, () => {
        const f = d.decideFault();
        return `${f?.exception ?? '-'}:${Math.round(f?.delayMs ?? 0)}`;
      }).join(' ');
    };
    expect(pattern(9)).toBe(pattern(9));
    expect(pattern(9)).not.toBe(pattern(10));
    const failed = pattern(9).split(' ').filter((x) => x.startsWith('4:')).length;
    expect(failed).toBeGreaterThan(3);
    expect(failed).toBeLessThan(30);
  });

  it('a fault with a rate above 1 is refused', () => {
    expect(() => device().setFault({ drop: { rate: 2 } })).toThrow(/device dev-1: fault\.drop/);
  });
});
