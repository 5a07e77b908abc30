/**
 * What a shard's device twins share: edgecore's devicetwin and DMI timings, the Modbus connection
 * pool and HTTP agent every virtual mapper reads through, and the sink for the few device events
 * the recorder wants. One per shard, reached from the EdgeRuntime; nothing here grows per node.
 */
import http from 'node:http';
import type { DeviceIo, DeviceIoFactory } from './device-io.js';
import type { DeviceSpec } from './device-spec.js';
import { ModbusPool } from './modbus-endpoint.js';
import { OnvifDeviceIo } from './onvif-client.js';
import type { TimerWheel } from '../../scheduler/timer-wheel.js';
import type { DeviceWriteEvent } from '../../model/shard-events.js';

export interface DeviceTimings {
  /** devicetwin's CommModule re-sends unconfirmed messages after this long (communicate.go: 60 s). */
  confirmResendMs: number;
  /** edgecore's DMI server limiter: requests per second a node's mappers may report (dmiserver: 1/s). 0: unlimited. */
  dmiRatePerSecond: number;
  /** ... and its burst (dmiserver: 100). */
  dmiBurst: number;
  /** Most unconfirmed messages a node keeps for re-sending (edgecore keeps all; this bounds a harness node's memory). */
  maxUnconfirmed: number;
  /** Device connect and answer deadlines (the modbus mapper's client: 5 s). */
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** After a failed connect, reads fail at once for this long. */
  reconnectMs: number;
}

export const EDGECORE_DEVICE_TIMINGS: Readonly<DeviceTimings> = Object.freeze({
  confirmResendMs: 60_000,
  dmiRatePerSecond: 1,
  dmiBurst: 100,
  maxUnconfirmed: 1000,
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  reconnectMs: 1_000,
});

/** Device events a shard forwards to the recorder: the model's `device-write` (sim/model/shard-events.ts), fields as arguments. */
export interface DeviceEvents {
  /**
   * A desired value from the cloud was written to the device (or the write failed):
   * `receivedAtMs` is when the Device update reached the node.
   */
  desiredWritten?(
    node: DeviceWriteEvent['node'],
    device: DeviceWriteEvent['device'],
    property: DeviceWriteEvent['property'],
    value: DeviceWriteEvent['value'],
    receivedAtMs: DeviceWriteEvent['receivedAtMs'],
    writtenAtMs: DeviceWriteEvent['writtenAtMs'],
    ok: DeviceWriteEvent['ok'],
  ): void;
}

export interface DeviceRuntimeOptions {
  wheel: TimerWheel;
  timings?: Partial<DeviceTimings>;
  events?: DeviceEvents;
  /** Drivers for the devices; default Modbus TCP and ONVIF over the network. */
  io?: DeviceIoFactory;
}

export class DeviceRuntime {
  readonly wheel: TimerWheel;
  readonly timings: DeviceTimings;
  readonly events: DeviceEvents;
  readonly io: DeviceIoFactory;
  private readonly pool: ModbusPool | undefined;
  private readonly agent: http.Agent | undefined;

  constructor(options: DeviceRuntimeOptions) {
    this.wheel = options.wheel;
    this.timings = { ...EDGECORE_DEVICE_TIMINGS, ...options.timings };
    this.events = options.events ?? {};
    if (options.io) {
      this.io = options.io;
    } else {
      const pool = new ModbusPool(this.wheel, this.timings);
      // One camera gets one request at a time; two sockets leave room for a snapshot GET.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
      this.pool = pool;
      this.agent = agent;
      this.io = { open: (device, node) => openNetworkIo(device, node, pool, agent, this.wheel, this.timings.requestTimeoutMs) };
    }
  }

  /** Close every device connection (shard stop). */
  close(): void {
    this.pool?.closeAll();
    this.agent?.destroy();
  }
}

function openNetworkIo(device: DeviceSpec, node: string, pool: ModbusPool, agent: http.Agent, wheel: TimerWheel, requestTimeoutMs: number): DeviceIo | undefined {
  const ep = device.endpoint;
  if (!ep) return undefined;
  if (ep.protocol === 'modbus') return pool.open(ep, node);
  return new OnvifDeviceIo(ep, wheel, agent, requestTimeoutMs);
}
