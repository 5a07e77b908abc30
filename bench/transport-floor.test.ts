import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FloorReport } from './transport-floor/floor-report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-floor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `pnpm bench floor …` as the maintainer types it, through fleet-bench's dispatch. */
function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet-bench.ts', 'floor', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const within = (measured: number, expected: number, tolerance: number): boolean => Math.abs(measured - expected) <= tolerance * expected;

describe('pnpm bench floor', () => {
  it('runs 40 nodes on a 20× faster schedule and writes figures that add up', async () => {
    const out = path.join(dir, 'floor.json');
    const run = await bench(['--nodes', '40', '--shards', '1', '--time-scale', '0.05', '--settle', '1s', '--seconds', '3', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as FloorReport;
    const r = report.results;

    expect(report.title).toMatch(/harness self-test of Node's TLS transport on this machine/);
    expect(report.command).toBe(`pnpm bench floor --nodes 40 --shards 1 --time-scale 0.05 --settle 1s --seconds 3 --out ${out}`);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.config).toMatchObject({ nodes: 40, shards: 1, timeScale: 0.05, leasePeriodMs: 500, keepalivePeriodMs: 750 });
    expect(Object.keys(report.method)).toEqual(expect.arrayContaining(['cpu', 'rss', 'traffic']));

    expect([r.connected, r.connectFailures, r.dropped, r.socketErrors]).toEqual([40, 0, 0, 0]);
    // 40 × (2/0.5 s + 1/0.75 s) writes/s and 40/0.5 s reads/s.
    expect(r.writesPerS.expected).toBeCloseTo(213.33, 1);
    expect(r.readsPerS.expected).toBeCloseTo(80, 5);
    expect(within(r.writesPerS.measured, r.writesPerS.expected, 0.3), `writes/s ${r.writesPerS.measured}`).toBe(true);
    expect(within(r.readsPerS.measured, r.readsPerS.expected, 0.3), `reads/s ${r.readsPerS.measured}`).toBe(true);
    expect(r.frames.ackWrites).toBe(r.frames.replyReads);
    // The server's own count: the ACKs arrived and each lease got its reply (samples a few ms apart).
    expect(within(r.server.acksIn, r.frames.ackWrites, 0.05), `server ACKs ${r.server.acksIn} vs ${r.frames.ackWrites}`).toBe(true);
    expect(within(r.server.repliesOut, r.frames.replyReads, 0.05), `server replies ${r.server.repliesOut} vs ${r.frames.replyReads}`).toBe(true);
    expect(r.server.otherIn).toBe(0);

    for (const v of [r.cpuSeconds, r.cpuPctOfCorePer10k, r.cpuUsPerFrame, r.cpuUsPerSocketOp, r.seconds]) {
      expect(Number.isFinite(v) && v > 0, String(v)).toBe(true);
    }
    expect(Number.isFinite(r.rss.perConnectionKB)).toBe(true);
    expect(report.checks.every((c) => c.pass), JSON.stringify(report.checks)).toBe(true);
    expect(run.stdout).toMatch(/% of a core per 10k/);
  }, 30_000);

  it('fails naming the flag, exit code 2, before starting anything', async () => {
    const run = await bench(['--nodes', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/TWL_CONFIG_INVALID: --nodes must be a whole number/);
  }, 15_000);
});
