/**
 * The run's pid file, the second line of defence after the control plane's parent-death signal:
 * every process the run starts is appended to `<out>/pids.jsonl` (synchronously, so a SIGKILL a
 * moment later cannot lose it) and recorded in the run's events, and the run is listed in a
 * machine-wide directory of runs. The next run finds runs whose main process is gone, stops what
 * they left behind — only processes whose pid, start time and boot id all still match, so a reused
 * pid is never touched — and says so.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '../model/run-events.js';
import { bootId, isSameProcess, processStartTime } from '../util/proc-stat.js';
import { pidLedger, type StartedProcess } from '../util/pid-ledger.js';
import { defaultCacheDir } from './sim-options.js';

export const PID_FILE = 'pids.jsonl';

/** The first line of a pid file: the run's own main process. */
export interface RunLine {
  kind: 'run';
  pid: number;
  startTime: number;
  bootId: string;
  outDir: string;
  atMs: number;
}

export type ProcessLine = { kind: 'process' } & StartedProcess;

/** What the directory of runs holds for each run that has not ended cleanly (yet). */
interface RunEntry {
  pidFile: string;
  pid: number;
  startTime: number;
  bootId: string;
}

export interface LeftoverReport {
  /** Runs whose main process was gone, by their out dir. */
  runs: string[];
  stopped: Array<{ name: string; pid: number; run: string }>;
  /** Still alive 2 s after SIGKILL (should not happen; said if it does). */
  survivors: Array<{ name: string; pid: number }>;
}

/** `${TWINLAB_CACHE_DIR:-~/.cache/twinlab}/runs`: one small file per run on this machine. */
export function runsDir(): string {
  return path.join(defaultCacheDir(), 'runs');
}

function readJsonLines(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut short by the kill: the lines before it still count
    }
  }
  return out;
}

function isProcessLine(v: unknown): v is ProcessLine {
  const o = v as Partial<ProcessLine> | null;
  return typeof o === 'object' && o !== null && o.kind === 'process' && typeof o.pid === 'number' && typeof o.startTime === 'number' && typeof o.name === 'string';
}

function isRunEntry(v: unknown): v is RunEntry {
  const o = v as Partial<RunEntry> | null;
  return typeof o === 'object' && o !== null && typeof o.pidFile === 'string' && typeof o.pid === 'number' && typeof o.startTime === 'number' && typeof o.bootId === 'string';
}

function kill(p: ProcessLine): void {
  try {
    // Control-plane components lead their own process group: take anything they forked too.
    process.kill(p.group ? -p.pid : p.pid, 'SIGKILL');
  } catch {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}

/**
 * Stop what runs on this machine left behind when their main process died without cleaning up
 * (SIGKILL, OOM kill, a CI timeout). Live runs are left alone.
 */
export async function stopLeftovers(dir: string, log: (line: string) => void): Promise<LeftoverReport> {
  const report: LeftoverReport = { runs: [], stopped: [], survivors: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return report;
  }
  const killed: ProcessLine[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const entry = readJsonLines(file)[0];
    if (!isRunEntry(entry)) {
      rmSync(file, { force: true });
      continue;
    }
    if (entry.bootId === bootId() && isSameProcess(entry.pid, entry.startTime, entry.bootId)) continue; // a run in progress
    const lines = entry.bootId === bootId() ? readJsonLines(entry.pidFile).filter(isProcessLine) : [];
    const alive = lines.filter((p) => isSameProcess(p.pid, p.startTime, entry.bootId));
    const run = path.dirname(entry.pidFile);
    if (alive.length > 0) {
      for (const p of alive) kill(p);
      killed.push(...alive);
      report.runs.push(run);
      report.stopped.push(...alive.map((p) => ({ name: p.name, pid: p.pid, run })));
      log(
        `stopped ${alive.length} process${alive.length === 1 ? '' : 'es'} left behind by the run in ${run} (its main process ${entry.pid} is gone): ` +
          alive.map((p) => `${p.name} (pid ${p.pid})`).join(', '),
      );
    }
    rmSync(file, { force: true });
  }
  const deadline = Date.now() + 2_000;
  let left = killed;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = left.filter((p) => processStartTime(p.pid) === p.startTime);
  }
  for (const p of left) log(`warning: ${p.name} (pid ${p.pid}) is still running after SIGKILL`);
  report.survivors = left.map((p) => ({ name: p.name, pid: p.pid }));
  return report;
}

/** The pid file of one run, and its entry in the directory of runs while it lasts. */
export class RunPidFile {
  readonly path: string;
  private readonly entryPath: string;
  private readonly unlisten: () => void;

  private constructor(outDir: string, dir: string, record: (e: RunEvent) => void) {
    this.path = path.join(outDir, PID_FILE);
    const startTime = processStartTime(process.pid) ?? 0;
    const run: RunLine = { kind: 'run', pid: process.pid, startTime, bootId: bootId(), outDir, atMs: Date.now() };
    writeFileSync(this.path, `${JSON.stringify(run)}\n`);
    mkdirSync(dir, { recursive: true });
    // One process may hold several runs (tests call runSim in turn, or side by side).
    this.entryPath = path.join(dir, `${process.pid}-${startTime}-${randomUUID().slice(0, 8)}.json`);
    const entry: RunEntry = { pidFile: this.path, pid: process.pid, startTime, bootId: run.bootId };
    writeFileSync(this.entryPath, `${JSON.stringify(entry)}\n`);
    this.unlisten = pidLedger.listen((p) => {
      const line: ProcessLine = { kind: 'process', ...p };
      appendFileSync(this.path, `${JSON.stringify(line)}\n`);
      record({ t: 'process', atMs: p.atMs, name: p.name, pid: p.pid, startTime: p.startTime });
    });
  }

  /** Stops predecessors' leftovers first (saying so through `log`), then starts this run's file. */
  static async open(outDir: string, record: (e: RunEvent) => void, log: (line: string) => void, dir: string = runsDir()): Promise<RunPidFile> {
    await stopLeftovers(dir, log);
    return new RunPidFile(outDir, dir, record);
  }

  /** The run stopped its own processes: it leaves nothing for a successor to find. */
  close(): void {
    this.unlisten();
    rmSync(this.entryPath, { force: true });
  }
}
