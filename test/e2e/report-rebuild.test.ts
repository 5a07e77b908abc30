/**
 * A run killed with SIGKILL leaves only events.jsonl; `twinlab report` rebuilds every output from
 * it. Also: a scenario file with a mistake fails before anything starts, naming file:line:col.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../sim/model/run-summary.js';

const CLI = ['--import', 'tsx', 'sim/cli.ts'];

function run(args: string[], until?: () => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = until
      ? setInterval(() => {
          if (until()) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 200)
      : undefined;
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('twinlab report', () => {
  it('rebuilds summary.json, summary.md, report.html and junit.xml of a run killed with SIGKILL', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-killed-'));
    const out = path.join(dir, 'run');
    const events = path.join(out, 'events.jsonl');
    const snapshots = (): number => (existsSync(events) ? readFileSync(events, 'utf8').split('\n').filter((l) => l.includes('"t":"snapshot"')).length : 0);
    const killed = await run(
      ['sim', '--cloud', 'loopback', '--nodes', '6', '--shards', '1', '--certs', 'shared', '--pods-per-node', '1', '--duration', '5m', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out],
      () => snapshots() >= 5,
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(out, 'summary.json'))).toBe(false);

    const r = await run(['report', out]);
    expect(r.stdout).toMatch(/rebuilt from \d+ events/);
    expect(r.code).toBe(130);
    const s = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.interrupted).toBe(true);
    expect(s.error?.code).toBe('TWL_INTERRUPTED');
    expect(s.title).toBe('harness self-test (loopback peer)');
    expect(s.nodes.requested).toBe(6);
    expect(s.timeseries?.atS.length).toBeGreaterThanOrEqual(4);
    expect(s.latency.joinToReadyMs.count).toBe(6);
    for (const f of ['summary.md', 'report.html', 'junit.xml']) expect(existsSync(path.join(out, f))).toBe(true);
  }, 120_000);

  it('a run directory without events.jsonl is invalid input', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-noevents-'));
    const r = await run(['report', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('events.jsonl: no such file');
  }, 30_000);

  it('a scenario with a mistake fails before anything starts: TWL_SCENARIO_INVALID at file:line:col, exit 2', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-badscn-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: bad\ndescription: a bad one\nfleet:\n  nodes: 5\ntimeline:\n  - phase: partition\n    group: nowhere\n    duration: 1m\n');
    const r = await run(['sim', '--cloud', 'loopback', '--scenario', file, '--out', path.join(dir, 'run')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`TWL_SCENARIO_INVALID: ${file}:7:12: timeline[0].group: unknown group "nowhere"`);
    expect(existsSync(path.join(dir, 'run'))).toBe(false);
  }, 30_000);

  it('twinlab scenarios lists every built-in with its description', async () => {
    const r = await run(['scenarios']);
    expect(r.code).toBe(0);
    for (const name of ['steady', 'join-storm', 'reconnect-storm', 'flapping', 'partition', 'half-open', 'offline-autonomy', 'soak']) expect(r.stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
  }, 30_000);
});
