/**
 * What the virtual nodes of a shard report as it happens, defined once: the shard batches these
 * over IPC (sim/fleet/ipc-messages.ts), the run records them in `shard` events, and the edge's
 * callbacks (sim/edge/edge-runtime.ts `EdgeEvents`) take their fields as arguments, so a node
 * reports without building an object of its own. Times are wall-clock ms.
 */

/** What a node's first failed send on a lost link was: the lease is the one that makes its Node turn Unknown. */
export type FailedSendKind = 'keepalive' | 'lease' | 'other';

/** Registered: `joinMs` is from the node's start (bootstrap included) to the register reply. */
export interface NodeReadyEvent {
  kind: 'node-ready';
  node: string;
  atMs: number;
  joinMs: number;
}

/** An object message the node received from the cloud. */
export interface ObjectReceivedEvent {
  kind: 'object';
  node: string;
  type: string;
  operation: string;
  uid: string;
  resourceVersion: string;
  atMs: number;
}

/** The node reported a pod Running. */
export interface PodRunningEvent {
  kind: 'pod-running';
  node: string;
  uid: string;
  atMs: number;
}

/** A desired value from the cloud written to a device (`ok` false: the write failed); `device` is `<ns>/<name>`. */
export interface DeviceWriteEvent {
  kind: 'device-write';
  node: string;
  device: string;
  property: string;
  value: string;
  receivedAtMs: number;
  writtenAtMs: number;
  ok: boolean;
}

/** The hub link opened (`up`) or was lost: recovery times after storms, partitions and outages. */
export interface LinkEvent {
  kind: 'link';
  node: string;
  up: boolean;
  atMs: number;
}

/**
 * The send that failed on a lost link and so made the node notice the loss (that message is lost:
 * edgehub does not re-queue it). `leasePending`: a lease request sent before the loss was still
 * unanswered, so it waits for the 60 s re-send as a failed lease would.
 */
export interface FirstFailedSendEvent {
  kind: 'first-failed-send';
  node: string;
  send: FailedSendKind;
  detail: string;
  leasePending: boolean;
  atMs: number;
}

/** A node-level problem worth one log line (malformed frame, bootstrap failure). */
export interface NodeWarnEvent {
  kind: 'warn';
  node: string;
  code: string;
  message: string;
}

export type ShardEvent = NodeReadyEvent | ObjectReceivedEvent | PodRunningEvent | DeviceWriteEvent | LinkEvent | FirstFailedSendEvent | NodeWarnEvent;
