/**
 * How many processes a fleet needs so that none of them runs out of files: every node costs its
 * shard one socket and the loopback peer one socket, on top of what each process opens for itself.
 * A fleet that does not fit is spread over more processes, or refused before anything starts.
 */
import { ErrorCodes, TwinlabError } from '../errors.js';
import type { OpenFilesLimit } from './open-files-limit.js';

/** What one process of a kind opens: its own files, plus so many per node it hosts. */
export interface OpenFilesCost {
  /** `shard`, `loopback peer process`. */
  what: string;
  /** `shards`, `loopback peer processes`. */
  plural: string;
  /** Files the process holds whatever its node count. */
  fixed: number;
  /** Where `fixed` comes from, for the refusal message. */
  fixedParts: string;
  perNode: number;
  /**
   * Extra share per node: a node's closing socket can still be open when its next dial opens
   * (a reconnect, a replaced session), so a process holding N nodes briefly holds a little more.
   */
  churn: number;
}

/**
 * A shard: Node's own (stdio, the IPC channel, epoll, libuv's pipes and the loader: 48 counted
 * generously), the meta store and the certificate cache (SQLite: file, WAL, shared memory each),
 * the certificate server's agent (16 sockets) and the CA fetch, and 64 to spare.
 */
export const SHARD_OPEN_FILES: OpenFilesCost = {
  what: 'shard',
  plural: 'shards',
  fixed: 48 + 6 + 17 + 64,
  fixedParts: "48 for Node itself, 6 for the meta store and certificate cache, 17 for certificate dials, 64 to spare",
  perNode: 1,
  churn: 0.02,
};

/** A loopback peer process: Node's own, its listening socket, and 64 to spare. */
export const PEER_OPEN_FILES: OpenFilesCost = {
  what: 'loopback peer process',
  plural: 'loopback peer processes',
  fixed: 48 + 1 + 64,
  fixedParts: '48 for Node itself, 1 listening socket, 64 to spare',
  perNode: 1,
  churn: 0.02,
};

/** More processes than this is a plan for a different machine, not a run. */
export const MAX_PROCESSES = 256;

export interface ProcessPlanRequest {
  cost: OpenFilesCost;
  nodes: number;
  /** Processes asked for (--shards, or one peer process). */
  requested: number;
  /** The user chose `requested` (a flag): then too few is an error, not something to correct. */
  explicit: boolean;
  /** The flag that sets `requested`, named in the error (`--shards`). */
  flag?: string;
  limit: OpenFilesLimit;
  /** Another per-process cap below the file budget (e.g. the ephemeral ports to one listening port). */
  cap?: { nodes: number; why: string };
}

export interface ProcessPlan {
  processes: number;
  /** Nodes one process can hold within its limit. */
  capacity: number;
  /** Nodes the fullest process will hold. */
  perProcess: number;
  /** Files the fullest process will need at most. */
  filesPerProcess: number;
  /** More processes than requested, because the requested ones would not fit. */
  spread: boolean;
  limit: OpenFilesLimit;
}

const n = (v: number): string => v.toLocaleString('en-US');

/** Files a process of this kind needs for `nodes` nodes. */
export function filesNeeded(cost: OpenFilesCost, nodes: number): number {
  return cost.fixed + Math.ceil(nodes * cost.perNode * (1 + cost.churn));
}

/** Nodes one process of this kind can hold under `softLimit` files. */
export function nodesWithin(cost: OpenFilesCost, softLimit: number): number {
  const room = softLimit - cost.fixed;
  if (room <= 0) return 0;
  let nodes = Math.floor(room / (cost.perNode * (1 + cost.churn)));
  while (nodes > 0 && filesNeeded(cost, nodes) > softLimit) nodes--;
  return nodes;
}

function raiseHint(limit: OpenFilesLimit): string {
  return limit.soft < limit.hard
    ? `raise the soft limit before the run (\`ulimit -n ${n(limit.hard)}\`, the hard limit)`
    : `raise the hard limit (${n(limit.hard)}; as root, or in /etc/security/limits.conf or the service's LimitNOFILE)`;
}

/** Plan the processes of one kind for `nodes` nodes, or throw TWL_OPEN_FILES_LIMIT saying why and what to do. */
export function planProcesses(r: ProcessPlanRequest): ProcessPlan {
  const { cost, nodes, limit } = r;
  const byFiles = nodesWithin(cost, limit.soft);
  if (byFiles < 1) {
    throw new TwinlabError(
      ErrorCodes.OpenFilesLimit,
      `the open-files limit (${n(limit.soft)}, from ${limit.source}) leaves no room for a node in a ${cost.what}: ` +
        `it needs ${n(cost.fixed)} files of its own (${cost.fixedParts}) plus ${cost.perNode} per node. ${capitalise(raiseHint(limit))}.`,
      { what: cost.what, softLimit: limit.soft, hardLimit: limit.hard, fixedFiles: cost.fixed },
    );
  }
  const capacity = r.cap ? Math.min(byFiles, r.cap.nodes) : byFiles;
  const needed = Math.max(1, Math.ceil(nodes / capacity));
  const wanted = Math.max(1, Math.min(r.requested, nodes));
  const why = r.cap && r.cap.nodes < byFiles ? r.cap.why : `${n(capacity)} nodes fit in its open-files limit of ${n(limit.soft)} (${cost.perNode} per node plus ${n(cost.fixed)} of its own and ${Math.round(cost.churn * 100)} % for reconnects)`;
  if (r.explicit && wanted < needed) {
    throw new TwinlabError(
      ErrorCodes.OpenFilesLimit,
      `${r.flag ?? 'the requested'} ${n(r.requested)} cannot hold ${n(nodes)} nodes: in one ${cost.what} ${why}, ` +
        `so ${n(nodes)} nodes need at least ${n(needed)}. Leave out ${r.flag ?? 'the process count'} to let twinlab spread the fleet, ` +
        `pass ${r.flag ?? ''} ${n(needed)}, or ${raiseHint(limit)}.`.replace(/ {2}/g, ' '),
      { what: cost.what, nodes, requested: r.requested, needed, capacity, softLimit: limit.soft, hardLimit: limit.hard },
    );
  }
  const processes = Math.max(wanted, needed);
  if (processes > MAX_PROCESSES) {
    throw new TwinlabError(
      ErrorCodes.OpenFilesLimit,
      `${n(nodes)} nodes would need ${n(processes)} ${cost.plural} (in one ${cost.what} ${why}); twinlab starts at most ${MAX_PROCESSES}. ` +
        `Run fewer nodes or ${raiseHint(limit)}.`,
      { what: cost.what, nodes, needed: processes, capacity, softLimit: limit.soft, hardLimit: limit.hard },
    );
  }
  const perProcess = Math.ceil(nodes / processes);
  return { processes, capacity, perProcess, filesPerProcess: filesNeeded(cost, perProcess), spread: processes > wanted, limit };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
