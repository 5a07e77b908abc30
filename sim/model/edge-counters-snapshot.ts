/**
 * What a shard's nodes count, as the snapshot a shard ships over IPC and the run records: node
 * states, traffic, latencies and the devices' counters. The live counters are sim/edge/edge-counters.ts.
 */
import type { HistogramSnapshot } from './bucket-histogram.js';
import type { DeviceCountersSnapshot } from './device-counters-snapshot.js';

export const NODE_STATE_NAMES = ['idle', 'bootstrapping', 'connecting', 'registering', 'ready', 'reconnecting', 'stopped', 'failed'] as const;
export type NodeStateName = (typeof NODE_STATE_NAMES)[number];

export interface EdgeCountersSnapshot {
  states: Record<NodeStateName, number>;
  /** Sockets open right now. */
  connected: number;
  connects: number;
  connectFailures: number;
  reconnects: number;
  disconnects: number;
  keepalives: number;
  acksSent: number;
  /** Downstream messages whose msg_id this node had already seen (cloud resends). */
  duplicates: number;
  malformed: number;
  /** Upstream requests that got no reply within the request timeout (each timeout counts). */
  unanswered: number;
  /** Upstream requests still waiting for a reply at snapshot time. */
  pendingRequests: number;
  /** Replies the cloud sent as errors (besides NotFound/AlreadyExists, which are protocol). */
  errorReplies: number;
  sendFailures: number;
  /**
   * The send whose failure made a node notice a lost link, by what it was (`keepalive`, `lease`,
   * `other`): a lost lease waits 60 s for its re-send, so this predicts which Nodes turn Unknown.
   */
  firstFailedSend?: Record<string, number>;
  /** Requests edgecore's metamanager refused at once because edgehub had published "disconnected". */
  failedFastOffline?: number;
  /** "operation\ttype" → count. */
  sent: Record<string, number>;
  received: Record<string, number>;
  bytesSent: number;
  bytesReceived: number;
  ackLatencyMs: HistogramSnapshot;
  bootstrapSeconds: HistogramSnapshot;
  /** Upstream request (first send) → its reply, ms, by request kind (`register`, `lease update`, …); absent in older snapshots. */
  requestLatencyMs?: Record<string, HistogramSnapshot>;
  /** Pods created on nodes and reported Running. */
  podsCreated: number;
  podsRunning: number;
  podsDeleted: number;
  /** The nodes' devicetwins and mappers; absent in snapshots from before devices were counted. */
  devices?: DeviceCountersSnapshot;
}
