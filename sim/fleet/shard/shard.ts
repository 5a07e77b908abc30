/**
 * One shard: K virtual nodes on one event loop, with one timer wheel, one meta store and one
 * enroller. The unit of scale — a fleet is S of these, and `twinlab shard` runs one alone.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import tls, { type SecureContext } from 'node:tls';
import { openEnroller, type Enroller } from '../../edge/bootstrap/enroll.js';
import { EdgeCounters } from '../../edge/edge-counters.js';
import { EDGECORE_POD_KILL_DELAY_MS, EDGECORE_TIMINGS, type EdgeConfig, type EdgeEvents, type EdgeRuntime, type EdgeTimings } from '../../edge/edge-runtime.js';
import { MetaStore, type MetaRecord } from '../../edge/meta-store.js';
import { DEFAULT_CAPACITY } from '../../edge/node-objects.js';
import { TimerWheel, type TimerTarget } from '../../scheduler/timer-wheel.js';
import { profileFor } from '../../edge/version-profile.js';
import { VirtualNode } from '../../edge/virtual-node.js';
import { DeviceRuntime } from '../../edge/device-twin/device-runtime.js';
import { nodeName, type ControllerToShard, type ShardConfig, type ShardEvent, type ShardSnapshot, type ShardToController } from '../ipc-messages.js';
import { ChaosEngine } from '../../chaos/chaos-engine.js';
import { ErrorCodes, isTwinlabError } from '../../errors.js';
import { ProcessSampler } from './process-sampler.js';
import { dialerFor } from '../../edge/hub/hub-dialers.js';
import { spreadHubDialer } from './spread-hub-dialer.js';

const T_RAMP = 1;
const T_FLUSH = 2;
const T_SNAPSHOT = 3;
const T_EVENTS = 4;
const RAMP_TICK_MS = 100;
/** The wheel's resolution: pod starts, link faults and device I/O are timed to it. */
const WHEEL_TICK_MS = 10;

/**
 * Grid of the wheel's loose timers: the nodes' keepalives, leases, status syncs, request timeouts
 * and redials, and the shard's own flushes and snapshots. Thousands of nodes then share a few
 * wake-ups a second; a wake-up costs far more than the timers it runs. The grid is at most 2 % of
 * the shortest of those periods (100 ms at edgecore's, whose shortest is the 5 s between dials),
 * so shortened timings (tests, `--time-scale`) fall back to the tick and stay exact.
 */
export function timerGridMs(t: EdgeTimings): number {
  const shortest = Math.min(t.keepaliveMs, t.leaseMs, t.statusSyncMs, t.dialIntervalMs, t.reconnectSleepMs);
  const grid = Math.floor(shortest / 50 / WHEEL_TICK_MS) * WHEEL_TICK_MS;
  return Math.min(100, Math.max(WHEEL_TICK_MS, grid));
}
const FLUSH_MS = 100;
const EVENTS_MS = 250;

export interface ShardSinks {
  snapshot(s: ShardSnapshot): void;
  events(batch: ShardEvent[]): void;
}

export class Shard implements TimerTarget {
  readonly nodes: VirtualNode[];
  private readonly wheel: TimerWheel;
  /** Device twins and mapper loops of every node, and their device connections. */
  private readonly devices: DeviceRuntime;
  private readonly counters = new EdgeCounters();
  private readonly sampler = new ProcessSampler();
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  /** Link faults between the nodes and the cloud (sim/chaos); in front of the hub dialer. */
  private readonly chaos: ChaosEngine;
  private pendingEvents: ShardEvent[] = [];
  private started = 0;
  private rampCarry = 0;
  private stopped = false;
  private readonly edgeConfig: EdgeConfig;

  private constructor(
    readonly config: ShardConfig,
    private readonly enroller: Enroller,
    private readonly store: MetaStore,
    private readonly sinks: ShardSinks,
  ) {
    const timings: EdgeTimings = { ...EDGECORE_TIMINGS, ...config.timings };
    this.wheel = new TimerWheel({ unref: false, tickMs: WHEEL_TICK_MS, coalesceMs: timerGridMs(timings) });
    const profile = profileFor(config.kubeedgeVersion);
    const edgeConfig: EdgeConfig = (this.edgeConfig = {
      cloudhubUrl: config.cloudhubUrl,
      projectId: config.projectId,
      timings,
      podStartupDelayMs: config.podStartupDelayMs,
      podKillDelayMs: config.podKillDelayMs ?? EDGECORE_POD_KILL_DELAY_MS,
      reconnectJitterMs: config.reconnectJitterMs,
      ...(config.randomLeasePhase ? { randomLeasePhase: true } : {}),
      capacity: DEFAULT_CAPACITY,
      nodeLabels: {},
      ...(config.insecureSkipHostnameCheck ? { checkServerIdentity: () => undefined } : {}),
    });
    const events: EdgeEvents = {
      nodeReady: (node, atMs, joinMs) => this.pendingEvents.push({ kind: 'node-ready', node, atMs, joinMs }),
      objectReceived: (node, type, operation, uid, resourceVersion, atMs) =>
        this.pendingEvents.push({ kind: 'object', node, type, operation, uid, resourceVersion, atMs }),
      podRunning: (node, uid, atMs) => this.pendingEvents.push({ kind: 'pod-running', node, uid, atMs }),
      linkChanged: (node, up, atMs) => this.pendingEvents.push({ kind: 'link', node, up, atMs }),
      firstFailedSend: (node, send, detail, leasePending, atMs) => this.pendingEvents.push({ kind: 'first-failed-send', node, send, detail, leasePending, atMs }),
      warn: (node, code, message) => this.pendingEvents.push({ kind: 'warn', node, code, message }),
    };
    this.devices = new DeviceRuntime({
      wheel: this.wheel,
      ...(config.deviceTimings ? { timings: config.deviceTimings } : {}),
      events: {
        desiredWritten: (node, device, property, value, receivedAtMs, writtenAtMs, ok) =>
          this.pendingEvents.push({ kind: 'device-write', node, device, property, value, receivedAtMs, writtenAtMs, ok }),
      },
    });
    const dialHub = dialerFor(config.hubClient);
    this.chaos = new ChaosEngine({
      wheel: this.wheel,
      client: config.hubClient,
      firstNode: config.firstNode,
      nodeCount: config.nodeCount,
      nameOf: (index) => nodeName(config.namePrefix, index),
    });
    for (const f of config.faults ?? []) this.chaos.apply(f.id, f.spec, f.selector);
    const runtime: EdgeRuntime = {
      wheel: this.wheel,
      profile,
      config: edgeConfig,
      counters: this.counters,
      store,
      events,
      secureContextFor: (name) => this.secureContextFor(name),
      dial: this.chaos.dialer(config.cloudhubUrls && config.cloudhubUrls.length > 1 ? spreadHubDialer(dialHub, config.cloudhubUrls) : dialHub),
      random: Math.random,
      devices: this.devices,
    };
    const restored = new Map<string, MetaRecord[]>();
    for (const group of store.loadAll()) restored.set(group.node, group.records);
    this.nodes = new Array<VirtualNode>(config.nodeCount);
    for (let i = 0; i < config.nodeCount; i++) {
      const index = config.firstNode + i;
      const node = new VirtualNode(runtime, { name: nodeName(config.namePrefix, index), index });
      const records = restored.get(node.name);
      if (records) node.restore(records);
      this.nodes[i] = node;
    }
  }

  /** Open the enroller (fetching and checking the CA) and the meta store; nodes are created idle. */
  static async open(config: ShardConfig, sinks: ShardSinks): Promise<Shard> {
    const enroller = await openEnroller({
      certsUrl: config.certsUrl,
      token: config.token,
      cacheDir: config.certCacheDir,
      mode: config.certs,
      ...(config.insecureSkipHostnameCheck ? { checkServerIdentity: () => undefined } : {}),
    });
    mkdirSync(config.dataDir, { recursive: true });
    const store = MetaStore.open(path.join(config.dataDir, `meta-${config.index}.db`));
    return new Shard(config, enroller, store, sinks);
  }

  /** Pod uids per node: what a restart must restore. */
  inventory(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const node of this.nodes) out[node.name] = node.podUids();
    return out;
  }

  setReconnectJitter(ms: number): void {
    this.edgeConfig.reconnectJitterMs = ms;
  }

  get caHash(): string {
    return this.enroller.caHash;
  }

  /** Start connecting nodes at the configured ramp and begin periodic snapshots. */
  start(): void {
    this.wheel.schedule(this, T_RAMP, 0);
    this.wheel.scheduleLoose(this, T_FLUSH, FLUSH_MS);
    this.wheel.scheduleLoose(this, T_EVENTS, EVENTS_MS);
    this.wheel.scheduleLoose(this, T_SNAPSHOT, this.config.snapshotIntervalMs);
  }

  onTimer(kind: number): void {
    if (this.stopped) return;
    switch (kind) {
      case T_RAMP: {
        const perTick = (this.config.rampPerSecond * RAMP_TICK_MS) / 1000 + this.rampCarry;
        const n = Math.floor(perTick);
        this.rampCarry = perTick - n;
        const end = Math.min(this.nodes.length, this.started + Math.max(n, 0));
        for (; this.started < end; this.started++) this.nodes[this.started]!.start();
        if (this.started < this.nodes.length) this.wheel.schedule(this, T_RAMP, RAMP_TICK_MS);
        break;
      }
      case T_FLUSH:
        this.store.flush();
        this.wheel.scheduleLoose(this, T_FLUSH, FLUSH_MS);
        break;
      case T_EVENTS:
        this.flushEvents();
        this.wheel.scheduleLoose(this, T_EVENTS, EVENTS_MS);
        break;
      case T_SNAPSHOT:
        this.sinks.snapshot(this.snapshot());
        this.wheel.scheduleLoose(this, T_SNAPSHOT, this.config.snapshotIntervalMs);
        break;
    }
  }

  snapshot(): ShardSnapshot {
    return {
      index: this.config.index,
      atMs: Date.now(),
      started: this.started,
      counters: this.counters.snapshot(),
      process: this.sampler.sample(),
      metaStoreRows: this.store.stats.rowsWritten,
      chaos: this.chaos.snapshot(),
    };
  }

  /** Apply or heal a link fault and answer the controller; a fault the shard refuses is answered, never thrown. */
  fault(command: Extract<ControllerToShard, { type: 'fault-apply' | 'fault-heal' }>): ShardToController {
    const index = this.config.index;
    try {
      if (command.type === 'fault-heal') {
        return { type: 'fault-healed', index, id: command.id, atMs: Date.now(), counts: this.chaos.heal(command.id) ?? null };
      }
      const { counts } = this.chaos.apply(command.id, command.spec, command.selector);
      return { type: 'fault-applied', index, id: command.id, atMs: Date.now(), counts };
    } catch (error) {
      const code = isTwinlabError(error) ? error.code : ErrorCodes.ConfigInvalid;
      return { type: 'fault-failed', index, id: command.id, code, message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Requests nodes made that are still unanswered. */
  unanswered(): number {
    let n = 0;
    for (const node of this.nodes) n += node.unansweredNow;
    return n;
  }

  /** Stop every node, flush the store, return the last snapshot. */
  async stop(graceful: boolean): Promise<{ snapshot: ShardSnapshot; unanswered: number }> {
    const unanswered = this.unanswered();
    this.stopped = true;
    for (const node of this.nodes) node.stop(graceful);
    this.devices.close();
    this.flushEvents();
    const snapshot = this.snapshot();
    this.wheel.stop();
    this.sampler.stop();
    this.store.close();
    await this.enroller.close();
    return { snapshot, unanswered };
  }

  private flushEvents(): void {
    if (this.pendingEvents.length === 0) return;
    const batch = this.pendingEvents;
    this.pendingEvents = [];
    this.sinks.events(batch);
  }

  private secureContextFor(name: string): Promise<SecureContext> {
    const key = this.enroller.mode === 'shared' ? '' : name;
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = this.enroller.enrollNode(name).then((cred) =>
        tls.createSecureContext({ key: cred.keyPem, cert: cred.certPem, ca: this.enroller.caPem, minVersion: 'TLSv1.2' }),
      );
      // A failed enrollment must not stick: the node may retry.
      ctx.catch(() => this.contexts.delete(key));
      this.contexts.set(key, ctx);
    }
    return ctx;
  }
}
