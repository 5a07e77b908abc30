import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../sim/errors.js';
import { freePortRange } from './free-port-range.js';
import { connectClient, readBits, readWords } from './jsmodbus-test-client.js';
import { MAX_UNITS_PER_PORT, startModbusFleet, type ModbusFleet, type ModbusFleetOptions } from './modbus-fleet.js';
import { ModbusListenError } from './modbus-server.js';

const running: ModbusFleet[] = [];
async function start(options: ModbusFleetOptions): Promise<ModbusFleet> {
  const f = await startModbusFleet(options);
  running.push(f);
  return f;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.stop()));
});

/** Everything a client can read from a device of the default profile. */
async function snapshot(host: string, port: number, unitId: number): Promise<string> {
  const c = await connectClient(host, port, unitId);
  const parts = [
    await readWords(c, 'input', 0, 4),
    await readWords(c, 'holding', 0, 5),
    await readWords(c, 'holding', 10, 8),
    await readBits(c, 'coils', 0, 1),
    await readBits(c, 'discrete', 0, 1),
  ];
  await c.close();
  return JSON.stringify(parts);
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('ports layout', () => {
  it('gives each device its own port from basePort up, unit id 1', async () => {
    const base = await freePortRange(3);
    const fleet = await start({ count: 3, basePort: base });
    expect(fleet.devices).toEqual([
      { id: 'modbus-1', host: '127.0.0.1', port: base, unitId: 1 },
      { id: 'modbus-2', host: '127.0.0.1', port: base + 1, unitId: 1 },
      { id: 'modbus-3', host: '127.0.0.1', port: base + 2, unitId: 1 },
    ]);
    for (const d of fleet.devices) {
      const c = await connectClient(d.host, d.port, d.unitId);
      expect(await readWords(c, 'holding', 0, 1)).toHaveLength(1);
      await c.close();
    }
    expect(fleet.totals()).toMatchObject({ devices: 3, reads: 3, writes: 0 });
  });

  it('basePort 0 gives every device a free port of its own', async () => {
    const fleet = await start({ count: 4, basePort: 0 });
    expect(new Set(fleet.devices.map((d) => d.port)).size).toBe(4);
    expect(fleet.devices.every((d) => d.port > 0)).toBe(true);
  });

  it('a port in use fails the start with the port named, and leaves nothing listening', async () => {
    const base = await freePortRange(2);
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ port: base + 1, host: '127.0.0.1' }, () => resolve()));
    try {
      const err = await startModbusFleet({ count: 2, basePort: base }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModbusListenError);
      expect((err as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${base + 1}: the port is in use`));
      expect(await refused(base)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('unit-ids layout', () => {
  it(`puts ${MAX_UNITS_PER_PORT} devices behind a port and continues on the next`, async () => {
    const fleet = await start({ count: MAX_UNITS_PER_PORT + 3, basePort: 0, layout: 'unit-ids' });
    const ports = [...new Set(fleet.devices.map((d) => d.port))];
    expect(ports).toHaveLength(2);
    const last = fleet.devices[MAX_UNITS_PER_PORT - 1]!;
    const spilled = fleet.devices[MAX_UNITS_PER_PORT + 2]!;
    expect(last).toMatchObject({ port: ports[0], unitId: MAX_UNITS_PER_PORT });
    expect(spilled).toMatchObject({ port: ports[1], unitId: 3 });
    const c = await connectClient(spilled.host, spilled.port, spilled.unitId);
    await c.modbus.writeSingleCoil(0, true);
    await c.close();
    expect(fleet.device(spilled.id).value('relay')).toBe(true);
    expect(fleet.device(fleet.devices[2]!.id).value('relay')).toBe(false);
  });
});

describe('reproducibility', () => {
  it('the same seed and clock serve the same words on the wire; another seed serves others', async () => {
    const now = (): number => 1_700_000_123_000;
    const a = await start({ count: 2, basePort: 0, seed: 42, now });
    const b = await start({ count: 2, basePort: 0, seed: 42, now });
    const c = await start({ count: 2, basePort: 0, seed: 43, now });
    for (let i = 0; i < 2; i++) {
      const da = a.devices[i]!;
      const db = b.devices[i]!;
      const dc = c.devices[i]!;
      const sa = await snapshot(da.host, da.port, da.unitId);
      expect(await snapshot(db.host, db.port, db.unitId)).toBe(sa);
      expect(await snapshot(dc.host, dc.port, dc.unitId)).not.toBe(sa);
    }
    // Two devices of one fleet differ from each other too.
    expect(await snapshot(a.devices[0]!.host, a.devices[0]!.port, 1)).not.toBe(await snapshot(a.devices[1]!.host, a.devices[1]!.port, 1));
  });

  it('values follow the clock: the humidity sine moves between reads at different times', async () => {
    let t = 1_700_000_000_000;
    const fleet = await start({ count: 1, basePort: 0, now: () => t });
    const d = fleet.devices[0]!;
    const c = await connectClient(d.host, d.port, 1);
    const first = await readWords(c, 'holding', 0, 1);
    t += 150_000;
    const later = await readWords(c, 'holding', 0, 1);
    await c.close();
    expect(first).toEqual([450]);
    expect(later).toEqual([530]);
  });
});

describe('options and ids', () => {
  it('refuses a bad count, port or layout before listening', async () => {
    await expect(startModbusFleet({ count: 0, basePort: 0 })).rejects.toThrow(/count must be a whole number/);
    await expect(startModbusFleet({ count: 1, basePort: 70000 })).rejects.toThrow(/basePort/);
    await expect(startModbusFleet({ count: 10, basePort: 65530 })).rejects.toThrow(/run past 65535/);
    await expect(startModbusFleet({ count: 1, basePort: 0, layout: 'ring' as 'ports' })).rejects.toThrow(ConfigInvalidError);
  });

  it('checks a hand-written profile before starting', async () => {
    const profile = { name: 'bad', points: [{ name: 'x', register: 'InputRegister' as const, offset: 0, type: 'bool' as const, generator: { kind: 'constant' as const, value: true } }] };
    await expect(startModbusFleet({ count: 1, basePort: 0, profile })).rejects.toThrow(/profile bad: points\[0\]\.type: bool points live in CoilRegister/);
  });

  it('an unknown device id is a ConfigInvalidError naming it', async () => {
    const fleet = await start({ count: 1, basePort: 0 });
    expect(() => fleet.setFault('modbus-9', {})).toThrow(/no fake Modbus device "modbus-9"/);
    expect(() => fleet.counters('nope')).toThrow(ConfigInvalidError);
  });

  it('a fleet-wide fault from the options applies to every device', async () => {
    const fleet = await start({ count: 2, basePort: 0, fault: { exception: { code: 6, rate: 1 } } });
    for (const d of fleet.devices) expect(fleet.device(d.id).fault).toEqual({ exception: { code: 6, rate: 1 } });
  });
});
