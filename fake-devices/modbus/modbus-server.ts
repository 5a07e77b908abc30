/**
 * One Modbus TCP server on one port, built on modbus-serial's ServerTCP (it frames requests and
 * builds responses); this module routes each request to a fake device by unit id and applies the
 * device's faults. modbus-serial calls the service vector once per register or per bit, so the
 * calls made for one request are grouped into a "burst" here: the request is counted once, its
 * fault drawn once, and a multi-coil write applied all or nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import net from 'node:net';
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import { ConfigInvalidError } from '../../sim/errors.js';
import type { FakeModbusDevice } from './fake-modbus-device.js';
import type { FaultDecision } from './modbus-fault.js';
import { ModbusException, ModbusExceptionCode } from './modbus-exception.js';
import type { BitTable, WordTable } from './modbus-types.js';

/** The server could not listen where it was asked to (port in use, address not local…). */
export class ModbusListenError extends ConfigInvalidError {
  constructor(host: string, port: number, cause: unknown) {
    const why = (cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' ? 'the port is in use' : cause instanceof Error ? cause.message : String(cause);
    super(`fake Modbus device cannot listen on ${host}:${port}: ${why}`, { host, port });
  }
}

export interface ModbusServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The device that answers a unit id, or undefined (then 0x0B, gateway target failed to respond). */
  route: (unitId: number) => FakeModbusDevice | undefined;
  /** Errors that are bugs rather than Modbus answers; the request got 0x04 and was counted. */
  onInternalError?: (error: unknown, deviceId: string | undefined) => void;
}

export interface StartedModbusServer {
  readonly host: string;
  readonly port: number;
  /** Requests for a unit id no device answers to. */
  readonly unroutable: number;
  /** Errors on client sockets (resets, …). */
  readonly socketErrors: number;
  connections(): number;
  stop(): Promise<void>;
}

/**
 * modbus-serial does not tell the vector which connection a request came on. The socket's 'data'
 * listener runs first and enters this context; the library's own listener then schedules the
 * request (setTimeout), which carries the context into the vector call, so a drop fault can close
 * exactly the connection the request came on.
 */
const requestConnection = new AsyncLocalStorage<net.Socket>();

/** Thrown after a drop fault closed the connection: the library's answer goes nowhere. */
class ConnectionDropped extends Error {
  constructor() {
    super('connection dropped by fault');
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface PendingWrite {
  address: number;
  coils: boolean;
  values: Array<boolean | number>;
}

/** The vector calls of one request: they arrive synchronously in one task, so a microtask ends the burst. */
interface Burst {
  unitId: number;
  kind: 'read' | 'write';
  device: FakeModbusDevice | undefined;
  decision: FaultDecision | undefined;
  dropped: boolean;
  /** The exception this request is answered with, once it has one. */
  error: ModbusException | undefined;
  /** Resolves after the injected latency (reads). */
  delay: Promise<void> | undefined;
  writes: PendingWrite[] | undefined;
  outcome: Deferred | undefined;
}

const MAX_READ_REGISTERS = 125;

/** The service vector. Method arity matters: modbus-serial treats a trailing 4th/3rd parameter as a callback. */
class DeviceVector {
  unroutable = 0;
  private burst: Burst | undefined;

  constructor(
    private readonly route: ModbusServerOptions['route'],
    private readonly onInternalError: ModbusServerOptions['onInternalError'],
  ) {}

  getCoil(addr: number, unitID: number): boolean | Promise<boolean> {
    return this.readOne(unitID, 'CoilRegister', addr);
  }

  getDiscreteInput(addr: number, unitID: number): boolean | Promise<boolean> {
    return this.readOne(unitID, 'DiscreteInputRegister', addr);
  }

  getHoldingRegister(addr: number, unitID: number): number | Promise<number> {
    return this.readOne(unitID, 'HoldingRegister', addr);
  }

  getInputRegister(addr: number, unitID: number): number | Promise<number> {
    return this.readOne(unitID, 'InputRegister', addr);
  }

  getMultipleHoldingRegisters(addr: number, length: number, unitID: number): Array<number | Promise<number>> {
    return this.readMany(unitID, 'HoldingRegister', addr, length);
  }

  getMultipleInputRegisters(addr: number, length: number, unitID: number): Array<number | Promise<number>> {
    return this.readMany(unitID, 'InputRegister', addr, length);
  }

  setCoil(addr: number, value: boolean, unitID: number): Promise<void> {
    return this.write(unitID, { address: addr, coils: true, values: [value] });
  }

  setRegister(addr: number, value: number, unitID: number): Promise<void> {
    return this.write(unitID, { address: addr, coils: false, values: [value] });
  }

  setRegisterArray(addr: number, values: number[], unitID: number): Promise<void> {
    return this.write(unitID, { address: addr, coils: false, values: [...values] });
  }

  private readOne(unitID: number, table: BitTable, addr: number): boolean | Promise<boolean>;
  private readOne(unitID: number, table: WordTable, addr: number): number | Promise<number>;
  private readOne(unitID: number, table: BitTable | WordTable, addr: number): boolean | number | Promise<boolean | number> {
    const burst = this.enter(unitID, 'read');
    return this.answer(burst, (d) => (table === 'CoilRegister' || table === 'DiscreteInputRegister' ? d.readBits(table, addr, 1)[0]! : d.readWords(table, addr, 1)[0]!));
  }

  private readMany(unitID: number, table: WordTable, addr: number, length: number): Array<number | Promise<number>> {
    const burst = this.enter(unitID, 'read');
    const answer = this.answer(burst, (d) => {
      if (length > MAX_READ_REGISTERS) throw new ModbusException(ModbusExceptionCode.IllegalDataValue, `quantity ${length} is above ${MAX_READ_REGISTERS}`);
      return d.readWords(table, addr, length);
    });
    if (!(answer instanceof Promise)) return answer;
    return Array.from({ length }, (_, i) => answer.then((words) => words[i]!));
  }

  /**
   * The value now, or after the injected latency; an exception instead when the request fails.
   * Once one call of a burst failed, the request has failed: later calls (the other bits of an
   * FC1 read) reuse that exception instead of computing and building one each.
   */
  private answer<T>(burst: Burst, compute: (device: FakeModbusDevice) => T): T | Promise<T> {
    let error = burst.error;
    let value: T | undefined;
    if (!error) {
      if (burst.decision?.exception !== undefined) error = this.injected(burst, burst.decision.exception);
      else {
        try {
          value = compute(burst.device!);
        } catch (e) {
          error = this.failure(burst, e);
        }
      }
      burst.error = error;
    }
    if (!burst.delay) {
      if (error) throw error;
      return value as T;
    }
    return burst.delay.then(() => {
      if (error) throw error;
      return value as T;
    });
  }

  private write(unitID: number, write: PendingWrite): Promise<void> {
    const burst = this.enter(unitID, 'write');
    (burst.writes ??= []).push(write);
    burst.outcome ??= deferred();
    return burst.outcome.promise;
  }

  /** The burst this call belongs to: the current one, or a new request. */
  private enter(unitId: number, kind: 'read' | 'write'): Burst {
    let burst = this.burst;
    if (!burst || burst.unitId !== unitId || burst.kind !== kind) {
      burst = this.open(unitId, kind);
    }
    if (!burst.device) throw new ModbusException(ModbusExceptionCode.GatewayTargetFailedToRespond, `no device answers unit id ${unitId}`);
    if (burst.dropped) throw new ConnectionDropped();
    return burst;
  }

  private open(unitId: number, kind: 'read' | 'write'): Burst {
    const device = this.route(unitId);
    const burst: Burst = { unitId, kind, device, decision: undefined, dropped: false, error: undefined, delay: undefined, writes: undefined, outcome: undefined };
    this.burst = burst;
    queueMicrotask(() => this.close(burst));
    if (!device) {
      this.unroutable++;
      return burst;
    }
    if (kind === 'read') device.counters.reads++;
    else device.counters.writes++;
    const decision = device.decideFault();
    burst.decision = decision;
    if (decision?.drop) {
      burst.dropped = true;
      device.counters.drops++;
      requestConnection.getStore()?.destroy();
    } else if (decision && decision.delayMs > 0 && kind === 'read') {
      const ms = decision.delayMs;
      burst.delay = new Promise((resolve) => setTimeout(resolve, ms));
    }
    return burst;
  }

  private close(burst: Burst): void {
    if (this.burst === burst) this.burst = undefined;
    if (burst.outcome && burst.writes) this.flushWrites(burst, burst.outcome, burst.writes);
  }

  private flushWrites(burst: Burst, outcome: Deferred, writes: PendingWrite[]): void {
    const device = burst.device!;
    let error: ModbusException | undefined;
    if (burst.decision?.exception !== undefined) error = this.injected(burst, burst.decision.exception);
    else {
      try {
        applyWrites(device, writes);
      } catch (e) {
        error = this.failure(burst, e);
      }
    }
    const settle = (): void => (error ? outcome.reject(error) : outcome.resolve());
    const delayMs = burst.decision?.delayMs ?? 0;
    if (delayMs > 0) setTimeout(settle, delayMs);
    else settle();
  }

  /** An injected exception; counted, as every exception a request is answered with is. */
  private injected(burst: Burst, code: ModbusExceptionCode): ModbusException {
    burst.device!.counters.exceptions++;
    return new ModbusException(code, `injected fault on ${burst.device!.id}`, { device: burst.device!.id });
  }

  /** A request that failed on its own (bad address, bad value) or on a bug (then 0x04, and reported). */
  private failure(burst: Burst, e: unknown): ModbusException {
    burst.device!.counters.exceptions++;
    if (e instanceof ModbusException) return e;
    this.onInternalError?.(e, burst.device!.id);
    return new ModbusException(ModbusExceptionCode.ServerDeviceFailure, e instanceof Error ? e.message : String(e), { device: burst.device!.id });
  }
}

/** modbus-serial hands FC15 over one coil per call; put the request back together. */
function applyWrites(device: FakeModbusDevice, writes: PendingWrite[]): void {
  const sorted = [...writes].sort((a, b) => a.address - b.address);
  const first = sorted[0]!;
  const contiguous = sorted.every((w, i) => i === 0 || w.address === sorted[i - 1]!.address + sorted[i - 1]!.values.length);
  // An invariant of modbus-serial's FC15 handler, not an input problem: a bug if it ever fires.
  if (!contiguous) throw new Error(`a write request for ${device.id} arrived as non-contiguous parts`);
  const values = sorted.flatMap((w) => w.values);
  if (first.coils) device.writeCoils(first.address, values as boolean[]);
  else device.writeRegisters(first.address, values as number[]);
}

/** ServerTCP keeps its net.Server private; we need it for the bound port and per-connection hooks. */
function netServerOf(server: ServerTCP): net.Server {
  const inner = (server as unknown as { _server?: unknown })._server;
  if (!(inner instanceof net.Server)) {
    throw new Error('this modbus-serial version does not expose ServerTCP._server, which fake Modbus devices need');
  }
  return inner;
}

export async function startModbusServer(options: ModbusServerOptions): Promise<StartedModbusServer> {
  const { host, port } = options;
  const vector = new DeviceVector(options.route, options.onInternalError);
  // modbus-serial listens on `options.port || 502`; the string '0' (which net accepts) asks for a free port.
  const listenPort = (port === 0 ? '0' : port) as unknown as number;
  const server = new ServerTCP(vector as unknown as IServiceVector, { host, port: listenPort, unitID: 255 });
  const inner = netServerOf(server);
  let socketErrors = 0;
  inner.on('connection', (sock: net.Socket) => {
    sock.setNoDelay(true);
    sock.prependListener('data', () => requestConnection.enterWith(sock));
  });
  server.on('socketError', () => {
    socketErrors++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', reject);
  }).catch((e: unknown) => {
    throw new ModbusListenError(host, port, e);
  });
  server.on('serverError', (e: unknown) => options.onInternalError?.(e, undefined));
  server.on('error', (e: unknown) => options.onInternalError?.(e, undefined));
  const address = inner.address() as net.AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    host,
    port: address.port,
    get unroutable() {
      return vector.unroutable;
    },
    get socketErrors() {
      return socketErrors;
    },
    connections: () => server.socks.size,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
      })),
  };
}
