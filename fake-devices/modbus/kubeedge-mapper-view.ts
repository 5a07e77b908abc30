/**
 * A point as KubeEdge sees it: the property type and visitor config to put in a DeviceModel and
 * Device, and the exact twin string the modbus mapper reports for the words a device serves
 * (mappers-go `TransferData`), so a virtual node can report what a real mapper would.
 */
import { mapperBytes, twinValue } from '../../sim/protocol/devices/modbus-register-codec.js';
import type { PointType, RegisterType } from './modbus-types.js';
import { wordCount, type CodecSpec } from './value-codec.js';

/** DeviceModel property types (`spec.properties[].type`). */
export type MapperDataType = 'int' | 'float' | 'double' | 'boolean' | 'string';

export function mapperDataType(type: PointType): MapperDataType {
  switch (type) {
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return 'int';
    case 'float32':
      return 'float';
    case 'float64':
      return 'double';
    case 'bool':
      return 'boolean';
    case 'string':
      return 'string';
  }
}

/** `spec.properties[].visitors.configData` of a modbus Device (devices.kubeedge.io/v1beta1). */
export interface ModbusVisitorConfig {
  register: RegisterType;
  offset: number;
  limit: number;
  scale: number;
  isSwap: boolean;
  isRegisterSwap: boolean;
}

export function toVisitorConfig(point: CodecSpec & { register: RegisterType; offset: number }): ModbusVisitorConfig {
  return {
    register: point.register,
    offset: point.offset,
    limit: wordCount(point),
    scale: point.scale ?? 1,
    isSwap: point.isSwap ?? false,
    isRegisterSwap: point.isRegisterSwap ?? false,
  };
}

/**
 * The string the mapper reports as the twin's `actual.value` for these words:
 * - integers: `int64(float64(raw) * scale)` — the fraction a scale gives is truncated;
 * - float and double: six decimals (`strconv.FormatFloat(v, 'f', 6, 64)`);
 * - boolean: the coil bit; string: every byte, NUL padding included.
 * Signedness follows the point's type; mappers-go's older modbus mapper read every int unsigned.
 * Go rounds an exact tie at the seventh decimal to even, toFixed away from zero (e.g. 1/128).
 */
export function mapperTwinValue(spec: CodecSpec, words: readonly number[]): string {
  if (spec.type === 'bool') return String(words[0] === 1);
  return twinValue(spec.type, mapperBytes(spec, words.slice(0, wordCount(spec))), spec.scale ?? 1);
}
