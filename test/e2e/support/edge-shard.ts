/**
 * Virtual edgecores for an end-to-end test: one in-process Shard (the same code a fleet runs in
 * its shard processes) with its events recorded and its counters readable, so a test can see
 * what a node sent and received as well as what the cloud did about it.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import type { ControlPlane } from '../../../sim/cloud/control-plane.js';
import { DEFAULT_PROJECT_ID } from '../../../sim/protocol/kubeedge/message.js';
import type { VirtualNode } from '../../../sim/edge/virtual-node.js';
import { nodeName, type ShardConfig } from '../../../sim/fleet/ipc-messages.js';
import { Shard } from '../../../sim/fleet/shard/shard.js';
import type { RealCloud } from './real-control-plane.js';
import type { EdgeCountersSnapshot } from '../../../sim/model/edge-counters-snapshot.js';
import type { ShardEvent } from '../../../sim/model/shard-events.js';

export interface EdgeShardOptions {
  /** Directory name under the cloud's work dir: the shard's cert cache and meta store live there. */
  dir: string;
  namePrefix: string;
  firstNode: number;
  nodeCount?: number;
  /** Default per-node. */
  certs?: ShardConfig['certs'];
  /** Nodes started per second; default 1000 (all at once). */
  rampPerSecond?: number;
  /** Sees every event batch as it arrives, besides `events`. */
  onEvents?: (batch: readonly ShardEvent[]) => void;
}

/** What a shard needs of a control plane to join it. */
export type CloudEndpoints = Pick<ControlPlane, 'cloudhubUrl' | 'certsUrl' | 'token' | 'kubeedgeVersion'>;

export type ObjectEvent = Extract<ShardEvent, { kind: 'object' }>;

export class EdgeShard {
  readonly events: ShardEvent[] = [];

  private constructor(
    readonly shard: Shard,
    readonly config: ShardConfig,
  ) {}

  /** Open a shard against the real cloud and start its nodes. */
  static start(cloud: RealCloud, opts: EdgeShardOptions): Promise<EdgeShard> {
    return EdgeShard.startAt(cloud.cp, cloud.workDir, opts);
  }

  /** Open a shard against any control plane, its files under `workDir/opts.dir`, and start its nodes. */
  static async startAt(cp: CloudEndpoints, workDir: string, opts: EdgeShardOptions): Promise<EdgeShard> {
    const config = shardConfigAt(cp, workDir, opts);
    let self: EdgeShard | undefined;
    const early: ShardEvent[] = [];
    const shard = await Shard.open(config, {
      snapshot: () => undefined,
      events: (batch) => {
        (self ? self.events : early).push(...batch);
        opts.onEvents?.(batch);
      },
    });
    self = new EdgeShard(shard, config);
    self.events.push(...early);
    shard.start();
    return self;
  }

  get node(): VirtualNode {
    const n = this.shard.nodes[0];
    if (!n) throw new Error('the shard has no node');
    return n;
  }

  get counters(): EdgeCountersSnapshot {
    return this.shard.snapshot().counters;
  }

  /** Upstream messages sent, by `operation\ttype`. */
  sent(operation: string, type: string): number {
    return this.counters.sent[`${operation}\t${type}`] ?? 0;
  }

  /** Downstream messages received, by `operation\ttype`. */
  received(operation: string, type: string): number {
    return this.counters.received[`${operation}\t${type}`] ?? 0;
  }

  objects(filter: Partial<Pick<ObjectEvent, 'type' | 'operation' | 'uid'>>): ObjectEvent[] {
    return this.events.filter(
      (e): e is ObjectEvent =>
        e.kind === 'object' &&
        (filter.type === undefined || e.type === filter.type) &&
        (filter.operation === undefined || e.operation === filter.operation) &&
        (filter.uid === undefined || e.uid === filter.uid),
    );
  }

  warnings(): string[] {
    return this.events.flatMap((e) => (e.kind === 'warn' ? [`${e.node} ${e.code}: ${e.message}`] : []));
  }

  stop(graceful: boolean): ReturnType<Shard['stop']> {
    return this.shard.stop(graceful);
  }
}

export function shardConfig(cloud: RealCloud, opts: EdgeShardOptions): ShardConfig {
  return shardConfigAt(cloud.cp, cloud.workDir, opts);
}

export function shardConfigAt(cp: CloudEndpoints, workDir: string, opts: EdgeShardOptions): ShardConfig {
  const base = join(workDir, opts.dir);
  return {
    index: 0,
    of: 1,
    firstNode: opts.firstNode,
    nodeCount: opts.nodeCount ?? 1,
    namePrefix: opts.namePrefix,
    cloudhubUrl: cp.cloudhubUrl,
    certsUrl: cp.certsUrl,
    token: cp.token,
    certs: opts.certs ?? 'per-node',
    certCacheDir: join(base, 'certs'),
    dataDir: join(base, 'data'),
    kubeedgeVersion: cp.kubeedgeVersion,
    projectId: DEFAULT_PROJECT_ID,
    rampPerSecond: opts.rampPerSecond ?? 1000,
    podStartupDelayMs: 0,
    reconnectJitterMs: 0,
    snapshotIntervalMs: 60_000,
    hubClient: 'lean',
  };
}

/** The name the shard gives its first node. */
export function firstNodeName(opts: Pick<EdgeShardOptions, 'namePrefix' | 'firstNode'>): string {
  return nodeName(opts.namePrefix, opts.firstNode);
}
