/**
 * One control-plane child process: started in its own process group (so everything it forks is
 * stopped with it), its output appended to `<logsDir>/<name>.log`, and registered with the exit
 * reaper so it cannot outlive this process on a normal exit, SIGINT or SIGTERM. Started through
 * the supervisor (controlplane/supervise/) when there is one, so that a SIGKILL of this process,
 * which runs no handler, still takes it down; and announced to the pid ledger for the run's pid file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { pidLedger } from '../../util/pid-ledger.js';
import { reaper } from './exit-reaper.js';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisedProcessOptions {
  name: string;
  command: string;
  args: string[];
  logsDir: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The supervisor binary: it sets a parent-death signal (SIGKILL) and execs `command` in place,
   * so the pid is the command's. Without it the process outlives a SIGKILL of this one.
   */
  supervisor?: string;
}

export class SupervisedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ProcessExit>;
  private exitInfo: ProcessExit | null = null;
  private readonly child: ChildProcess;

  private constructor(name: string, child: ChildProcess, logPath: string) {
    this.name = name;
    this.child = child;
    this.logPath = logPath;
    if (child.pid === undefined) throw new Error(`${name}: spawn returned no pid`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        reaper.forget(this.pid);
        resolve(this.exitInfo);
      });
    });
  }

  static start(opts: SupervisedProcessOptions): Promise<SupervisedProcess> {
    mkdirSync(opts.logsDir, { recursive: true });
    const logPath = join(opts.logsDir, `${opts.name}.log`);
    const fd = openSync(logPath, 'a');
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        const [file, args] = opts.supervisor ? [opts.supervisor, [String(process.pid), opts.command, ...opts.args]] : [opts.command, opts.args];
        child = spawn(file, args, {
          cwd: opts.cwd,
          env: opts.env ?? process.env,
          stdio: ['ignore', fd, fd],
          detached: true,
        });
      } catch (err) {
        closeSync(fd);
        reject(err);
        return;
      }
      let fdOpen = true;
      const closeLog = (): void => {
        if (fdOpen) closeSync(fd);
        fdOpen = false;
      };
      let spawned = false;
      // Kept for the child's whole life: an 'error' event without a listener would crash this process.
      child.on('error', (err) => {
        closeLog();
        if (!spawned) reject(err);
      });
      child.once('spawn', () => {
        spawned = true;
        closeLog();
        // Detached children would keep the event loop alive; the reaper owns their lifetime instead.
        child.unref();
        const proc = new SupervisedProcess(opts.name, child, logPath);
        reaper.track(proc.pid);
        pidLedger.started(opts.name, proc.pid, { group: true });
        resolve(proc);
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  get exitStatus(): ProcessExit | null {
    return this.exitInfo;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`. Resolves once the leader has exited. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    if (this.exitInfo) {
      killGroup(this.pid, 'SIGKILL'); // anything the leader left behind
      return this.exitInfo;
    }
    killGroup(this.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    killGroup(this.pid, 'SIGKILL');
    return first === 'timeout' ? this.exited : first;
  }

  /** The last `bytes` of the log, cut to whole lines. */
  logTail(bytes = 4_000): string {
    return readTail(this.logPath, bytes);
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function readTail(path: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}
