/**
 * `pnpm devices <kind> [options]`: runs fake devices on the wire, standalone, until SIGINT/SIGTERM.
 * Each kind owns its command module; this file only dispatches. Errors print their code and exit
 * with the documented exit codes (2 for bad input).
 */
import { ConfigInvalidError, ErrorCodes, ExitCodes, isTwinlabError } from '../sim/errors.js';
import { runModbusCommand } from './modbus/modbus-command.js';

type DeviceCommand = (argv: string[]) => Promise<number>;

/**
 * The onvif module is loaded only when asked for, through a specifier the compiler does not
 * resolve, so this dispatcher builds and runs whether or not fake-devices/onvif/ is present.
 */
async function runOnvifCommand(argv: string[]): Promise<number> {
  const specifier = './onvif/onvif-command.js';
  let loaded: { runOnvifCommand?: unknown };
  try {
    loaded = (await import(specifier)) as { runOnvifCommand?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigInvalidError('onvif fake devices are not available in this checkout (fake-devices/onvif/onvif-command.ts is missing)', { kind: 'onvif' });
  }
  if (typeof loaded.runOnvifCommand !== 'function') {
    throw new ConfigInvalidError('fake-devices/onvif/onvif-command.ts does not export runOnvifCommand(argv)', { kind: 'onvif' });
  }
  return (loaded.runOnvifCommand as DeviceCommand)(argv);
}

const commands: Readonly<Record<string, DeviceCommand>> = {
  modbus: runModbusCommand,
  onvif: runOnvifCommand,
};

const USAGE = `usage: pnpm devices <kind> [options]     (pnpm devices <kind> --help lists the options)

kinds:
  modbus    Modbus TCP devices with declared register maps, value generators and faults
  onvif     ONVIF cameras (device and media services, snapshots, WS-Discovery)`;

async function main(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === 'help' || kind === '--help' || kind === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return ExitCodes.Ok;
  }
  const command = Object.hasOwn(commands, kind) ? commands[kind] : undefined;
  if (!command) {
    process.stderr.write(`${ErrorCodes.ConfigInvalid}: unknown device kind ${JSON.stringify(kind)}\n${USAGE}\n`);
    return ExitCodes.InvalidInput;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isTwinlabError(error)) {
      process.stderr.write(`${error.toLine()}\n`);
      process.exit(error.code === ErrorCodes.ConfigInvalid ? ExitCodes.InvalidInput : ExitCodes.HarnessError);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(ExitCodes.HarnessError);
  },
);
