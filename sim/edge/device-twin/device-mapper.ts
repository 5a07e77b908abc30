/**
 * One device's mapper loop, as mapper-framework runs it (device/device.go `dataHandler`,
 * devicetwin.go, devicestatus.go): at start it writes every writable property's desired value to
 * the device (`setVisitor`), then reads each `reportToCloud` property every `collectCycle` and
 * reports it to edgecore over DMI (`ReportDeviceStatus`), and reports the device's state every
 * `stateReport.reportCycle` (`ReportDeviceStates`). A Device update restarts it, as the mapper's
 * UpdateDevice does. All of it runs off one timer on the shard's wheel; a property whose previous
 * read is still running skips the tick, as a Go ticker drops ticks a busy reader misses.
 */
import type { DeviceCounters } from './device-counters.js';
import type { DeviceIo, IoResult } from './device-io.js';
import type { DevicePropertySpec, DeviceSpec } from './device-spec.js';
import { NO_TIMER, type TimerId, type TimerTarget, type TimerWheel } from '../../scheduler/timer-wheel.js';

/** What a mapper reports to and is counted by: its node's devicetwin. */
export interface MapperHost {
  readonly wheel: TimerWheel;
  readonly counters: DeviceCounters;
  /** A property was read: DMI ReportDeviceStatus with one twin. `readAtMs` is wall-clock. */
  reportTwin(mapper: DeviceMapper, property: DevicePropertySpec, value: string, readAtMs: number): void;
  /** DMI ReportDeviceStates. */
  reportState(mapper: DeviceMapper, state: string): void;
  desiredWritten(mapper: DeviceMapper, property: DevicePropertySpec, value: string, receivedAtMs: number, ok: boolean): void;
}

const T_TICK = 1;

export class DeviceMapper implements TimerTarget {
  /** Wheel time each property is next read (Infinity: never). */
  private due: Float64Array;
  private busy: Uint8Array;
  private stateDue = Number.POSITIVE_INFINITY;
  private timer: TimerId = NO_TIMER;
  /** Result of the last I/O: undefined before any. */
  private reachable: boolean | undefined;
  private stopped = false;

  constructor(
    public spec: DeviceSpec,
    private io: DeviceIo | undefined,
    private readonly host: MapperHost,
  ) {
    this.due = new Float64Array(spec.properties.length);
    this.busy = new Uint8Array(spec.properties.length);
    host.counters.devices += 1;
  }

  get id(): string {
    return this.spec.id;
  }

  get online(): boolean | undefined {
    return this.reachable;
  }

  /** Start (or restart after an update): write desired values, then collect on the cycles. */
  start(receivedAtMs: number): void {
    if (this.stopped) return;
    const now = this.host.wheel.now();
    const props = this.spec.properties;
    // A read still running belongs to the old loop; it reports and is forgotten.
    this.busy.fill(0);
    for (let i = 0; i < props.length; i++) {
      const p = props[i]!;
      this.due[i] = p.reportToCloud && p.visitor && this.io ? now + p.collectCycleMs : Number.POSITIVE_INFINITY;
      if (this.io && p.visitor && p.accessMode === 'ReadWrite' && p.desired !== '') this.write(p, receivedAtMs);
    }
    const sr = this.spec.stateReport;
    this.stateDue = sr.reportToCloud ? now + sr.reportCycleMs : Number.POSITIVE_INFINITY;
    this.arm();
  }

  /**
   * A Device update: the mapper stops the device and starts it again with the new spec (its
   * UpdateDevice), so tickers restart and desired values are written again. The connection is kept
   * when the endpoint did not change.
   */
  update(spec: DeviceSpec, io: () => DeviceIo | undefined, receivedAtMs: number): void {
    if (this.stopped) return;
    const sameEndpoint = JSON.stringify(spec.endpoint) === JSON.stringify(this.spec.endpoint);
    if (!sameEndpoint) {
      this.io?.close();
      this.io = io();
      this.setReachable(undefined);
    }
    this.spec = spec;
    if (this.due.length !== spec.properties.length) {
      this.due = new Float64Array(spec.properties.length);
      this.busy = new Uint8Array(spec.properties.length);
    }
    this.start(receivedAtMs);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== NO_TIMER) this.host.wheel.cancel(this.timer);
    this.timer = NO_TIMER;
    this.setReachable(undefined);
    this.io?.close();
    this.io = undefined;
    this.host.counters.devices -= 1;
  }

  onTimer(_kind: number, now: number): void {
    this.timer = NO_TIMER;
    if (this.stopped) return;
    const props = this.spec.properties;
    for (let i = 0; i < props.length; i++) {
      let due = this.due[i]!;
      if (due > now) continue;
      const p = props[i]!;
      const cycle = p.collectCycleMs;
      while (due <= now) due += cycle;
      this.due[i] = due;
      if (this.busy[i]) {
        this.host.counters.readsSkipped += 1;
        continue;
      }
      this.read(i, p);
    }
    if (this.stateDue <= now) {
      const cycle = this.spec.stateReport.reportCycleMs;
      while (this.stateDue <= now) this.stateDue += cycle;
      this.host.reportState(this, this.reachable === undefined ? 'unknown' : this.reachable ? 'online' : 'offline');
    }
    this.arm();
  }

  private read(i: number, p: DevicePropertySpec): void {
    const io = this.io;
    if (!io) return;
    this.busy[i] = 1;
    const spec = this.spec;
    io.read(p, (result, latencyMs) => {
      if (this.spec === spec) this.busy[i] = 0;
      if (this.stopped) return;
      const c = this.host.counters;
      if (result.ok) {
        c.reads += 1;
        c.readLatencyMs.observe(latencyMs);
        this.setReachable(true);
        this.host.reportTwin(this, p, result.value, Date.now());
      } else {
        c.readError(result.kind);
        this.noteFailure(result);
      }
    });
  }

  private write(p: DevicePropertySpec, receivedAtMs: number): void {
    const io = this.io!;
    const value = p.desired;
    io.write(p, value, (result) => {
      if (this.stopped) return;
      const c = this.host.counters;
      if (result.ok) {
        c.writes += 1;
        this.setReachable(true);
      } else {
        c.writeError(result.kind);
        this.noteFailure(result);
      }
      this.host.desiredWritten(this, p, value, receivedAtMs, result.ok);
    });
  }

  /** A decode error or an exception answer came from a device that answered: it is still reachable. */
  private noteFailure(result: Extract<IoResult, { ok: false }>): void {
    this.setReachable(result.kind === 'exception' || result.kind === 'decode' || result.kind === 'http');
  }

  private setReachable(r: boolean | undefined): void {
    if (r === this.reachable) return;
    const c = this.host.counters;
    if (this.reachable === true) c.online -= 1;
    if (r === true) c.online += 1;
    this.reachable = r;
  }

  private arm(): void {
    let next = this.stateDue;
    for (let i = 0; i < this.due.length; i++) if (this.due[i]! < next) next = this.due[i]!;
    if (this.timer !== NO_TIMER) this.host.wheel.cancel(this.timer);
    this.timer = next === Number.POSITIVE_INFINITY ? NO_TIMER : this.host.wheel.scheduleAt(this, T_TICK, next);
  }
}
