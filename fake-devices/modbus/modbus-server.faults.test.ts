import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectClient, exceptionCode, readBits, readWords, type TestClient } from './jsmodbus-test-client.js';
import { ModbusExceptionCode } from './modbus-exception.js';
import { ModbusFault } from './modbus-fault.js';
import { startModbusFleet, type ModbusFleet } from './modbus-fleet.js';

let fleet: ModbusFleet;
const clients: TestClient[] = [];

beforeEach(async () => {
  fleet = await startModbusFleet({ count: 2, basePort: 0, seed: 3, now: () => 1_700_000_000_000 });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await fleet.stop();
});

async function connect(index = 0): Promise<TestClient> {
  const d = fleet.devices[index]!;
  const c = await connectClient(d.host, d.port, d.unitId);
  clients.push(c);
  return c;
}

async function timed<T>(p: Promise<T>): Promise<number> {
  const start = performance.now();
  await p;
  return performance.now() - start;
}

describe('latency', () => {
  it('a fixed latency delays every answer by at least that much; other devices are not slowed', async () => {
    const slow = await connect(0);
    const fast = await connect(1);
    await readWords(slow, 'holding', 0, 1);
    fleet.setFault(fleet.devices[0]!.id, ModbusFault.latency(250));
    const [slowMs, fastMs] = await Promise.all([timed(readWords(slow, 'holding', 0, 5)), timed(readWords(fast, 'holding', 0, 5))]);
    expect(slowMs).toBeGreaterThanOrEqual(245);
    expect(fastMs).toBeLessThan(200);
  });

  it('applies to writes and to coil reads too, and clearing the fault ends it', async () => {
    const c = await connect();
    const id = fleet.devices[0]!.id;
    fleet.setFault(id, ModbusFault.latency(200));
    expect(await timed(c.modbus.writeSingleCoil(0, true))).toBeGreaterThanOrEqual(195);
    expect(await timed(readBits(c, 'coils', 0, 1))).toBeGreaterThanOrEqual(195);
    fleet.setFault(id, undefined);
    expect(await timed(readBits(c, 'coils', 0, 1))).toBeLessThan(150);
  });

  it('jitter adds up to its amount on top of the fixed part', async () => {
    const c = await connect();
    fleet.setFault(fleet.devices[0]!.id, ModbusFault.latency(50, 100));
    const times: number[] = [];
    for (let i = 0; i < 8; i++) times.push(await timed(readWords(c, 'holding', 0, 1)));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(48);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(10);
  });
});

describe('exceptions at a rate', () => {
  it('rate 1.0 with 0x04: every request is answered with server device failure', async () => {
    const c = await connect();
    const id = fleet.devices[0]!.id;
    fleet.setFault(id, ModbusFault.exception(ModbusExceptionCode.ServerDeviceFailure, 1));
    expect(await exceptionCode(c.modbus.readHoldingRegisters(0, 5))).toBe(0x04);
    expect(await exceptionCode(c.modbus.readInputRegisters(0, 2))).toBe(0x04);
    expect(await exceptionCode(c.modbus.readCoils(0, 1))).toBe(0x04);
    expect(await exceptionCode(c.modbus.readDiscreteInputs(0, 1))).toBe(0x04);
    expect(fleet.counters(id)).toMatchObject({ reads: 4, exceptions: 4 });
  });

  it('0x06 busy on writes: the write is not applied', async () => {
    const c = await connect();
    const id = fleet.devices[0]!.id;
    const before = await readWords(c, 'holding', 0, 1);
    fleet.setFault(id, ModbusFault.busy(1));
    expect(await exceptionCode(c.modbus.writeSingleRegister(0, 777))).toBe(0x06);
    expect(await exceptionCode(c.modbus.writeMultipleCoils(0, [true]))).toBe(0x06);
    fleet.setFault(id, undefined);
    expect(await readWords(c, 'holding', 0, 1)).toEqual(before);
    expect(await readBits(c, 'coils', 0, 1)).toEqual([false]);
    expect(fleet.device(id).isDesired('humidity')).toBe(false);
  });

  it('a request is counted once however many bits modbus-serial asks for', async () => {
    const c = await connect();
    const id = fleet.devices[0]!.id;
    fleet.setFault(id, ModbusFault.exception(ModbusExceptionCode.ServerDeviceBusy, 1));
    for (let i = 0; i < 5; i++) expect(await exceptionCode(c.modbus.readCoils(0, 1))).toBe(0x06);
    expect(fleet.counters(id)).toMatchObject({ reads: 5, exceptions: 5 });
  });

  it('rate 0.5 fails some requests and answers the others', async () => {
    const c = await connect();
    fleet.setFault(fleet.devices[0]!.id, ModbusFault.exception(ModbusExceptionCode.ServerDeviceFailure, 0.5));
    let failed = 0;
    for (let i = 0; i < 40; i++) {
      try {
        await c.modbus.readHoldingRegisters(0, 1);
      } catch {
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
  });
});

describe('dropped connections', () => {
  it('drop on the next request: the client sees its connection closed, once; a new connection works', async () => {
    const c = await connect();
    const id = fleet.devices[0]!.id;
    fleet.setFault(id, ModbusFault.dropNext());
    await expect(c.modbus.readHoldingRegisters(0, 1)).rejects.toBeDefined();
    await c.closed;
    expect(c.socket.destroyed).toBe(true);
    const again = await connect();
    expect(await readWords(again, 'holding', 0, 1)).toHaveLength(1);
    expect(fleet.counters(id).drops).toBe(1);
  });

  it('drop rate 1 closes every connection on its first request, writes included, and applies nothing', async () => {
    const id = fleet.devices[0]!.id;
    fleet.setFault(id, ModbusFault.dropRate(1));
    for (let i = 0; i < 3; i++) {
      const c = await connect();
      await expect(c.modbus.writeSingleRegister(0, 600)).rejects.toBeDefined();
      await c.closed;
    }
    expect(fleet.counters(id)).toMatchObject({ writes: 3, drops: 3 });
    expect(fleet.device(id).isDesired('humidity')).toBe(false);
  });

  it('a drop on one device leaves the other device’s connection open', async () => {
    const a = await connect(0);
    const b = await connect(1);
    fleet.setFault(fleet.devices[0]!.id, ModbusFault.dropNext());
    await expect(a.modbus.readHoldingRegisters(0, 1)).rejects.toBeDefined();
    await a.closed;
    expect(await readWords(b, 'holding', 0, 1)).toHaveLength(1);
    expect(b.socket.destroyed).toBe(false);
  });
});
