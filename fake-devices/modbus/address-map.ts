/**
 * A profile turned into lookups: for each table, which point (and which of its words) lives at an
 * address. Built once per profile and shared by every device that uses it, so a thousand devices
 * cost one map.
 */
import type { ModbusDeviceProfile, PointDefinition } from './device-profile.js';
import type { RegisterType } from './modbus-types.js';

export interface MappedPoint {
  /** Position in the profile: seeds the point's generator. */
  readonly index: number;
  readonly def: PointDefinition;
  /** Registers (or bits) it occupies. */
  readonly width: number;
}

export interface AddressSlot {
  readonly point: MappedPoint;
  /** Which of the point's words this address holds (0 for the first). */
  readonly word: number;
}

export class AddressMap {
  readonly profile: ModbusDeviceProfile;
  readonly points: readonly MappedPoint[];
  private readonly tables: Record<RegisterType, Map<number, AddressSlot>>;
  private readonly byName: Map<string, MappedPoint>;

  constructor(profile: ModbusDeviceProfile) {
    this.profile = profile;
    this.tables = { CoilRegister: new Map(), DiscreteInputRegister: new Map(), HoldingRegister: new Map(), InputRegister: new Map() };
    this.points = profile.points.map((def, index) => ({ index, def, width: def.limit }));
    this.byName = new Map(this.points.map((p) => [p.def.name, p]));
    for (const point of this.points) {
      const table = this.tables[point.def.register];
      for (let word = 0; word < point.width; word++) table.set(point.def.offset + word, { point, word });
    }
  }

  slot(table: RegisterType, address: number): AddressSlot | undefined {
    return this.tables[table].get(address);
  }

  point(name: string): MappedPoint | undefined {
    return this.byName.get(name);
  }

  /** The mapped addresses of a table as contiguous runs, e.g. for a client that polls everything. */
  runs(table: RegisterType): Array<{ address: number; count: number }> {
    const addresses = [...this.tables[table].keys()].sort((a, b) => a - b);
    const out: Array<{ address: number; count: number }> = [];
    for (const a of addresses) {
      const last = out[out.length - 1];
      if (last && last.address + last.count === a) last.count++;
      else out.push({ address: a, count: 1 });
    }
    return out;
  }
}
