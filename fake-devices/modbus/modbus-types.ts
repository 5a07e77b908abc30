/**
 * The vocabulary shared by register maps, the value codec and the server: the four Modbus tables
 * under the names KubeEdge's modbus mapper uses for them, the value types a point can hold, and
 * the values themselves.
 */

/** KubeEdge's `visitors.register` names for the four Modbus tables. */
export const REGISTER_TYPES = ['CoilRegister', 'DiscreteInputRegister', 'HoldingRegister', 'InputRegister'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

/** Tables of single bits (FC1/FC2 read, FC5/FC15 write coils). */
export type BitTable = 'CoilRegister' | 'DiscreteInputRegister';
/** Tables of 16-bit words (FC3/FC4 read, FC6/FC16 write holding registers). */
export type WordTable = 'HoldingRegister' | 'InputRegister';

export function isBitTable(t: RegisterType): t is BitTable {
  return t === 'CoilRegister' || t === 'DiscreteInputRegister';
}

export const POINT_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'bool', 'string'] as const;
export type PointType = (typeof POINT_TYPES)[number];

export type PointValue = number | boolean | string;

/** KubeEdge device property access modes. */
export type Access = 'ReadWrite' | 'ReadOnly';
