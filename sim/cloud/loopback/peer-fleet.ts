/**
 * The loopback peer spread over several processes when one cannot hold every node's socket within
 * its open-files limit. Each process listens on its own port and holds only its own sessions; a
 * node always dials the same one (hubSpreadIndex), so its session, its objects and its ACK lane
 * stay together across reconnects. This handle looks like one peer: a command for a node goes to
 * the process that holds it, cluster-wide objects go to all, and stats are summed.
 *
 * One port per process rather than one shared listening socket: the kernel hands a shared socket's
 * connections to whichever process accepts first, so a reconnecting node could land where none of
 * its state is; and one port cannot take more connections from 127.0.0.1 than there are ephemeral
 * ports (net.ipv4.ip_local_port_range, 28,232 by default).
 */
import type { PeerEvents } from './loopback-peer.js';
import type { PeerCommand, PeerCommandResults, PeerEventName } from './peer-ipc.js';
import { startPeerProcess, type PeerProcessHandle, type PeerProcessOptions } from './peer-process.js';
import { sumPeerStats, type PeerStats } from './peer-stats.js';
import { hubSpreadIndex } from '../../util/hub-spread.js';

export interface PeerFleetHandle extends PeerProcessHandle {
  /** One URL per process, in process order; node N dials `hubUrls[hubSpreadIndex(N, hubUrls.length)]`. */
  readonly hubUrls: readonly string[];
  readonly pids: readonly number[];
  /** Each process's own stats, in process order (memory per process). */
  statsEach(): Promise<PeerStats[]>;
}

export interface PeerFleetOptions extends PeerProcessOptions {
  /** Peer processes; 1 is the single peer process as before. */
  processes: number;
}

/** Objects that live on one process: found by namespace/name after they were created there. */
type Placed = Map<string, number>;

export async function startPeerFleet(opts: PeerFleetOptions): Promise<PeerFleetHandle> {
  const { processes, ...one } = opts;
  const count = Math.max(1, processes);
  if (count > 1 && one.hubPort !== undefined && one.hubPort !== 0) {
    throw new Error(`a loopback peer over ${count} processes listens on ${count} free ports; hubPort ${one.hubPort} cannot be honoured`);
  }
  const started = await Promise.allSettled(Array.from({ length: count }, () => startPeerProcess(one)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const peers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await Promise.allSettled(peers.map((p) => p.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  const first = peers[0]!;
  const pods: Placed = new Map();
  const devices: Placed = new Map();

  /** Ask every process; the answer is the first that is not null (the object lives on one). */
  const anyOf = async <C extends PeerCommand>(command: C, placed: Placed, key: string): Promise<PeerCommandResults[C['kind']]> => {
    const at = placed.get(key);
    if (at !== undefined) return peers[at]!.command(command);
    const all = await Promise.all(peers.map((p) => p.command(command)));
    return (all.find((r) => r !== null && r !== false) ?? all[0]) as PeerCommandResults[C['kind']];
  };

  const run = async (c: PeerCommand): Promise<unknown> => {
    switch (c.kind) {
      case 'createPod': {
        const at = hubSpreadIndex(c.node, peers.length);
        const r = await peers[at]!.command(c);
        pods.set(`${c.pod.metadata.namespace ?? 'default'}/${c.pod.metadata.name}`, at);
        return r;
      }
      case 'updatePod':
      case 'deletePod':
        return anyOf(c, pods, `${c.namespace}/${c.name}`);
      case 'createDevice': {
        const spec = c.device.spec;
        const meta = c.device.metadata;
        const node = typeof spec === 'object' && spec !== null && 'nodeName' in spec ? String(spec.nodeName) : '';
        const at = hubSpreadIndex(node, peers.length);
        const r = await peers[at]!.command(c);
        if (typeof meta === 'object' && meta !== null && 'name' in meta) {
          const ns = 'namespace' in meta && typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
          devices.set(`${ns}/${String(meta.name)}`, at);
        }
        return r;
      }
      case 'setDesired':
      case 'deleteDevice':
      case 'deviceStatus':
        return anyOf(c, devices, `${c.namespace}/${c.name}`);
      case 'upsertConfigMap':
      case 'upsertSecret': {
        // Pods on every process may reference it: each process keeps its own copy.
        const all = await Promise.all(peers.map((p) => p.command(c)));
        return all[0];
      }
      case 'deleteConfigMap':
      case 'deleteSecret': {
        const all = await Promise.all(peers.map((p) => p.command(c)));
        return all.some(Boolean);
      }
      case 'nodes': {
        const all = await Promise.all(peers.map((p) => p.command(c)));
        return all.flat();
      }
      case 'reconcileNow':
        await Promise.all(peers.map((p) => p.command(c)));
        return null;
    }
  };

  const statsEach = (): Promise<PeerStats[]> => Promise.all(peers.map((p) => p.stats()));
  return {
    hubUrl: first.hubUrl,
    hubPort: first.hubPort,
    pid: first.pid,
    hubUrls: peers.map((p) => p.hubUrl),
    pids: peers.map((p) => p.pid),
    statsEach,
    stats: async () => (peers.length === 1 ? first.stats() : sumPeerStats(await statsEach())),
    command: <C extends PeerCommand>(command: C) =>
      (peers.length === 1 ? first.command(command) : run(command)) as Promise<PeerCommandResults[C['kind']]>,
    onEvent: <N extends PeerEventName>(name: N, listener: (payload: PeerEvents[N][0]) => void) => {
      for (const p of peers) p.onEvent(name, listener);
    },
    stop: async () => {
      await Promise.allSettled(peers.map((p) => p.stop()));
    },
  };
}
