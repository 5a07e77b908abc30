/**
 * The boundary between a virtual mapper and a device on the wire: read a property's value, write a
 * desired value, report whether the device was reachable. Protocol drivers (Modbus TCP, ONVIF)
 * implement it; tests pass their own. Callbacks, not promises: a shard runs many thousands of reads
 * a second and each one should cost as little as it can.
 */
import type { DevicePropertySpec, DeviceSpec } from './device-spec.js';
import type { IoErrorKind } from './device-counters.js';

export type IoResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly kind: IoErrorKind; readonly message: string };

/** `latencyMs`: request written → answer in, on the monotonic clock (0 when the request never went out). */
export type IoCallback = (result: IoResult, latencyMs: number) => void;

export interface DeviceIo {
  /** Read one property; `done` is called exactly once, later (never synchronously). */
  read(property: DevicePropertySpec, done: IoCallback): void;
  /** Write a desired value to one property; `done` as for read, with the written value. */
  write(property: DevicePropertySpec, value: string, done: IoCallback): void;
  /** Release the device's connection (shared endpoints close when their last device lets go). */
  close(): void;
}

export interface DeviceIoFactory {
  /**
   * A driver for the device, or undefined when its protocol or endpoint is not one the mapper
   * speaks. `node` scopes connections: each node runs its own mapper, with its own clients.
   */
  open(device: DeviceSpec, node: string): DeviceIo | undefined;
}

export function failure(kind: IoErrorKind, message: string): IoResult {
  return { ok: false, kind, message };
}

/** Sort a socket, Modbus or HTTP failure into one of the counted kinds. */
export function classifyIoError(error: unknown): IoErrorKind {
  if (error === null || typeof error !== 'object') return 'other';
  const e = error as { code?: unknown; modbusCode?: unknown; name?: unknown; message?: unknown; errno?: unknown };
  if (typeof e.modbusCode === 'number') return 'exception';
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unreachable';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ERR_STREAM_DESTROYED':
      return 'reset';
    default:
      break;
  }
  if (e.name === 'PortNotOpenError' || e.errno === 'ECONNREFUSED') return 'reset';
  if (e.name === 'TransactionTimedOutError') return 'timeout';
  const message = typeof e.message === 'string' ? e.message : '';
  if (/CRC|length|Unexpected data|function code|unit id|Bad Address/i.test(message)) return 'protocol';
  return 'other';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
