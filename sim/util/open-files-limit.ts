/**
 * A process's open-files limit (RLIMIT_NOFILE), read from /proc/<pid>/limits because Node has no
 * getrlimit. Every socket costs one file, so this limit, not the core count, caps how many nodes
 * one process can hold.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface OpenFilesLimit {
  /** The limit in force (what `ulimit -n` shows); children inherit it. */
  soft: number;
  /** The ceiling an unprivileged process may raise its soft limit to. */
  hard: number;
  /** Where the numbers came from: `/proc/self/limits`, `/proc/1234/limits` or the test override. */
  source: string;
}

/** For tests: plan every process as if its limit were this many files. */
export const OPEN_FILES_LIMIT_ENV = 'TWINLAB_OPEN_FILES_LIMIT';

/** "unlimited" as the kernel writes it; RLIM_INFINITY is never the real ceiling (fs.nr_open is). */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** The `Max open files` line of a /proc/<pid>/limits text; undefined when it has none. */
export function parseOpenFilesLimit(text: string, source: string): OpenFilesLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)\s+files/m.exec(text);
  if (!m) return undefined;
  const num = (v: string): number => (v === 'unlimited' ? UNLIMITED : Number(v));
  return { soft: num(m[1]!), hard: num(m[2]!), source };
}

/** The limit of `pid` (this process by default); undefined off Linux or when the process is gone. */
export function readOpenFilesLimit(pid: number | 'self' = 'self'): OpenFilesLimit | undefined {
  const file = `/proc/${pid}/limits`;
  try {
    return parseOpenFilesLimit(readFileSync(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}

/**
 * The limit a forked child will have (it inherits ours), or the test override. Without /proc the
 * planner falls back to Linux's usual default, 1024, rather than assuming no limit.
 */
export function childOpenFilesLimit(env: NodeJS.ProcessEnv = process.env): OpenFilesLimit {
  const forced = env[OPEN_FILES_LIMIT_ENV];
  if (forced !== undefined && forced !== '') {
    const n = Number(forced);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${OPEN_FILES_LIMIT_ENV}=${forced}: expected a positive integer`);
    return { soft: n, hard: n, source: OPEN_FILES_LIMIT_ENV };
  }
  return readOpenFilesLimit() ?? { soft: 1024, hard: 1024, source: 'default (no /proc/self/limits)' };
}

/** Files `pid` holds open now (entries of /proc/<pid>/fd); undefined when unreadable. */
export function openFileCount(pid: number | 'self' = 'self'): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/**
 * The ephemeral port range (net.ipv4.ip_local_port_range): connections from one source address
 * to one listening port cannot outnumber it, whatever the open-files limit.
 */
export function ephemeralPortCount(): number | undefined {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi) ? hi - lo + 1 : undefined;
  } catch {
    return undefined;
  }
}
