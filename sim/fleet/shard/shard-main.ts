/**
 * Entry of a shard process forked by the fleet controller: receives its config over IPC,
 * runs a Shard, streams snapshots and events back, and stops on request, on SIGINT/SIGTERM or
 * when the controller goes away.
 */
import { isTwinlabError } from '../../errors.js';
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';
import { Shard } from './shard.js';

function send(message: ShardToController): void {
  if (process.connected) process.send?.(message);
}

/** How long an orphaned shard may spend closing its links and meta store before it just exits. */
const ORPHAN_EXIT_MS = 3_000;

let shard: Shard | undefined;
let stopping = false;

async function stop(graceful: boolean): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (shard) {
    const { snapshot, unanswered } = await shard.stop(graceful);
    send({ type: 'stopped', snapshot, unanswered });
  }
  // Let the IPC channel drain before leaving.
  setTimeout(() => process.exit(0), 50);
}

process.on('message', (raw: ControllerToShard) => {
  if (raw.type === 'start') {
    Shard.open(raw.config, {
      snapshot: (snapshot) => send({ type: 'snapshot', snapshot }),
      events: (events) => send({ type: 'events', index: raw.config.index, events }),
    }).then(
      (s) => {
        shard = s;
        send({ type: 'ready', index: raw.config.index, caHash: s.caHash.slice(0, 16) });
        s.start();
      },
      (error: unknown) => {
        const code = isTwinlabError(error) ? error.code : 'TWL_SHARD_FAILED';
        send({ type: 'fatal', index: raw.config.index, code, message: error instanceof Error ? error.message : String(error) });
        setTimeout(() => process.exit(1), 50);
      },
    );
  } else if (raw.type === 'stop') {
    void stop(raw.graceful);
  } else if (raw.type === 'inventory') {
    if (shard) send({ type: 'inventory', id: raw.id, index: shard.config.index, pods: shard.inventory() });
  } else if (raw.type === 'set-reconnect-jitter') {
    shard?.setReconnectJitter(raw.ms);
  } else if (raw.type === 'fault-apply' || raw.type === 'fault-heal') {
    // The shard validates the spec and selector (they are plain JSON from another process).
    send(shard ? shard.fault(raw) : { type: 'fault-failed', index: -1, id: raw.id, code: 'TWL_SHARD_FAILED', message: 'the shard has not started' });
  }
});

// The controller handles SIGINT for the whole fleet; a shard only stops when told, or when orphaned.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stop(false));
// The controller is gone (it exited, or was killed with SIGKILL and ran no handler): nobody will
// read a snapshot again, so stop, and leave within ORPHAN_EXIT_MS whatever the stop is waiting on.
process.on('disconnect', () => {
  setTimeout(() => process.exit(0), ORPHAN_EXIT_MS);
  void stop(false);
});
