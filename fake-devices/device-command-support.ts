/**
 * What every `pnpm devices <kind>` command shares: flags read strictly (a bad one is a
 * ConfigInvalidError naming it), checks of flag values, and the run itself — print the usage or
 * the start's error with its exit code, or what started, then serve until SIGINT/SIGTERM (or the
 * caller's stop signal) and print a summary.
 */
import { parseArgs } from 'node:util';
import { ConfigInvalidError, ErrorCodes, ExitCodes, isTwinlabError } from '../sim/errors.js';

/** Where a command writes, and what stops it besides SIGINT/SIGTERM (tests pass their own). */
export interface DeviceCommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly stop?: AbortSignal;
}

const PROCESS_IO: DeviceCommandIo = { stdout: process.stdout, stderr: process.stderr };

/** Devices a command started, until it stops them. */
export interface RunningDevices<S extends object> {
  /** What started, for --json. */
  describe(): object;
  /** What started, as lines for a person (each ending in a newline). */
  describeText(): string;
  /** Stop the devices; what they did while running. */
  stop(): Promise<S>;
  /** The summary as one line for a person (ending in a newline). */
  summaryText(summary: S): string;
}

export interface DeviceCommand<O extends { readonly json: boolean }, S extends object> {
  readonly usage: string;
  /**
   * Which ConfigInvalidErrors print the usage after the error: any, or only those naming the
   * option at fault (a bad profile file is not a usage problem).
   */
  readonly usageAfter: 'any-invalid-input' | 'a-named-option';
  parse(argv: string[]): O | 'help';
  start(options: O, io: DeviceCommandIo): Promise<RunningDevices<S>>;
}

/** Runs a device command to its exit code: 0 after a stop, 2 for bad input, 1 when the start failed otherwise. */
export async function runDeviceCommand<O extends { readonly json: boolean }, S extends object>(
  command: DeviceCommand<O, S>,
  argv: string[],
  io: DeviceCommandIo = PROCESS_IO,
): Promise<number> {
  let running: RunningDevices<S>;
  let json: boolean;
  try {
    const options = command.parse(argv);
    if (options === 'help') {
      io.stdout.write(`${command.usage}\n`);
      return ExitCodes.Ok;
    }
    json = options.json;
    running = await command.start(options, io);
  } catch (error) {
    if (!isTwinlabError(error)) throw error;
    io.stderr.write(`${error.toLine()}\n`);
    const invalid = error.code === ErrorCodes.ConfigInvalid;
    if (invalid && (command.usageAfter === 'any-invalid-input' || error.context.option !== undefined)) io.stderr.write(`${command.usage}\n`);
    return invalid ? ExitCodes.InvalidInput : ExitCodes.HarnessError;
  }

  io.stdout.write(json ? `${JSON.stringify(running.describe())}\n` : running.describeText());
  await untilStopped(io.stop);
  const summary = await running.stop();
  io.stdout.write(json ? `${JSON.stringify({ stopped: true, ...summary })}\n` : running.summaryText(summary));
  return ExitCodes.Ok;
}

/** The flags a device command was given: its value flags as strings, and `--json` and `--help`. */
export type CommandFlags<K extends string> = { readonly [F in K]?: string } & { readonly json?: boolean; readonly help?: boolean };

/**
 * `argv` read strictly: the named flags take a value, `--json` and `--help` (`-h`) none, and
 * nothing else is allowed. parseArgs names the offending flag in its message ("Unknown option
 * '--x'", "Option '--x <value>' argument missing"); it becomes the error's option.
 */
export function parseFlags<const K extends string>(command: string, argv: string[], valueFlags: readonly K[]): CommandFlags<K> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const flag of valueFlags) options[flag] = { type: 'string' };
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as CommandFlags<K>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigInvalidError(`${command}: ${message}`, { option: /'(-{1,2}[\w-]+)/.exec(message)?.[1] });
  }
}

export function wholeNumber(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`, { option: flag });
  }
  return n;
}

/** A fraction from 0 to 1 (a fault rate). */
export function rate(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new ConfigInvalidError(`${flag} ${JSON.stringify(value)} must be a number from 0 to 1`, { option: flag });
  }
  return n;
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
