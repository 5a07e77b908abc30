/**
 * Where a fleet's shards come from: processes the controller forks on this machine, or shards that
 * dial its network control channel (pods of a StatefulSet or an Indexed Job, or processes started
 * the way a pod starts them). The shard pool is the same over both.
 */
import { fork } from 'node:child_process';
import { childEntry, type ChildEntry } from '../../util/child-entry.js';
import { pidLedger } from '../../util/pid-ledger.js';
import type { ControlServer } from '../channel/control-server.js';
import { ForkedShardLink, RemoteShardLink, type ShardLink } from '../channel/shard-link.js';

export interface ShardLauncher {
  /** `local`: forked here; `remote`: dialled in over the control channel. */
  readonly kind: 'local' | 'remote';
  /** One link per shard, index i hosting `nodesPerShard[i]` nodes. */
  launchAll(nodesPerShard: readonly number[], timeoutMs: number): Promise<ShardLink[]>;
  /** Shard `index` again after it was killed: forked anew, or the same index dialling in again. */
  relaunch(index: number, nodes: number, timeoutMs: number): Promise<ShardLink>;
}

function shardEntry(): ChildEntry {
  return childEntry(import.meta.url, '../shard/shard-main');
}

/**
 * glibc serves allocations ≥ 16 KiB from their own mappings, so the 16 KiB TLS buffers a connection
 * frees go back to the kernel (bench/README.md: 3–8 KB less RSS per node, lower event-loop lag).
 * Each costs a mapping; a shard above ~15k nodes would approach vm.max_map_count (65,530), so
 * large shards keep glibc's default. A value already in the environment wins.
 */
const MMAP_SHARD_NODE_LIMIT = 15_000;

export function shardEnv(nodeCount: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined || nodeCount > MMAP_SHARD_NODE_LIMIT) return env;
  return { ...env, MALLOC_MMAP_THRESHOLD_: '16384' };
}

/** Fork shard processes on this machine, with these extra Node flags. */
export function forkLauncher(execArgv: readonly string[] = []): ShardLauncher {
  const launch = (index: number, nodes: number): ShardLink => {
    const entry = shardEntry();
    const child = fork(entry.path, [], { execArgv: [...entry.execArgv, ...execArgv], env: shardEnv(nodes), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    pidLedger.started(`shard-${index}`, child.pid);
    return new ForkedShardLink(child);
  };
  return {
    kind: 'local',
    launchAll: (nodesPerShard) => Promise.resolve(nodesPerShard.map((nodes, index) => launch(index, nodes))),
    relaunch: (index, nodes) => Promise.resolve(launch(index, nodes)),
  };
}

/** Take the shards that dial the control channel: shard i is the one whose hello names index i. */
export function remoteLauncher(control: ControlServer): ShardLauncher {
  return {
    kind: 'remote',
    launchAll: async (_nodesPerShard, timeoutMs) => (await control.waitForShards(timeoutMs)).map((s) => new RemoteShardLink(s)),
    relaunch: async (index, _nodes, timeoutMs) => new RemoteShardLink(await control.nextShard(index, timeoutMs)),
  };
}
