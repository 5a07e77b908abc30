/**
 * The shard pool: forks S shard processes, hands each its slice of the fleet, keeps the latest
 * snapshot of each, asks them questions over IPC, restarts one after a crash, and stops them all.
 * Runs in the main process; it shares only the IPC message types with the shards.
 */
import { EventEmitter } from 'node:events';
import { TwinlabError, ErrorCodes } from '../../errors.js';
import type {
  ControllerToShard,
  ShardConfig,
  ShardEvent,
  ShardSnapshot,
  ShardToController,
} from '../ipc-messages.js';
import { aggregate, type FleetTotals } from './aggregate.js';
import type { ShardPeak } from '../../model/fleet-totals.js';
import { hubClientKind, type HubClientKind } from '../../edge/hub/hub-link.js';
import type { ShardLink } from '../channel/shard-link.js';
import { forkLauncher, type ShardLauncher } from './shard-launcher.js';
import { SHARD_OPEN_FILES, planProcesses, type ProcessPlan } from '../../util/open-files-plan.js';
import type { OpenFilesLimit } from '../../util/open-files-limit.js';

/** What every shard of a fleet shares. `hubClient` defaults to the one `TWINLAB_HUB_CLIENT` names (the lean client). */
export type FleetShardConfig = Omit<ShardConfig, 'index' | 'of' | 'firstNode' | 'nodeCount' | 'rampPerSecond' | 'hubClient'> & {
  hubClient?: HubClientKind;
};

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


/** A shard's answer to a fault command. */
export type FaultReply = Extract<ShardToController, { type: 'fault-applied' | 'fault-healed' | 'fault-failed' }>;

/** A command every running shard answers once (the chaos layer's fault commands). */
export type ShardQuestion = Extract<ControllerToShard, { type: 'fault-apply' | 'fault-heal' }>;

/** What the shards did, once they have stopped (or were killed). */
export interface ShardPoolResult {
  totals: FleetTotals;
  shards: ShardPeak[];
  /** Requests still unanswered when the fleet stopped. */
  unansweredAtStop: number;
  /** Each shard's last snapshot (its final one when it stopped in time). */
  finals: ShardSnapshot[];
}

interface ShardPoolEvents {
  events: [ShardEvent[]];
  snapshot: [ShardSnapshot];
  'shard-exit': [number, number | null];
}

interface ShardHandle {
  index: number;
  link: ShardLink;
  nodes: number;
  latest: ShardSnapshot | undefined;
  peakRss: number;
  stopped: { snapshot: ShardSnapshot; unanswered: number } | undefined;
  exited: boolean;
  /** What the shard was started with (a restart starts it again with the same). */
  config?: ShardConfig;
  /** Killed on purpose and being started again: its exit is not a failure. */
  restarting?: boolean;
  restarts?: number;
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

/**
 * How many shards `nodes` need within each shard's open-files limit: `requested` when they fit;
 * more when `requested` was the default (one per core); refused when it was `--shards`.
 */
export function planShardProcesses(nodes: number, requested: number, explicit: boolean, limit: OpenFilesLimit): ProcessPlan {
  return planProcesses({ cost: SHARD_OPEN_FILES, nodes, requested, explicit, flag: '--shards', limit });
}

export class ShardPool extends EventEmitter<ShardPoolEvents> {
  private requestSeq = 0;
  private early: ShardEvent[] = [];

  private constructor(
    private readonly handles: ShardHandle[],
    private readonly launcher: ShardLauncher,
  ) {
    super();
  }

  /** Launch the shards (forked here by default) and wait until every one has opened. */
  static async start(options: FleetOptions, launcher?: ShardLauncher): Promise<ShardPool> {
    const { nodes, shards, rampPerSecond, startTimeoutMs = 60_000, execArgv = [], hubClient = hubClientKind(), ...shared } = options;
    const plan = planShards(nodes, shards);
    const source = launcher ?? forkLauncher(execArgv);
    const links = await source.launchAll(plan.map((p) => p.nodeCount), startTimeoutMs);
    const handles: ShardHandle[] = plan.map((p, index) => ({
      index,
      nodes: p.nodeCount,
      link: links[index]!,
      latest: undefined,
      peakRss: 0,
      stopped: undefined,
      exited: false,
    }));
    const controller = new ShardPool(handles, source);
    const ready = handles.map(
      (h) =>
        new Promise<void>((resolve, reject) => {
          h.link.on('message', (m: ShardToController) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'fatal') reject(new TwinlabError(m.code as TwinlabError['code'], `shard ${m.index}: ${m.message}`, { shard: m.index }));
            controller.onMessage(h, m);
          });
          controller.watchExit(h, (code) => reject(new TwinlabError(ErrorCodes.ShardFailed, `shard ${h.index} exited (code ${code}) before it was ready`, { shard: h.index })));
        }),
    );
    plan.forEach((p, index) => {
      const config: ShardConfig = {
        ...shared,
        hubClient,
        index,
        of: plan.length,
        firstNode: p.firstNode,
        nodeCount: p.nodeCount,
        rampPerSecond: rampPerSecond / plan.length,
      };
      handles[index]!.config = config;
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

  /** Events the shards sent before anyone listened (nodes Ready while other shards were still opening). */
  takeEarlyEvents(): ShardEvent[] {
    const out = this.early;
    this.early = [];
    return out;
  }

  get shardCount(): number {
    return this.handles.length;
  }

  /** Nodes across every shard. */
  get nodeCount(): number {
    return this.handles.reduce((n, h) => n + h.nodes, 0);
  }

  /** Each running shard's process, named `shard-<index>` (pids change when a shard restarts). */
  shardProcesses(): Array<{ name: string; pid: number }> {
    return this.handles.flatMap((h) => (h.link.pid !== undefined && !h.link.gone ? [{ name: `shard-${h.index}`, pid: h.link.pid }] : []));
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
  async stop(graceful: boolean, timeoutMs = 15_000): Promise<ShardPoolResult> {
    const done = this.handles.map(
      (h) =>
        new Promise<void>((resolve) => {
          if (h.exited) return resolve();
          h.link.once('gone', () => resolve());
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
          pid: h.link.pid ?? 0,
          nodes: h.nodes,
          peakRssBytes: h.peakRss,
          cpuSeconds: s?.process.cpuSeconds ?? 0,
          runEventLoopLagP99Ms: s?.process.runEventLoopLagP99Ms ?? 0,
        };
      }),
      unansweredAtStop: this.handles.reduce((n, h) => n + (h.stopped?.unanswered ?? 0), 0),
      finals,
    };
  }

  // ── questions, restarts and runtime settings ────────────────────────────────────────────────

  /** Send a fault command to every running shard and collect one answer from each (undefined for a shard that exits first). */
  ask(command: ShardQuestion, timeoutMs: number): Promise<Array<FaultReply | undefined>> {
    const expected = command.type === 'fault-apply' ? 'fault-applied' : 'fault-healed';
    return Promise.all(
      this.handles.map(
        (h) =>
          new Promise<FaultReply | undefined>((resolve) => {
            const link = h.link;
            if (h.exited || link.gone) return resolve(undefined);
            const done = (reply: FaultReply | undefined): void => {
              clearTimeout(timer);
              link.off('message', onMessage);
              link.off('gone', onExit);
              resolve(reply);
            };
            const onMessage = (m: ShardToController): void => {
              if ((m.type === expected || m.type === 'fault-failed') && m.id === command.id) done(m as FaultReply);
            };
            const onExit = (): void => done(undefined);
            const timer = setTimeout(
              () => done({ type: 'fault-failed', index: h.index, id: command.id, code: ErrorCodes.ShardFailed, message: `no answer to ${command.type} within ${timeoutMs} ms` }),
              timeoutMs,
            );
            link.on('message', onMessage);
            link.once('gone', onExit);
            this.send(h, command);
          }),
      ),
    );
  }

  /** Indices of the shards hosting any node of [first, first+count). */
  shardsHosting(first: number, count: number): number[] {
    return this.handles
      .filter((h) => h.config && h.config.firstNode < first + count && first < h.config.firstNode + h.config.nodeCount)
      .map((h) => h.index);
  }

  /** Pod uids per node, as the shard holds them now. */
  async inventory(index: number, timeoutMs = 10_000): Promise<Record<string, string[]>> {
    const h = this.handles[index]!;
    const id = ++this.requestSeq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        h.link.off('message', onMessage);
        reject(new TwinlabError(ErrorCodes.ShardFailed, `shard ${index} did not answer an inventory request within ${timeoutMs} ms`, { shard: index }));
      }, timeoutMs);
      const onMessage = (m: ShardToController): void => {
        if (m.type !== 'inventory' || m.id !== id) return;
        clearTimeout(timer);
        h.link.off('message', onMessage);
        resolve(m.pods);
      };
      h.link.on('message', onMessage);
      this.send(h, { type: 'inventory', id });
    });
  }

  /**
   * Kill a shard with SIGKILL (no goodbye to the cloud, no final store flush: a crash) and start
   * it again with the same config. Its nodes come back from the shard's meta store.
   * `beforeStart` may adjust the config (e.g. carry the link faults that are still active).
   */
  async restartShard(index: number, beforeStart?: (config: ShardConfig) => ShardConfig, startTimeoutMs = 60_000): Promise<void> {
    const h = this.handles[index]!;
    if (!h.config) throw new TwinlabError(ErrorCodes.ShardFailed, `shard ${index} has no config to restart with`, { shard: index });
    h.restarting = true;
    if (!h.exited && !h.link.gone) await h.link.kill();
    h.link = await this.launcher.relaunch(index, h.nodes, startTimeoutMs);
    h.exited = false;
    h.stopped = undefined;
    h.restarts = (h.restarts ?? 0) + 1;
    const config = beforeStart ? beforeStart(h.config) : h.config;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TwinlabError(ErrorCodes.ShardFailed, `restarted shard ${index} not ready after ${startTimeoutMs} ms`, { shard: index })), startTimeoutMs);
      h.link.on('message', (m: ShardToController) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          h.restarting = false;
          resolve();
        } else if (m.type === 'fatal') {
          clearTimeout(timer);
          reject(new TwinlabError(m.code as TwinlabError['code'], `restarted shard ${m.index}: ${m.message}`, { shard: m.index }));
        }
        this.onMessage(h, m);
      });
      this.watchExit(h, (code) => {
        clearTimeout(timer);
        reject(new TwinlabError(ErrorCodes.ShardFailed, `restarted shard ${index} exited (code ${code}) before it was ready`, { shard: index }));
      });
      this.send(h, { type: 'start', config });
    });
  }

  /** Change every node's random extra reconnect sleep (a storm phase with jitter). */
  setReconnectJitter(ms: number): void {
    for (const h of this.handles) this.send(h, { type: 'set-reconnect-jitter', ms });
  }

  private watchExit(h: ShardHandle, beforeReady: (code: number | null) => void): void {
    const link = h.link;
    link.once('gone', (code) => {
      if (link !== h.link) return; // an old process of a restarted shard
      h.exited = true;
      beforeReady(code);
      if (!h.restarting) this.emit('shard-exit', h.index, code);
    });
  }

  private async kill(): Promise<void> {
    await Promise.all(
      this.handles.map(
        (h) =>
          new Promise<void>((resolve) => {
            if (h.exited || h.link.gone) return resolve();
            void h.link.kill().then(resolve);
          }),
      ),
    );
  }

  private send(h: ShardHandle, message: ControllerToShard): void {
    h.link.send(message);
  }

  private onMessage(h: ShardHandle, m: ShardToController): void {
    switch (m.type) {
      case 'snapshot':
        h.latest = m.snapshot;
        h.peakRss = Math.max(h.peakRss, m.snapshot.process.rssBytes);
        this.emit('snapshot', m.snapshot);
        break;
      case 'events':
        // A shard that opened first reports its nodes before start() has returned to the caller.
        if (this.listenerCount('events') === 0) this.early.push(...m.events);
        else this.emit('events', m.events);
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
