/**
 * One node's connection to the loopback hub: reads upstream messages (keepalive, ACKs, reserved
 * viaduct operations, everything else to the edge-controller logic) and writes downstream ones on
 * the ACK lane or the no-ACK lane, as cloudcore's node session does.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { decodeMessage, encodeMessage } from '../../protocol/kubeedge/codec.js';
import type { Message } from '../../protocol/kubeedge/message.js';
import { AckLane, type AckLaneConfig, type AckLaneHost, type LaneMessage } from './ack-lane.js';
import { cloudRequiresAck } from '../../protocol/kubeedge/ack-policy.js';
import { resourceTypeOf } from '../../protocol/kubeedge/resource.js';
import { rvNumber, type ObjectKind } from './loopback-objects.js';
import type { ObjectSyncs } from './object-syncs.js';
import type { PeerCounters } from './peer-stats.js';
import type { RecentMessageIds } from './recent-message-ids.js';
import { isJsonObject } from './status-merge.js';
import type { TimerHeap } from './timer-heap.js';

/** viaduct answers these itself with `response`/"ack" (pkg/viaduct/pkg/conn/ws.go). */
const RESERVED_OPERATIONS = new Set(['config', 'ping', 'pong']);

const KIND_BY_TYPE: Readonly<Record<string, ObjectKind>> = {
  node: 'Node',
  pod: 'Pod',
  configmap: 'ConfigMap',
  secret: 'Secret',
  lease: 'Lease',
};

export type SessionCloseReason = 'keepalive-timeout' | 'replaced' | 'socket-closed' | 'peer-closed';

/** Answers upstream requests (the edgecontroller part of the cloud). */
export interface UpstreamHandler {
  handle(session: NodeSession, m: Message): void;
}

/** What all sessions share; owned by the peer. */
export interface SessionContext {
  timers: TimerHeap;
  counters: PeerCounters;
  syncs: ObjectSyncs;
  recentIds: RecentMessageIds;
  laneConfig: AckLaneConfig;
  /** Split downstream messages longer than this into a FIN=0 frame + continuations (0: never). */
  fragmentBytes: number;
  handler: UpstreamHandler;
  onKeepalive(session: NodeSession): void;
  onAcked(session: NodeSession, m: LaneMessage, latencyMs: number): void;
}

/** Build a cloud reply as cloudcore does: new id, parent set, edgecontroller/resource, request's resource. */
export function replyTo(req: Message, content: unknown, resourceVersion?: string): Message {
  const header: Message['header'] = { msg_id: randomUUID(), parent_msg_id: req.header.msg_id, timestamp: Date.now() };
  if (resourceVersion) header.resourceversion = resourceVersion;
  return {
    header,
    route: { source: 'edgecontroller', group: 'resource', operation: 'response', resource: req.route.resource ?? '' },
    content,
  };
}

/** A downstream object message from edgecontroller. */
export function downstreamMessage(operation: 'insert' | 'update' | 'delete', resource: string, content: unknown, resourceVersion: string): Message {
  const header: Message['header'] = { msg_id: randomUUID(), timestamp: Date.now() };
  if (resourceVersion) header.resourceversion = resourceVersion;
  return { header, route: { source: 'edgecontroller', group: 'resource', operation, resource }, content };
}

function contentUid(content: unknown): string | undefined {
  if (!isJsonObject(content)) return undefined;
  const meta = content.metadata;
  return isJsonObject(meta) && typeof meta.uid === 'string' && meta.uid !== '' ? meta.uid : undefined;
}

export class NodeSession implements AckLaneHost {
  readonly connectedAt = Date.now();
  private lane: AckLane | undefined;
  private closedReason: SessionCloseReason | undefined;

  constructor(
    readonly nodeId: string,
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
    /** False when the upgrade had no `ConnectionUse: msg`: the socket is never read. */
    readonly readable: boolean,
  ) {}

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** ACK-lane messages stored for this node (queued, in flight or waiting to retry). */
  get pendingAcks(): number {
    return this.lane?.pending ?? 0;
  }

  /** Whether the ACK lane holds a message for `uid` (the reconcile leaves those alone). */
  laneHas(uid: string): boolean {
    return this.lane?.has(uid) ?? false;
  }

  onFrame(data: Buffer | ArrayBuffer | Buffer[]): void {
    if (this.closed) return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let m: Message;
    try {
      m = decodeMessage(buf);
    } catch {
      this.ctx.counters.malformed++;
      return;
    }
    const operation = m.route.operation;
    this.ctx.counters.countUp(operation);
    try {
      if (operation === 'keepalive') {
        this.ctx.onKeepalive(this);
      } else if (operation === 'response') {
        this.onResponse(m);
      } else if (operation !== undefined && RESERVED_OPERATIONS.has(operation)) {
        // viaduct answers on the socket itself, outside cloudhub's dispatcher and its lanes.
        this.write(
          encodeMessage({
            header: { msg_id: randomUUID(), parent_msg_id: m.header.msg_id, timestamp: Date.now() },
            route: { ...m.route, operation: 'response' },
            content: 'ack',
          }),
          'response',
        );
      } else {
        this.ctx.handler.handle(this, m);
      }
    } catch {
      this.ctx.counters.handlerErrors++;
    }
  }

  private onResponse(m: Message): void {
    const parent = m.header.parent_msg_id;
    if (parent && this.lane?.ack(parent)) return;
    const known = parent ? this.ctx.recentIds.get(parent) : undefined;
    if (known === 'acked') this.ctx.counters.acksDuplicate++;
    else if (known === 'no-ack-needed') this.ctx.counters.acksUnneeded++;
    else this.ctx.counters.acksUnknown++;
  }

  /** Send a downstream message on the lane cloudcore would use for it. */
  send(m: Message): void {
    if (this.closed) return;
    if (!cloudRequiresAck(m)) {
      this.ctx.recentIds.remember(m.header.msg_id, 'no-ack-needed');
      this.write(encodeMessage(m), m.route.operation ?? '');
      return;
    }
    const operation = m.route.operation ?? '';
    const resource = m.route.resource ?? '';
    const rv = m.header.resourceversion;
    if (!rv && operation !== 'delete') {
      // cloudcore drops ACK-required messages without a resourceversion, deletes excepted.
      this.ctx.counters.admissionRejected++;
      return;
    }
    const lm: LaneMessage = {
      uid: contentUid(m.content) ?? resource,
      msgId: m.header.msg_id,
      rv: rvNumber(rv),
      operation,
      resource,
      text: encodeMessage(m),
      alwaysAdmit: operation === 'delete' || operation === 'response',
    };
    if (!this.lane) this.lane = new AckLane(this, this.ctx.timers, this.ctx.laneConfig);
    this.lane.enqueue(lm);
  }

  close(reason: SessionCloseReason): void {
    if (this.closed) return;
    this.closedReason = reason;
    this.lane?.close();
    this.lane = undefined;
    // cloudcore drops the TCP connection without a close frame.
    this.ws.terminate();
  }

  get closeReason(): SessionCloseReason | undefined {
    return this.closedReason;
  }

  // ---- AckLaneHost ----

  write(text: string, operation: string): void {
    if (this.closed) return;
    this.ctx.counters.countDown(operation);
    const limit = this.ctx.fragmentBytes;
    if (limit > 0 && text.length > limit / 4) {
      const buf = Buffer.from(text, 'utf8');
      if (buf.length > limit) {
        // As cloudcore's writer does: a text frame with FIN=0, then continuation frames.
        for (let off = 0; off < buf.length; off += limit) {
          const end = Math.min(off + limit, buf.length);
          this.ws.send(buf.subarray(off, end), { binary: false, fin: end === buf.length });
        }
        this.ctx.counters.fragmentedDown++;
        return;
      }
    }
    this.ws.send(text);
  }

  syncedRv(uid: string): number | undefined {
    const rec = this.ctx.syncs.get(this.nodeId, uid);
    return rec ? rvNumber(rec.resourceVersion) : undefined;
  }

  createSync(m: LaneMessage): void {
    const ref = this.refOf(m);
    if (ref) this.ctx.syncs.set(this.nodeId, m.uid, { ...ref, resourceVersion: '0' });
  }

  onAcked(m: LaneMessage, latencyMs: number): void {
    this.ctx.counters.acks++;
    this.ctx.counters.recordAckLatency(latencyMs);
    this.ctx.recentIds.remember(m.msgId, 'acked');
    const ref = this.refOf(m);
    if (ref) {
      if (m.operation === 'delete') this.ctx.syncs.delete(this.nodeId, m.uid);
      else {
        const prev = this.ctx.syncs.get(this.nodeId, m.uid);
        if (!prev || rvNumber(prev.resourceVersion) < m.rv) {
          this.ctx.syncs.set(this.nodeId, m.uid, { ...ref, resourceVersion: String(m.rv) });
        }
      }
    }
    this.ctx.onAcked(this, m, latencyMs);
  }

  onResend(): void {
    this.ctx.counters.resends++;
  }

  onGiveUp(): void {
    this.ctx.counters.ackGiveUps++;
  }

  onRejected(): void {
    this.ctx.counters.admissionRejected++;
  }

  onCoalesced(): void {
    this.ctx.counters.coalesced++;
  }

  private refOf(m: LaneMessage): { kind: ObjectKind; namespace: string; name: string } | undefined {
    const parts = m.resource.split('/');
    const kind = KIND_BY_TYPE[resourceTypeOf(m.resource) ?? ''];
    if (!kind || parts.length < 3) return undefined;
    return { kind, namespace: parts[0] ?? '', name: parts.slice(2).join('/') };
  }
}
