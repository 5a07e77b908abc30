/**
 * A shard under a controller: receives its config, runs a Shard, streams snapshots and events back,
 * answers inventory and fault commands, and stops on request or when the controller goes away.
 * The same code serves a forked shard (IPC) and a shard in a pod (the network control channel).
 */
import { isTwinlabError } from '../../errors.js';
import type { ShardPort } from '../channel/shard-port.js';
import { Shard } from './shard.js';

/** How long an orphaned shard may spend closing its links and meta store before it just exits. */
const ORPHAN_EXIT_MS = 3_000;

export interface ShardService {
  /** Stop the shard (graceful: nodes close their links first), report `stopped`, and leave. */
  stop(graceful: boolean): Promise<void>;
}

/** `exit` ends the process (tests pass their own). */
export function serveShard(port: ShardPort, leave: (code: number) => void = (code) => process.exit(code)): ShardService {
  let shard: Shard | undefined;
  let left = false;
  const exit = (code: number): void => {
    if (left) return;
    left = true;
    leave(code);
  };
  let stopping = false;

  const stop = async (graceful: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (shard) {
      const { snapshot, unanswered } = await shard.stop(graceful);
      port.send({ type: 'stopped', snapshot, unanswered });
    }
    await port.close();
    exit(0);
  };

  port.onMessage((raw) => {
    if (raw.type === 'start') {
      Shard.open(raw.config, {
        snapshot: (snapshot) => port.send({ type: 'snapshot', snapshot }),
        events: (events) => port.send({ type: 'events', index: raw.config.index, events }),
      }).then(
        (s) => {
          shard = s;
          port.send({ type: 'ready', index: raw.config.index, caHash: s.caHash.slice(0, 16) });
          s.start();
        },
        (error: unknown) => {
          const code = isTwinlabError(error) ? error.code : 'TWL_SHARD_FAILED';
          port.send({ type: 'fatal', index: raw.config.index, code, message: error instanceof Error ? error.message : String(error) });
          void port.close().then(() => exit(1));
        },
      );
    } else if (raw.type === 'stop') {
      void stop(raw.graceful);
    } else if (raw.type === 'inventory') {
      if (shard) port.send({ type: 'inventory', id: raw.id, index: shard.config.index, pods: shard.inventory() });
    } else if (raw.type === 'set-reconnect-jitter') {
      shard?.setReconnectJitter(raw.ms);
    } else if (raw.type === 'crash') {
      // The same end as a SIGKILL from a controller on this machine; in a pod, Kubernetes starts it again.
      process.kill(process.pid, 'SIGKILL');
    } else if (raw.type === 'fault-apply' || raw.type === 'fault-heal') {
      // The shard validates the spec and selector (they are plain JSON from another process).
      port.send(shard ? shard.fault(raw) : { type: 'fault-failed', index: -1, id: raw.id, code: 'TWL_SHARD_FAILED', message: 'the shard has not started' });
    }
  });

  // The controller is gone (it exited, was killed with SIGKILL and ran no handler, or the network
  // dropped): nobody will read a snapshot again, so stop, and leave within ORPHAN_EXIT_MS whatever
  // the stop is waiting on.
  port.onDisconnect(() => {
    setTimeout(() => exit(0), ORPHAN_EXIT_MS);
    void stop(false);
  });
  return { stop };
}
