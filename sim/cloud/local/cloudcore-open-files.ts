/**
 * cloudcore is one process holding one socket per connected node, so its own open-files limit caps
 * the fleet it can serve whatever twinlab does. Read from /proc/<pid>/limits once it runs, so a run
 * that will hit it says so before the nodes pile up against it.
 */
import { readOpenFilesLimit, type OpenFilesLimit } from '../../util/open-files-limit.js';

/** Files cloudcore opens besides its nodes' sockets (listeners, etcd/API clients, logs), counted generously. */
export const CLOUDCORE_OWN_FILES = 200;

export interface CloudcoreOpenFilesWarning {
  code: 'cloudcore-open-files';
  message: string;
  limit: OpenFilesLimit;
  nodes: number;
  /** Nodes cloudcore can hold within its soft limit. */
  fits: number;
}

/** A warning when `nodes` sockets plus cloudcore's own files exceed its soft limit; undefined when they fit or the limit is unreadable. */
export function cloudcoreOpenFilesWarning(nodes: number, limit: OpenFilesLimit | undefined): CloudcoreOpenFilesWarning | undefined {
  if (!limit || nodes + CLOUDCORE_OWN_FILES <= limit.soft) return undefined;
  const fits = Math.max(0, limit.soft - CLOUDCORE_OWN_FILES);
  const n = (v: number): string => v.toLocaleString('en-US');
  const raise = limit.soft < limit.hard ? `raise the soft limit (\`ulimit -n ${n(limit.hard)}\`) before the run` : `raise the hard limit (${n(limit.hard)}) as root or in the service's LimitNOFILE`;
  return {
    code: 'cloudcore-open-files',
    message:
      `cloudcore's open-files limit is ${n(limit.soft)} (${limit.source}) and it is one process: with one socket per node and about ${CLOUDCORE_OWN_FILES} files of its own, ` +
      `about ${n(fits)} of the ${n(nodes)} nodes can connect; the rest will fail to dial. Run at most ${n(fits)} nodes or ${raise}.`,
    limit,
    nodes,
    fits,
  };
}

/** The check on a running cloudcore. */
export function checkCloudcoreOpenFiles(pid: number, nodes: number): CloudcoreOpenFilesWarning | undefined {
  return cloudcoreOpenFilesWarning(nodes, readOpenFilesLimit(pid));
}
