import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseModbusProfile, type ModbusDeviceProfileInput } from './device-profile.js';
import { connectClient, exceptionCode, readBits, readWords, type TestClient } from './jsmodbus-test-client.js';
import { startModbusFleet, type ModbusFleet } from './modbus-fleet.js';
import { decodeWords } from './value-codec.js';

/** Constants, so the words on the wire can be written down in advance. */
const WIRE_PROFILE: ModbusDeviceProfileInput = {
  name: 'wire-test',
  points: [
    { name: 'flow', register: 'InputRegister', offset: 0, type: 'float32', generator: { kind: 'constant', value: 1.5 } },
    { name: 'count', register: 'InputRegister', offset: 2, type: 'uint32', isRegisterSwap: true, generator: { kind: 'constant', value: 0x12345678 } },
    { name: 'level', register: 'HoldingRegister', offset: 0, type: 'int16', scale: 0.1, min: -50, max: 100, generator: { kind: 'constant', value: 45.5 } },
    { name: 'setpoint', register: 'HoldingRegister', offset: 1, type: 'float32', isSwap: true, min: 0, max: 50, generator: { kind: 'constant', value: 21.5 } },
    { name: 'model', register: 'HoldingRegister', offset: 3, type: 'string', limit: 2, access: 'ReadOnly', generator: { kind: 'constant', value: 'AB1' } },
    { name: 'pump1', register: 'CoilRegister', offset: 0, type: 'bool', generator: { kind: 'constant', value: false } },
    { name: 'pump2', register: 'CoilRegister', offset: 1, type: 'bool', generator: { kind: 'constant', value: true } },
    { name: 'pump3', register: 'CoilRegister', offset: 2, type: 'bool', generator: { kind: 'constant', value: false } },
    { name: 'interlock', register: 'CoilRegister', offset: 3, type: 'bool', access: 'ReadOnly', generator: { kind: 'constant', value: true } },
    { name: 'door', register: 'DiscreteInputRegister', offset: 0, type: 'bool', generator: { kind: 'constant', value: true } },
    { name: 'smoke', register: 'DiscreteInputRegister', offset: 1, type: 'bool', generator: { kind: 'constant', value: false } },
  ],
};

const FROZEN = (): number => 1_700_000_000_000;

let fleet: ModbusFleet;
let client: TestClient;

// A fresh device per test: writes stick, and one test's writes are not the next one's values.
beforeEach(async () => {
  fleet = await startModbusFleet({ count: 1, basePort: 0, profile: parseModbusProfile(WIRE_PROFILE), now: FROZEN });
});
afterEach(async () => {
  await client?.close();
  await fleet.stop();
});

async function connect(): Promise<TestClient> {
  const d = fleet.devices[0]!;
  client = await connectClient(d.host, d.port, d.unitId);
  return client;
}

describe('reads (FC1–FC4) from an independent client', () => {
  it('FC4 input registers: float32 1.5 big-endian, uint32 0x12345678 with its registers swapped', async () => {
    const c = await connect();
    expect(await readWords(c, 'input', 0, 4)).toEqual([0x3fc0, 0x0000, 0x5678, 0x1234]);
  });

  it('FC3 holding registers: int16 raw 455 (45.5 at scale 0.1), float32 21.5 byte-swapped (0x41AC → 0xAC41), "AB1" NUL-padded', async () => {
    const c = await connect();
    expect(await readWords(c, 'holding', 0, 5)).toEqual([455, 0xac41, 0x0000, 0x4142, 0x3100]);
  });

  it('FC1 coils and FC2 discrete inputs', async () => {
    const c = await connect();
    expect(await readBits(c, 'coils', 0, 4)).toEqual([false, true, false, true]);
    expect(await readBits(c, 'discrete', 0, 2)).toEqual([true, false]);
  });
});

describe('writes (FC5, FC6, FC15, FC16) stick and read back', () => {
  it('FC5 write single coil', async () => {
    const c = await connect();
    await c.modbus.writeSingleCoil(0, true);
    expect(await readBits(c, 'coils', 0, 1)).toEqual([true]);
    await c.modbus.writeSingleCoil(0, false);
    expect(await readBits(c, 'coils', 0, 1)).toEqual([false]);
  });

  it('FC15 write multiple coils', async () => {
    const c = await connect();
    await c.modbus.writeMultipleCoils(0, [true, false, true]);
    expect(await readBits(c, 'coils', 0, 3)).toEqual([true, false, true]);
    expect(fleet.device(fleet.devices[0]!.id).value('pump3')).toBe(true);
  });

  it('FC6 write single register: 55.5 at scale 0.1 is raw 555', async () => {
    const c = await connect();
    await c.modbus.writeSingleRegister(0, 555);
    expect(await readWords(c, 'holding', 0, 1)).toEqual([555]);
    expect(fleet.device(fleet.devices[0]!.id).value('level')).toBeCloseTo(55.5, 9);
  });

  it('FC6 of a negative raw value: 0xFFF6 is −1.0 at scale 0.1', async () => {
    const c = await connect();
    await c.modbus.writeSingleRegister(0, 0xfff6);
    expect(fleet.device(fleet.devices[0]!.id).value('level')).toBeCloseTo(-1, 9);
  });

  it('FC16 write multiple registers: a byte-swapped float32 setpoint', async () => {
    const c = await connect();
    // 30.0 = 0x41F00000; the point is isSwap, so the device holds 0xF041 0x0000.
    await c.modbus.writeMultipleRegisters(1, [0xf041, 0x0000]);
    expect(await readWords(c, 'holding', 1, 2)).toEqual([0xf041, 0x0000]);
    expect(fleet.device(fleet.devices[0]!.id).value('setpoint')).toBe(30);
  });
});

describe('exception responses', () => {
  it('an unmapped address is illegal data address (0x02), for reads and writes', async () => {
    const c = await connect();
    expect(await exceptionCode(c.modbus.readHoldingRegisters(100, 1))).toBe(0x02);
    expect(await exceptionCode(c.modbus.readHoldingRegisters(3, 3))).toBe(0x02);
    expect(await exceptionCode(c.modbus.readInputRegisters(4, 1))).toBe(0x02);
    expect(await exceptionCode(c.modbus.readCoils(2, 3))).toBe(0x02);
    expect(await exceptionCode(c.modbus.readDiscreteInputs(7, 1))).toBe(0x02);
    expect(await exceptionCode(c.modbus.writeSingleRegister(9, 1))).toBe(0x02);
    expect(await exceptionCode(c.modbus.writeSingleCoil(40, true))).toBe(0x02);
  });

  it('a read-only point or an out-of-range value is illegal data value (0x03), and the old value stays', async () => {
    const c = await connect();
    const before = await readWords(c, 'holding', 0, 5);
    expect(await exceptionCode(c.modbus.writeMultipleRegisters(3, [0x5858, 0x5858]))).toBe(0x03);
    expect(await exceptionCode(c.modbus.writeSingleRegister(0, 1001))).toBe(0x03);
    expect(await exceptionCode(c.modbus.writeMultipleRegisters(1, [0xc842, 0x0000]))).toBe(0x03); // 100.0 (0x42C8, byte-swapped) > max 50
    expect(await exceptionCode(c.modbus.writeSingleCoil(3, false))).toBe(0x03);
    expect(await readWords(c, 'holding', 0, 5)).toEqual(before);
    expect(await readBits(c, 'coils', 3, 1)).toEqual([true]);
  });

  it('FC15 over a read-only coil writes none of the coils', async () => {
    const c = await connect();
    const before = await readBits(c, 'coils', 0, 4);
    expect(await exceptionCode(c.modbus.writeMultipleCoils(0, [!before[0], !before[1], !before[2], false]))).toBe(0x03);
    expect(await readBits(c, 'coils', 0, 4)).toEqual(before);
  });

  it('more than 125 registers in one read is illegal data value', async () => {
    const c = await connect();
    expect(await exceptionCode(c.modbus.readHoldingRegisters(0, 126))).toBe(0x03);
  });
});

/** A raw socket that collects Modbus TCP answers by transaction id. */
async function rawSocket(): Promise<{ sock: net.Socket; answer(tid: number): Promise<Buffer>; close(): void }> {
  const d = fleet.devices[0]!;
  const sock = net.connect({ host: d.host, port: d.port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => resolve());
    sock.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  const waiting = new Map<number, (b: Buffer) => void>();
  const frames = new Map<number, Buffer>();
  sock.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) {
      const len = 6 + buf.readUInt16BE(4);
      const frame = buf.subarray(0, len);
      buf = buf.subarray(len);
      const tid = frame.readUInt16BE(0);
      const w = waiting.get(tid);
      if (w) w(frame);
      else frames.set(tid, frame);
    }
  });
  return {
    sock,
    answer: (tid) =>
      new Promise<Buffer>((resolve, reject) => {
        const have = frames.get(tid);
        if (have) return resolve(have);
        const timer = setTimeout(() => reject(new Error(`no answer for transaction ${tid}`)), 3000);
        waiting.set(tid, (b) => {
          clearTimeout(timer);
          resolve(b);
        });
      }),
    close: () => sock.destroy(),
  };
}

describe('the frames themselves', () => {
  it('FC3 of one register is answered byte for byte as the Modbus TCP spec frames it', async () => {
    const raw = await rawSocket();
    raw.sock.write(Buffer.from('0102000000060103000000 01'.replace(/ /g, ''), 'hex'));
    expect((await raw.answer(0x0102)).toString('hex')).toBe('010200000005010302' + '01c7');
    raw.close();
  });

  it('an unknown function code is illegal function (0x01)', async () => {
    const raw = await rawSocket();
    raw.sock.write(Buffer.from('00070000000401410000', 'hex'));
    expect((await raw.answer(7)).toString('hex')).toBe('00070000000301c101');
    raw.close();
  });

  it('modbus-serial’s own answers, as the README states them: quantity 0 → 0x02, 200 registers → 0x04, FC5 0x1234 → OFF', async () => {
    const raw = await rawSocket();
    raw.sock.write(Buffer.from('002100000006010300000000', 'hex'));
    expect((await raw.answer(0x21)).toString('hex')).toBe('002100000003018302');
    raw.sock.write(Buffer.from('0022000000060103000000c8', 'hex'));
    expect((await raw.answer(0x22)).toString('hex')).toBe('002200000003018304');
    raw.sock.write(Buffer.from('002300000006010500011234', 'hex'));
    expect((await raw.answer(0x23)).toString('hex')).toBe('002300000006010500011234');
    expect(fleet.device(fleet.devices[0]!.id).value('pump2')).toBe(false);
    raw.close();
  });

  it('malformed requests in valid MBAP frames do not stop the connection: the next valid request is answered', async () => {
    const raw = await rawSocket();
    const junk = [
      '0011000000040101 0000', // FC1 without a quantity
      '0012000000040103 0000', // FC3 without a quantity
      '001300000005010600 0001', // FC6 one byte short
      '0014000000090110000000010400010002', // FC16 whose byte count disagrees with its quantity
      '001500000004010f0000', // FC15 without a quantity
      '00160000000301ff00', // function code 0xFF
    ];
    for (const j of junk) raw.sock.write(Buffer.from(j.replace(/ /g, ''), 'hex'));
    raw.sock.write(Buffer.from('0099000000060104000000 02'.replace(/ /g, ''), 'hex'));
    expect((await raw.answer(0x99)).toString('hex')).toBe('0099000000070104043fc00000');
    raw.close();
  });

  it('garbage bytes on one connection do not take the server down', async () => {
    const raw = await rawSocket();
    raw.sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    raw.sock.write(Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 73 + 11) & 0xff)));
    await new Promise((r) => setTimeout(r, 100));
    raw.close();
    const c = await connect();
    expect(await readWords(c, 'input', 0, 2)).toEqual([0x3fc0, 0x0000]);
  });
});

describe('unit-id layout: one port, a device per unit id', () => {
  let gateway: ModbusFleet;
  beforeAll(async () => {
    gateway = await startModbusFleet({ count: 3, basePort: 0, layout: 'unit-ids', seed: 5, now: FROZEN });
  });
  afterAll(async () => {
    await gateway.stop();
  });

  it('all three devices share a port and answer by their own unit id', async () => {
    const ports = new Set(gateway.devices.map((d) => d.port));
    expect(ports.size).toBe(1);
    expect(gateway.devices.map((d) => d.unitId)).toEqual([1, 2, 3]);
    const serials: string[] = [];
    for (const d of gateway.devices) {
      const c = await connectClient(d.host, d.port, d.unitId);
      const words = await readWords(c, 'holding', 10, 8);
      serials.push(decodeWords({ type: 'string', limit: 8 }, words) as string);
      expect(serials[serials.length - 1]).toBe(gateway.device(d.id).value('serialNumber'));
      await c.close();
    }
    expect(new Set(serials).size).toBe(3);
  });

  it('a write to unit 2 changes unit 2 only', async () => {
    const [d1, d2] = gateway.devices;
    const c2 = await connectClient(d2!.host, d2!.port, 2);
    await c2.modbus.writeSingleRegister(0, 321);
    await c2.close();
    const c1 = await connectClient(d1!.host, d1!.port, 1);
    expect(await readWords(c1, 'holding', 0, 1)).not.toEqual([321]);
    await c1.close();
    expect(gateway.device(d2!.id).value('humidity')).toBeCloseTo(32.1, 9);
    expect(gateway.counters(d2!.id).writes).toBe(1);
    expect(gateway.counters(d1!.id).writes).toBe(0);
  });

  it('a unit id no device has is gateway target failed to respond (0x0B)', async () => {
    const d = gateway.devices[0]!;
    const c = await connectClient(d.host, d.port, 9);
    expect(await exceptionCode(c.modbus.readHoldingRegisters(0, 1))).toBe(0x0b);
    await c.close();
    expect(gateway.totals().unroutable).toBe(1);
  });
});
