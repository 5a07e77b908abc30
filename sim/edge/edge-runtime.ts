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
import type { FailedSendKind, FirstFailedSendEvent, LinkEvent, NodeReadyEvent, NodeWarnEvent, ObjectReceivedEvent, PodRunningEvent } from '../model/shard-events.js';

export type { FailedSendKind };

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

/**
 * Events a shard forwards to the controller/recorder: the model's shard events (sim/model/shard-events.ts)
 * with their fields as arguments, so a node builds no object of its own. All optional.
 */
export interface EdgeEvents {
  nodeReady?(node: NodeReadyEvent['node'], atMs: NodeReadyEvent['atMs'], joinMs: NodeReadyEvent['joinMs']): void;
  objectReceived?(
    node: ObjectReceivedEvent['node'],
    type: ObjectReceivedEvent['type'],
    operation: ObjectReceivedEvent['operation'],
    uid: ObjectReceivedEvent['uid'],
    resourceVersion: ObjectReceivedEvent['resourceVersion'],
    atMs: ObjectReceivedEvent['atMs'],
  ): void;
  podRunning?(node: PodRunningEvent['node'], uid: PodRunningEvent['uid'], atMs: PodRunningEvent['atMs']): void;
  linkChanged?(node: LinkEvent['node'], up: LinkEvent['up'], atMs: LinkEvent['atMs']): void;
  firstFailedSend?(
    node: FirstFailedSendEvent['node'],
    send: FirstFailedSendEvent['send'],
    detail: FirstFailedSendEvent['detail'],
    leasePending: FirstFailedSendEvent['leasePending'],
    atMs: FirstFailedSendEvent['atMs'],
  ): void;
  warn?(node: NodeWarnEvent['node'], code: NodeWarnEvent['code'], message: NodeWarnEvent['message']): void;
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
