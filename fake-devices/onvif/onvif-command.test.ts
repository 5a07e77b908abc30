import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { ConfigInvalidError, ErrorCodes, ExitCodes } from '../../sim/errors.js';
import type { DeviceCommandIo } from '../device-command-support.js';
import { parseOnvifCommandOptions, runOnvifCommand, ONVIF_PASSWORD_ENV } from './onvif-command.js';

function capture(stop?: AbortSignal): DeviceCommandIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    ...(stop === undefined ? {} : { stop }),
    out: () => out,
    err: () => err,
  };
}

function optionOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalidError);
    return (error as ConfigInvalidError).context.option;
  }
  throw new Error('expected a ConfigInvalidError');
}

describe('pnpm devices onvif: flags', () => {
  it.each([
    [['--count', 'ten'], '--count'],
    [['--count', '0'], '--count'],
    [['--base-port', '70000'], '--base-port'],
    [['--base-port', '65530', '--count', '10'], '--base-port'],
    [['--discovery-port', '-1'], '--discovery-port'],
    [['--soap-fault-rate', '2'], '--soap-fault-rate'],
    [['--drop-rate', 'often'], '--drop-rate'],
    [['--snapshot-size', '320'], '--snapshot-size'],
    [['--password', ''], '--password'],
    [['--bogus'], '--bogus'],
    [['--count'], '--count'],
  ])('%j is a ConfigInvalidError naming %s', (argv, flag) => {
    expect(optionOf(() => parseOnvifCommandOptions(argv, {}))).toBe(flag);
  });

  it('reads every flag, and the password from the environment when no flag gives it', () => {
    const parsed = parseOnvifCommandOptions(
      ['--count', '4', '--base-port', '19000', '--host', '127.0.0.2', '--username', 'ops', '--seed', '9', '--discovery-port', '3702', '--reboot-ms', '500',
        '--snapshot-size', '64x48', '--latency-ms', '20', '--soap-fault-rate', '0.1', '--drop-rate', '0.05', '--json'],
      { [ONVIF_PASSWORD_ENV]: 'from-env' },
    );
    expect(parsed).toEqual({
      json: true,
      fleet: {
        count: 4,
        basePort: 19000,
        host: '127.0.0.2',
        username: 'ops',
        password: 'from-env',
        seed: 9,
        discoveryPort: 3702,
        rebootMs: 500,
        snapshotSize: { width: 64, height: 48 },
        fault: { latencyMs: 20, soapFaultRate: 0.1, dropRate: 0.05 },
      },
    });
    expect(parseOnvifCommandOptions(['--password', 'flag'], { [ONVIF_PASSWORD_ENV]: 'env' })).toMatchObject({ fleet: { password: 'flag' } });
  });

  it('reports a bad flag on stderr with its code and returns exit code 2', async () => {
    const io = capture();
    expect(await runOnvifCommand(['--count', 'many'], io)).toBe(ExitCodes.InvalidInput);
    expect(io.err()).toContain(`${ErrorCodes.ConfigInvalid}: --count "many"`);
  });
});

describe('pnpm devices onvif: running', () => {
  it('prints where each camera listens without the password, serves until stopped, then exits 0', async () => {
    const stop = new AbortController();
    const io = capture(stop.signal);
    const password = 'never-print-me-7731';
    const exit = runOnvifCommand(['--count', '2', '--base-port', '0', '--password', password, '--snapshot-size', '48x32', '--json'], io);
    await expect.poll(() => io.out().includes('\n'), { timeout: 10_000 }).toBe(true);

    const listing = JSON.parse(io.out().split('\n')[0]!) as { cameras: { id: string; xaddr: string; snapshotUrl: string }[]; discovery: unknown };
    expect(listing.cameras.map((c) => c.id)).toEqual(['cam-0', 'cam-1']);
    expect(listing.discovery).toBeNull();
    const image = jpeg.decode(Buffer.from(await (await fetch(listing.cameras[1]!.snapshotUrl)).arrayBuffer()), { useTArray: true });
    expect([image.width, image.height]).toEqual([48, 32]);

    stop.abort();
    expect(await exit).toBe(ExitCodes.Ok);
    expect(io.out()).toContain('"stopped":true');
    expect(io.out()).toContain('"snapshotsServed":1');
    expect(io.out() + io.err()).not.toContain(password);
    await expect(fetch(listing.cameras[0]!.xaddr)).rejects.toThrow();
  });

  it('prints one line per camera in text mode', async () => {
    const stop = new AbortController();
    const io = capture(stop.signal);
    const exit = runOnvifCommand(['--count', '3', '--base-port', '0', '--seed', '5'], io);
    await expect.poll(() => io.out().includes('cam-2'), { timeout: 10_000 }).toBe(true);
    stop.abort();
    expect(await exit).toBe(ExitCodes.Ok);
    const cameraLines = io.out().split('\n').filter((line) => /^\s+cam-\d/.test(line));
    expect(cameraLines).toHaveLength(3);
    expect(cameraLines[0]).toMatch(/cam-0\s+http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service\s+snapshot http:\/\/127\.0\.0\.1:\d+\/onvif\/snapshot\.jpg/);
  });
});
