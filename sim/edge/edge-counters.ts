/**
 * What a shard's virtual nodes count, as plain numbers on the hot path. The shard ships a
 * snapshot over IPC; the controller sums shards and exposes them as `twinlab_*` metrics.
 */
import { BucketHistogram, DURATION_S_BOUNDS, LATENCY_MS_BOUNDS } from '../model/bucket-histogram.js';
import { NODE_STATE_NAMES, type EdgeCountersSnapshot, type NodeStateName } from '../model/edge-counters-snapshot.js';
import { DeviceCounters } from './device-twin/device-counters.js';

export { NODE_STATE_NAMES, type EdgeCountersSnapshot, type NodeStateName };

export const NodeState = {
  Idle: 0,
  Bootstrapping: 1,
  Connecting: 2,
  Registering: 3,
  Ready: 4,
  Reconnecting: 5,
  Stopped: 6,
  Failed: 7,
} as const;
export type NodeState = (typeof NodeState)[keyof typeof NodeState];
export class EdgeCounters {
  readonly states = new Int32Array(NODE_STATE_NAMES.length);
  connected = 0;
  connects = 0;
  connectFailures = 0;
  reconnects = 0;
  disconnects = 0;
  keepalives = 0;
  acksSent = 0;
  duplicates = 0;
  malformed = 0;
  unanswered = 0;
  pendingRequests = 0;
  errorReplies = 0;
  sendFailures = 0;
  failedFastOffline = 0;
  bytesSent = 0;
  bytesReceived = 0;
  podsCreated = 0;
  podsRunning = 0;
  podsDeleted = 0;
  readonly sent = new Map<string, number>();
  readonly received = new Map<string, number>();
  readonly firstFailedSend = new Map<string, number>();
  readonly ackLatencyMs = new BucketHistogram(LATENCY_MS_BOUNDS);
  readonly bootstrapSeconds = new BucketHistogram(DURATION_S_BOUNDS);
  readonly requestLatencyMs = new Map<string, BucketHistogram>();
  readonly devices = new DeviceCounters();

  /** A reply arrived `ms` after its request was first sent. */
  observeRequest(kind: string, ms: number): void {
    let h = this.requestLatencyMs.get(kind);
    if (h === undefined) this.requestLatencyMs.set(kind, (h = new BucketHistogram(LATENCY_MS_BOUNDS)));
    h.observe(ms);
  }

  transition(from: NodeState, to: NodeState): void {
    this.states[from]! -= 1;
    this.states[to]! += 1;
  }

  countSent(key: string, bytes: number): void {
    this.sent.set(key, (this.sent.get(key) ?? 0) + 1);
    this.bytesSent += bytes;
  }

  countReceived(key: string, bytes: number): void {
    this.received.set(key, (this.received.get(key) ?? 0) + 1);
    this.bytesReceived += bytes;
  }

  snapshot(): EdgeCountersSnapshot {
    const states = {} as Record<NodeStateName, number>;
    NODE_STATE_NAMES.forEach((name, i) => (states[name] = this.states[i]!));
    return {
      states,
      connected: this.connected,
      connects: this.connects,
      connectFailures: this.connectFailures,
      reconnects: this.reconnects,
      disconnects: this.disconnects,
      keepalives: this.keepalives,
      acksSent: this.acksSent,
      duplicates: this.duplicates,
      malformed: this.malformed,
      unanswered: this.unanswered,
      pendingRequests: this.pendingRequests,
      errorReplies: this.errorReplies,
      sendFailures: this.sendFailures,
      firstFailedSend: Object.fromEntries(this.firstFailedSend),
      failedFastOffline: this.failedFastOffline,
      sent: Object.fromEntries(this.sent),
      received: Object.fromEntries(this.received),
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      ackLatencyMs: this.ackLatencyMs.snapshot(),
      bootstrapSeconds: this.bootstrapSeconds.snapshot(),
      requestLatencyMs: Object.fromEntries([...this.requestLatencyMs].map(([k, h]) => [k, h.snapshot()])),
      podsCreated: this.podsCreated,
      podsRunning: this.podsRunning,
      podsDeleted: this.podsDeleted,
      devices: this.devices.snapshot(),
    };
  }
}

/** Key for the sent/received maps: operation and resource type ("update\tpod"). */
export function trafficKey(operation: string | undefined, resource: string | undefined): string {
  return `${operation ?? ''}\t${resourceType(resource)}`;
}

/** The type segment of an edge resource: `null/node/x` → node, `kube-node-lease/lease/x` → lease, `node` → node. */
export function resourceType(resource: string | undefined): string {
  if (!resource) return '';
  const first = resource.indexOf('/');
  if (first < 0) return resource;
  if (resource.startsWith('device/')) return 'device';
  const second = resource.indexOf('/', first + 1);
  return second < 0 ? resource.slice(first + 1) : resource.slice(first + 1, second);
}
