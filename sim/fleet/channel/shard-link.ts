/**
 * The controller's hold on one shard: a process it forked (IPC) or a shard that dialled the
 * network control channel. The shard pool sends and receives the same messages through either.
 */
import type { ChildProcess } from 'node:child_process';
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';
import type { RemoteShard } from './control-server.js';

export interface ShardLink {
  /** The shard's process id when it runs on this machine. */
  readonly pid: number | undefined;
  /** Where it runs, for messages: `pid 1234`, or the pod's host name. */
  readonly where: string;
  /** The process exited, or the channel closed. */
  readonly gone: boolean;
  send(message: ControllerToShard): void;
  onMessage(handler: (message: ShardToController) => void): void;
  /** Once, when the process exits (its code) or the channel closes (null). */
  onGone(handler: (code: number | null) => void): void;
  /** End it at once: SIGKILL for a process; for a remote shard, drop the channel (it then stops itself). */
  kill(): Promise<void>;
}

export function forkedShardLink(child: ChildProcess): ShardLink {
  return {
    get pid() {
      return child.pid;
    },
    where: `pid ${child.pid ?? '?'}`,
    get gone() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    send(message) {
      if (child.connected) child.send(message);
    },
    onMessage(handler) {
      child.on('message', (m) => handler(m as ShardToController));
    },
    onGone(handler) {
      child.once('exit', (code) => handler(code));
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

export function remoteShardLink(shard: RemoteShard): ShardLink {
  return {
    pid: undefined,
    where: shard.host,
    get gone() {
      return !shard.isOpen;
    },
    send(message) {
      shard.send(message);
    },
    onMessage(handler) {
      shard.on('message', handler);
    },
    onGone(handler) {
      shard.once('close', () => handler(null));
    },
    kill: () =>
      new Promise<void>((resolve) => {
        if (!shard.isOpen) return resolve();
        shard.once('close', () => resolve());
        shard.terminate();
      }),
  };
}
