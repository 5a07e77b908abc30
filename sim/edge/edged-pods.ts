/**
 * edged's pods (edge/pkg/edged, kubelet's pod workers and status manager): a pod's life on the
 * node from the cloud's insert to edged's `delete`: its remote queries, startup, status patches
 * one at a time, termination and the kill delay. One PodState per pod; the rest are plain
 * functions on the node's state (virtual-node.ts).
 */
import type { MetaRecord } from './meta-store.js';
import { podDeleteBody, podPendingPatch, podReadyPatch, podRunningPatch, podTerminatedPatch, nodeInternalIp, serviceAccountTokenRequest, type PodRef } from './node-objects.js';
import { podContainers, podQueries, type PodQuery } from './pod-references.js';
import { Req, removeObject, request, storeObject } from './metamanager.js';
import { T_POD_KILLED, T_POD_START } from './node-timers.js';
import { asObject, type ObjectContent } from './object-content.js';
import { NO_TIMER, type TimerId, type TimerTarget } from '../scheduler/timer-wheel.js';
import type { VirtualNode } from './virtual-node.js';

const POD_CREATING = 0;
const POD_RUNNING = 1;
const POD_TERMINATING = 2;

/** A pod this node runs. Also a timer target for its startup and kill delays. */
export class PodState implements TimerTarget, PodRef {
  phase = POD_CREATING;
  /** What the pod needs from the cloud, sent one at a time as edged's volume manager does. */
  queries: readonly PodQuery[] = [];
  nextQuery = 0;
  queryFailed = false;
  startedAt = 0;
  /**
   * kubelet's status manager writes one pod's status at a time and waits for the reply; cloudcore
   * applies podpatches on parallel workers, so two in flight could land out of order (a Running pod
   * left Ready=False by a late Pending patch). The next patch waits here; a newer one replaces it.
   */
  patchInFlight = false;
  queuedPatch: { kind: Req; body: string } | undefined;
  /** The API shows this running pod as not Ready: the next status sync patches Ready back. */
  readyDrift = false;
  /** Terminating: the kill delay is over / the terminated status patch was answered. The delete waits for both. */
  killed = false;
  terminatedWritten = false;
  timer: TimerId = NO_TIMER;

  constructor(
    readonly node: VirtualNode,
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    public resourceVersion: string,
    readonly containers: Array<{ name: string; image: string }>,
  ) {}

  onTimer(kind: number): void {
    this.timer = NO_TIMER;
    if (kind === T_POD_KILLED) podKilled(this.node, this);
    else startPod(this.node, this);
  }
}

/** status of the pod's Ready condition in a pod object, if it has one. */
function readyCondition(pod: ObjectContent): string | undefined {
  const conditions = asObject(pod.status)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  for (const c of conditions) {
    const cond = asObject(c);
    if (cond?.type === 'Ready') return typeof cond.status === 'string' ? cond.status : undefined;
  }
  return undefined;
}

function podIp(index: number, pod: PodState): string {
  let h = 0;
  for (let i = 0; i < pod.uid.length; i++) h = (h * 31 + pod.uid.charCodeAt(i)) | 0;
  return `10.${(index >>> 8) & 255}.${index & 255}.${(h & 127) + 2}`;
}

/** The node holds this pod object (not an older one of the same name). */
function isCurrent(node: VirtualNode, pod: PodState): boolean {
  return node.pods?.get(`${pod.namespace}/${pod.name}`) === pod;
}

/** A pod a previous run of this shard stored for the node runs again. */
export function restorePod(node: VirtualNode, r: MetaRecord): void {
  let body: unknown;
  try {
    body = JSON.parse(r.body);
  } catch {
    return;
  }
  const pod = new PodState(node, r.namespace, r.name, r.uid, r.resourceVersion, podContainers(body));
  pod.phase = POD_RUNNING;
  pod.startedAt = r.updatedAt;
  (node.pods ??= new Map()).set(`${r.namespace}/${r.name}`, pod);
}

/** The cloud sent a pod object (insert, update or delete; `content` absent for some deletes). */
export function onPod(node: VirtualNode, resource: string, operation: string, content: ObjectContent | undefined, uid: string, rv: string): void {
  const parts = resource.split('/');
  const namespace = parts[0] ?? '';
  const name = parts[2] ?? '';
  const key = `${namespace}/${name}`;
  const c = node.rt.counters;
  let pod = node.pods?.get(key);
  if (operation === 'delete') {
    if (pod) {
      cancelPodTimer(node, pod);
      node.pods!.delete(key);
      c.podsDeleted += 1;
    }
    removeObject(node, resource);
    return;
  }
  if (!content) return;
  if (pod && uid && pod.uid !== uid) {
    // Same name, new object: the old pod is gone.
    cancelPodTimer(node, pod);
    node.pods!.delete(key);
    pod = undefined;
  }
  storeObject(node, resource, 'pod', content, rv);
  const terminating = asObject(content.metadata)?.deletionTimestamp !== undefined;
  if (!pod) {
    if (terminating) return;
    // insert, or update of a pod this node does not know: a create (protocol doc §6).
    pod = new PodState(node, namespace, name, uid, rv, podContainers(content));
    (node.pods ??= new Map()).set(key, pod);
    c.podsCreated += 1;
    createPod(node, pod, content);
    return;
  }
  pod.resourceVersion = rv;
  if (terminating && pod.phase !== POD_TERMINATING) terminatePod(node, pod);
  // With a patch of ours still in flight or waiting, the API may simply not have it yet (the
  // echo of the Pending patch arrives while Running waits); only a settled pod can drift.
  else if (pod.phase === POD_RUNNING && !pod.patchInFlight && pod.queuedPatch === undefined && readyCondition(content) === 'False') {
    pod.readyDrift = true;
    node.podsDrifted = true;
  }
}

function podResource(pod: PodState, type: string): string {
  return `${pod.namespace}/${type}/${pod.name}`;
}

function createPod(node: VirtualNode, pod: PodState, content: ObjectContent): void {
  const now = Date.now();
  sendPodPatch(node, pod, Req.PodPatch, JSON.stringify(podPendingPatch(pod, nodeInternalIp(node.index), now)));
  pod.queries = podQueries(content);
  sendNextPodQuery(node, pod);
}

/**
 * The pod's next remote query, once the previous one was answered (pod-lifecycle.jsonl t=5.904 →
 * 5.917 → 5.939 → 6.073: each query follows the reply to the one before). A ConfigMap or Secret
 * the node already holds is read locally, as metamanager does (offline-pod.jsonl t=30.783: only
 * the token is queried, kube-root-ca.crt is in the store). When none are left the pod starts.
 */
function sendNextPodQuery(node: VirtualNode, pod: PodState): void {
  const store = node.rt.store;
  while (pod.nextQuery < pod.queries.length) {
    const q = pod.queries[pod.nextQuery++]!;
    const resource = `${pod.namespace}/${q.kind}/${q.name}`;
    if (q.kind !== 'serviceaccounttoken' && store?.get(node.name, resource)) continue;
    const body = q.kind === 'serviceaccounttoken' ? JSON.stringify(serviceAccountTokenRequest(pod)) : 'null';
    request(node, Req.Query, 'query', resource, body, pod);
    return;
  }
  if (!pod.queryFailed) schedulePodStart(node, pod);
}

/**
 * One of the pod's queries was answered (`failed`: with an error, or not found locally while
 * offline): the next one goes; a creating pod with a failed query never starts.
 */
export function podQueryAnswered(node: VirtualNode, pod: PodState, failed: string | undefined): void {
  if (pod.phase === POD_CREATING && isCurrent(node, pod)) {
    if (failed !== undefined) pod.queryFailed = true;
    sendNextPodQuery(node, pod);
  }
}

function schedulePodStart(node: VirtualNode, pod: PodState): void {
  pod.timer = node.rt.wheel.schedule(pod, T_POD_START, node.rt.config.podStartupDelayMs);
}

function cancelPodTimer(node: VirtualNode, pod: PodState): void {
  if (pod.timer !== NO_TIMER) node.rt.wheel.cancel(pod.timer);
  pod.timer = NO_TIMER;
}

/** The pod's startup delay is over: containers started, report Running. */
function startPod(node: VirtualNode, pod: PodState): void {
  if (pod.phase !== POD_CREATING || !isCurrent(node, pod)) return;
  const rt = node.rt;
  const now = Date.now();
  pod.phase = POD_RUNNING;
  pod.startedAt = now;
  sendPodPatch(node, pod, Req.PodPatch, JSON.stringify(podRunningPatch(pod, podIp(node.index, pod), now)));
  rt.counters.podsRunning += 1;
  rt.events.podRunning?.(node.name, pod.uid, now);
}

function terminatePod(node: VirtualNode, pod: PodState): void {
  cancelPodTimer(node, pod);
  pod.phase = POD_TERMINATING;
  const now = Date.now();
  sendPodPatch(node, pod, Req.PodTerminatedPatch, JSON.stringify(podTerminatedPatch(pod, pod.startedAt || now, now)));
  // edgecore's delete trails the patch's reply by the time kubelet takes to reclaim the pod (see EDGECORE_POD_KILL_DELAY_MS).
  const delay = node.rt.config.podKillDelayMs;
  if (delay > 0) pod.timer = node.rt.wheel.schedule(pod, T_POD_KILLED, delay);
  else pod.killed = true;
}

/** The kill delay since the pod's deletionTimestamp is over. */
function podKilled(node: VirtualNode, pod: PodState): void {
  if (pod.phase !== POD_TERMINATING || !isCurrent(node, pod)) return;
  pod.killed = true;
  if (pod.terminatedWritten) deletePod(node, pod);
}

/** One status patch per pod in flight; a patch made meanwhile waits, the newest replacing an older one. */
function sendPodPatch(node: VirtualNode, pod: PodState, kind: Req, body: string): void {
  if (pod.patchInFlight) {
    pod.queuedPatch = { kind, body };
    return;
  }
  pod.patchInFlight = true;
  request(node, kind, 'patch', podResource(pod, 'podpatch'), body, pod);
}

/** The pod's status patch was answered: the one waiting goes. */
export function podPatchAnswered(node: VirtualNode, pod: PodState): void {
  pod.patchInFlight = false;
  const next = pod.queuedPatch;
  if (next) {
    pod.queuedPatch = undefined;
    sendPodPatch(node, pod, next.kind, next.body);
  }
}

/** The terminated patch was answered: the pod's `delete` goes once its kill delay is over too. */
export function terminatedPatchAnswered(node: VirtualNode, pod: PodState): void {
  podPatchAnswered(node, pod);
  pod.terminatedWritten = true;
  if (pod.killed) deletePod(node, pod);
}

/** A status patch refused while the link was down: kubelet writes it again at the next status sync once the link is back. */
export function podPatchRefused(node: VirtualNode, pod: PodState, kind: Req, body: string): void {
  pod.patchInFlight = false;
  pod.queuedPatch ??= { kind, body };
  node.podsDrifted = true;
}

/** kubelet's status manager deletes the pod once its final status is written (pod-lifecycle.jsonl t=57.373 → 57.693). */
function deletePod(node: VirtualNode, pod: PodState): void {
  request(node, Req.PodDelete, 'delete', podResource(pod, 'pod'), JSON.stringify(podDeleteBody(pod.uid)), pod);
}

/** The status sync writes what drifted: patches refused while offline, and Ready back on running pods the API shows not Ready. */
export function resyncPodStatuses(node: VirtualNode): void {
  node.podsDrifted = false;
  if (!node.pods) return;
  for (const pod of node.pods.values()) {
    const held = pod.queuedPatch;
    if (held && !pod.patchInFlight) {
      // refused while the link was down: kubelet's status manager writes it again now
      pod.queuedPatch = undefined;
      sendPodPatch(node, pod, held.kind, held.body);
    }
    if (!pod.readyDrift || pod.phase !== POD_RUNNING) continue;
    pod.readyDrift = false;
    sendPodPatch(node, pod, Req.PodPatch, JSON.stringify(podReadyPatch(pod, pod.startedAt || Date.now())));
  }
}

/** The node stops: pod timers are cancelled, and no reply will release a waiting patch. */
export function stopPods(node: VirtualNode): void {
  if (!node.pods) return;
  for (const pod of node.pods.values()) {
    cancelPodTimer(node, pod);
    // its pending requests are dropped too, so no reply will release the next patch
    pod.patchInFlight = false;
    pod.queuedPatch = undefined;
  }
}
