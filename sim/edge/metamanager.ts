/**
 * metamanager (edge/pkg/metamanager, with its metaclient in client/): what the node keeps in its
 * meta store, the ACKs it writes for what the cloud sends, and edged's requests to the cloud: sent
 * through edgehub and held until their reply, re-sent after the metaclient's timeout, or answered
 * locally while edgehub is disconnected. Plain functions on the node's state (virtual-node.ts).
 */
import { randomUUID } from 'node:crypto';
import { buildFrame } from '../protocol/kubeedge/frame-builder.js';
import type { Message } from '../protocol/kubeedge/message.js';
import { resourceType } from './edge-counters.js';
import { isOffline, transmit } from './edgehub.js';
import type { PodState } from './edged-pods.js';
import { arm, T_REQUEST_TIMEOUT } from './node-timers.js';
import { asObject, type ObjectContent } from './object-content.js';
import { NO_TIMER } from '../scheduler/timer-wheel.js';
import type { VirtualNode } from './virtual-node.js';

/** What an upstream request was, so its reply can be handled. */
export const enum Req {
  Register,
  NodePatch,
  LeaseQuery,
  LeaseInsert,
  LeaseUpdate,
  PodPatch,
  /** The patch reporting a deleted pod's containers stopped; its reply releases the pod `delete`. */
  PodTerminatedPatch,
  Query,
  PodDelete,
  NodeQuery,
}

/** Each request kind's name in the fleet's request-latency histograms (the same order as Req). */
export const REQ_NAMES = ['register', 'node patch', 'lease query', 'lease insert', 'lease update', 'pod patch', 'pod terminated patch', 'query', 'pod delete', 'node query'] as const;

/** A request waiting for its reply, keyed by msg_id in `VirtualNode.pending`. */
export interface PendingRequest {
  readonly kind: Req;
  readonly operation: string;
  readonly resource: string;
  /** Header timestamp of the first send; a re-send keeps it, as edgecore does. */
  readonly madeAt: number;
  /** JSON text of the content. */
  readonly content: string;
  readonly pod: PodState | undefined;
  deadline: number;
  /** Made while the link was known down: waits in edgehub's queue and goes out on the reconnect. */
  queued: boolean;
}

/**
 * One request from edged. Once edgehub has published "disconnected", metamanager answers it
 * itself (edge/pkg/metamanager/process.go) and it never reaches edgehub:
 * - an `insert` (register, lease) and the lease `update` fail at once with "not connected"
 *   (processInsert, processUpdate);
 * - a `patch` is refused with connect.ErrConnectionLost (processPatch);
 * - a `query` is answered from the local store (processQuery: requireRemoteQuery && IsConnected);
 * - a pod `delete` goes to edgehub anyway (processDelete) and waits in its queue for the reconnect.
 * The node's dispatch hands the local answer to the edged piece that asked (onAnsweredOffline).
 */
export function request(node: VirtualNode, kind: Req, operation: string, resource: string, content: string, pod?: PodState, madeAt = Date.now()): void {
  const offline = isOffline(node);
  if (offline && operation !== 'delete') {
    node.onAnsweredOffline(kind, content, pod);
    return;
  }
  const rt = node.rt;
  const msgId = randomUUID();
  const timeout = rt.config.timings.requestTimeoutMs;
  (node.pending ??= new Map()).set(msgId, { kind, operation, resource, madeAt, content, pod, deadline: rt.wheel.now() + timeout, queued: offline });
  rt.counters.pendingRequests += 1;
  if (node.timers[T_REQUEST_TIMEOUT] === NO_TIMER) arm(node, T_REQUEST_TIMEOUT, timeout);
  if (!offline) transmit(node, buildFrame(msgId, undefined, madeAt, 'edged', 'meta', operation, resource, content), operation, resource);
}

/**
 * The metaclient's SendSync waits a minute for the reply, then sends again: requests past their
 * deadline are re-sent with a new msg_id and their first timestamp (live trace).
 */
export function expireRequests(node: VirtualNode, now: number): void {
  const pending = node.pending;
  if (!pending) return;
  let next = Infinity;
  const expired: PendingRequest[] = [];
  for (const [id, p] of pending) {
    if (p.deadline <= now) {
      pending.delete(id);
      expired.push(p);
    } else if (p.deadline < next) {
      next = p.deadline;
    }
  }
  const c = node.rt.counters;
  c.pendingRequests -= expired.length;
  c.unanswered += expired.length;
  for (const p of expired) {
    switch (p.kind) {
      case Req.NodePatch:
        // edged's next status sync sends a fresh patch
        node.statusInFlight = false;
        node.statusDirty = true;
        break;
      case Req.NodeQuery:
        break;
      default:
        request(node, p.kind, p.operation, p.resource, p.content, p.pod, p.madeAt);
    }
  }
  if (next !== Infinity) arm(node, T_REQUEST_TIMEOUT, Math.max(1, next - now));
}

/** The reply to pending request `p` (sent as `msgId`) arrived: it is no longer pending. */
export function replyTaken(node: VirtualNode, msgId: string, p: PendingRequest): void {
  const c = node.rt.counters;
  node.pending!.delete(msgId);
  c.pendingRequests -= 1;
  c.observeRequest(REQ_NAMES[p.kind], Date.now() - p.madeAt);
}

/** The node stopped: no reply will come for what it asked. */
export function dropPending(node: VirtualNode): void {
  if (node.pending) {
    node.rt.counters.pendingRequests -= node.pending.size;
    node.pending.clear();
  }
}

export function ack(node: VirtualNode, m: Message): void {
  const r = m.route;
  ackFrame(node, m.header.msg_id, r.source ?? '', r.group ?? '', r.resource ?? '');
}

/** metamanager's ACK: `response` to the message's id, its source, group and resource copied, content "OK". */
export function ackFrame(node: VirtualNode, msgId: string, source: string, group: string, resource: string): void {
  const text = buildFrame(randomUUID(), msgId, Date.now(), source, group, 'response', resource, '"OK"');
  if (transmit(node, text, 'response', resource)) node.rt.counters.acksSent += 1;
}

/** msg_ids of the last four ACK-required downstream messages: a resend is recognised (and ACKed again). */
export function seen(node: VirtualNode, msgId: string): boolean {
  const r = node.recent;
  if (r[0] === msgId || r[1] === msgId || r[2] === msgId || r[3] === msgId) return true;
  r[node.recentNext] = msgId;
  node.recentNext = (node.recentNext + 1) & 3;
  return false;
}

/** processRemote: a ConfigMap or Secret the cloud returned to a query is kept in the store. */
export function remoteQueryAnswered(node: VirtualNode, resource: string, content: ObjectContent | undefined, rv: string | undefined, failed: string | undefined): void {
  if (failed === undefined && content) {
    const type = resourceType(resource);
    if (type === 'configmap' || type === 'secret') storeObject(node, resource, type, content, rv);
  } else {
    node.rt.counters.errorReplies += 1;
  }
}

export function storeObject(node: VirtualNode, resource: string, type: string, content: ObjectContent, rv: string | undefined): void {
  const store = node.rt.store;
  if (!store) return;
  const meta = asObject(content.metadata);
  const slash = resource.indexOf('/');
  store.put(node.name, {
    key: resource,
    type,
    namespace: slash > 0 ? resource.slice(0, slash) : '',
    name: typeof meta?.name === 'string' ? meta.name : '',
    uid: typeof meta?.uid === 'string' ? meta.uid : '',
    resourceVersion: rv ?? '',
    body: JSON.stringify(content),
    updatedAt: Date.now(),
  });
}

export function removeObject(node: VirtualNode, resource: string): void {
  node.rt.store?.remove(node.name, resource);
}
