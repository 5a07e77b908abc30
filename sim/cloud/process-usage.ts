/**
 * CPU seconds and resident memory of the control-plane processes (etcd, kube-apiserver,
 * cloudcore, …) read from /proc, each counted with its whole process group — the local provider
 * starts every component as a group leader, so what a component forks is charged to it. One timer
 * for all processes; Linux only (elsewhere every sample says `alive: false`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { UsageMeter } from './control-plane.js';

export interface TrackedProcess {
  name: string;
  pid: number;
}

export interface ProcessUsage {
  name: string;
  pid: number;
  atMs: number;
  /** False when the leader is gone (its group's last numbers are kept by `peak`, not here). */
  alive: boolean;
  /** utime + stime of the live group members, plus the leader's reaped children (cutime + cstime). */
  cpuSeconds: number;
  /** Sum of the members' resident sets (shared pages counted once per process). */
  rssBytes: number;
  /** Processes in the group. */
  processes: number;
}

export type UsageSnapshot = Record<string, ProcessUsage>;

export interface PeakUsage {
  rssBytes: number;
  /** Highest CPU rate between two consecutive samples, in cores. */
  cpuCores: number;
}

export interface ProcessUsageOptions {
  /** Interval of the one sampling timer. Default 1000 ms. */
  intervalMs?: number;
  /** Where /proc is (tests point it at a fixture tree). */
  procRoot?: string;
  /** Clock ticks per second; default `getconf CLK_TCK`, or 100 if that fails. */
  clockTicks?: number;
  /** Page size in bytes; default `getconf PAGESIZE`, or 4096. */
  pageSize?: number;
  /** Count each tracked process with its process group (default) or alone: the run's own processes share one group. */
  groups?: boolean;
}

interface StatLine {
  pid: number;
  pgrp: number;
  /** In clock ticks. */
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Parse /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): StatLine | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  // Fields from 3 (state) on; field n is rest[n - 3].
  const rest = text.slice(close + 2).trim().split(/\s+/);
  if (rest.length < 15) return undefined;
  const n = (field: number): number => Number(rest[field - 3]);
  const s: StatLine = { pid, pgrp: n(5), utime: n(14), stime: n(15), cutime: n(16), cstime: n(17) };
  return Object.values(s).every(Number.isFinite) ? s : undefined;
}

export function getconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

export class ProcessUsageSampler {
  readonly clockTicks: number;
  readonly pageSize: number;
  private readonly procRoot: string;
  private readonly intervalMs: number;
  private readonly groups: boolean;
  private readonly peaks = new Map<string, PeakUsage>();
  /** CPU seconds never go backwards even when a member dies unreaped. */
  private readonly cpuFloor = new Map<string, number>();
  private last: UsageSnapshot | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private errorCount = 0;

  constructor(
    private readonly processes: readonly TrackedProcess[],
    opts: ProcessUsageOptions = {},
  ) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.intervalMs = opts.intervalMs ?? 1000;
    this.clockTicks = opts.clockTicks ?? getconf('CLK_TCK', 100);
    this.pageSize = opts.pageSize ?? getconf('PAGESIZE', 4096);
    this.groups = opts.groups ?? true;
  }

  /** Take a baseline sample and start the timer; the baseline is what `cpuSecondsSince` subtracts. */
  start(): UsageSnapshot {
    const baseline = this.sample();
    if (!this.timer) {
      this.timer = setInterval(() => this.sample(), this.intervalMs);
      this.timer.unref();
    }
    return baseline;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Read every tracked process group now (one scan of /proc for all of them). */
  sample(): UsageSnapshot {
    const atMs = Date.now();
    const leaders = new Map<number, TrackedProcess>(this.processes.map((p) => [p.pid, p]));
    const acc = new Map<number, { ticks: number; rssPages: number; processes: number; alive: boolean }>();
    for (const p of this.processes) acc.set(p.pid, { ticks: 0, rssPages: 0, processes: 0, alive: false });
    for (const entry of this.listPids()) {
      const stat = this.readStat(entry);
      if (!stat) continue;
      const group = this.groups && leaders.has(stat.pgrp) ? stat.pgrp : leaders.has(stat.pid) ? stat.pid : undefined;
      if (group === undefined) continue;
      const a = acc.get(group)!;
      a.ticks += stat.utime + stat.stime;
      if (stat.pid === group) {
        a.ticks += stat.cutime + stat.cstime;
        a.alive = true;
      }
      a.rssPages += this.readRssPages(entry);
      a.processes += 1;
    }
    const snapshot: UsageSnapshot = {};
    for (const p of this.processes) {
      const a = acc.get(p.pid)!;
      const floor = this.cpuFloor.get(p.name) ?? 0;
      const cpuSeconds = Math.max(floor, a.ticks / this.clockTicks);
      this.cpuFloor.set(p.name, cpuSeconds);
      snapshot[p.name] = { name: p.name, pid: p.pid, atMs, alive: a.alive, cpuSeconds, rssBytes: a.rssPages * this.pageSize, processes: a.processes };
    }
    this.updatePeaks(snapshot);
    this.last = snapshot;
    return snapshot;
  }

  /** Highest RSS and CPU rate seen per process name so far. */
  get peak(): Record<string, PeakUsage> {
    return Object.fromEntries([...this.peaks].map(([k, v]) => [k, { ...v }]));
  }

  /** The most recent sample (timer or explicit). */
  get latest(): UsageSnapshot | undefined {
    return this.last;
  }

  /** Files under /proc that could not be parsed (a process exiting mid-read is not counted). */
  get errors(): number {
    return this.errorCount;
  }

  /** CPU seconds each process group used since `start` (a fresh sample is taken). */
  cpuSecondsSince(start: UsageSnapshot): Record<string, number> {
    const now = this.sample();
    const out: Record<string, number> = {};
    for (const [name, u] of Object.entries(now)) out[name] = Math.max(0, u.cpuSeconds - (start[name]?.cpuSeconds ?? 0));
    return out;
  }

  private updatePeaks(s: UsageSnapshot): void {
    for (const u of Object.values(s)) {
      const prev = this.last?.[u.name];
      const peak = this.peaks.get(u.name) ?? { rssBytes: 0, cpuCores: 0 };
      if (u.rssBytes > peak.rssBytes) peak.rssBytes = u.rssBytes;
      if (prev && u.atMs > prev.atMs) {
        const cores = (u.cpuSeconds - prev.cpuSeconds) / ((u.atMs - prev.atMs) / 1000);
        if (cores > peak.cpuCores) peak.cpuCores = cores;
      }
      this.peaks.set(u.name, peak);
    }
  }

  private listPids(): string[] {
    try {
      return readdirSync(this.procRoot).filter((e) => /^\d+$/.test(e));
    } catch {
      return [];
    }
  }

  private readStat(pid: string): StatLine | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.procRoot, pid, 'stat'), 'utf8');
    } catch {
      return undefined; // exited between readdir and read
    }
    const s = parseStat(text);
    if (!s) this.errorCount += 1;
    return s;
  }

  /** Resident pages: /proc/<pid>/statm's second field. */
  private readRssPages(pid: string): number {
    try {
      const v = Number(readFileSync(join(this.procRoot, pid, 'statm'), 'utf8').split(' ')[1]);
      if (Number.isFinite(v)) return v;
      this.errorCount += 1;
    } catch {
      // exited mid-sample
    }
    return 0;
  }
}

/**
 * The control plane's usage from /proc over a run: a 1 s sampler started now, CPU seconds since
 * this baseline and each group's peak RSS at the end.
 */
export function processUsageMeter(processes: readonly TrackedProcess[]): UsageMeter {
  const sampler = new ProcessUsageSampler(processes, { intervalMs: 1000 });
  const base = sampler.start();
  return {
    rssNow: () => Object.fromEntries(Object.entries(sampler.sample()).map(([name, x]) => [name, x.rssBytes])),
    stop: async () => {
      sampler.sample();
      const cpu = sampler.cpuSecondsSince(base);
      const peak = sampler.peak;
      sampler.stop();
      return Object.fromEntries(Object.keys(cpu).map((name) => [name, { cpuSeconds: round2(cpu[name] ?? 0), peakRssBytes: peak[name]?.rssBytes ?? 0 }]));
    },
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
