/**
 * The profile a fake Modbus device has when none is given: a small thermometer/PLC with one point
 * of each kind a KubeEdge modbus Device usually maps. examples/thermometer-plc.yaml is the same
 * profile as a file to start from.
 */
import { parseModbusProfile, type ModbusDeviceProfile, type ModbusDeviceProfileInput } from './device-profile.js';

export const THERMOMETER_PLC: ModbusDeviceProfileInput = {
  name: 'thermometer-plc',
  description: 'Room thermometer with a humidity setpoint, a relay, an alarm input and a serial number',
  points: [
    { name: 'temperature', register: 'InputRegister', offset: 0, type: 'float32', generator: { kind: 'faker', preset: 'temperature' } },
    { name: 'pressure', register: 'InputRegister', offset: 2, type: 'float32', isRegisterSwap: true, generator: { kind: 'faker', preset: 'pressure' } },
    {
      name: 'humidity',
      register: 'HoldingRegister',
      offset: 0,
      type: 'int16',
      scale: 0.1,
      min: 0,
      max: 100,
      generator: { kind: 'sine', amplitude: 8, periodSeconds: 600, offset: 45 },
    },
    {
      name: 'targetTemperature',
      register: 'HoldingRegister',
      offset: 1,
      type: 'float32',
      min: 5,
      max: 35,
      generator: { kind: 'constant', value: 21.5 },
    },
    {
      name: 'fanRpm',
      register: 'HoldingRegister',
      offset: 3,
      type: 'uint32',
      access: 'ReadOnly',
      generator: { kind: 'randomWalk', step: 25, min: 800, max: 2400, start: 1400, everySeconds: 5 },
    },
    {
      name: 'serialNumber',
      register: 'HoldingRegister',
      offset: 10,
      type: 'string',
      limit: 8,
      access: 'ReadOnly',
      generator: { kind: 'faker', preset: 'serialNumber' },
    },
    { name: 'relay', register: 'CoilRegister', offset: 0, type: 'bool', generator: { kind: 'constant', value: false } },
    { name: 'alarm', register: 'DiscreteInputRegister', offset: 0, type: 'bool', generator: { kind: 'step', values: [false, false, false, true], everySeconds: 15 } },
  ],
};

export function defaultModbusProfile(): ModbusDeviceProfile {
  return parseModbusProfile(THERMOMETER_PLC, 'built-in thermometer-plc');
}
