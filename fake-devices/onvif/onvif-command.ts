/**
 * `pnpm devices onvif …`: starts a fleet of fake ONVIF cameras, prints where each one listens
 * (never the password), and runs until SIGINT/SIGTERM. Bad flags are a ConfigInvalidError naming
 * the flag, reported with exit code 2.
 */
import { ConfigInvalidError } from '../../sim/errors.js';
import { parseFlags, rate, runDeviceCommand, wholeNumber, type DeviceCommand, type DeviceCommandIo, type RunningDevices } from '../device-command-support.js';
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

export function parseOnvifCommandOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): OnvifCommandOptions | 'help' {
  const values = parseFlags('pnpm devices onvif', argv, [
    'count', 'base-port', 'host', 'advertise-host', 'username', 'password', 'seed', 'discovery-port', 'reboot-ms', 'snapshot-size', 'latency-ms', 'soap-fault-rate', 'drop-rate',
  ]);
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

interface OnvifSummary {
  readonly requests: number;
  readonly authFailures: number;
  readonly snapshotsServed: number;
  readonly soapFaults: number;
  readonly internalErrors: number;
}

const ONVIF_COMMAND: DeviceCommand<OnvifCommandOptions, OnvifSummary> = {
  usage: USAGE,
  usageAfter: 'any-invalid-input',
  parse: (argv) => parseOnvifCommandOptions(argv),
  async start(options): Promise<RunningDevices<OnvifSummary>> {
    const fleet = await startOnvifFleet(options.fleet);
    return {
      describe: () => describeFleet(fleet),
      describeText: () => describeFleetText(fleet),
      async stop() {
        const totals = fleet.totals();
        await fleet.stop();
        return {
          requests: Object.values(totals.requestsByAction).reduce((a, b) => a + b, 0),
          authFailures: totals.authFailures,
          snapshotsServed: totals.snapshotsServed,
          soapFaults: totals.soapFaults,
          internalErrors: totals.internalErrors,
        };
      },
      summaryText: (summary) =>
        `stopped: ${summary.requests} SOAP requests, ${summary.authFailures} auth failures, ${summary.snapshotsServed} snapshots, ` +
        `${summary.soapFaults} SOAP faults${summary.internalErrors > 0 ? `, ${summary.internalErrors} INTERNAL ERRORS` : ''}\n`,
    };
  },
};

export function runOnvifCommand(argv: string[], io?: DeviceCommandIo): Promise<number> {
  return runDeviceCommand(ONVIF_COMMAND, argv, io);
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
