/**
 * Modbus TCP for the virtual mappers: one connection per device endpoint (host:port), shared by
 * every unit id behind it, carrying one request at a time (a mapper's client holds a lock per
 * device and so does this). The protocol is modbus-serial's; connect and answer deadlines run on
 * the shard's timer wheel (the library's own per-request timers stay off), and a connection that
 * fails is retried no sooner than `reconnectMs` later, requests in between failing at once with
 * the last error, as a mapper's reads do while its device is down.
 */
import modbusSerial from 'modbus-serial';
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { ModbusVisitor } from './device-spec.js';
import { classifyIoError, errorMessage, failure, type DeviceIo, type IoCallback, type IoResult } from './device-io.js';
import type { DevicePropertySpec, ModbusEndpointSpec } from './device-spec.js';
import { decodeBits, decodeRegisters, encodeDesired, type ModbusWrite } from './register-codec.js';
import type { IoErrorKind } from './device-counters.js';
import { NO_TIMER, type TimerId, type TimerTarget, type TimerWheel } from '../../scheduler/timer-wheel.js';

export interface ModbusTimings {
  /** TCP connect deadline. The modbus mapper's client uses 5 s. */
  connectTimeoutMs: number;
  /** Request → answer deadline. 5 s in the modbus mapper. */
  requestTimeoutMs: number;
  /** After a failed connect, requests fail at once for this long before the next attempt. */
  reconnectMs: number;
}

interface Job {
  readonly unitId: number;
  readonly visitor: ModbusVisitor;
  readonly write: ModbusWrite | undefined;
  /** The twin value a write reports back (the desired value written). */
  readonly written: string;
  readonly done: IoCallback;
  sentAt: number;
}

const CLOSED = 0;
const CONNECTING = 1;
const OPEN = 2;

const T_DEADLINE = 1;

type Answer = { data: unknown } | undefined;

/** The package's CommonJS export is the client class itself; its typings describe it as a default export. */
const ModbusClient = modbusSerial as unknown as new () => ModbusRTU;

/** One Modbus TCP server (a gateway or a device) and the connection to it. */
export class ModbusEndpoint implements TimerTarget {
  /** Devices using this endpoint; the pool closes it when this drops to 0. */
  refs = 0;
  private client: ModbusRTU | undefined;
  private state = CLOSED;
  private readonly queue: Job[] = [];
  private inFlight: Job | undefined;
  /** Bumped whenever a client or request is abandoned: late callbacks of the old one are ignored. */
  private gen = 0;
  private timer: TimerId = NO_TIMER;
  private retryAt = 0;
  private lastFailure: { kind: IoErrorKind; message: string } = { kind: 'other', message: 'never connected' };

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly wheel: TimerWheel,
    private readonly timings: ModbusTimings,
  ) {}

  get key(): string {
    return `${this.host}:${this.port}`;
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Queue a read of `v` from unit `unitId`. */
  read(unitId: number, v: ModbusVisitor, done: IoCallback): void {
    this.enqueue({ unitId, visitor: v, write: undefined, written: '', done, sentAt: 0 });
  }

  /** Queue a write of `value` (a desired twin value) to `v` on unit `unitId`. */
  write(unitId: number, v: ModbusVisitor, value: string, done: IoCallback): void {
    let w: ModbusWrite;
    try {
      w = encodeDesired(v, value);
    } catch (error) {
      later(done, failure('decode', errorMessage(error)));
      return;
    }
    this.enqueue({ unitId, visitor: v, write: w, written: value, done, sentAt: 0 });
  }

  /** Drop the connection and fail whatever is queued or in flight. */
  close(): void {
    this.gen++;
    this.cancelTimer();
    const jobs = this.inFlight ? [this.inFlight, ...this.queue] : [...this.queue];
    this.inFlight = undefined;
    this.queue.length = 0;
    this.dropClient();
    for (const j of jobs) later(j.done, failure('reset', 'endpoint closed'));
  }

  onTimer(): void {
    this.timer = NO_TIMER;
    if (this.state === CONNECTING) {
      this.connectFailed('unreachable', `no TCP connection to ${this.key} within ${this.timings.connectTimeoutMs} ms`);
      return;
    }
    const job = this.inFlight;
    if (!job) return;
    // modbus-serial cannot cancel a transaction: give up the connection with it.
    this.inFlight = undefined;
    this.gen++;
    this.dropClient();
    job.done(failure('timeout', `no answer from ${this.key} unit ${job.unitId} within ${this.timings.requestTimeoutMs} ms`), this.wheel.now() - job.sentAt);
    this.pump();
  }

  private enqueue(job: Job): void {
    if (this.state === CLOSED && this.wheel.now() < this.retryAt) {
      later(job.done, failure(this.lastFailure.kind, this.lastFailure.message));
      return;
    }
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    if (this.queue.length === 0 || this.inFlight) return;
    if (this.state === CLOSED) {
      this.connect();
      return;
    }
    if (this.state !== OPEN) return;
    const job = this.queue.shift()!;
    this.inFlight = job;
    this.send(job);
  }

  private connect(): void {
    const client = new ModbusClient();
    const gen = ++this.gen;
    this.client = client;
    this.state = CONNECTING;
    // Without listeners an 'error' event would throw out of the socket's callback.
    client.on('error', () => undefined);
    client.on('close', () => {
      if (gen === this.gen) this.onClosed();
    });
    this.armTimer(this.timings.connectTimeoutMs);
    client.connectTCP(this.host, { port: this.port }).then(
      () => {
        if (gen !== this.gen) return;
        this.cancelTimer();
        this.state = OPEN;
        this.pump();
      },
      (error: unknown) => {
        if (gen !== this.gen) return;
        this.connectFailed(classifyIoError(error), `connect ${this.key}: ${errorMessage(error)}`);
      },
    );
  }

  private connectFailed(kind: IoErrorKind, message: string): void {
    this.cancelTimer();
    this.gen++;
    this.dropClient();
    this.lastFailure = { kind, message };
    this.retryAt = this.wheel.now() + this.timings.reconnectMs;
    const jobs = this.queue.splice(0);
    for (const j of jobs) j.done(failure(kind, message), 0);
  }

  /** The server closed the connection (or it broke): fail the request in flight; the next one reconnects. */
  private onClosed(): void {
    this.cancelTimer();
    this.gen++;
    this.client = undefined;
    this.state = CLOSED;
    const job = this.inFlight;
    this.inFlight = undefined;
    if (job) job.done(failure('reset', `${this.key} closed the connection`), this.wheel.now() - job.sentAt);
    this.pump();
  }

  private send(job: Job): void {
    const client = this.client!;
    const gen = this.gen;
    job.sentAt = this.wheel.now();
    this.armTimer(this.timings.requestTimeoutMs);
    client.setID(job.unitId);
    const v = job.visitor;
    let p: Promise<Answer>;
    const w = job.write;
    if (w) {
      p = w.fc === 5
        ? client.writeCoil(v.offset, w.coil).then(() => undefined)
        : w.fc === 6
          ? client.writeRegister(v.offset, w.word).then(() => undefined)
          : client.writeRegisters(v.offset, [...w.words]).then(() => undefined);
    } else {
      switch (v.register) {
        case 'HoldingRegister':
          p = client.readHoldingRegisters(v.offset, v.limit);
          break;
        case 'InputRegister':
          p = client.readInputRegisters(v.offset, v.limit);
          break;
        case 'CoilRegister':
          p = client.readCoils(v.offset, v.limit);
          break;
        case 'DiscreteInputRegister':
          p = client.readDiscreteInputs(v.offset, v.limit);
          break;
      }
    }
    p.then(
      (answer) => this.answered(job, gen, answer, undefined),
      (error: unknown) => this.answered(job, gen, undefined, error),
    );
  }

  private answered(job: Job, gen: number, answer: Answer, error: unknown): void {
    if (gen !== this.gen || this.inFlight !== job) return;
    this.cancelTimer();
    this.inFlight = undefined;
    const latency = this.wheel.now() - job.sentAt;
    let result: IoResult;
    if (error !== undefined) {
      const kind = classifyIoError(error);
      result = failure(kind, `${this.key} unit ${job.unitId}: ${errorMessage(error)}`);
      if (kind !== 'exception') {
        // Anything but an exception response leaves the stream in an unknown state.
        this.gen++;
        this.dropClient();
      }
    } else if (job.write) {
      result = { ok: true, value: job.written };
    } else {
      result = decode(job.visitor, answer?.data);
    }
    job.done(result, latency);
    this.pump();
  }

  private dropClient(): void {
    const c = this.client;
    this.client = undefined;
    this.state = CLOSED;
    if (c) c.destroy(() => undefined);
  }

  private armTimer(ms: number): void {
    this.cancelTimer();
    this.timer = this.wheel.schedule(this, T_DEADLINE, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== NO_TIMER) this.wheel.cancel(this.timer);
    this.timer = NO_TIMER;
  }
}

function decode(v: ModbusVisitor, data: unknown): IoResult {
  if (!Array.isArray(data)) return failure('protocol', 'answer without data');
  try {
    if (v.register === 'CoilRegister' || v.register === 'DiscreteInputRegister') return { ok: true, value: decodeBits(v, data as boolean[]) };
    return { ok: true, value: decodeRegisters(v, data as number[]) };
  } catch (error) {
    return failure('decode', errorMessage(error));
  }
}

/** Callbacks are never synchronous, so a caller's state is settled before its callback runs. */
function later(done: IoCallback, result: IoResult): void {
  queueMicrotask(() => done(result, 0));
}

/**
 * The shard's Modbus connections: one per node and host:port (a node's mapper keeps its clients;
 * the unit ids behind one port share its connection), closed when the last device using one goes.
 */
export class ModbusPool {
  private readonly endpoints = new Map<string, ModbusEndpoint>();

  constructor(
    private readonly wheel: TimerWheel,
    private readonly timings: ModbusTimings,
  ) {}

  get size(): number {
    return this.endpoints.size;
  }

  /** A driver for one device (unit) behind the endpoint, on `scope`'s connection (a node name). */
  open(spec: ModbusEndpointSpec, scope = ''): DeviceIo {
    const key = `${scope}|${spec.host}:${spec.port}`;
    let ep = this.endpoints.get(key);
    if (!ep) {
      ep = new ModbusEndpoint(spec.host, spec.port, this.wheel, this.timings);
      this.endpoints.set(key, ep);
    }
    ep.refs += 1;
    const owned = ep;
    return new ModbusDeviceIo(ep, spec.unitId, () => this.release(key, owned));
  }

  closeAll(): void {
    for (const ep of this.endpoints.values()) ep.close();
    this.endpoints.clear();
  }

  private release(key: string, ep: ModbusEndpoint): void {
    ep.refs -= 1;
    if (ep.refs > 0) return;
    ep.close();
    if (this.endpoints.get(key) === ep) this.endpoints.delete(key);
  }
}

class ModbusDeviceIo implements DeviceIo {
  private closed = false;

  constructor(
    private readonly ep: ModbusEndpoint,
    private readonly unitId: number,
    private readonly onClose: () => void,
  ) {}

  read(p: DevicePropertySpec, done: IoCallback): void {
    const v = p.visitor;
    if (this.closed || v?.protocol !== 'modbus') {
      later(done, failure('other', this.closed ? 'device closed' : `${p.name} has no modbus visitor`));
      return;
    }
    this.ep.read(this.unitId, v, done);
  }

  write(p: DevicePropertySpec, value: string, done: IoCallback): void {
    const v = p.visitor;
    if (this.closed || v?.protocol !== 'modbus') {
      later(done, failure('other', this.closed ? 'device closed' : `${p.name} has no modbus visitor`));
      return;
    }
    this.ep.write(this.unitId, v, value, done);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
