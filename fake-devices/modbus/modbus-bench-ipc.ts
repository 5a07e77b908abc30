/**
 * Messages between the Modbus bench (parent, the polling client) and its device process (child,
 * the fleet being measured). The two sides share nothing else.
 */
import type { ModbusLayout } from './modbus-fleet.js';

export interface BenchDevice {
  host: string;
  port: number;
  unitId: number;
}

export type BenchToDevices =
  | { type: 'start'; count: number; layout: ModbusLayout; host: string; seed: number }
  | { type: 'usage'; id: number }
  | { type: 'stop' };

export interface DeviceProcessUsage {
  /** user + system CPU of the device process since it started, in microseconds. */
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Read requests the devices counted. */
  reads: number;
  exceptions: number;
}

export type DevicesToBench =
  | { type: 'ready'; devices: BenchDevice[]; baselineRssBytes: number; baselineHeapBytes: number }
  | { type: 'usage'; id: number; usage: DeviceProcessUsage }
  | { type: 'fatal'; error: string };
