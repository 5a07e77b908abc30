/**
 * `pnpm devices onvif …`: starts a fleet of fake ONVIF cameras, prints where each one listens
 * (never the password), and runs until SIGINT/SIGTERM. Bad flags are a ConfigInvalidError naming
 * the flag, reported with exit code 2.
 */
import { parseArgs } from 'node:util';
import { ConfigInvalidError, ErrorCodes, ExitCodes, isTwinlabError } from '../../sim/errors.js';
import type { CameraFault } from './camera-fault.js';
import { DEFAULT_ONVIF_PASSWORD, DEFAULT_ONVIF_USERNAME, startOnvifFleet, type OnvifFleet, type OnvifFleetOptions } from './onvif-fleet.js';

export const ONVIF_PASSWORD_ENV = 'TWINLAB_ONVIF_PASSWORD';

const USAGE = `usage: pnpm devices onvif [options]

  --count N             cameras to start (default 1)
  --base-port P         first camera's HTTP port; camera i gets P+i (default 18080; 0: free ports)
  --host ADDR           address to bind (default 127.0.0.1)
  --advertise-host ADDR address written into XAddrs and URIs (default: --host)
  --username U          (default ${DEFAULT_ONVIF_USERNAME})
  --password P          (default: $${ONVIF_PASSWORD_ENV}, else ${DEFAULT_ONVIF_PASSWORD}); never printed
  --seed N              seeds device identities and fault rates (default 1)
  --discovery-port P    answer WS-Discovery probes on udp 127.0.0.1:P (unicast only)
  --reboot-ms MS        how long SystemReboot keeps a camera away (default 3000)
  --snapshot-size WxH   snapshot JPEG size (default 320x240)
  --latency-ms MS       start every camera with this answer latency
  --soap-fault-rate R   start every camera answering this fraction (0–1) of SOAP calls with a fault
  --drop-rate R         start every camera dropping this fraction (0–1) of connections
  --json                print the cameras as one JSON document instead of lines
  --help`;

export interface OnvifCommandOptions {
  readonly fleet: OnvifFleetOptions;
  readonly json: boolean;
}

/** Where the command writes, and what stops it besides SIGINT/SIGTERM (tests pass their own). */
export interface OnvifCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stop?: AbortSignal;
}

const PROCESS_IO: OnvifCommandIo = { stdout: process.stdout, stderr: process.stderr };

export function parseOnvifCommandOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): OnvifCommandOptions | 'help' {
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
        'advertise-host': { type: 'string' },
        username: { type: 'string' },
        password: { type: 'string' },
        seed: { type: 'string' },
        'discovery-port': { type: 'string' },
        'reboot-ms': { type: 'string' },
        'snapshot-size': { type: 'string' },
        'latency-ms': { type: 'string' },
        'soap-fault-rate': { type: 'string' },
        'drop-rate': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigInvalidError(`pnpm devices onvif: ${message}`, { option: flagIn(message) });
  }
  if (values.help === true) return 'help';

  const fault: { -readonly [K in keyof CameraFault]: CameraFault[K] } = {};
  const latencyMs = wholeNumber(values['latency-ms'], '--latency-ms', 0, 600_000);
  if (latencyMs !== undefined) fault.latencyMs = latencyMs;
  const soapFaultRate = rate(values['soap-fault-rate'], '--soap-fault-rate');
  if (soapFaultRate !== undefined) fault.soapFaultRate = soapFaultRate;
  const dropRate = rate(values['drop-rate'], '--drop-rate');
  if (dropRate !== undefined) fault.dropRate = dropRate;

  const username = nonEmpty(values.username, '--username');
  const password = nonEmpty(values.password, '--password') ?? nonEmpty(env[ONVIF_PASSWORD_ENV], ONVIF_PASSWORD_ENV);
  const host = nonEmpty(values.host, '--host');
  const advertiseHost = nonEmpty(values['advertise-host'], '--advertise-host');
  const seed = wholeNumber(values.seed, '--seed', 0, 2 ** 32 - 1);
  const discoveryPort = wholeNumber(values['discovery-port'], '--discovery-port', 0, 65_535);
  const rebootMs = wholeNumber(values['reboot-ms'], '--reboot-ms', 0, 3_600_000);
  const snapshotSize = size(values['snapshot-size'], '--snapshot-size');
  const count = wholeNumber(values.count, '--count', 1, 65_535) ?? 1;
  const basePort = wholeNumber(values['base-port'], '--base-port', 0, 65_535) ?? 18_080;
  if (basePort !== 0 && basePort + count - 1 > 65_535) {
    throw new ConfigInvalidError(`--base-port ${basePort} with --count ${count} runs past port 65535`, { option: '--base-port' });
  }
  return {
    json: values.json === true,
    fleet: {
      count,
      basePort,
      ...(host === undefined ? {} : { host }),
      ...(advertiseHost === undefined ? {} : { advertiseHost }),
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(seed === undefined ? {} : { seed }),
      ...(discoveryPort === undefined ? {} : { discoveryPort }),
      ...(rebootMs === undefined ? {} : { rebootMs }),
      ...(snapshotSize === undefined ? {} : { snapshotSize }),
      ...(Object.keys(fault).length === 0 ? {} : { fault }),
    },
  };
}

export async function runOnvifCommand(argv: string[], io: OnvifCommandIo = PROCESS_IO): Promise<number> {
  let fleet: OnvifFleet;
  let json: boolean;
  try {
    const options = parseOnvifCommandOptions(argv);
    if (options === 'help') {
      io.stdout.write(`${USAGE}\n`);
      return ExitCodes.Ok;
    }
    json = options.json;
    fleet = await startOnvifFleet(options.fleet);
  } catch (error) {
    if (!isTwinlabError(error)) throw error;
    io.stderr.write(`${error.toLine()}\n`);
    if (error.code === ErrorCodes.ConfigInvalid) io.stderr.write(`${USAGE}\n`);
    return error.code === ErrorCodes.ConfigInvalid ? ExitCodes.InvalidInput : ExitCodes.HarnessError;
  }

  io.stdout.write(json ? `${JSON.stringify(describeFleet(fleet))}\n` : describeFleetText(fleet));
  await untilStopped(io.stop);
  const totals = fleet.totals();
  await fleet.stop();
  const summary = {
    requests: Object.values(totals.requestsByAction).reduce((a, b) => a + b, 0),
    authFailures: totals.authFailures,
    snapshotsServed: totals.snapshotsServed,
    soapFaults: totals.soapFaults,
    internalErrors: totals.internalErrors,
  };
  io.stdout.write(
    json
      ? `${JSON.stringify({ stopped: true, ...summary })}\n`
      : `stopped: ${summary.requests} SOAP requests, ${summary.authFailures} auth failures, ${summary.snapshotsServed} snapshots, ` +
          `${summary.soapFaults} SOAP faults${summary.internalErrors > 0 ? `, ${summary.internalErrors} INTERNAL ERRORS` : ''}\n`,
  );
  return ExitCodes.Ok;
}

function describeFleet(fleet: OnvifFleet): object {
  return {
    cameras: fleet.cameras.map((c) => ({
      id: c.id,
      host: c.host,
      port: c.port,
      xaddr: c.xaddr,
      snapshotUrl: c.snapshotUrl,
      manufacturer: c.identity.manufacturer,
      model: c.identity.model,
      serialNumber: c.identity.serialNumber,
    })),
    discovery: fleet.discovery ?? null,
  };
}

function describeFleetText(fleet: OnvifFleet): string {
  const idWidth = Math.max(...fleet.cameras.map((c) => c.id.length));
  const lines = fleet.cameras.map(
    (c) => `  ${c.id.padEnd(idWidth)}  ${c.xaddr}  snapshot ${c.snapshotUrl}  ${c.identity.manufacturer} ${c.identity.model} SN ${c.identity.serialNumber}`,
  );
  const discovery = fleet.discovery === undefined ? 'no WS-Discovery responder' : `WS-Discovery on udp ${fleet.discovery.host}:${fleet.discovery.port} (unicast probes)`;
  return `onvif: ${fleet.cameras.length} camera(s), ${discovery}; Ctrl-C stops\n${lines.join('\n')}\n`;
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

/** parseArgs names the offending flag in its message ("Unknown option '--x'", "Option '--x <value>' argument missing"). */
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

function size(value: string | undefined, flag: string): { width: number; height: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)x(\d+)$/.exec(value);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (match === null || width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be WIDTHxHEIGHT, each from 16 to 4096`, { option: flag });
  }
  return { width, height };
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (value === '') throw new ConfigInvalidError(`${flag} must not be empty`, { option: flag });
  return value;
}
