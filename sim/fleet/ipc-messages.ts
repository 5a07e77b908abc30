/**
 * The only thing the fleet controller and its shard processes share: typed IPC messages.
 * Controller → shard: start, stop. Shard → controller: ready, snapshot, events, stopped, fatal.
 * The events themselves are the run's model (sim/model/shard-events.ts).
 */
import type { EdgeCountersSnapshot } from '../model/edge-counters-snapshot.js';
import type { EdgeTimings } from '../edge/edge-runtime.js';
import type { ShardEvent } from '../model/shard-events.js';
import type { DeviceTimings } from '../edge/device-twin/device-runtime.js';
import type { EnrollMode } from '../edge/bootstrap/enroll.js';
import type { HubClientKind } from '../edge/hub/hub-link.js';
import type { ChaosSnapshot, FaultCounts } from '../chaos/chaos-counters.js';
import type { LinkFaultSpec } from '../chaos/link-fault.js';
import type { NodeSelector } from '../chaos/node-selector.js';

export type { ShardEvent };

export interface ShardConfig {
  index: number;
  of: number;
  /** Global index of this shard's first node and how many it hosts. */
  firstNode: number;
  nodeCount: number;
  namePrefix: string;
  cloudhubUrl: string;
  /**
   * A cloud with several hub endpoints (the loopback peer over several processes): node N dials
   * `cloudhubUrls[hubSpreadIndex(N, length)]` instead of `cloudhubUrl`, always the same one.
   */
  cloudhubUrls?: string[];
  certsUrl: string;
  /** Join token. A secret: IPC only, never logged. */
  token: string;
  certs: EnrollMode;
  certCacheDir: string;
  /** Directory for this shard's meta store (meta-<index>.db). */
  dataDir: string;
  kubeedgeVersion: string;
  projectId: string;
  /** Nodes this shard starts per second. */
  rampPerSecond: number;
  podStartupDelayMs: number;
  /** From a pod's deletionTimestamp to its `delete`; default EDGECORE_POD_KILL_DELAY_MS. */
  podKillDelayMs?: number;
  reconnectJitterMs: number;
  /** Each node's lease loop starts at a random phase (EdgeConfig.randomLeasePhase). */
  randomLeasePhase?: boolean;
  timings?: Partial<EdgeTimings>;
  /** edgecore's device-side timings (DMI rate limit, confirm re-send) where they differ from edgecore's. */
  deviceTimings?: Partial<DeviceTimings>;
  /** How often the shard reports a snapshot. */
  snapshotIntervalMs: number;
  /** Accept a cloud certificate whose names do not include the dialled host (attach to a remote cloud). */
  insecureSkipHostnameCheck?: boolean;
  /** Link faults in force from the start (a restarted shard keeps the faults of the run). */
  faults?: FaultCommand[];
  /** The CloudHub client the nodes dial with: the lean one, or the `ws` reference (link faults need the lean one). */
  hubClient: HubClientKind;
}

/** A link fault as the controller sends it: validated again by the shard (sim/chaos). */
export interface FaultCommand {
  id: string;
  spec: LinkFaultSpec;
  /** Bound to the fleet's node range by the controller, so a share is of the whole fleet. */
  selector: NodeSelector;
}

export interface ProcessSample {
  rssBytes: number;
  heapUsedBytes: number;
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Event-loop delay over the last interval and over the whole run, ms. */
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  runEventLoopLagP99Ms: number;
}

export interface ShardSnapshot {
  index: number;
  atMs: number;
  started: number;
  counters: EdgeCountersSnapshot;
  process: ProcessSample;
  metaStoreRows: number;
  /** The link-fault layer's counters (absent from shards without one). */
  chaos?: ChaosSnapshot;
}

export type ControllerToShard =
  | { type: 'start'; config: ShardConfig }
  | { type: 'stop'; graceful: boolean }
  /** Which pods each node holds right now (before a shard is killed, and after it restored). */
  | { type: 'inventory'; id: number }
  /** Change the random extra reconnect sleep for every node of the shard. */
  | { type: 'set-reconnect-jitter'; ms: number }
  // ── link faults (sim/chaos) ──
  | { type: 'fault-apply'; id: string; spec: LinkFaultSpec; selector: NodeSelector }
  | { type: 'fault-heal'; id: string };

export type ShardToController =
  | { type: 'ready'; index: number; caHash: string }
  | { type: 'snapshot'; snapshot: ShardSnapshot }
  | { type: 'events'; index: number; events: ShardEvent[] }
  | { type: 'stopped'; snapshot: ShardSnapshot; unanswered: number }
  | { type: 'fatal'; index: number; code: string; message: string }
  | { type: 'inventory'; id: number; index: number; pods: Record<string, string[]> }
  // ── link faults (sim/chaos): one answer per shard to each fault-apply / fault-heal ──
  | { type: 'fault-applied'; index: number; id: string; atMs: number; counts: FaultCounts }
  /** `counts` is null when the fault was not in force in this shard. */
  | { type: 'fault-healed'; index: number; id: string; atMs: number; counts: FaultCounts | null }
  | { type: 'fault-failed'; index: number; id: string; code: string; message: string };

/** Node name for a global index: vn-00000, vn-00001, … (DNS-1123, sortable). */
export function nodeName(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(5, '0')}`;
}
