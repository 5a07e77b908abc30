/**
 * The fleet controller: forks S shard processes, hands each its slice of the fleet, keeps the
 * latest snapshot of each, and stops them all. Runs in the main process; it shares only the IPC
 * message types with the shards.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { TwinlabError, ErrorCodes } from '../../errors.js';
import type {
  ControllerToShard,
  ShardConfig,
  ShardEvent,
  ShardSnapshot,
  ShardToController,
} from '../ipc-messages.js';
import { aggregate, type FleetTotals } from './aggregate.js';

export type FleetShardConfig = Omit<ShardConfig, 'index' | 'of' | 'firstNode' | 'nodeCount' | 'rampPerSecond'>;

export interface FleetOptions extends FleetShardConfig {
  nodes: number;
  shards: number;
  /** Nodes started per second across the fleet. */
  rampPerSecond: number;
  /** How long to wait for every shard to open (CA fetch, store). */
  startTimeoutMs?: number;
  /** Extra Node flags for shard processes. */
  execArgv?: string[];
}

export interface ShardPeak {
  index: number;
  pid: number;
  nodes: number;
  peakRssBytes: number;
  cpuSeconds: number;
  runEventLoopLagP99Ms: number;
}

export interface FleetResult {
  totals: FleetTotals;
  shards: ShardPeak[];
  /** Requests still unanswered when the fleet stopped. */
  unansweredAtStop: number;
}

interface FleetEvents {
  events: [ShardEvent[]];
  snapshot: [ShardSnapshot];
  'shard-exit': [number, number | null];
}

interface ShardHandle {
  index: number;
  child: ChildProcess;
  nodes: number;
  latest: ShardSnapshot | undefined;
  peakRss: number;
  stopped: { snapshot: ShardSnapshot; unanswered: number } | undefined;
  exited: boolean;
}

function shardEntry(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    return { path: self.replace(/controller[\\/]fleet-controller\.ts$/, 'shard/shard-main.ts'), execArgv: ['--import', 'tsx'] };
  }
  return { path: self.replace(/controller[\\/]fleet-controller\.js$/, 'shard/shard-main.js'), execArgv: [] };
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

/** Split N nodes over S shards as evenly as possible, in contiguous blocks. */
export function planShards(nodes: number, shards: number): Array<{ firstNode: number; nodeCount: number }> {
  const s = Math.max(1, Math.min(shards, nodes || 1));
  const base = Math.floor(nodes / s);
  const extra = nodes % s;
  const plan: Array<{ firstNode: number; nodeCount: number }> = [];
  let next = 0;
  for (let i = 0; i < s; i++) {
    const count = base + (i < extra ? 1 : 0);
    plan.push({ firstNode: next, nodeCount: count });
    next += count;
  }
  return plan;
}

export class FleetController extends EventEmitter<FleetEvents> {
  private constructor(private readonly handles: ShardHandle[]) {
    super();
  }

  static async start(options: FleetOptions): Promise<FleetController> {
    const { nodes, shards, rampPerSecond, startTimeoutMs = 60_000, execArgv = [], ...shared } = options;
    const plan = planShards(nodes, shards);
    const entry = shardEntry();
    const handles: ShardHandle[] = plan.map((p, index) => ({
      index,
      nodes: p.nodeCount,
      child: fork(entry.path, [], { execArgv: [...entry.execArgv, ...execArgv], env: shardEnv(p.nodeCount), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
      latest: undefined,
      peakRss: 0,
      stopped: undefined,
      exited: false,
    }));
    const controller = new FleetController(handles);
    const ready = handles.map(
      (h) =>
        new Promise<void>((resolve, reject) => {
          h.child.on('message', (m: ShardToController) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'fatal') reject(new TwinlabError(m.code as TwinlabError['code'], `shard ${m.index}: ${m.message}`, { shard: m.index }));
            controller.onMessage(h, m);
          });
          h.child.on('exit', (code) => {
            h.exited = true;
            reject(new TwinlabError(ErrorCodes.ShardFailed, `shard ${h.index} exited (code ${code}) before it was ready`, { shard: h.index }));
            controller.emit('shard-exit', h.index, code);
          });
        }),
    );
    plan.forEach((p, index) => {
      const config: ShardConfig = {
        ...shared,
        index,
        of: plan.length,
        firstNode: p.firstNode,
        nodeCount: p.nodeCount,
        rampPerSecond: rampPerSecond / plan.length,
      };
      controller.send(handles[index]!, { type: 'start', config });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TwinlabError(ErrorCodes.ShardFailed, `shards not ready after ${startTimeoutMs} ms`, {})),
        startTimeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(ready), timeout]);
    } catch (error) {
      await controller.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return controller;
  }

  get shardCount(): number {
    return this.handles.length;
  }

  /** The latest snapshot of every shard that has reported. */
  latestSnapshots(): ShardSnapshot[] {
    return this.handles.flatMap((h) => (h.latest ? [h.latest] : []));
  }

  /** Totals over the latest snapshot of every shard. */
  totals(): FleetTotals {
    return aggregate(this.latestSnapshots());
  }

  /** Stop every shard (graceful = edgecore's last message, then close) and collect final numbers. */
  async stop(graceful: boolean, timeoutMs = 15_000): Promise<FleetResult> {
    const done = this.handles.map(
      (h) =>
        new Promise<void>((resolve) => {
          if (h.exited) return resolve();
          h.child.once('exit', () => resolve());
          this.send(h, { type: 'stop', graceful });
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(done), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    await this.kill();
    const finals = this.handles.flatMap((h) => {
      const s = h.stopped?.snapshot ?? h.latest;
      return s ? [s] : [];
    });
    return {
      totals: aggregate(finals),
      shards: this.handles.map((h) => {
        const s = h.stopped?.snapshot ?? h.latest;
        return {
          index: h.index,
          pid: h.child.pid ?? 0,
          nodes: h.nodes,
          peakRssBytes: h.peakRss,
          cpuSeconds: s?.process.cpuSeconds ?? 0,
          runEventLoopLagP99Ms: s?.process.runEventLoopLagP99Ms ?? 0,
        };
      }),
      unansweredAtStop: this.handles.reduce((n, h) => n + (h.stopped?.unanswered ?? 0), 0),
    };
  }

  private async kill(): Promise<void> {
    await Promise.all(
      this.handles.map(
        (h) =>
          new Promise<void>((resolve) => {
            if (h.exited || h.child.exitCode !== null) return resolve();
            h.child.once('exit', () => resolve());
            h.child.kill('SIGKILL');
          }),
      ),
    );
  }

  private send(h: ShardHandle, message: ControllerToShard): void {
    if (h.child.connected) h.child.send(message);
  }

  private onMessage(h: ShardHandle, m: ShardToController): void {
    switch (m.type) {
      case 'snapshot':
        h.latest = m.snapshot;
        h.peakRss = Math.max(h.peakRss, m.snapshot.process.rssBytes);
        this.emit('snapshot', m.snapshot);
        break;
      case 'events':
        this.emit('events', m.events);
        break;
      case 'stopped':
        h.stopped = { snapshot: m.snapshot, unanswered: m.unanswered };
        h.latest = m.snapshot;
        h.peakRss = Math.max(h.peakRss, m.snapshot.process.rssBytes);
        break;
      default:
        break;
    }
  }
}
