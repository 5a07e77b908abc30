import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigInvalidError, ExitCodes } from '../../sim/errors.js';
import { freePortRange } from './free-port-range.js';
import { connectClient, readWords } from './jsmodbus-test-client.js';
import { parseModbusCommandOptions, runModbusCommand } from './modbus-command.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(repo, 'fake-devices', 'devices-cli.ts');

function flagError(argv: string[]): ConfigInvalidError {
  try {
    parseModbusCommandOptions(argv);
  } catch (e) {
    if (e instanceof ConfigInvalidError) return e;
    throw e;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('flags', () => {
  it('defaults: one device from port 15020, ports layout', () => {
    expect(parseModbusCommandOptions([])).toEqual({ json: false, fleet: { count: 1, basePort: 15020, layout: 'ports' } });
  });

  it('a fault flag starts every device with that fault', () => {
    const o = parseModbusCommandOptions(['--latency-ms', '20', '--jitter-ms', '5', '--exception-rate', '0.1', '--exception-code', '6', '--drop-rate', '0.01']);
    expect(o !== 'help' && o.fleet.fault).toEqual({ latency: { fixedMs: 20, jitterMs: 5 }, exception: { code: 6, rate: 0.1 }, drop: { rate: 0.01 } });
  });

  const bad: Array<[string[], string, RegExp]> = [
    [['--count', '0'], '--count', /--count "0" must be a whole number/],
    [['--count', 'many'], '--count', /--count "many"/],
    [['--base-port', '70000'], '--base-port', /--base-port "70000"/],
    [['--base-port', '65530', '--count', '10'], '--base-port', /runs past 65535/],
    [['--layout', 'ring'], '--layout', /--layout "ring" must be ports or unit-ids/],
    [['--seed=-1'], '--seed', /--seed "-1"/],
    [['--seed', '-1'], '--seed', /Option '--seed' argument is ambiguous/],
    [['--exception-rate', '2'], '--exception-rate', /from 0 to 1/],
    [['--exception-rate', '1', '--exception-code', '9'], '--exception-code', /not a Modbus exception code/],
    [['--frobnicate'], '--frobnicate', /Unknown option '--frobnicate'/],
    [['--profile', '/nonexistent/p.yaml'], '', /\/nonexistent\/p\.yaml: cannot read device profile/],
  ];
  for (const [argv, flag, message] of bad) {
    it(`${argv.join(' ')} is refused${flag ? `, naming ${flag}` : ''}`, () => {
      const e = flagError(argv);
      expect(e.message).toMatch(message);
      if (flag) expect(e.context.option).toBe(flag);
    });
  }
});

function collect(): { write(text: string): boolean; text(): string } {
  let out = '';
  return {
    write: (t: string) => {
      out += t;
      return true;
    },
    text: () => out,
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('runModbusCommand', () => {
  it('lists a small fleet one device per line, serves it, and stops on its signal with exit 0', async () => {
    const stdout = collect();
    const stderr = collect();
    const stop = new AbortController();
    const done = runModbusCommand(['--count', '3', '--base-port', '0'], { stdout, stderr, stop: stop.signal });
    await until(() => stdout.text().split('\n').filter((l) => l.includes('unit 1')).length === 3);
    const lines = stdout.text().split('\n');
    expect(lines[0]).toMatch(/^modbus: 3 device\(s\), profile thermometer-plc, layout ports, seed 1/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[1]!)?.[1]);
    const c = await connectClient('127.0.0.1', port, 1);
    expect(await readWords(c, 'holding', 0, 1)).toHaveLength(1);
    await c.close();
    stop.abort();
    expect(await done).toBe(ExitCodes.Ok);
    expect(stdout.text()).toMatch(/stopped after [\d.]+ s: 1 reads, 0 writes, 0 exceptions/);
    expect(stderr.text()).toBe('');
  });

  it('summarises a large fleet by port range, and --json lists every device', async () => {
    const base = await freePortRange(30);
    const text = collect();
    const stop = new AbortController();
    const run = runModbusCommand(['--count', '30', '--base-port', String(base)], { stdout: text, stderr: collect(), stop: stop.signal });
    await until(() => text.text().includes('on each'));
    expect(text.text()).toContain(`127.0.0.1:${base}–${base + 29}  unit 1 on each  (modbus-1 … modbus-30)`);
    stop.abort();
    expect(await run).toBe(0);

    const json = collect();
    const stop2 = new AbortController();
    const run2 = runModbusCommand(['--count', '300', '--base-port', '0', '--layout', 'unit-ids', '--json'], { stdout: json, stderr: collect(), stop: stop2.signal });
    await until(() => json.text().includes('\n'));
    const doc = JSON.parse(json.text().split('\n')[0]!) as { devices: Array<{ id: string; port: number; unitId: number }>; layout: string };
    expect(doc.layout).toBe('unit-ids');
    expect(doc.devices).toHaveLength(300);
    expect(doc.devices[299]).toMatchObject({ id: 'modbus-300', unitId: 300 - 247 });
    stop2.abort();
    expect(await run2).toBe(0);
  });

  it('bad flags print the error and the usage and return 2 without listening', async () => {
    const stderr = collect();
    expect(await runModbusCommand(['--count', 'x'], { stdout: collect(), stderr })).toBe(ExitCodes.InvalidInput);
    expect(stderr.text()).toMatch(/^TWL_CONFIG_INVALID: --count "x" must be a whole number/);
    expect(stderr.text()).toContain('usage: pnpm devices modbus');
  });
});

function runCli(args: string[]): { stdout: () => string; stderr: () => string; exit: Promise<number | null>; kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    stdout: () => out,
    stderr: () => err,
    exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: (signal) => child.kill(signal),
  };
}

describe('pnpm devices (the process)', () => {
  it('modbus --count 3 prints where each device listens, serves, and exits 0 on SIGTERM', async () => {
    const base = await freePortRange(3);
    const p = runCli(['modbus', '--count', '3', '--base-port', String(base)]);
    await until(() => p.stdout().includes(`127.0.0.1:${base + 2}`), 30_000);
    for (let i = 0; i < 3; i++) expect(p.stdout()).toMatch(new RegExp(`modbus-${i + 1}\\s+127\\.0\\.0\\.1:${base + i}\\s+unit 1`));
    const c = await connectClient('127.0.0.1', base + 1, 1);
    expect(await readWords(c, 'input', 0, 2)).toHaveLength(2);
    await c.close();
    p.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.stdout()).toMatch(/stopped after .* 1 reads/);
  }, 60_000);

  it('a bad flag exits 2 naming the flag; an unknown kind exits 2 too', async () => {
    const bad = runCli(['modbus', '--count=-4']);
    expect(await bad.exit).toBe(ExitCodes.InvalidInput);
    expect(bad.stderr()).toContain('--count "-4" must be a whole number');
    const kind = runCli(['zigbee']);
    expect(await kind.exit).toBe(ExitCodes.InvalidInput);
    expect(kind.stderr()).toContain('unknown device kind "zigbee"');
  }, 60_000);
});
