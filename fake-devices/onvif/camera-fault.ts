/**
 * The faults a fake camera can be told to show, changeable while it runs: slow answers, SOAP
 * faults at a rate, connections dropped at a rate, and going offline altogether.
 */
import { ConfigInvalidError } from '../../sim/errors.js';

export interface CameraFault {
  /** Added before every answer (SOAP and snapshot). */
  readonly latencyMs?: number;
  /** Fraction (0–1) of SOAP requests answered with env:Receiver / ter:Action instead of a result. */
  readonly soapFaultRate?: number;
  /** Fraction (0–1) of requests whose connection is closed, unanswered, once the request has been read. */
  readonly dropRate?: number;
  /** Every connection is reset as soon as it is accepted, and WS-Discovery probes go unanswered. */
  readonly offline?: boolean;
}

export const NO_FAULT: CameraFault = {};

/** Uniform in [0, 1); seeded per camera so a rerun with the same seed fails the same requests. */
export type RandomSource = () => number;

/** Checks a fault setting; `where` names its owner (a camera id, a flag) in the error. */
export function checkCameraFault(fault: CameraFault, where: string): CameraFault {
  const rate = (value: number | undefined, name: string): void => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= 1)) {
      throw new ConfigInvalidError(`${where}: ${name} ${value} must be between 0 and 1`, { option: name, where });
    }
  };
  if (fault.latencyMs !== undefined && !(Number.isFinite(fault.latencyMs) && fault.latencyMs >= 0)) {
    throw new ConfigInvalidError(`${where}: latencyMs ${fault.latencyMs} must be a number ≥ 0`, { option: 'latencyMs', where });
  }
  rate(fault.soapFaultRate, 'soapFaultRate');
  rate(fault.dropRate, 'dropRate');
  return { ...fault };
}

/** Whether a rate fires this time; a rate of 1 always does and 0 never does, whatever the random source. */
export function rateFires(rate: number | undefined, random: RandomSource): boolean {
  if (rate === undefined || rate <= 0) return false;
  if (rate >= 1) return true;
  return random() < rate;
}
