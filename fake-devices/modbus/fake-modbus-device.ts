/**
 * One fake Modbus device, off the wire: what it answers to reads and writes of its four tables.
 * A point's words come from its generator, evaluated at read time, until a client writes the point;
 * from then on the written ("desired") words stick, as a real device keeps a setpoint, so the next
 * read shows what the cloud asked for. Faults and counters live here too; the server applies them.
 */
import { ConfigInvalidError } from '../../sim/errors.js';
import type { AddressMap, MappedPoint } from './address-map.js';
import { afterDecision, decideFault, parseFault, type FaultDecision, type ModbusFault, type ParsedModbusFault } from './modbus-fault.js';
import { illegalAddress, illegalValue } from './modbus-exception.js';
import type { BitTable, PointValue, WordTable } from './modbus-types.js';
import { SeededStream } from './seeded-random.js';
import { decodeWords, encodeValue } from './value-codec.js';
import { generate, isStateful, newMemo, type GeneratorMemo } from './value-generator.js';

/** Shared by every device of a fleet: generators run on seconds since `startedAtMs`. */
export interface DeviceClock {
  readonly startedAtMs: number;
  now(): number;
}

export interface DeviceCounters {
  /** Read requests (FC1–4) addressed to the device, whatever their outcome. */
  reads: number;
  /** Write requests (FC5, 6, 15, 16). */
  writes: number;
  /** Exception responses sent, injected or earned (bad address, bad value). */
  exceptions: number;
  /** Connections closed by a drop fault. */
  drops: number;
}

export interface FakeModbusDeviceOptions {
  id: string;
  unitId: number;
  seed: number;
  clock: DeviceClock;
  fault?: ModbusFault;
}

export class FakeModbusDevice {
  readonly id: string;
  readonly unitId: number;
  readonly seed: number;
  readonly map: AddressMap;
  readonly counters: DeviceCounters = { reads: 0, writes: 0, exceptions: 0, drops: 0 };
  private readonly clock: DeviceClock;
  private currentFault: ParsedModbusFault | undefined;
  private faultRandom: SeededStream | undefined;
  /** Written words by point index; absent until the first write. */
  private desired: Map<number, number[]> | undefined;
  private memos: Array<GeneratorMemo | undefined> | undefined;

  constructor(map: AddressMap, options: FakeModbusDeviceOptions) {
    this.map = map;
    this.id = options.id;
    this.unitId = options.unitId;
    this.seed = options.seed;
    this.clock = options.clock;
    this.setFault(options.fault);
  }

  get fault(): ParsedModbusFault | undefined {
    return this.currentFault;
  }

  /** Replace the device's fault; undefined or `{}` clears it. */
  setFault(fault: ModbusFault | undefined): void {
    if (fault === undefined) {
      this.currentFault = undefined;
      return;
    }
    const parsed = parseFault(fault, `device ${this.id}`);
    this.currentFault = Object.keys(parsed).length === 0 ? undefined : parsed;
  }

  /** The fault decision for the next request, if any fault is set. */
  decideFault(): FaultDecision | undefined {
    const fault = this.currentFault;
    if (fault === undefined) return undefined;
    this.faultRandom ??= new SeededStream(this.seed ^ 0x0fa017);
    const decision = decideFault(fault, this.faultRandom);
    const next = afterDecision(fault, decision);
    if (next !== fault) this.currentFault = Object.keys(next).length === 0 ? undefined : next;
    return decision;
  }

  /** FC1/FC2: one boolean per address; an unmapped address fails the whole read (0x02). */
  readBits(table: BitTable, address: number, count: number): boolean[] {
    const out = new Array<boolean>(count);
    for (let i = 0; i < count; i++) {
      const slot = this.map.slot(table, address + i);
      if (!slot) throw illegalAddress(table, address, count);
      out[i] = this.wordsOf(slot.point)[0] === 1;
    }
    return out;
  }

  /** FC3/FC4: register contents; a point spanning several registers is evaluated once per read. */
  readWords(table: WordTable, address: number, count: number): number[] {
    const out = new Array<number>(count);
    let i = 0;
    while (i < count) {
      const slot = this.map.slot(table, address + i);
      if (!slot) throw illegalAddress(table, address, count);
      const words = this.wordsOf(slot.point);
      for (let w = slot.word; w < slot.point.width && i < count; w++, i++) out[i] = words[w]!;
    }
    return out;
  }

  /** FC5/FC15. All or nothing: an unmapped coil (0x02) or a read-only one (0x03) rejects the whole write. */
  writeCoils(address: number, values: readonly boolean[]): void {
    const points = this.slotsFor('CoilRegister', address, values.length);
    const changes = new Map<MappedPoint, number[]>();
    points.forEach((slot, i) => {
      this.assertWritable(slot.point);
      changes.set(slot.point, [values[i] ? 1 : 0]);
    });
    this.commit(changes);
  }

  /**
   * FC6/FC16. All or nothing. Writing some words of a multi-register point merges them into its
   * current words; the merged value must decode to a finite number within the point's min/max (0x03).
   */
  writeRegisters(address: number, words: readonly number[]): void {
    const slots = this.slotsFor('HoldingRegister', address, words.length);
    const changes = new Map<MappedPoint, number[]>();
    slots.forEach((slot, i) => {
      this.assertWritable(slot.point);
      let merged = changes.get(slot.point);
      if (!merged) {
        merged = [...this.wordsOf(slot.point)];
        changes.set(slot.point, merged);
      }
      merged[slot.word] = words[i]! & 0xffff;
    });
    for (const [point, merged] of changes) this.assertAcceptable(point, decodeWords(point.def, merged));
    this.commit(changes);
  }

  /** The point's current value, decoded as the mapper would. */
  value(name: string): PointValue {
    const point = this.pointNamed(name);
    return decodeWords(point.def, this.wordsOf(point));
  }

  /** The point's current words (coil bit for bools). */
  words(name: string): readonly number[] {
    return this.wordsOf(this.pointNamed(name));
  }

  /** Whether a client has written the point (its generator no longer feeds it). */
  isDesired(name: string): boolean {
    return this.desired?.has(this.pointNamed(name).index) ?? false;
  }

  private pointNamed(name: string): MappedPoint {
    const point = this.map.point(name);
    if (!point) throw new ConfigInvalidError(`device ${this.id} has no point ${JSON.stringify(name)}`, { device: this.id, point: name });
    return point;
  }

  private wordsOf(point: MappedPoint): readonly number[] {
    const written = this.desired?.get(point.index);
    if (written) return written;
    const gen = point.def.generator;
    const tSeconds = Math.max(0, (this.clock.now() - this.clock.startedAtMs) / 1000);
    const memo = isStateful(gen) ? this.memo(point.index) : undefined;
    const value = generate(gen, { seed: this.seed, point: point.index, tSeconds, capacityBytes: point.width * 2 }, memo);
    return encodeValue(point.def, value);
  }

  private memo(index: number): GeneratorMemo {
    this.memos ??= [];
    let m = this.memos[index];
    if (!m) {
      m = newMemo();
      this.memos[index] = m;
    }
    return m;
  }

  private slotsFor(table: 'CoilRegister' | 'HoldingRegister', address: number, count: number): Array<{ point: MappedPoint; word: number }> {
    const out = [];
    for (let i = 0; i < count; i++) {
      const slot = this.map.slot(table, address + i);
      if (!slot) throw illegalAddress(table, address, count);
      out.push(slot);
    }
    return out;
  }

  private assertWritable(point: MappedPoint): void {
    if (point.def.access === 'ReadOnly') {
      throw illegalValue(`${point.def.name} is read-only`, { device: this.id, point: point.def.name });
    }
  }

  private assertAcceptable(point: MappedPoint, value: PointValue): void {
    if (typeof value !== 'number') return;
    const { name, min, max } = point.def;
    if (!Number.isFinite(value)) throw illegalValue(`${name}: ${value} is not a finite number`, { device: this.id, point: name });
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      throw illegalValue(`${name}: ${value} is outside ${min ?? '-∞'}..${max ?? '∞'}`, { device: this.id, point: name, value });
    }
  }

  private commit(changes: Map<MappedPoint, number[]>): void {
    if (changes.size === 0) return;
    this.desired ??= new Map();
    for (const [point, words] of changes) this.desired.set(point.index, words);
  }
}
