/**
 * Modbus TCP endpoints against real servers on loopback (modbus-serial's ServerTCP, and a raw TCP
 * server that never answers): reads and writes of each table, one connection shared by unit ids,
 * exception answers, refused connects, answer deadlines on the wheel and reconnects.
 */
import net from 'node:net';
import { ServerTCP } from 'modbus-serial';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModbusVisitor } from './device-spec.js';
import type { IoResult } from './device-io.js';
import { ModbusEndpoint, ModbusPool } from './modbus-endpoint.js';
import { TimerWheel } from '../../scheduler/timer-wheel.js';

const TIMINGS = { connectTimeoutMs: 1000, requestTimeoutMs: 300, reconnectMs: 500 };

interface Served {
  server: ServerTCP;
  port: number;
  holding: Uint16Array;
  coils: boolean[];
  units: number[];
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function serve(): Promise<Served> {
  const port = await freePort();
  const holding = new Uint16Array(64);
  const coils = new Array<boolean>(64).fill(false);
  const units: number[] = [];
  const server = new ServerTCP(
    {
      getHoldingRegister: (addr: number, unit: number) => {
        units.push(unit);
        if (addr >= 60) throw Object.assign(new Error('illegal address'), { modbusErrorCode: 2 });
        return holding[addr]!;
      },
      getInputRegister: (addr: number) => addr * 10,
      getCoil: (addr: number) => coils[addr]!,
      setRegister: (addr: number, value: number) => {
        holding[addr] = value;
      },
      setCoil: (addr: number, value: boolean) => {
        coils[addr] = value;
      },
    },
    { host: '127.0.0.1', port, unitID: 0 },
  );
  await new Promise<void>((r) => server.on('initialized', () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return { server, port, holding, coils, units };
}

function wheel(): TimerWheel {
  const w = new TimerWheel({ tickMs: 5 });
  cleanup.push(() => w.stop());
  return w;
}

function v(over: Partial<ModbusVisitor>): ModbusVisitor {
  return { protocol: 'modbus', register: 'HoldingRegister', offset: 0, limit: 1, scale: 1, isSwap: false, isRegisterSwap: false, dataType: 'int16', ...over };
}

function read(ep: ModbusEndpoint, unit: number, visitor: ModbusVisitor): Promise<IoResult & { latency: number }> {
  return new Promise((resolve) => ep.read(unit, visitor, (r, latency) => resolve({ ...r, latency })));
}

function write(ep: ModbusEndpoint, unit: number, visitor: ModbusVisitor, value: string): Promise<IoResult> {
  return new Promise((resolve) => ep.write(unit, visitor, value, (r) => resolve(r)));
}

describe('ModbusEndpoint', () => {
  it('reads holding and input registers and coils, decoded as the mapper does', async () => {
    const s = await serve();
    s.holding[3] = 0xff38;
    s.holding[10] = 0x41bc;
    s.holding[11] = 0x0000;
    s.coils[5] = true;
    const ep = new ModbusEndpoint('127.0.0.1', s.port, wheel(), TIMINGS);
    cleanup.push(() => ep.close());
    expect(await read(ep, 1, v({ offset: 3 }))).toMatchObject({ ok: true, value: '-200' });
    expect(await read(ep, 1, v({ offset: 10, limit: 2, dataType: 'float32' }))).toMatchObject({ ok: true, value: '23.500000' });
    expect(await read(ep, 1, v({ register: 'InputRegister', offset: 7, dataType: 'uint16' }))).toMatchObject({ ok: true, value: '70' });
    expect(await read(ep, 1, v({ register: 'CoilRegister', offset: 5, dataType: 'bool' }))).toMatchObject({ ok: true, value: 'true' });
  });

  it('writes FC6, FC16 and FC5, and the next read sees the value', async () => {
    const s = await serve();
    const ep = new ModbusEndpoint('127.0.0.1', s.port, wheel(), TIMINGS);
    cleanup.push(() => ep.close());
    expect(await write(ep, 1, v({ offset: 2, scale: 0.1 }), '21.5')).toEqual({ ok: true, value: '21.5' });
    expect(s.holding[2]).toBe(215);
    expect(await read(ep, 1, v({ offset: 2, scale: 0.1 }))).toMatchObject({ ok: true, value: '21' });
    expect(await write(ep, 1, v({ offset: 20, limit: 2, dataType: 'uint32' }), '65538')).toMatchObject({ ok: true });
    expect([s.holding[20], s.holding[21]]).toEqual([1, 2]);
    expect(await write(ep, 1, v({ register: 'CoilRegister', offset: 9, dataType: 'bool' }), 'true')).toMatchObject({ ok: true });
    expect(s.coils[9]).toBe(true);
    expect(await write(ep, 1, v({ offset: 2 }), 'warm')).toMatchObject({ ok: false, kind: 'decode' });
  });

  it('serves several unit ids over one connection, one request at a time, in order', async () => {
    const s = await serve();
    s.holding[0] = 1;
    const pool = new ModbusPool(wheel(), TIMINGS);
    cleanup.push(() => pool.closeAll());
    const a = pool.open({ protocol: 'modbus', host: '127.0.0.1', port: s.port, unitId: 3 });
    const b = pool.open({ protocol: 'modbus', host: '127.0.0.1', port: s.port, unitId: 4 });
    expect(pool.size).toBe(1);
    const prop = { name: 'p', desired: '', collectCycleMs: 1000, reportToCloud: true, visitor: v({}), accessMode: 'ReadWrite' as const, modelType: 'int' };
    const results = await Promise.all(
      [a, b, a, b].map((io) => new Promise<IoResult>((resolve) => io.read(prop, (r) => resolve(r)))),
    );
    expect(results.every((r) => r.ok && r.value === '1')).toBe(true);
    expect(s.units).toEqual([3, 4, 3, 4]);
    expect(s.server.socks.size).toBe(1);
    // another node's mapper has its own connection
    const c = pool.open({ protocol: 'modbus', host: '127.0.0.1', port: s.port, unitId: 3 }, 'vn-2');
    expect(pool.size).toBe(2);
    c.close();
    a.close();
    expect(pool.size).toBe(1);
    b.close();
    expect(pool.size).toBe(0);
  });

  it('an exception answer is counted as such and keeps the connection', async () => {
    const s = await serve();
    const ep = new ModbusEndpoint('127.0.0.1', s.port, wheel(), TIMINGS);
    cleanup.push(() => ep.close());
    expect(await read(ep, 1, v({ offset: 61 }))).toMatchObject({ ok: false, kind: 'exception' });
    expect(ep.isOpen).toBe(true);
    expect(await read(ep, 1, v({ offset: 1 }))).toMatchObject({ ok: true, value: '0' });
  });

  it('a refused connect fails at once until reconnectMs has passed, then tries again', async () => {
    const port = await freePort();
    const w = wheel();
    const ep = new ModbusEndpoint('127.0.0.1', port, w, TIMINGS);
    cleanup.push(() => ep.close());
    expect(await read(ep, 1, v({}))).toMatchObject({ ok: false, kind: 'refused' });
    const fast = await read(ep, 1, v({}));
    expect(fast).toMatchObject({ ok: false, kind: 'refused', latency: 0 });
    await new Promise((r) => setTimeout(r, TIMINGS.reconnectMs + 50));
    const server = net.createServer((sock) => sock.destroy());
    // a server now listens: the next attempt connects (and is then reset by this server)
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const after = await read(ep, 1, v({}));
    expect(after.ok).toBe(false);
    expect(after.ok === false && after.kind).not.toBe('refused');
  });

  it('a device that never answers times out on the wheel; the connection is dropped and made again', async () => {
    const port = await freePort();
    const sockets: net.Socket[] = [];
    const silent = net.createServer((sock) => {
      sockets.push(sock);
      sock.on('data', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => silent.close(() => r())));
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    const ep = new ModbusEndpoint('127.0.0.1', port, wheel(), TIMINGS);
    cleanup.unshift(() => ep.close());
    const started = performance.now();
    const r = await read(ep, 1, v({}));
    expect(r).toMatchObject({ ok: false, kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMINGS.requestTimeoutMs - 10);
    expect(r.latency).toBeGreaterThanOrEqual(TIMINGS.requestTimeoutMs - 10);
    await read(ep, 1, v({}));
    expect(sockets).toHaveLength(2);
  });

  it('a connection the device closes fails the request in flight as reset; the next read reconnects', async () => {
    const s = await serve();
    const ep = new ModbusEndpoint('127.0.0.1', s.port, wheel(), TIMINGS);
    cleanup.push(() => ep.close());
    expect(await read(ep, 1, v({}))).toMatchObject({ ok: true });
    for (const sock of s.server.socks.keys()) sock.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(ep.isOpen).toBe(false);
    expect(await read(ep, 1, v({}))).toMatchObject({ ok: true });
  });
});
