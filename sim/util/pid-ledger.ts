/**
 * Every process a run starts (control-plane components, shards, the loopback peer) is announced
 * here right after it is spawned, with the identity the pid file needs. Whoever keeps the run's
 * pid file listens; the modules that start processes need not know where the run writes.
 */
import { processStartTime } from './proc-stat.js';

export interface StartedProcess {
  /** What it is: `etcd`, `cloudcore`, `shard-0`, `loopback-peer`, … */
  name: string;
  pid: number;
  /** /proc/PID/stat field 22: tells this process from a later one that reuses its pid. */
  startTime: number;
  /** Started in its own process group (pgid = pid): stopping it stops the group. */
  group: boolean;
  atMs: number;
}

type Listener = (p: StartedProcess) => void;

class PidLedger {
  private readonly listeners = new Set<Listener>();

  /** Called by whoever spawned `pid`. A process already gone has nothing to record. */
  started(name: string, pid: number | undefined, opts: { group?: boolean } = {}): void {
    if (pid === undefined || this.listeners.size === 0) return;
    const startTime = processStartTime(pid);
    if (startTime === null) return;
    const p: StartedProcess = { name, pid, startTime, group: opts.group ?? false, atMs: Date.now() };
    for (const l of this.listeners) l(p);
  }

  /** Returns the function that stops listening. */
  listen(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

export const pidLedger = new PidLedger();
