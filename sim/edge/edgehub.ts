/**
 * edgehub (edge/pkg/edgehub): the node's one link to CloudHub. Dialling and edgehub's reconnect
 * policy, the keepalive, writing frames (transmit) and what a failed write means, publishing
 * "connected"/"disconnected" to the node's other modules, and the queue of requests made while the
 * link was down. Plain functions on the node's state (virtual-node.ts holds it).
 */
import { randomUUID } from 'node:crypto';
import { buildFrame } from '../protocol/kubeedge/frame-builder.js';
import { NodeState, resourceType, trafficKey } from './edge-counters.js';
import type { FailedSendKind } from './edge-runtime.js';
import { arm, cancelTimer, T_DIAL, T_KEEPALIVE } from './node-timers.js';
import type { VirtualNode } from './virtual-node.js';

/** The blank message edgecore writes last on SIGTERM (edgemark does the same). */
const LAST_FRAME = '{"header":{"msg_id":"","timestamp":0},"route":{},"content":null}\n';

export function dial(node: VirtualNode): void {
  if (!node.tls || node.state === NodeState.Stopped) return;
  const rt = node.rt;
  node.setState(node.registered ? NodeState.Reconnecting : NodeState.Connecting);
  node.dialAttempt += 1;
  const options = {
    cloudhubUrl: rt.config.cloudhubUrl,
    projectId: rt.config.projectId,
    nodeName: node.name,
    secureContext: node.tls,
    handshakeTimeoutMs: rt.config.timings.handshakeTimeoutMs,
    ...(rt.config.checkServerIdentity ? { checkServerIdentity: rt.config.checkServerIdentity } : {}),
  };
  node.hub = rt.dial(options, node);
}

/**
 * The upgrade completed: keepalive starts, the queued requests go out, and edgehub publishes
 * "connected" (pubConnectInfo) to the node's other modules: devicetwin here, edged by the caller.
 */
export function linkOpened(node: VirtualNode): void {
  const rt = node.rt;
  const c = rt.counters;
  c.connects += 1;
  c.connected += 1;
  if (node.everConnected) c.reconnects += 1;
  node.everConnected = true;
  node.linkLost = false;
  node.dialAttempt = 0;
  rt.events.linkChanged?.(node.name, true, Date.now());
  sendKeepalive(node);
  arm(node, T_KEEPALIVE, rt.config.timings.keepaliveMs);
  sendQueued(node);
  node.devices?.onConnected();
}

/** The link closed (`opened`: after its upgrade) or the dial failed. */
export function linkClosed(node: VirtualNode, opened: boolean): void {
  node.hub = undefined;
  const rt = node.rt;
  const c = rt.counters;
  if (!opened) {
    c.connectFailures += 1;
    scheduleDial(node, false);
    return;
  }
  c.connected -= 1;
  c.disconnects += 1;
  rt.events.linkChanged?.(node.name, false, Date.now());
  node.devices?.onDisconnected();
  // edgehub learns of a dead link only when its next send fails; until then it keeps going.
  node.linkLost = true;
  node.setState(NodeState.Reconnecting);
}

/** Next dial: 5 s apart within a round of 5, then edgehub's 30 s sleep (+ optional jitter). */
export function scheduleDial(node: VirtualNode, afterLoss: boolean): void {
  const rt = node.rt;
  const t = rt.config.timings;
  if (node.state !== NodeState.Stopped) node.setState(node.registered ? NodeState.Reconnecting : NodeState.Connecting);
  if (!afterLoss && node.dialAttempt < t.dialAttempts) {
    arm(node, T_DIAL, t.dialIntervalMs);
    return;
  }
  node.dialAttempt = 0;
  const jitter = rt.config.reconnectJitterMs > 0 ? rt.random() * rt.config.reconnectJitterMs : 0;
  arm(node, T_DIAL, t.reconnectSleepMs + jitter);
}

/** Write one frame; on a dead link the first failure starts edgehub's reconnect sleep. */
export function transmit(node: VirtualNode, text: string, operation: string, resource: string): boolean {
  const c = node.rt.counters;
  if (node.hub?.send(text)) {
    c.countSent(trafficKey(operation, resource), Buffer.byteLength(text));
    return true;
  }
  c.sendFailures += 1;
  if (node.linkLost) {
    node.linkLost = false;
    noticeLoss(node, operation, resource);
    cancelTimer(node, T_KEEPALIVE);
    scheduleDial(node, true);
  }
  return false;
}

/**
 * edgehub learns of the loss from this failed send and publishes "disconnected"; the message is
 * lost (routeToCloud does not re-queue it). A lost lease update waits for the metaclient's 60 s
 * re-send, long enough for kube-controller-manager to mark the Node Unknown; any other first
 * failure lets the next lease fail fast and be renewed right after the reconnect.
 */
function noticeLoss(node: VirtualNode, operation: string, resource: string): void {
  const rt = node.rt;
  const type = resourceType(resource);
  const send: FailedSendKind = operation === 'keepalive' ? 'keepalive' : type === 'lease' && operation !== 'response' ? 'lease' : 'other';
  const c = rt.counters.firstFailedSend;
  c.set(send, (c.get(send) ?? 0) + 1);
  rt.events.firstFailedSend?.(node.name, send, `${operation} ${type}`, send !== 'lease' && node.leaseInFlight, Date.now());
}

/**
 * edgehub has published "disconnected": the link is gone and the node knows it. Until the
 * reconnect, metamanager answers or refuses requests itself instead of sending them.
 */
export function isOffline(node: VirtualNode): boolean {
  return !node.linkLost && node.hub?.isOpen !== true;
}

export function sendKeepalive(node: VirtualNode): void {
  if (node.hub === undefined && !node.linkLost) return;
  const text = buildFrame(randomUUID(), undefined, Date.now(), 'websocket', 'resource', 'keepalive', 'node', '"ping"');
  if (transmit(node, text, 'keepalive', 'node')) node.rt.counters.keepalives += 1;
}

/** edgehub's queue after a reconnect: requests made while the link was down go out in order. */
function sendQueued(node: VirtualNode): void {
  if (!node.pending) return;
  for (const [msgId, p] of node.pending) {
    if (!p.queued) continue;
    p.queued = false;
    transmit(node, buildFrame(msgId, undefined, p.madeAt, 'edged', 'meta', p.operation, p.resource, p.content), p.operation, p.resource);
  }
}

/** Drop the link, after edgecore's last blank message when `graceful` (as edgemark does on SIGTERM). */
export function closeLink(node: VirtualNode, graceful: boolean): void {
  const hub = node.hub;
  node.hub = undefined;
  if (hub) {
    if (graceful) hub.send(LAST_FRAME);
    hub.terminate();
    node.rt.counters.connected -= 1;
  }
}
