/**
 * What every virtual node of a shard shares: the shard's one timer wheel, its counters, its
 * meta store, the version profile, edgecore's timings and the sink for events the fleet
 * controller and the recorder want. A node holds a reference to this, never its own copies.
 */
import type { SecureContext } from 'node:tls';
import type { MetaStore } from './meta-store.js';
import type { TimerWheel } from '../scheduler/timer-wheel.js';
import type { EdgeCounters } from './edge-counters.js';
import type { VersionProfile } from './version-profile.js';
import type { NodeCapacity } from './node-objects.js';
import type { HubDialer } from './hub/hub-link.js';
import type { DeviceRuntime } from './device-twin/device-runtime.js';

/** Timings, all in ms. The defaults are edgecore's. */
export interface EdgeTimings {
  /** edgeHub.heartbeat: keepalive at connect, then this often. */
  keepaliveMs: number;
  /** kubelet node lease renew interval (leaseDurationSeconds 40 × 0.25). */
  leaseMs: number;
  /** kubelet nodeStatusUpdateFrequency: how often status is computed. */
  statusSyncMs: number;
  /** kubelet nodeStatusReportFrequency: a status patch at least this often. */
  statusReportMs: number;
  /** edgehub: sleep before redialling after a lost connection. */
  reconnectSleepMs: number;
  /** edgehub: pause between the dials of one round. */
  dialIntervalMs: number;
  /** edgehub: dials per round before sleeping again. */
  dialAttempts: number;
  /** metamanager/edged: a remote request with no reply by then is re-sent. */
  requestTimeoutMs: number;
  /** WebSocket handshake timeout. */
  handshakeTimeoutMs: number;
  /** kubelet registration backoff: first retry, doubling up to registerBackoffMaxMs. */
  registerBackoffMs: number;
  registerBackoffMaxMs: number;
  /**
   * kubelet's lease controller after its 5 update retries failed: ensure-lease (a Get) retried
   * after 2 × this, doubling up to leaseBackoffMaxMs (component-helpers lease/controller.go:
   * sleep 100 ms, doubled before each wait, maxBackoff 7 s).
   */
  leaseBackoffMs: number;
  leaseBackoffMaxMs: number;
}

export const EDGECORE_TIMINGS: Readonly<EdgeTimings> = Object.freeze({
  keepaliveMs: 15_000,
  leaseMs: 10_000,
  statusSyncMs: 10_000,
  statusReportMs: 300_000,
  reconnectSleepMs: 30_000,
  dialIntervalMs: 5_000,
  dialAttempts: 5,
  requestTimeoutMs: 60_000,
  handshakeTimeoutMs: 30_000,
  registerBackoffMs: 100,
  registerBackoffMaxMs: 7_000,
  leaseBackoffMs: 100,
  leaseBackoffMaxMs: 7_000,
});

/**
 * What edgecore took from a pod's deletionTimestamp reaching the node to its `delete`
 * (pod-lifecycle.jsonl: update with deletionTimestamp at t=57.302, terminated status patch at
 * 57.361, its reply at 57.373, `delete` at 57.693): the containers' kill and kubelet's status
 * manager waiting for the pod's resources to be reclaimed. The 0.7 s from the API's delete to the
 * pod being gone (t=57.2 → 57.9) adds cloudcore's own path, which a real cloud adds by itself.
 */
export const EDGECORE_POD_KILL_DELAY_MS = 391;

export interface EdgeConfig {
  cloudhubUrl: string;
  projectId: string;
  timings: EdgeTimings;
  /** Delay between a pod's volumes being ready and it reporting Running. Default 0. */
  podStartupDelayMs: number;
  /**
   * Least time from a pod's deletionTimestamp reaching the node to its `delete` (the terminated
   * status patch goes at once; the delete waits for its reply and for this). EDGECORE_POD_KILL_DELAY_MS
   * in a run; 0 sends the delete as soon as the patch is answered.
   */
  podKillDelayMs: number;
  /** Extra random delay (0…this) added to the reconnect sleep: a what-if knob, off by default as in edgecore. */
  reconnectJitterMs: number;
  /**
   * The first lease renewal at a random point of its period after registering, instead of one
   * period after it. kubelet's lease loop runs from edged's start, not from the connection: in a
   * fleet whose edgecores started apart and lived through reconnects its phase is unrelated to the
   * keepalive's, and which of the two a lost link catches first decides whether the Node turns Unknown.
   */
  randomLeasePhase?: boolean;
  capacity: NodeCapacity;
  /** Extra node labels (edged.nodeLabels). */
  nodeLabels: Readonly<Record<string, string>>;
  checkServerIdentity?: (host: string, cert: unknown) => Error | undefined;
}

/** What a node's first failed send on a lost link was: the lease is the one that makes its Node turn Unknown. */
export type FailedSendKind = 'keepalive' | 'lease' | 'other';

/** Events a shard forwards to the controller/recorder. All optional; times are wall-clock ms. */
export interface EdgeEvents {
  /** Registered: `joinMs` is from the node's start (bootstrap included) to the register reply. */
  nodeReady?(node: string, atMs: number, joinMs: number): void;
  objectReceived?(node: string, type: string, operation: string, uid: string, resourceVersion: string, atMs: number): void;
  podRunning?(node: string, uid: string, atMs: number): void;
  /** The hub link opened (`up`) or was lost: recovery times after storms, partitions and outages. */
  linkChanged?(node: string, up: boolean, atMs: number): void;
  /**
   * The send that failed on a lost link and so made the node notice the loss (that message is
   * lost: edgehub does not re-queue it). `leasePending`: a lease request sent before the loss was
   * still unanswered, so it waits for the 60 s re-send as a failed lease would.
   */
  firstFailedSend?(node: string, send: FailedSendKind, detail: string, leasePending: boolean, atMs: number): void;
  /** A node-level problem worth one log line (malformed frame, bootstrap failure). */
  warn?(node: string, code: string, message: string): void;
}

export interface EdgeRuntime {
  readonly wheel: TimerWheel;
  readonly profile: VersionProfile;
  readonly config: EdgeConfig;
  readonly counters: EdgeCounters;
  readonly store: MetaStore | undefined;
  readonly events: EdgeEvents;
  /** TLS credentials for a node: enrolls (or reads the cache) on first use. */
  secureContextFor(nodeName: string): Promise<SecureContext>;
  /** Opens a node's CloudHub link (the real WebSocket; tests pass a fake). */
  dial: HubDialer;
  random(): number;
  /** Device twins and mapper loops; without it nodes ignore device messages, as edgemark does. */
  readonly devices?: DeviceRuntime;
}
