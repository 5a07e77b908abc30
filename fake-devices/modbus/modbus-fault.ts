/**
 * Faults a fake Modbus device can show, per device and changeable while it runs: slow answers
 * (fixed + jitter), exception responses at a rate (0x04 device failure, 0x06 busy, …) and dropped
 * connections (at a rate, or once on the next request). `ModbusFault.*` builds them; the decision
 * for one request is drawn from the device's seeded stream, so a seeded run fails the same way.
 */
import { z } from 'zod';
import { ConfigInvalidError } from '../../sim/errors.js';
import { isModbusExceptionCode, ModbusExceptionCode } from './modbus-exception.js';
import type { SeededStream } from './seeded-random.js';

const rate = z.number().min(0).max(1);

export const faultSchema = z
  .object({
    latency: z.object({ fixedMs: z.number().min(0).finite(), jitterMs: z.number().min(0).finite().default(0) }).strict().optional(),
    exception: z
      .object({
        code: z.number().int().refine(isModbusExceptionCode, 'a Modbus exception code: 1–6, 10 or 11'),
        rate: rate.default(1),
      })
      .strict()
      .optional(),
    drop: z.union([z.object({ rate }).strict(), z.object({ next: z.literal(true) }).strict()]).optional(),
  })
  .strict();

export type ModbusFault = z.input<typeof faultSchema>;
/** A fault after defaults are filled in. */
export type ParsedModbusFault = z.output<typeof faultSchema>;

/** Builders for faults; combine them with `ModbusFault.combine(a, b)`. */
export const ModbusFault = {
  none: (): ModbusFault => ({}),
  latency: (fixedMs: number, jitterMs = 0): ModbusFault => ({ latency: { fixedMs, jitterMs } }),
  exception: (code: ModbusExceptionCode = ModbusExceptionCode.ServerDeviceFailure, rate = 1): ModbusFault => ({ exception: { code, rate } }),
  busy: (rate = 1): ModbusFault => ({ exception: { code: ModbusExceptionCode.ServerDeviceBusy, rate } }),
  dropRate: (rate: number): ModbusFault => ({ drop: { rate } }),
  dropNext: (): ModbusFault => ({ drop: { next: true } }),
  combine: (...faults: ModbusFault[]): ModbusFault => Object.assign({}, ...faults) as ModbusFault,
} as const;

export function parseFault(input: unknown, where: string): ParsedModbusFault {
  const r = faultSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const at = issue.path.map(String).join('.');
  throw new ConfigInvalidError(`${where}: fault${at ? `.${at}` : ''}: ${issue.message}`, { where, path: at });
}

/** What happens to one request. */
export interface FaultDecision {
  /** Close the client's connection instead of answering. */
  drop: boolean;
  /** Answer with this exception instead of doing the request. */
  exception: ModbusExceptionCode | undefined;
  /** Answer this much later. */
  delayMs: number;
}

/** Draw the decision for one request; undefined when nothing happens to it. */
export function decideFault(fault: ParsedModbusFault, random: SeededStream): FaultDecision | undefined {
  const drop = fault.drop !== undefined && ('next' in fault.drop || random.next() < fault.drop.rate);
  if (drop) return { drop: true, exception: undefined, delayMs: 0 };
  const exception = fault.exception !== undefined && random.next() < fault.exception.rate ? (fault.exception.code as ModbusExceptionCode) : undefined;
  const delayMs = fault.latency ? fault.latency.fixedMs + fault.latency.jitterMs * random.next() : 0;
  if (exception === undefined && delayMs <= 0) return undefined;
  return { drop: false, exception, delayMs };
}

/** The fault after a decision: a one-shot drop is spent. */
export function afterDecision(fault: ParsedModbusFault, decision: FaultDecision | undefined): ParsedModbusFault {
  if (decision?.drop && fault.drop && 'next' in fault.drop) {
    const { drop: _spent, ...rest } = fault;
    return rest;
  }
  return fault;
}
