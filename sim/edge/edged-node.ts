/**
 * edged's node (edge/pkg/edged, kubelet's node registration, node status loop and lease
 * controller): register the Node, keep its status and its Lease, and notice kube-controller-manager
 * marking it NotReady. Plain functions on the node's state (virtual-node.ts).
 */
import { NodeState } from './edge-counters.js';
import { resyncPodStatuses } from './edged-pods.js';
import { isOffline } from './edgehub.js';
import { Req, request } from './metamanager.js';
import { leaseInsertBody, nodeInternalIp, nodeStatusPatch, registerNodeBody, rfc3339Micro } from './node-objects.js';
import { arm, T_LEASE, T_REGISTER, T_STATUS } from './node-timers.js';
import { asObject, type ObjectContent } from './object-content.js';
import type { VirtualNode } from './virtual-node.js';

/** kubelet's lease controller: an update is tried this many times before it falls back to ensure-lease. */
export const LEASE_UPDATE_RETRIES = 5;

function nodeResource(node: VirtualNode, kind: 'node' | 'nodepatch'): string {
  return `${node.rt.profile.nodeNamespace}/${kind}/${node.name}`;
}

export function sendRegister(node: VirtualNode): void {
  if (node.registered) return;
  const cfg = node.rt.config;
  const body = registerNodeBody({ name: node.name, internalIp: nodeInternalIp(node.index) }, node.rt.profile, cfg.capacity, Date.now(), cfg.nodeLabels);
  request(node, Req.Register, 'insert', nodeResource(node, 'node'), JSON.stringify(body));
}

/** The register insert was answered; AlreadyExists counts as registered (a restarted edgecore). */
export function registerAnswered(node: VirtualNode, content: ObjectContent | undefined, failed: string | undefined): void {
  if (failed === undefined || failed === 'AlreadyExists') {
    onRegistered(node, content);
  } else {
    node.rt.counters.errorReplies += 1;
    registerLater(node);
  }
}

/** The register insert was refused while the link was down. */
export function registerRefused(node: VirtualNode): void {
  registerLater(node);
}

function registerLater(node: VirtualNode): void {
  arm(node, T_REGISTER, node.registerBackoff);
  node.registerBackoff = Math.min(node.registerBackoff * 2, node.rt.config.timings.registerBackoffMaxMs);
}

function onRegistered(node: VirtualNode, content: ObjectContent | undefined): void {
  const rt = node.rt;
  const uid = asObject(asObject(content?.Object)?.metadata)?.uid;
  if (typeof uid === 'string' && uid) node.nodeUid = uid;
  node.registered = true;
  node.registerBackoff = rt.config.timings.registerBackoffMs;
  if (node.hub?.isOpen) node.setState(NodeState.Ready);
  rt.events.nodeReady?.(node.name, Date.now(), performance.now() - node.startedAt);
  // edged's first status sync after registering carries an empty patch (join.jsonl t=0.421).
  request(node, Req.NodePatch, 'patch', nodeResource(node, 'nodepatch'), '"{}"');
  node.lastStatusReport = rt.wheel.now();
  const leaseMs = rt.config.timings.leaseMs;
  arm(node, T_LEASE, rt.config.randomLeasePhase ? leaseMs + Math.floor(rt.random() * leaseMs) : leaseMs);
  arm(node, T_STATUS, rt.config.timings.statusSyncMs);
}

/** A lease query, insert or update was answered (decoded; the usual reply takes leaseTaken instead). */
export function leaseAnswered(node: VirtualNode, kind: Req, content: ObjectContent | undefined, failed: string | undefined): void {
  node.leaseInFlight = false;
  if (kind === Req.LeaseQuery) {
    if (failed === undefined && asObject(content?.Object)) {
      node.lease = JSON.stringify(content!.Object);
      node.leaseState = 2;
      leaseEnsured(node);
    } else if (failed === 'NotFound') {
      node.leaseBackoffMs = 0;
      node.leaseState = 1;
      syncLease(node); // insert right away (join.jsonl t=10.281 → 10.305)
    } else {
      node.rt.counters.errorReplies += 1;
    }
    return;
  }
  if (failed === undefined && asObject(content?.Object)) {
    node.lease = JSON.stringify(content!.Object);
    node.leaseState = 2;
  } else {
    node.rt.counters.errorReplies += 1;
    node.leaseState = 0;
    node.lease = '';
  }
}

/** The Lease as cloudcore stored it, as text, from a reply the scan vouched for (VirtualNode.takeLeaseReply). */
export function leaseTaken(node: VirtualNode, kind: Req, lease: string): void {
  node.leaseInFlight = false;
  node.lease = lease;
  node.leaseState = 2;
  if (kind === Req.LeaseQuery) leaseEnsured(node);
}

/** A lease request failed at once, the link being down: ensure-lease backs off. */
export function leaseRefused(node: VirtualNode): void {
  node.leaseInFlight = false;
  ensureLeaseLater(node);
}

/** kubelet's ensure-lease after a failed renewal: the next Get after 2 × the last wait, at most leaseBackoffMaxMs. */
function ensureLeaseLater(node: VirtualNode): void {
  const t = node.rt.config.timings;
  node.leaseBackoffMs = Math.min((node.leaseBackoffMs || t.leaseBackoffMs) * 2, t.leaseBackoffMaxMs);
  arm(node, T_LEASE, node.leaseBackoffMs);
}

/**
 * ensure-lease found the Lease: kubelet's lease controller updates it at once (sync →
 * backoffEnsureLease → retryUpdateLease), so after a reconnect the lease is renewed within the
 * backoff's last wait.
 */
function leaseEnsured(node: VirtualNode): void {
  node.leaseBackoffMs = 0;
  syncLease(node);
}

export function syncLease(node: VirtualNode): void {
  if (node.leaseInFlight) return; // the kubelet's lease controller waits for its request
  const resource = `kube-node-lease/lease/${node.name}`;
  node.leaseInFlight = true;
  if (node.leaseState === 0 || node.leaseBackoffMs > 0) {
    request(node, Req.LeaseQuery, 'query', resource, 'null');
  } else if (node.leaseState === 1 || node.lease === '') {
    const body = leaseInsertBody(node.name, node.nodeUid, Date.now()) as { metadata: Record<string, unknown> };
    // kubelet's lease controller sets the Node owner only when it can read its Node; with the uid
    // unknown (register answered AlreadyExists, empty meta store) it omits the owner, and the
    // API server refuses an owner with an empty uid.
    if (!node.nodeUid) delete body.metadata.ownerReferences;
    request(node, Req.LeaseInsert, 'insert', resource, JSON.stringify(body));
  } else {
    const renew = rfc3339Micro(Date.now());
    request(node, Req.LeaseUpdate, 'update', resource, node.lease.replace(/"renewTime":"[^"]*"/, `"renewTime":"${renew}"`));
  }
}

/** edged's status loop: pods' drifted statuses, the node query (1.21/1.22 profiles), then the node status patch when due. */
export function syncStatus(node: VirtualNode, now: number): void {
  if (!node.registered) return;
  if (node.podsDrifted && !isOffline(node)) resyncPodStatuses(node);
  if (node.rt.profile.remoteNodeQuery) request(node, Req.NodeQuery, 'query', nodeResource(node, 'node'), 'null');
  if (node.statusInFlight) return;
  if (node.statusDirty || now - node.lastStatusReport >= node.rt.config.timings.statusReportMs) {
    node.statusDirty = false;
    node.statusInFlight = true;
    node.lastStatusReport = now;
    const wall = Date.now();
    request(node, Req.NodePatch, 'patch', nodeResource(node, 'nodepatch'), JSON.stringify(nodeStatusPatch(wall, wall)));
  }
}

/** The node status patch was answered: the status loop may write again. */
export function statusAnswered(node: VirtualNode, failed: string | undefined): void {
  node.statusInFlight = false;
  if (failed !== undefined) node.rt.counters.errorReplies += 1;
}

/** The node status patch was refused while the link was down: the next sync writes it again. */
export function statusRefused(node: VirtualNode): void {
  node.statusInFlight = false;
  node.statusDirty = true;
}

/** kube-controller-manager marking the node NotReady/Unknown shows in the echo: report status again. */
export function observeNode(node: VirtualNode, content: ObjectContent | undefined): void {
  const obj = asObject(content?.Object) ?? content;
  const meta = asObject(obj?.metadata);
  if (typeof meta?.uid === 'string' && meta.uid) node.nodeUid = meta.uid;
  const conditions = asObject(obj?.status)?.conditions;
  if (!Array.isArray(conditions)) return;
  for (const cond of conditions) {
    const cnd = asObject(cond);
    if (cnd?.type === 'Ready' && cnd.status !== 'True') node.statusDirty = true;
  }
}
