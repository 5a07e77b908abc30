/**
 * A forked process of the transport floor (its server or one client process) seen from the
 * parent: typed messages both ways, waits that end in a message, a timeout or the child's death,
 * and a stop that kills the child if it does not exit by itself. A child never outlives a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ErrorCodes, TwinlabError } from '../../sim/errors.js';
import { childEntry, type ChildEntry } from '../../sim/util/child-entry.js';

type Message = { type: string };
type Fatal = { type: 'fatal'; error: string };

/** How long a child may take to exit after `stop` before it is killed. */
const STOP_GRACE_MS = 5_000;

interface Waiter<Out> {
  match: (m: Out) => boolean;
  resolve: (m: Out) => void;
  reject: (e: Error) => void;
}

/** The child's entry file, run through tsx when this module itself runs as TypeScript. */
function entry(name: 'floor-server' | 'floor-client'): ChildEntry {
  return childEntry(import.meta.url, `./${name}`);
}

export class FloorChild<In extends Message, Out extends Message> {
  private readonly child: ChildProcess;
  private waiters: Array<Waiter<Out>> = [];
  /** Set once the child has died or reported a fatal error: every later wait fails with it. */
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(
    name: 'floor-server' | 'floor-client',
    /** Names the child in errors, e.g. "client process 1". */
    readonly label: string,
  ) {
    const e = entry(name);
    // execArgv is replaced, not inherited: the parent may run under a loader or a test runner.
    this.child = fork(e.path, [], { execArgv: e.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: Out | Fatal) => {
      if (m.type === 'fatal') {
        this.fail(new TwinlabError(ErrorCodes.ShardFailed, `${label} failed: ${(m as Fatal).error}`, { child: label }));
        return;
      }
      const i = this.waiters.findIndex((w) => w.match(m as Out));
      if (i < 0) return;
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(m as Out);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.fail(new TwinlabError(ErrorCodes.ShardFailed, `${label} exited (code ${code ?? 'null'}, signal ${signal ?? 'none'})`, { child: label }));
        resolve();
      }),
    );
  }

  send(m: In): void {
    if (this.failure) throw this.failure;
    this.child.send(m);
  }

  /** The next message that `match` accepts, within `timeoutMs`. */
  next<T extends Out>(match: (m: Out) => m is T, timeoutMs: number, what: string): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<Out> = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new TwinlabError(ErrorCodes.ShardFailed, `${this.label}: no ${what} after ${Math.round(timeoutMs / 1000)} s`, { child: this.label }));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Ask the child to stop; kill it if it has not exited within STOP_GRACE_MS. */
  async stop(stopMessage: In): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      try {
        this.child.send(stopMessage);
      } catch {
        this.child.kill('SIGKILL');
      }
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** For SIGINT: no goodbye. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(this.failure);
  }
}
