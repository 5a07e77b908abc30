/**
 * Modbus exception responses as errors: a fake device throws one and the server sends it as the
 * exception PDU (function code | 0x80, then the code). These are answers on the wire, not twinlab
 * failures, so they are not TwinlabErrors.
 */

/** Exception codes of the Modbus application protocol (v1.1b3 §7). */
export const ModbusExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  Acknowledge: 0x05,
  ServerDeviceBusy: 0x06,
  GatewayPathUnavailable: 0x0a,
  GatewayTargetFailedToRespond: 0x0b,
} as const;

export type ModbusExceptionCode = (typeof ModbusExceptionCode)[keyof typeof ModbusExceptionCode];

const CODES: ReadonlySet<number> = new Set(Object.values(ModbusExceptionCode));

export function isModbusExceptionCode(n: number): n is ModbusExceptionCode {
  return CODES.has(n);
}

export class ModbusException extends Error {
  /** The field name modbus-serial's ServerTCP reads to build the exception response. */
  readonly modbusErrorCode: ModbusExceptionCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ModbusExceptionCode, message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ModbusException';
    this.modbusErrorCode = code;
    this.context = context;
  }

  get code(): ModbusExceptionCode {
    return this.modbusErrorCode;
  }
}

export function illegalAddress(table: string, address: number, count: number): ModbusException {
  const span = count === 1 ? `${address}` : `${address}..${address + count - 1}`;
  return new ModbusException(ModbusExceptionCode.IllegalDataAddress, `${table} ${span} is not mapped`, { table, address, count });
}

export function illegalValue(message: string, context: Record<string, unknown> = {}): ModbusException {
  return new ModbusException(ModbusExceptionCode.IllegalDataValue, message, context);
}
