/**
 * The run's fake devices behind one face, whichever the protocol: Modbus devices (unit ids behind
 * shared ports, or one per port) or ONVIF cameras, on 127.0.0.1 in the run process, addressed by
 * index; a scenario's device fault translated into each protocol's own fault settings.
 */
import { startModbusFleet, type ModbusFleet, type ModbusLayout } from '../../fake-devices/modbus/modbus-fleet.js';
import { ModbusFault } from '../../fake-devices/modbus/modbus-fault.js';
import { ModbusExceptionCode } from '../../fake-devices/modbus/modbus-exception.js';
import { DEFAULT_ONVIF_PASSWORD, DEFAULT_ONVIF_USERNAME, startOnvifFleet, type OnvifFleet } from '../../fake-devices/onvif/onvif-fleet.js';
import type { CameraFault } from '../../fake-devices/onvif/camera-fault.js';
import type { FakeDeviceTotals } from '../model/devices-section.js';
import type { DeviceFaultSpec } from '../scenario/scenario-schema.js';
import type { DeviceEndpoint } from '../workload/device-workload.js';

export interface FakeDeviceFleetOptions {
  protocol: 'modbus' | 'onvif';
  count: number;
  /** Modbus only. */
  layout: ModbusLayout;
  seed: number;
}

export interface FakeDeviceFleet {
  readonly protocol: 'modbus' | 'onvif';
  readonly count: number;
  /** Where device `index` listens. */
  endpoint(index: number): DeviceEndpoint;
  /** Set (or clear, with undefined) device `index`'s fault. */
  setFault(index: number, fault: DeviceFaultSpec | undefined): void;
  totals(): FakeDeviceTotals;
  stop(): Promise<void>;
}

export async function startFakeDeviceFleet(o: FakeDeviceFleetOptions): Promise<FakeDeviceFleet> {
  return o.protocol === 'modbus' ? modbusDevices(await startModbusFleet({ count: o.count, basePort: 0, host: '127.0.0.1', layout: o.layout, seed: o.seed })) : onvifDevices(await startOnvifFleet({ count: o.count, basePort: 0, host: '127.0.0.1', seed: o.seed }));
}

/** A scenario fault as a fake Modbus device's: latency (+ jitter), exception 0x04 (server device failure) at a rate, drops at a rate. */
export function modbusFaultOf(f: DeviceFaultSpec): ModbusFault {
  const parts: ModbusFault[] = [];
  if ((f.latency ?? 0) > 0 || (f.jitter ?? 0) > 0) parts.push(ModbusFault.latency(f.latency ?? 0, f.jitter ?? 0));
  if ((f.exceptionRate ?? 0) > 0) parts.push(ModbusFault.exception(ModbusExceptionCode.ServerDeviceFailure, f.exceptionRate));
  if ((f.dropRate ?? 0) > 0) parts.push(ModbusFault.dropRate(f.dropRate!));
  return ModbusFault.combine(...parts);
}

/** A scenario fault as a fake camera's. */
export function cameraFaultOf(f: DeviceFaultSpec): CameraFault {
  return {
    ...((f.latency ?? 0) > 0 ? { latencyMs: f.latency } : {}),
    ...((f.soapFaultRate ?? 0) > 0 ? { soapFaultRate: f.soapFaultRate } : {}),
    ...((f.dropRate ?? 0) > 0 ? { dropRate: f.dropRate } : {}),
  };
}

function modbusDevices(fleet: ModbusFleet): FakeDeviceFleet {
  return {
    protocol: 'modbus',
    count: fleet.devices.length,
    endpoint: (i) => {
      const d = fleet.devices[i]!;
      return { protocol: 'modbus', host: d.host, port: d.port, unitId: d.unitId };
    },
    setFault: (i, f) => fleet.setFault(fleet.devices[i]!.id, f ? modbusFaultOf(f) : undefined),
    totals: () => {
      const t = fleet.totals();
      return { devices: t.devices, requests: t.reads + t.writes, faultAnswers: t.exceptions, drops: t.drops };
    },
    stop: () => fleet.stop(),
  };
}

function onvifDevices(fleet: OnvifFleet): FakeDeviceFleet {
  return {
    protocol: 'onvif',
    count: fleet.cameras.length,
    endpoint: (i) => {
      const c = fleet.cameras[i]!;
      return { protocol: 'onvif', host: c.host, port: c.port, userName: DEFAULT_ONVIF_USERNAME, password: DEFAULT_ONVIF_PASSWORD };
    },
    setFault: (i, f) => fleet.setFault(fleet.cameras[i]!.id, f ? cameraFaultOf(f) : {}),
    totals: () => {
      const t = fleet.totals();
      const requests = Object.values(t.requestsByAction).reduce((a, b) => a + b, 0) + t.snapshotsServed;
      return { devices: fleet.cameras.length, requests, faultAnswers: t.injectedFaults, drops: t.droppedConnections };
    },
    stop: () => fleet.stop(),
  };
}
