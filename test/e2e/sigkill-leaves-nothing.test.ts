/**
 * A run killed with SIGKILL leaves no process behind, checked with the pids the run itself
 * recorded in its pids.jsonl (pid + start time, so a reused pid cannot pass for a survivor):
 * - on the real local control plane: etcd, kube-apiserver, kube-controller-manager and cloudcore
 *   die by their parent-death signal (controlplane/supervise/), the shards on IPC disconnect;
 * - against the loopback peer, with the shards busy enrolling per-node certificates: the peer and
 *   the shards leave on IPC disconnect;
 * - when the `tsx` launcher of `pnpm sim` is the one killed, the run ends itself and stops the rest;
 * - with the supervisor turned off, the control plane outlives the kill and the next run stops it
 *   from the killed run's pid file.
 * The real-control-plane suite skips visibly when the control plane's binaries are absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../../sim/util/proc-stat.js';
import { findPrometheus } from '../../sim/prometheus/prometheus-binary.js';
import { skipReason as reason } from './support/real-control-plane.js';
import { done, notYet, waitFor } from './support/wait-for.js';

const prometheusFound = findPrometheus().path !== null;

interface PidLine {
  kind: 'run' | 'process';
  name?: string;
  pid: number;
  startTime: number;
}

const started: ChildProcess[] = [];
let recorded: PidLine[] = [];

afterEach(() => {
  // Whatever a failed test left, so that it does not load the machine for the next one.
  for (const p of recorded) if (processStartTime(p.pid) === p.startTime) process.kill(p.pid, 'SIGKILL');
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  recorded = [];
});

function pidLines(out: string): PidLine[] {
  const file = path.join(out, 'pids.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as PidLine);
}

/** The fleet's most recent snapshot in events.jsonl: connected and Ready nodes. */
function lastSnapshot(out: string): { connected: number; ready: number } | null {
  const file = path.join(out, 'events.jsonl');
  if (!existsSync(file)) return null;
  let last: { connected: number; ready: number } | null = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"t":"snapshot"')) continue;
    try {
      const e = JSON.parse(line) as { totals: { connected: number; states: { ready: number } } };
      last = { connected: e.totals.connected, ready: e.totals.states.ready };
    } catch {
      // a line being written
    }
  }
  return last;
}

function startRun(launcher: 'node' | 'tsx', args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; stderr: () => string } {
  const argv = launcher === 'node' ? ['--import', 'tsx', 'sim/cli.ts', 'sim', ...args] : [path.resolve('node_modules/tsx/dist/cli.mjs'), 'sim/cli.ts', 'sim', ...args];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
  started.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

/** Every recorded process (the run's main one included) is gone, or the names of those alive. */
async function allGone(lines: PidLine[], timeoutMs: number): Promise<string[]> {
  const alive = (): PidLine[] => lines.filter((p) => processStartTime(p.pid) === p.startTime);
  const deadline = Date.now() + timeoutMs;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return alive().map((p) => `${p.name ?? 'main'} (pid ${p.pid})`);
}

async function killWhenUp(out: string, names: string[], run: ReturnType<typeof startRun>, up: (s: { connected: number; ready: number }) => boolean, timeoutMs: number): Promise<PidLine[]> {
  const lines = await waitFor(
    `pids.jsonl to list ${names.join(', ')} and the fleet to be up`,
    () => {
      const l = pidLines(out);
      recorded = l;
      const have = l.map((p) => p.name ?? 'main');
      const snap = lastSnapshot(out);
      if (run.child.exitCode !== null) throw new Error(`the run exited early (${run.child.exitCode}): ${run.stderr().slice(-2000)}`);
      return names.every((n) => have.includes(n)) && snap && up(snap) ? done(l) : notYet({ have, snap });
    },
    { timeoutMs, intervalMs: 250 },
  );
  expect(lines[0]).toMatchObject({ kind: 'run', pid: run.child.pid });
  return lines;
}

describe.skipIf(reason !== '')(`SIGKILL of a run on the real local control plane${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('leaves neither the control plane, its Prometheus nor the shards running', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-sigkill-local-'));
    const out = path.join(dir, 'run');
    const run = startRun('node', ['--cloud', 'local', '--nodes', '20', '--shards', '2', '--duration', '5m', '--certs', 'shared', '--node-limit', '50', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out]);
    // The run's Prometheus (on by default with the local control plane) starts through the same supervisor.
    const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore', ...(prometheusFound ? ['prometheus'] : []), 'shard-0', 'shard-1'];
    const lines = await killWhenUp(out, names, run, (s) => s.ready >= 1, 150_000);
    // The recorded pid is the real binary: the supervisor exec'd it in place.
    const cloudcore = lines.find((p) => p.name === 'cloudcore')!;
    expect(readFileSync(`/proc/${cloudcore.pid}/comm`, 'utf8').trim()).toBe('cloudcore');
    expect(run.stderr()).not.toContain('no parent-death supervisor');

    run.child.kill('SIGKILL');
    expect(await allGone(lines, 5_000)).toEqual([]);
    // The same processes are in the run's events (flushed before the kill, a few seconds in).
    const events = readFileSync(path.join(out, 'events.jsonl'), 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- one process event per line is checked, not which process: kept as it was
    for (const p of lines.slice(1)) expect(events).toContain(`"t":"process","atMs":`);
    expect(events).toContain(`"name":"cloudcore","pid":${cloudcore.pid}`);
  }, 200_000);

  it('without the supervisor the control plane outlives the kill, and the next run stops it from the pid file, saying so', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-sigkill-next-'));
    const out = path.join(dir, 'run');
    const run = startRun('node', ['--cloud', 'local', '--nodes', '5', '--shards', '1', '--duration', '5m', '--certs', 'shared', '--node-limit', '50', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out], { ...process.env, TWINLAB_SUPERVISOR: 'off' });
    const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore', 'shard-0'];
    const lines = await killWhenUp(out, names, run, (s) => s.ready >= 1, 150_000);
    expect(run.stderr()).toContain('no parent-death supervisor (TWINLAB_SUPERVISOR=off)');
    run.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3_000));
    const controlPlane = lines.filter((p) => ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore'].includes(p.name ?? ''));
    // The first line of defence is off: they are still there (the shard left on its own).
    expect(controlPlane.filter((p) => processStartTime(p.pid) === p.startTime).map((p) => p.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore']);

    const next = startRun('node', ['--cloud', 'loopback', '--nodes', '1', '--duration', '1s', '--certs', 'shared', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, 'next')]);
    await new Promise((r) => next.child.once('exit', r));
    expect(next.stderr()).toContain(`left behind by the run in ${out} (its main process ${run.child.pid} is gone): etcd (pid ${controlPlane[0]!.pid})`);
    expect(await allGone(lines, 3_000)).toEqual([]);
  }, 240_000);
});

describe(`SIGKILL of a run against the loopback peer`, () => {
  it('the peer and busy shards (enrolling per-node certificates) leave on IPC disconnect', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-sigkill-loopback-'));
    const out = path.join(dir, 'run');
    const run = startRun('node', ['--cloud', 'loopback', '--nodes', '3000', '--ramp', '1500', '--shards', '2', '--duration', '5m', '--certs', 'per-node', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out]);
    // Killed mid-ramp: the shards are generating keys and CSRs as fast as they can.
    const lines = await killWhenUp(out, ['loopback-peer', 'shard-0', 'shard-1'], run, (s) => s.connected >= 50, 90_000);
    run.child.kill('SIGKILL');
    expect(await allGone(lines, 5_000)).toEqual([]);
  }, 120_000);

  it('a SIGKILLed tsx launcher (pnpm sim) ends the run, which stops the peer and the shards', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-sigkill-tsx-'));
    const out = path.join(dir, 'run');
    const run = startRun('tsx', ['--cloud', 'loopback', '--nodes', '200', '--shards', '2', '--duration', '5m', '--certs', 'shared', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out]);
    const lines = await waitFor(
      'pids.jsonl to list the peer and both shards',
      () => {
        const l = pidLines(out);
        recorded = l;
        const have = l.map((p) => p.name ?? 'main');
        return ['loopback-peer', 'shard-0', 'shard-1'].every((n) => have.includes(n)) && (lastSnapshot(out)?.ready ?? 0) > 0 ? done(l) : notYet(have);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // tsx runs the CLI in a child: the run's main process is not the launcher.
    expect(lines[0]!.pid).not.toBe(run.child.pid);
    run.child.kill('SIGKILL');
    expect(await allGone(lines, 10_000)).toEqual([]);
    // It ended as on SIGTERM: the summary was written and says it was interrupted.
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { interrupted: boolean };
    expect(summary.interrupted).toBe(true);
  }, 90_000);
});
