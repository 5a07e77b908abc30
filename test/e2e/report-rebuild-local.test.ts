/**
 * A run against the real local control plane, with pods made through the API server, killed with
 * SIGKILL once every pod was seen Running: `twinlab report` rebuilds its API-workload section and
 * SLIs from the `api-workload` and `shard` events alone (there is no `run-end`). Skips visibly when
 * the control plane's binaries are not available.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../sim/model/run-events.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { processStartTime } from '../../sim/util/proc-stat.js';
import { skipReason as reason } from './support/real-control-plane.js';

if (reason) console.warn(`[report-rebuild-local e2e] SKIPPED: ${reason}`);

const CLI = ['--import', 'tsx', 'sim/cli.ts'];
const NODES = 4;
const PODS_PER_NODE = 2;
const PODS = NODES * PODS_PER_NODE;

const started: ChildProcess[] = [];
let runDir = '';

afterEach(async () => {
  // The control plane dies with its parent (controlplane/supervise/); anything still alive from pids.jsonl is a failed test's.
  const pids = path.join(runDir, 'pids.jsonl');
  if (existsSync(pids)) {
    for (const line of readFileSync(pids, 'utf8').split('\n').filter((l) => l.trim() !== '')) {
      const p = JSON.parse(line) as { pid: number; startTime: number };
      if (processStartTime(p.pid) === p.startTime) process.kill(p.pid, 'SIGKILL');
    }
  }
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (runDir && process.env.TWINLAB_E2E_KEEP !== '1') await rm(path.dirname(runDir), { recursive: true, force: true });
});

/** The run's `api-workload` events so far (a line being written is skipped). */
function apiWorkloadEvents(out: string): Array<Extract<RunEvent, { t: 'api-workload' }>> {
  const file = path.join(out, 'events.jsonl');
  if (!existsSync(file)) return [];
  const events: Array<Extract<RunEvent, { t: 'api-workload' }>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('"t":"api-workload"')) continue;
    try {
      events.push(JSON.parse(line) as Extract<RunEvent, { t: 'api-workload' }>);
    } catch {
      // cut short: the writer is mid-line
    }
  }
  return events;
}

function run(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = killWhen
      ? setInterval(() => {
          if (killWhen()) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 250)
      : undefined;
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.skipIf(reason !== '')(`twinlab report after SIGKILL, real local control plane${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('rebuilds the API-workload section and its SLIs from the recorded observations', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-killed-local-'));
    runDir = path.join(dir, 'run');
    // Killed a few seconds after the watch saw every pod Running, so the shards' events for them have reached the log too.
    let allRunningAt = 0;
    const killWhen = (): boolean => {
      const last = apiWorkloadEvents(runDir).at(-1);
      if (!last) return false;
      if (allRunningAt === 0 && last.pods.running >= PODS) allRunningAt = last.atMs;
      return allRunningAt > 0 && last.atMs >= allRunningAt + 3000;
    };
    const killed = await run(
      [
        'sim', '--cloud', 'local', '--nodes', String(NODES), '--pods-per-node', String(PODS_PER_NODE), '--pod-rate', '10', '--duration', '5m',
        '--metrics-port', '0', '--progress', 'off', '--node-limit', '50', '--prometheus', 'off',
        '--cert-cache', path.join(dir, 'certs'), '--out', runDir,
      ],
      killWhen,
    );
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(path.join(runDir, 'summary.json'))).toBe(false);

    const r = await run(['report', runDir]);
    expect(r.stdout).toMatch(/rebuilt from \d+ events/);
    expect(r.code).toBe(130);
    const s = JSON.parse(await readFile(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
    expect(s.interrupted).toBe(true);
    expect(s.error?.code).toBe('TWL_INTERRUPTED');
    const w = s.workload;
    expect(w).not.toBeNull();
    expect(w?.pods).toMatchObject({ created: PODS, createFailed: 0, running: PODS });
    // Namespace, ConfigMaps, Secrets and pods: every one a mutating call.
    expect(w?.api.mutating.count).toBeGreaterThanOrEqual(PODS);
    expect(w?.podStartupBreakdownMs.createToEdgeReceipt.count).toBe(PODS);
    expect(w?.podStartupBreakdownMs.edgeReceiptToStatusReported.count).toBe(PODS);
    expect(w?.podStartupBreakdownMs.statusReportedToRunningObserved.count).toBe(PODS);
    expect(s.slis.pod_startup_ms).toMatchObject({ count: PODS });
    expect(s.latency.podStartupMs.count).toBe(PODS);
    expect(s.slis.node_ready_in_api_ms).toMatchObject({ count: NODES });
    expect((s.slis.api_mutating_ms as { count: number }).count).toBe(w?.api.mutating.count);
    for (const f of ['summary.md', 'report.html', 'junit.xml']) expect(existsSync(path.join(runDir, f))).toBe(true);
    expect(await readFile(path.join(runDir, 'summary.md'), 'utf8')).toContain(`## Workload (through the API server)\n\nPods: ${PODS} created, ${PODS} Running observed`);
  }, 240_000);
});
