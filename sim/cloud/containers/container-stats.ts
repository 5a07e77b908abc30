/**
 * CPU and memory of the provider's containers from the container runtime's stats API
 * (`GET /containers/{id}/stats?stream=false`, reached through the dockerode client testcontainers
 * holds), because the processes live in the engine's namespaces, possibly inside a VM (Docker
 * Desktop), where /proc of this host cannot see them.
 *
 * Numbers, per container: cpuSeconds = cpu_stats.cpu_usage.total_usage (ns, the cgroup's whole
 * CPU time) / 1e9; rssBytes = anonymous memory (cgroup v2 `anon`, v1 `total_rss`/`rss`), the
 * closest the cgroup has to the processes' resident set; workingSetBytes = usage minus inactive
 * file cache, which is what `docker stats` shows as MEM USAGE.
 */
import type { UsageMeter } from '../control-plane.js';

export interface ContainerUsage {
  name: string;
  id: string;
  atMs: number;
  cpuSeconds: number;
  rssBytes: number;
  workingSetBytes: number;
  /** Processes in the container (pids_stats.current), when reported. */
  processes: number | undefined;
}

function num(obj: unknown, ...path: string[]): number | undefined {
  let cur = obj;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : undefined;
}

/** One stats document → usage; undefined when it has no CPU or memory numbers (a stopped container). */
export function parseContainerStats(stats: unknown, name: string, id: string, atMs: number = Date.now()): ContainerUsage | undefined {
  const cpuNs = num(stats, 'cpu_stats', 'cpu_usage', 'total_usage');
  const usage = num(stats, 'memory_stats', 'usage');
  if (cpuNs === undefined || usage === undefined) return undefined;
  const m = (key: string): number | undefined => num(stats, 'memory_stats', 'stats', key);
  const inactiveFile = m('inactive_file') ?? m('total_inactive_file') ?? 0;
  const rss = m('anon') ?? m('total_rss') ?? m('rss') ?? Math.max(0, usage - inactiveFile);
  return {
    name,
    id,
    atMs,
    cpuSeconds: cpuNs / 1e9,
    rssBytes: rss,
    workingSetBytes: Math.max(0, usage - inactiveFile),
    processes: num(stats, 'pids_stats', 'current'),
  };
}

/** Average cores used between two samples of one container. */
export function cpuCoresBetween(earlier: ContainerUsage, later: ContainerUsage): number {
  const dt = (later.atMs - earlier.atMs) / 1000;
  return dt > 0 ? Math.max(0, later.cpuSeconds - earlier.cpuSeconds) / dt : 0;
}

/** The slice of dockerode this needs; tests pass a fake. */
export interface StatsClient {
  getContainer(id: string): { stats(opts: { stream: false }): Promise<unknown> };
}

export interface TrackedContainer {
  name: string;
  id: string;
}

export interface ContainerSample {
  usage: Record<string, ContainerUsage>;
  /** Containers that gave no numbers this time, with why (stopped, removed, engine error). */
  unavailable: Array<{ name: string; reason: string }>;
}

/** One sample of every container. */
export async function sampleContainers(client: StatsClient, containers: readonly TrackedContainer[]): Promise<ContainerSample> {
  const sample: ContainerSample = { usage: {}, unavailable: [] };
  await Promise.all(
    containers.map(async (c) => {
      try {
        const u = parseContainerStats(await client.getContainer(c.id).stats({ stream: false }), c.name, c.id);
        if (u) sample.usage[c.name] = u;
        else sample.unavailable.push({ name: c.name, reason: 'stats without CPU or memory numbers (not running)' });
      } catch (err) {
        sample.unavailable.push({ name: c.name, reason: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return sample;
}

/**
 * The containers' usage over a run from the engine's stats API: CPU since a first sample, RSS at
 * the end (the API keeps no peak). Null when either sample failed.
 */
export async function containerUsageMeter(sample: () => Promise<ContainerSample>): Promise<UsageMeter> {
  const base = await sample().catch(() => undefined);
  return {
    stop: async () => {
      if (!base) return null;
      const end = await sample().catch(() => undefined);
      if (!end) return null;
      return Object.fromEntries(
        Object.values(end.usage).map((u) => [u.name, { cpuSeconds: round2(u.cpuSeconds - (base.usage[u.name]?.cpuSeconds ?? 0)), peakRssBytes: u.rssBytes }]),
      );
    },
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
