import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../model/run-events.js';
import { bootId, processStartTime } from '../util/proc-stat.js';
import { pidLedger } from '../util/pid-ledger.js';
import { PID_FILE, RunPidFile, stopLeftovers } from './run-pid-file.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A long sleeper standing in for a control-plane process left behind. */
async function sleeper(detached = false): Promise<ChildProcess> {
  const c = spawn('sleep', ['60'], { stdio: 'ignore', detached });
  children.push(c);
  await new Promise((r) => c.once('spawn', r));
  return c;
}

/** The pid and start time of a process that has exited: a dead run's main process. */
async function deadProcess(): Promise<{ pid: number; startTime: number }> {
  const c = spawn('sleep', ['5'], { stdio: 'ignore' });
  await new Promise((r) => c.once('spawn', r));
  const startTime = processStartTime(c.pid!)!;
  c.kill('SIGKILL');
  await new Promise((r) => c.once('exit', r));
  return { pid: c.pid!, startTime };
}

function exited(c: ChildProcess): Promise<NodeJS.Signals | null> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve(c.signalCode) : new Promise((r) => c.once('exit', (_code, signal) => r(signal)));
}

/** What a run killed with SIGKILL leaves: its entry in the runs dir and its pid file. */
function leftBehindRun(runsDir: string, main: { pid: number; startTime: number }, lines: object[]): string {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-dead-run-'));
  const pidFile = path.join(outDir, PID_FILE);
  writeFileSync(pidFile, [{ kind: 'run', ...main, bootId: bootId(), outDir, atMs: 0 }, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(path.join(runsDir, `${main.pid}-${main.startTime}.json`), JSON.stringify({ pidFile, pid: main.pid, startTime: main.startTime, bootId: bootId() }));
  return outDir;
}

describe.skipIf(process.platform !== 'linux')('run pid file (skipped off Linux: needs /proc)', () => {
  it('reads a process’s start time from /proc/PID/stat field 22', async () => {
    const c = await sleeper();
    const t = processStartTime(c.pid!);
    expect(t).toBeGreaterThan(0);
    expect(processStartTime(process.pid)).toBeLessThanOrEqual(t!);
    c.kill('SIGKILL');
    await exited(c);
    expect(processStartTime(c.pid!)).toBeNull();
  });

  it('stops what a dead run left behind, process groups included, and says so', async () => {
    const runs = mkdtempSync(path.join(os.tmpdir(), 'twinlab-runs-'));
    const etcd = await sleeper(true);
    const shard = await sleeper();
    const main = await deadProcess();
    const outDir = leftBehindRun(runs, main, [
      { kind: 'process', name: 'etcd', pid: etcd.pid, startTime: processStartTime(etcd.pid!), group: true, atMs: 1 },
      { kind: 'process', name: 'shard-0', pid: shard.pid, startTime: processStartTime(shard.pid!), group: false, atMs: 2 },
    ]);
    const lines: string[] = [];
    const report = await stopLeftovers(runs, (l) => lines.push(l));
    expect(await exited(etcd)).toBe('SIGKILL');
    expect(await exited(shard)).toBe('SIGKILL');
    expect(report.stopped.map((s) => s.name)).toEqual(['etcd', 'shard-0']);
    expect(report.survivors).toEqual([]);
    expect(lines).toEqual([`stopped 2 processes left behind by the run in ${outDir} (its main process ${main.pid} is gone): etcd (pid ${etcd.pid}), shard-0 (pid ${shard.pid})`]);
    expect(readdirSync(runs)).toEqual([]);
  });

  it('never kills a reused pid: a start time that does not match is another process', async () => {
    const runs = mkdtempSync(path.join(os.tmpdir(), 'twinlab-runs-'));
    const stranger = await sleeper();
    const main = await deadProcess();
    leftBehindRun(runs, main, [{ kind: 'process', name: 'cloudcore', pid: stranger.pid, startTime: processStartTime(stranger.pid!)! - 1, group: false, atMs: 1 }]);
    const lines: string[] = [];
    const report = await stopLeftovers(runs, (l) => lines.push(l));
    expect(report.stopped).toEqual([]);
    expect(lines).toEqual([]);
    expect(processStartTime(stranger.pid!)).not.toBeNull();
    expect(readdirSync(runs)).toEqual([]);
  });

  it('leaves a run that is still going alone', async () => {
    const runs = mkdtempSync(path.join(os.tmpdir(), 'twinlab-runs-'));
    const child = await sleeper();
    leftBehindRun(runs, { pid: process.pid, startTime: processStartTime(process.pid)! }, [{ kind: 'process', name: 'shard-0', pid: child.pid, startTime: processStartTime(child.pid!), group: false, atMs: 1 }]);
    const report = await stopLeftovers(runs, () => undefined);
    expect(report.stopped).toEqual([]);
    expect(processStartTime(child.pid!)).not.toBeNull();
    expect(readdirSync(runs)).toHaveLength(1);
  });

  it('records every announced process in pids.jsonl and the run’s events, and leaves no entry after a clean end', async () => {
    const runs = mkdtempSync(path.join(os.tmpdir(), 'twinlab-runs-'));
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-run-'));
    const events: RunEvent[] = [];
    const file = await RunPidFile.open(outDir, (e) => events.push(e), () => undefined, runs);
    expect(readdirSync(runs)).toEqual([expect.stringMatching(new RegExp(`^${process.pid}-${processStartTime(process.pid)}-[0-9a-f]{8}\\.json$`))]);
    const c = await sleeper();
    pidLedger.started('loopback-peer', c.pid);
    const lines = readFileSync(path.join(outDir, PID_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ kind: 'run', pid: process.pid, outDir });
    expect(lines[1]).toMatchObject({ kind: 'process', name: 'loopback-peer', pid: c.pid, startTime: processStartTime(c.pid!), group: false });
    expect(events).toEqual([{ t: 'process', atMs: expect.any(Number), name: 'loopback-peer', pid: c.pid, startTime: processStartTime(c.pid!) }]);
    file.close();
    expect(readdirSync(runs)).toEqual([]);
    pidLedger.started('after-close', c.pid);
    expect(events).toHaveLength(1);
  });
});
