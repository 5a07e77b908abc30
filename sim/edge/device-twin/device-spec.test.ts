/**
 * Reading Device and DeviceModel objects (devices.kubeedge.io/v1beta1) into what a mapper needs:
 * endpoints for modbus and onvif, visitors overridden per device, defaults, and what is skipped.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CYCLE_MS, parseDevice, parseDeviceModel } from './device-spec.js';

const model = parseDeviceModel({
  metadata: { name: 'thermo', namespace: 'plant' },
  spec: {
    protocol: 'modbus',
    properties: [
      { name: 'temperature', type: 'FLOAT', accessMode: 'ReadOnly', visitors: { protocolName: 'modbus', configData: { register: 'InputRegister', offset: 4, limit: 2 } } },
      { name: 'setpoint', type: 'INT', accessMode: 'ReadWrite' },
    ],
  },
});

describe('parseDevice', () => {
  it('reads a modbus device: endpoint, visitors (model defaults overridden), cycles, desired, state report', () => {
    const d = parseDevice(
      {
        metadata: { name: 'boiler-1', namespace: 'plant', uid: 'u1', resourceVersion: '9' },
        spec: {
          deviceModelRef: { name: 'thermo' },
          protocol: { protocolName: 'modbus', configData: { ip: '10.0.0.5', port: 5020, slaveID: 7 } },
          properties: [
            { name: 'temperature', collectCycle: 2000, reportToCloud: true },
            { name: 'setpoint', desired: { value: '21' }, reportToCloud: true, visitors: { protocolName: 'modbus', configData: { register: 'HoldingRegister', offset: 1, limit: 1, scale: 0.1, dataType: 'int16' } } },
            { name: 'ghost', reportToCloud: true, visitors: { protocolName: 'modbus', configData: { register: 'Bogus', offset: 1 } } },
          ],
          stateReport: { reportToCloud: true, reportCycle: 5000 },
        },
      },
      model,
    )!;
    expect(d.id).toBe('plant/boiler-1');
    expect(d.endpoint).toEqual({ protocol: 'modbus', host: '10.0.0.5', port: 5020, unitId: 7 });
    expect(d.stateReport).toEqual({ reportToCloud: true, reportCycleMs: 5000 });
    const [t, s, g] = d.properties;
    expect(t).toMatchObject({ collectCycleMs: 2000, accessMode: 'ReadOnly', modelType: 'float', desired: '' });
    expect(t!.visitor).toEqual({ protocol: 'modbus', register: 'InputRegister', offset: 4, limit: 2, scale: 1, isSwap: false, isRegisterSwap: false, dataType: 'float32' });
    expect(s).toMatchObject({ desired: '21', collectCycleMs: DEFAULT_CYCLE_MS, accessMode: 'ReadWrite' });
    expect(s!.visitor).toMatchObject({ register: 'HoldingRegister', offset: 1, scale: 0.1, dataType: 'int16' });
    expect(g!.visitor).toBeUndefined();
  });

  it('an int without dataType reads unsigned, as mappers-go TransferData does', () => {
    const d = parseDevice(
      { metadata: { name: 'x', namespace: 'plant' }, spec: { deviceModelRef: { name: 'thermo' }, protocol: { protocolName: 'modbus', configData: { ip: 'h' } }, properties: [{ name: 'setpoint', visitors: { configData: { register: 'HoldingRegister', offset: 0, limit: 2 } } }] } },
      model,
    )!;
    expect(d.endpoint).toEqual({ protocol: 'modbus', host: 'h', port: 502, unitId: 1 });
    expect(d.properties[0]!.visitor).toMatchObject({ dataType: 'uint32', limit: 2 });
  });

  it('reads an onvif camera from its url (host:port as the onvif mapper takes it) and the older status.reportToCloud', () => {
    const d = parseDevice(
      {
        metadata: { name: 'cam-1', namespace: 'default' },
        spec: {
          protocol: { protocolName: 'onvif', configData: { url: '192.168.1.64:8080', userName: 'admin', password: 'secret' } },
          properties: [{ name: 'model', reportToCloud: true, visitors: { protocolName: 'onvif', configData: { operation: 'GetDeviceInformation', field: 'Model' } } }],
        },
        status: { reportToCloud: true, reportCycle: 10000 },
      },
      undefined,
    )!;
    expect(d.endpoint).toEqual({ protocol: 'onvif', host: '192.168.1.64', port: 8080, path: '/onvif/device_service', userName: 'admin', password: 'secret' });
    expect(d.properties[0]!.visitor).toEqual({ protocol: 'onvif', operation: 'GetDeviceInformation', field: 'Model' });
    expect(d.stateReport).toEqual({ reportToCloud: true, reportCycleMs: 10000 });
  });

  it('a protocol the mapper does not speak has no endpoint', () => {
    const d = parseDevice({ metadata: { name: 'b', namespace: 'n' }, spec: { protocol: { protocolName: 'bluetooth', configData: { mac: 'x' } } } }, undefined)!;
    expect(d.endpoint).toBeUndefined();
    expect(parseDevice({ metadata: {} }, undefined)).toBeUndefined();
  });
});
