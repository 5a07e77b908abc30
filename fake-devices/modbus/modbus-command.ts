/**
 * `pnpm devices modbus …`: starts a fleet of fake Modbus TCP devices, prints where they listen
 * (one line per device for small fleets, port ranges for large ones, or JSON), and runs until
 * SIGINT/SIGTERM. Bad flags are a ConfigInvalidError naming the flag, reported with exit code 2.
 */
import { parseArgs } from 'node:util';
import { ConfigInvalidError, ErrorCodes, ExitCodes, isTwinlabError } from '../../sim/errors.js';
import { isModbusExceptionCode, ModbusExceptionCode } from './modbus-exception.js';
import type { ModbusFault } from './modbus-fault.js';
import { MAX_UNITS_PER_PORT, startModbusFleet, type ModbusFleet, type ModbusFleetOptions, type ModbusLayout } from './modbus-fleet.js';
import { loadModbusProfileFile } from './profile-file.js';

const USAGE = `usage: pnpm devices modbus [options]

  --count N             devices to start (default 1)
  --base-port P         first port (default 15020; 0: free ports). ports layout: device i on P+i;
                        unit-ids layout: ${MAX_UNITS_PER_PORT} unit ids per port from P
  --host ADDR           address to bind (default 127.0.0.1)
  --layout L            ports | unit-ids (default ports)
  --seed N              seeds every generator and fault draw (default 1)
  --profile FILE        device profile, YAML or JSON (default: built-in thermometer-plc;
                        see fake-devices/modbus/examples/thermometer-plc.yaml)
  --latency-ms MS       start every device answering this much later
  --jitter-ms MS        plus up to this much at random
  --exception-rate R    start every device answering this fraction (0–1) of requests with an exception
  --exception-code C    that exception's code (default 4, server device failure; 6 is busy)
  --drop-rate R         start every device closing the connection on this fraction (0–1) of requests
  --json                print the devices as one JSON document instead of lines
  --help`;

/** At most this many devices are listed one per line; more are summarised by port range. */
const LIST_LIMIT = 20;

export interface ModbusCommandOptions {
  readonly fleet: ModbusFleetOptions;
  readonly json: boolean;
}

/** Where the command writes, and what stops it besides SIGINT/SIGTERM (tests pass their own). */
export interface ModbusCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stop?: AbortSignal;
}

const PROCESS_IO: ModbusCommandIo = { stdout: process.stdout, stderr: process.stderr };

export function parseModbusCommandOptions(argv: string[]): ModbusCommandOptions | 'help' {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        count: { type: 'string' },
        'base-port': { type: 'string' },
        host: { type: 'string' },
        layout: { type: 'string' },
        seed: { type: 'string' },
        profile: { type: 'string' },
        'latency-ms': { type: 'string' },
        'jitter-ms': { type: 'string' },
        'exception-rate': { type: 'string' },
        'exception-code': { type: 'string' },
        'drop-rate': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigInvalidError(`pnpm devices modbus: ${message}`, { option: flagIn(message) });
  }
  if (values.help === true) return 'help';

  const count = wholeNumber(values.count, '--count', 1, 65_535 * MAX_UNITS_PER_PORT) ?? 1;
  const basePort = wholeNumber(values['base-port'], '--base-port', 0, 65_535) ?? 15_020;
  const layout = values.layout ?? 'ports';
  if (layout !== 'ports' && layout !== 'unit-ids') {
    throw new ConfigInvalidError(`--layout ${JSON.stringify(layout)} must be ports or unit-ids`, { option: '--layout' });
  }
  const ports = layout === 'ports' ? count : Math.ceil(count / MAX_UNITS_PER_PORT);
  if (basePort !== 0 && basePort + ports - 1 > 65_535) {
    throw new ConfigInvalidError(`--base-port ${basePort} with --count ${count} needs ${ports} ports and runs past 65535`, { option: '--base-port' });
  }
  const host = values.host;
  if (host !== undefined && host.trim() === '') throw new ConfigInvalidError('--host must not be empty', { option: '--host' });
  const seed = wholeNumber(values.seed, '--seed', 0, 2 ** 32 - 1);
  if (values.profile !== undefined && values.profile.trim() === '') throw new ConfigInvalidError('--profile must name a file', { option: '--profile' });
  const profile = values.profile === undefined ? undefined : loadModbusProfileFile(values.profile);

  const fault: ModbusFault = {};
  const latencyMs = wholeNumber(values['latency-ms'], '--latency-ms', 0, 600_000);
  const jitterMs = wholeNumber(values['jitter-ms'], '--jitter-ms', 0, 600_000);
  if (latencyMs !== undefined || jitterMs !== undefined) fault.latency = { fixedMs: latencyMs ?? 0, jitterMs: jitterMs ?? 0 };
  const exceptionRate = rate(values['exception-rate'], '--exception-rate');
  const exceptionCode = wholeNumber(values['exception-code'], '--exception-code', 1, 255);
  if (exceptionCode !== undefined && !isModbusExceptionCode(exceptionCode)) {
    throw new ConfigInvalidError(`--exception-code ${exceptionCode} is not a Modbus exception code (1–6, 10, 11)`, { option: '--exception-code' });
  }
  if (exceptionCode !== undefined && exceptionRate === undefined) {
    throw new ConfigInvalidError('--exception-code needs --exception-rate', { option: '--exception-code' });
  }
  if (exceptionRate !== undefined) fault.exception = { code: exceptionCode ?? ModbusExceptionCode.ServerDeviceFailure, rate: exceptionRate };
  const dropRate = rate(values['drop-rate'], '--drop-rate');
  if (dropRate !== undefined) fault.drop = { rate: dropRate };

  return {
    json: values.json === true,
    fleet: {
      count,
      basePort,
      layout: layout as ModbusLayout,
      ...(host === undefined ? {} : { host }),
      ...(seed === undefined ? {} : { seed }),
      ...(profile === undefined ? {} : { profile }),
      ...(Object.keys(fault).length === 0 ? {} : { fault }),
    },
  };
}

export async function runModbusCommand(argv: string[], io: ModbusCommandIo = PROCESS_IO): Promise<number> {
  let fleet: ModbusFleet;
  let json: boolean;
  const internalErrors: string[] = [];
  try {
    const options = parseModbusCommandOptions(argv);
    if (options === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return ExitCodes.Ok;
    }
    json = options.json;
    fleet = await startModbusFleet({
      ...options.fleet,
      onInternalError: (error, deviceId) => {
        const line = `${deviceId ?? 'server'}: ${error instanceof Error ? error.message : String(error)}`;
        if (internalErrors.length < 5) io.stderr.write(`modbus: internal error answered with 0x04: ${line}\n`);
        internalErrors.push(line);
      },
    });
  } catch (error) {
    if (!isTwinlabError(error)) throw error;
    io.stderr.write(`${error.toLine()}\n`);
    if (error.code === ErrorCodes.ConfigInvalid && error.context.option !== undefined) io.stderr.write(`${USAGE}\n`);
    return error.code === ErrorCodes.ConfigInvalid ? ExitCodes.InvalidInput : ExitCodes.HarnessError;
  }

  const startedAt = Date.now();
  io.stdout.write(json ? `${JSON.stringify(describeFleet(fleet))}\n` : describeFleetText(fleet));
  await untilStopped(io.stop);
  const totals = fleet.totals();
  await fleet.stop();
  const summary = { ...totals, internalErrors: internalErrors.length, seconds: Math.round((Date.now() - startedAt) / 100) / 10 };
  io.stdout.write(
    json
      ? `${JSON.stringify({ stopped: true, ...summary })}\n`
      : `stopped after ${summary.seconds} s: ${summary.reads} reads, ${summary.writes} writes, ${summary.exceptions} exceptions, ${summary.drops} dropped connections, ` +
          `${summary.unroutable} requests for unknown unit ids, ${summary.internalErrors} internal errors\n`,
  );
  return ExitCodes.Ok;
}

function describeFleet(fleet: ModbusFleet): object {
  return {
    profile: fleet.profile.name,
    layout: fleet.layout,
    seed: fleet.seed,
    points: fleet.profile.points.map((p) => ({ name: p.name, register: p.register, offset: p.offset, limit: p.limit, type: p.type, access: p.access })),
    devices: fleet.devices,
  };
}

function describeFleetText(fleet: ModbusFleet): string {
  const head = `modbus: ${fleet.devices.length} device(s), profile ${fleet.profile.name}, layout ${fleet.layout}, seed ${fleet.seed}; Ctrl-C stops\n`;
  if (fleet.devices.length <= LIST_LIMIT) {
    const idWidth = Math.max(...fleet.devices.map((d) => d.id.length));
    return head + fleet.devices.map((d) => `  ${d.id.padEnd(idWidth)}  ${d.host}:${d.port}  unit ${d.unitId}\n`).join('');
  }
  return head + portRanges(fleet).map((line) => `  ${line}\n`).join('');
}

/** Consecutive ports with the same unit ids, as `host:first–last` lines. */
function portRanges(fleet: ModbusFleet): string[] {
  const byPort = new Map<string, { host: string; port: number; units: number[]; ids: string[] }>();
  for (const d of fleet.devices) {
    const key = `${d.host}:${d.port}`;
    const e = byPort.get(key) ?? { host: d.host, port: d.port, units: [], ids: [] };
    e.units.push(d.unitId);
    e.ids.push(d.id);
    byPort.set(key, e);
  }
  const entries = [...byPort.values()].sort((a, b) => a.port - b.port);
  const lines: string[] = [];
  let run: { first: (typeof entries)[number]; last: (typeof entries)[number]; ports: number } | undefined;
  const units = (e: (typeof entries)[number]): string => (e.units.length === 1 ? `unit ${e.units[0]}` : `units ${e.units[0]}–${e.units[e.units.length - 1]}`);
  const flush = (): void => {
    if (!run) return;
    const ports = run.ports === 1 ? `${run.first.host}:${run.first.port}` : `${run.first.host}:${run.first.port}–${run.last.port}`;
    const ids = `${run.first.ids[0]} … ${run.last.ids[run.last.ids.length - 1]}`;
    lines.push(`${ports}  ${units(run.first)}${run.ports > 1 ? ' on each' : ''}  (${ids})`);
  };
  for (const e of entries) {
    if (run && e.port === run.last.port + 1 && units(e) === units(run.last)) {
      run.last = e;
      run.ports++;
    } else {
      flush();
      run = { first: e, last: e, ports: 1 };
    }
  }
  flush();
  return lines;
}

function untilStopped(stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      stop?.removeEventListener('abort', finish);
      resolve();
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    if (stop?.aborted) finish();
    else stop?.addEventListener('abort', finish, { once: true });
  });
}

/** parseArgs names the offending flag in its message ("Unknown option '--x'"); carry it as the error's option. */
function flagIn(message: string): string | undefined {
  return /'(-{1,2}[\w-]+)/.exec(message)?.[1];
}

function wholeNumber(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`, { option: flag });
  }
  return n;
}

function rate(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be a number from 0 to 1`, { option: flag });
  }
  return n;
}
