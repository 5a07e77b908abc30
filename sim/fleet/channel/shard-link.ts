/**
 * The controller's hold on one shard: a process it forked (IPC), or a shard that dialled the
 * network control channel (a pod, or a process started the way a pod starts it). The shard pool
 * sends and receives the same messages through either.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';
import type { RemoteShard } from './control-server.js';

interface ShardLinkEvents {
  message: [ShardToController];
  /** The process exited (its code), or the channel closed (null). Once. */
  gone: [number | null];
}

export abstract class ShardLink extends EventEmitter<ShardLinkEvents> {
  /** The shard's process id when it runs on this machine. */
  abstract readonly pid: number | undefined;
  /** Where it runs, for messages: `pid 1234`, or the pod's host name. */
  abstract readonly where: string;
  /** The process exited, or the channel closed. */
  abstract readonly gone: boolean;
  abstract send(message: ControllerToShard): void;
  /** End it now, as a crash: SIGKILL for a process; a remote shard is told to kill itself, and the channel is dropped. */
  abstract kill(): Promise<void>;
}

export class ForkedShardLink extends ShardLink {
  constructor(private readonly child: ChildProcess) {
    super();
    child.on('message', (m) => this.emit('message', m as ShardToController));
    child.once('exit', (code) => this.emit('gone', code));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get where(): string {
    return `pid ${this.child.pid ?? '?'}`;
  }

  get gone(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  send(message: ControllerToShard): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.gone) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/** How long a remote shard gets to kill itself before the channel is dropped under it. */
const REMOTE_CRASH_WAIT_MS = 5_000;

export class RemoteShardLink extends ShardLink {
  readonly pid = undefined;

  constructor(private readonly shard: RemoteShard) {
    super();
    shard.on('message', (m) => this.emit('message', m));
    // A shard that closed its channel itself after stopping left as a process exiting 0 does.
    shard.once('close', (_reason, clean) => this.emit('gone', clean ? 0 : null));
  }

  get where(): string {
    return this.shard.host;
  }

  get gone(): boolean {
    return !this.shard.isOpen;
  }

  send(message: ControllerToShard): void {
    this.shard.send(message);
  }

  kill(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.gone) return resolve();
      this.shard.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      const timer = setTimeout(() => this.shard.terminate(), REMOTE_CRASH_WAIT_MS);
      this.shard.send({ type: 'crash' });
    });
  }
}
