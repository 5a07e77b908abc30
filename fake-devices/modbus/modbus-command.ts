/**
 * `pnpm devices modbus …`: starts a fleet of fake Modbus TCP devices, prints where they listen
 * (one line per device for small fleets, port ranges for large ones, or JSON), and runs until
 * SIGINT/SIGTERM. Bad flags are a ConfigInvalidError naming the flag, reported with exit code 2.
 */
import { ConfigInvalidError } from '../../sim/errors.js';
import { parseFlags, rate, runDeviceCommand, wholeNumber, type DeviceCommand, type DeviceCommandIo, type RunningDevices } from '../device-command-support.js';
import { isModbusExceptionCode, ModbusExceptionCode } from './modbus-exception.js';
import type { ModbusFault } from './modbus-fault.js';
import { MAX_UNITS_PER_PORT, startModbusFleet, type FleetTotals, type ModbusFleet, type ModbusFleetOptions, type ModbusLayout } from './modbus-fleet.js';
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

export function parseModbusCommandOptions(argv: string[]): ModbusCommandOptions | 'help' {
  const values = parseFlags('pnpm devices modbus', argv, [
    'count', 'base-port', 'host', 'layout', 'seed', 'profile', 'latency-ms', 'jitter-ms', 'exception-rate', 'exception-code', 'drop-rate',
  ]);
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

/** The fleet's totals while it ran, and how long that was. */
type ModbusSummary = FleetTotals & { readonly internalErrors: number; readonly seconds: number };

const MODBUS_COMMAND: DeviceCommand<ModbusCommandOptions, ModbusSummary> = {
  usage: USAGE,
  usageAfter: 'a-named-option',
  parse: parseModbusCommandOptions,
  async start(options, io): Promise<RunningDevices<ModbusSummary>> {
    const internalErrors: string[] = [];
    const fleet = await startModbusFleet({
      ...options.fleet,
      onInternalError: (error, deviceId) => {
        const line = `${deviceId ?? 'server'}: ${error instanceof Error ? error.message : String(error)}`;
        if (internalErrors.length < 5) io.stderr.write(`modbus: internal error answered with 0x04: ${line}\n`);
        internalErrors.push(line);
      },
    });
    const startedAt = Date.now();
    return {
      describe: () => describeFleet(fleet),
      describeText: () => describeFleetText(fleet),
      async stop() {
        const totals = fleet.totals();
        await fleet.stop();
        return { ...totals, internalErrors: internalErrors.length, seconds: Math.round((Date.now() - startedAt) / 100) / 10 };
      },
      summaryText: (summary) =>
        `stopped after ${summary.seconds} s: ${summary.reads} reads, ${summary.writes} writes, ${summary.exceptions} exceptions, ${summary.drops} dropped connections, ` +
        `${summary.unroutable} requests for unknown unit ids, ${summary.internalErrors} internal errors\n`,
    };
  },
};

export function runModbusCommand(argv: string[], io?: DeviceCommandIo): Promise<number> {
  return runDeviceCommand(MODBUS_COMMAND, argv, io);
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
