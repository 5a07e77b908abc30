/**
 * The run's metrics port when another process holds it: the default port falls back to a free one
 * and the run says which (log line and events.jsonl); a port given with --metrics-port fails the
 * run with exit 2 and TWL_CONFIG_INVALID. Runs against the loopback peer.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';

let holder: Server;
let taken: number;

beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const addr = holder.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no port');
  taken = addr.port;
});

afterAll(() => new Promise<void>((r) => holder.close(() => r())));

function events(text: string): Array<Record<string, unknown>> {
  return text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('metrics port', () => {
  it('a taken default port: the run serves on a free port, logs it and records the URL', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-metrics-port-'));
    const out = path.join(dir, 'run');
    const parsed = parseSimOptions(['--cloud', 'loopback', '--nodes', '2', '--duration', '3s', '--certs', 'shared', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out]);
    // What a second run on one machine meets: the default port (no --metrics-port) held by another process.
    expect(parsed.explicit.has('metrics-port')).toBe(false);
    const lines: string[] = [];
    const result = await runSim({ ...parsed, metricsPort: taken }, (l) => lines.push(l));
    // The port did not fail the run (its SLO verdict is another matter).
    expect(result.summary.error).toBeNull();
    expect(result.exitCode).not.toBe(1);
    expect(result.exitCode).not.toBe(2);
    const fallback = lines.find((l) => l.includes(`the default port ${taken} on 127.0.0.1 is taken`));
    expect(fallback, lines.join('\n')).toBeDefined();
    const recorded = events(await readFile(path.join(out, 'events.jsonl'), 'utf8')).find((e) => e.t === 'metrics-endpoint');
    expect(recorded).toMatchObject({ requestedPort: taken, fallbackFrom: taken });
    const url = String(recorded?.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(url).not.toContain(`:${taken}/`);
    expect(fallback).toContain(url);
  }, 60_000);

  it('a taken --metrics-port: exit 2, TWL_CONFIG_INVALID naming the flag, as before', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-metrics-port-'));
    const out = path.join(dir, 'run');
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', 'sim', '--cloud', 'loopback', '--nodes', '2', '--duration', '3s', '--metrics-port', String(taken), '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toContain(`TWL_CONFIG_INVALID: --metrics-port ${taken}: cannot listen on 127.0.0.1:${taken}`);
    expect(stderr).not.toContain('is taken (another run?)');
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { error: { code: string } };
    expect(summary.error.code).toBe('TWL_CONFIG_INVALID');
  }, 60_000);
});
