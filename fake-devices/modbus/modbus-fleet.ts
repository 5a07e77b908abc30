/**
 * Many fake Modbus devices in one process, laid out either one per port (`ports`: basePort,
 * basePort+1, …) or as unit ids 1–247 behind one port, the way a gateway serves a bus
 * (`unit-ids`; more than 247 devices continue on the next port). Devices share one address map
 * and one clock, and nothing runs between requests: values are computed when read.
 */
import { ConfigInvalidError } from '../../sim/errors.js';
import { AddressMap } from './address-map.js';
import { defaultModbusProfile } from './default-profile.js';
import { parseModbusProfile, type ModbusDeviceProfile, type ModbusDeviceProfileInput } from './device-profile.js';
import { FakeModbusDevice, type DeviceClock, type DeviceCounters } from './fake-modbus-device.js';
import type { ModbusFault } from './modbus-fault.js';
import { startModbusServer } from './modbus-server.js';
import { hash32 } from './seeded-random.js';

export type ModbusLayout = 'ports' | 'unit-ids';

/** Unit ids a Modbus server may address (0 is broadcast, 248–255 reserved). */
export const MAX_UNITS_PER_PORT = 247;

export interface ModbusFleetOptions {
  count: number;
  /** First port; 0 gives every server a free port. */
  basePort: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `ports`. */
  layout?: ModbusLayout;
  /** Default: the built-in thermometer-plc. Checked here, so a hand-written object is fine. */
  profile?: ModbusDeviceProfileInput;
  /** Every device starts with this fault instead of the profile's. */
  fault?: ModbusFault;
  /** Seeds every generator and fault draw; default 1. */
  seed?: number;
  /** Device ids are `<idPrefix>-<n>`, n from 1; default `modbus`. */
  idPrefix?: string;
  /** Milliseconds clock for the generators; default Date.now. */
  now?: () => number;
  /** Errors that are bugs rather than Modbus answers (the request got 0x04). */
  onInternalError?: (error: unknown, deviceId: string | undefined) => void;
}

export interface FleetDevice {
  id: string;
  host: string;
  port: number;
  unitId: number;
}

export interface FleetTotals extends DeviceCounters {
  devices: number;
  /** Requests for a unit id no device answers to. */
  unroutable: number;
}

export interface ModbusFleet {
  readonly devices: readonly FleetDevice[];
  readonly profile: ModbusDeviceProfile;
  readonly layout: ModbusLayout;
  readonly seed: number;
  /** The device behind an id, to read its values or what a client wrote. */
  device(id: string): FakeModbusDevice;
  /** Replace a device's fault; undefined or `{}` clears it. */
  setFault(id: string, fault: ModbusFault | undefined): void;
  counters(id: string): DeviceCounters;
  totals(): FleetTotals;
  stop(): Promise<void>;
}

function checkOptions(o: ModbusFleetOptions, layout: ModbusLayout): number {
  if (!Number.isInteger(o.count) || o.count < 1) throw new ConfigInvalidError(`count must be a whole number ≥ 1 (got ${o.count})`, { option: 'count' });
  if (!Number.isInteger(o.basePort) || o.basePort < 0 || o.basePort > 65535) {
    throw new ConfigInvalidError(`basePort must be a port number 0–65535 (got ${o.basePort})`, { option: 'basePort' });
  }
  if (layout !== 'ports' && layout !== 'unit-ids') throw new ConfigInvalidError(`layout must be ports or unit-ids (got ${JSON.stringify(layout)})`, { option: 'layout' });
  const servers = layout === 'ports' ? o.count : Math.ceil(o.count / MAX_UNITS_PER_PORT);
  if (o.basePort !== 0 && o.basePort + servers - 1 > 65535) {
    throw new ConfigInvalidError(`${servers} ports from ${o.basePort} run past 65535`, { option: 'basePort' });
  }
  return servers;
}

export async function startModbusFleet(options: ModbusFleetOptions): Promise<ModbusFleet> {
  const layout = options.layout ?? 'ports';
  const servers = checkOptions(options, layout);
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 1;
  const profile = options.profile === undefined ? defaultModbusProfile() : parseModbusProfile(options.profile, `profile ${options.profile.name}`);
  const prefix = options.idPrefix ?? 'modbus';
  const map = new AddressMap(profile);
  const now = options.now ?? Date.now;
  const clock: DeviceClock = { startedAtMs: now(), now };

  const devices: FakeModbusDevice[] = [];
  const byId = new Map<string, FakeModbusDevice>();
  for (let i = 0; i < options.count; i++) {
    const unitId = layout === 'ports' ? 1 : (i % MAX_UNITS_PER_PORT) + 1;
    const d = new FakeModbusDevice(map, { id: `${prefix}-${i + 1}`, unitId, seed: hash32(seed, i), clock, fault: options.fault ?? profile.fault });
    devices.push(d);
    byId.set(d.id, d);
  }

  const listing: FleetDevice[] = new Array(devices.length);
  // allSettled, not all: a failed port must not leave the servers that did start listening.
  const results = await Promise.allSettled(
    Array.from({ length: servers }, async (_, s) => {
      const first = layout === 'ports' ? s : s * MAX_UNITS_PER_PORT;
      const last = layout === 'ports' ? s : Math.min(devices.length, first + MAX_UNITS_PER_PORT) - 1;
      const own = devices.slice(first, last + 1);
      // A device on its own port answers any unit id, as most TCP devices do; a shared port routes by unit id.
      const only = own[0]!;
      const route = layout === 'ports' ? () => only : (unitId: number) => own[unitId - 1];
      const server = await startModbusServer({
        host,
        port: options.basePort === 0 ? 0 : options.basePort + s,
        route,
        onInternalError: options.onInternalError,
      });
      for (let i = first; i <= last; i++) listing[i] = { id: devices[i]!.id, host, port: server.port, unitId: devices[i]!.unitId };
      return server;
    }),
  );
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopAll = (): Promise<void> => Promise.all(started.map((s) => s.stop())).then(() => undefined);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }

  const deviceById = (id: string): FakeModbusDevice => {
    const d = byId.get(id);
    if (!d) throw new ConfigInvalidError(`no fake Modbus device ${JSON.stringify(id)} (ids run ${devices[0]!.id} … ${devices[devices.length - 1]!.id})`, { device: id });
    return d;
  };
  let stopping: Promise<void> | undefined;
  return {
    devices: listing,
    profile,
    layout,
    seed,
    device: deviceById,
    setFault: (id, fault) => deviceById(id).setFault(fault),
    counters: (id) => ({ ...deviceById(id).counters }),
    totals: () => {
      const t: FleetTotals = { devices: devices.length, reads: 0, writes: 0, exceptions: 0, drops: 0, unroutable: 0 };
      for (const d of devices) {
        t.reads += d.counters.reads;
        t.writes += d.counters.writes;
        t.exceptions += d.counters.exceptions;
        t.drops += d.counters.drops;
      }
      for (const s of started) t.unroutable += s.unroutable;
      return t;
    },
    stop: () => (stopping ??= stopAll()),
  };
}
