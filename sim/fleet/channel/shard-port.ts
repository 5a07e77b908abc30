/**
 * The one line a shard talks to its controller over: the IPC channel of a forked process, or the
 * network control channel of a shard in a pod (control-client.ts). The shard's side of both is the
 * same code (shard-service.ts); only the port differs.
 */
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';

export interface ShardPort {
  /** Send one message; dropped when the controller is gone (nobody would read it). */
  send(message: ShardToController): void;
  /** The controller's messages, in order. */
  onMessage(handler: (message: ControllerToShard) => void): void;
  /** The controller went away (it exited, was killed, or the network channel closed). Called once. */
  onDisconnect(handler: () => void): void;
  /** Let what was sent drain, then release the port. */
  close(): Promise<void>;
}

/** The IPC channel of a process forked by the fleet controller. */
export function ipcPort(proc: NodeJS.Process = process): ShardPort {
  return {
    send(message) {
      if (proc.connected) proc.send?.(message);
    },
    onMessage(handler) {
      proc.on('message', (raw) => handler(raw as ControllerToShard));
    },
    onDisconnect(handler) {
      proc.once('disconnect', handler);
    },
    // Let the IPC channel drain before the process leaves.
    close: () => new Promise((resolve) => setTimeout(resolve, 50)),
  };
}
