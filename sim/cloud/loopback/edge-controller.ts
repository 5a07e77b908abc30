/**
 * The edgecontroller part of the loopback peer: answers the edge's requests (register, status
 * patches, leases, queries, pod deletes) the way cloudcore v1.23 did on the wire
 * (../traces/kubeedge-v1.23.1), and turns object changes into downstream messages for the node
 * that should get them, including the synccontroller-like reconcile of un-ACKed objects.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '../../protocol/kubeedge/message.js';
import {
  KUBE_ROOT_CA,
  kubeTime,
  notFoundError,
  rvNumber,
  statusError,
  withTypeMeta,
  type LoopbackObjects,
  type ObjectKind,
  type StoredObject,
} from './loopback-objects.js';
import { downstreamMessage, replyTo, type NodeSession, type UpstreamHandler } from './node-session.js';
import type { ObjectSyncs } from './object-syncs.js';
import type { PeerCounters } from './peer-stats.js';
import { isJsonObject, type JsonObject } from './status-merge.js';

export interface EdgeControllerEvents {
  nodeRegistered(node: string): void;
  podRunning(namespace: string, name: string, node: string): void;
  podDeleted(namespace: string, name: string, node: string): void;
}

export interface EdgeControllerOptions {
  /** 1.23 pushes every Node change down as an ACK-required `update`; 1.21/1.22 do not. */
  nodeEcho: boolean;
}

const TYPE_OF_KIND: Readonly<Record<ObjectKind, string>> = {
  Node: 'node',
  Pod: 'pod',
  ConfigMap: 'configmap',
  Secret: 'secret',
  Lease: 'lease',
};

/** Content may be an object or JSON text in a string (the cloud reads both). */
function contentObject(content: unknown): JsonObject | undefined {
  if (isJsonObject(content)) return content;
  if (typeof content === 'string') {
    try {
      const parsed: unknown = JSON.parse(content);
      return isJsonObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function podPhase(pod: StoredObject): string | undefined {
  return isJsonObject(pod.status) && typeof pod.status.phase === 'string' ? pod.status.phase : undefined;
}

function fakeToken(claims: JsonObject): string {
  const b64 = (o: JsonObject): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.loopback-unsigned`;
}

export class LoopbackEdgeController implements UpstreamHandler {
  constructor(
    private readonly objects: LoopbackObjects,
    private readonly syncs: ObjectSyncs,
    private readonly sessionOf: (node: string) => NodeSession | undefined,
    private readonly counters: PeerCounters,
    private readonly events: EdgeControllerEvents,
    private readonly opts: EdgeControllerOptions,
  ) {}

  handle(session: NodeSession, m: Message): void {
    const operation = m.route.operation ?? '';
    const resource = m.route.resource ?? '';
    if (resource === 'k8s/ca.crt' && operation === 'query') {
      const cm = this.objects.getConfigMap('default', KUBE_ROOT_CA);
      session.send(replyTo(m, isJsonObject(cm?.data) ? cm.data['ca.crt'] : ''));
      return;
    }
    const [namespace = '', type = '', ...rest] = resource.split('/');
    const name = rest.join('/');
    switch (`${type} ${operation}`) {
      case 'node insert':
        return this.registerNode(session, m, name);
      case 'node query':
        return this.queryNode(session, m, name);
      case 'nodepatch patch':
        return this.patchNode(session, m, name);
      case 'lease query':
        return this.queryLease(session, m, namespace, name);
      case 'lease insert':
      case 'lease update':
        return this.writeLease(session, m, operation, namespace, name);
      case 'podpatch patch':
        return this.patchPod(session, m, namespace, name);
      case 'pod delete':
        return this.deletePodFromEdge(session, m, namespace, name);
      case 'configmap query':
        return this.queryObject(session, m, 'ConfigMap', this.objects.getConfigMap(namespace, name), name);
      case 'secret query':
        return this.queryObject(session, m, 'Secret', this.objects.getSecret(namespace, name), name);
      case 'serviceaccounttoken query':
        return this.serviceAccountToken(session, m, namespace, name);
      default:
        // e.g. devicetwin's membership/detail, which cloudcore ignores too.
        this.counters.unhandled++;
    }
  }

  // ---- upstream ----

  private registerNode(session: NodeSession, m: Message, name: string): void {
    const content = contentObject(m.content);
    if (!content) {
      session.send(replyTo(m, `message: ${m.header.msg_id} process failure, unmarshal marshaled message content`));
      return;
    }
    if (this.objects.getNode(name)) {
      session.send(
        // cloudcore v1.23.1 answers with the Node it tried to create emptied but for the
        // kubernetes.io labels it puts back, and the AlreadyExists error (seen against the real cloud).
        replyTo(m, { Object: alreadyExistsNode(content), Err: statusError('AlreadyExists', { kind: 'nodes', name }, `nodes "${name}" already exists`) }),
      );
      return;
    }
    const node = this.objects.createNode(name, content);
    session.send(replyTo(m, { Object: node, Err: null }));
    const touched = this.objects.touchNodeAfterRegister(name);
    if (touched) this.nodeChanged(name, touched);
    this.events.nodeRegistered(name);
  }

  private queryNode(session: NodeSession, m: Message, name: string): void {
    const node = this.objects.getNode(name);
    if (!node) session.send(replyTo(m, notFoundError('node', '', name)));
    else session.send(replyTo(m, withTypeMeta('Node', node), node.metadata.resourceVersion));
  }

  private patchNode(session: NodeSession, m: Message, name: string): void {
    const patch = contentObject(m.content) ?? {};
    const result = this.objects.patchNodeStatus(name, patch);
    if (!result) {
      session.send(replyTo(m, { Object: null, Err: notFoundError('nodes', '', name) }));
      return;
    }
    // The informer's echo reaches the edge before the patch's own reply (traces: 6–9 ms, 5 of 6 times first).
    if (result.changed) this.nodeChanged(name, result.node);
    session.send(replyTo(m, { Object: result.node, Err: null }, result.node.metadata.resourceVersion));
  }

  private queryLease(session: NodeSession, m: Message, namespace: string, name: string): void {
    const lease = this.objects.getLease(namespace, name);
    const body = lease ? { Object: lease, Err: null } : { Object: null, Err: notFoundError('lease', 'coordination.k8s.io', name) };
    session.send(replyTo(m, body));
  }

  private writeLease(session: NodeSession, m: Message, operation: string, namespace: string, name: string): void {
    const content = contentObject(m.content) ?? {};
    const result =
      operation === 'insert' ? this.objects.createLease(namespace, name, content) : this.objects.updateLease(namespace, name, content);
    const ok = 'metadata' in result;
    session.send(replyTo(m, ok ? { Object: result, Err: null } : { Object: null, Err: result }));
  }

  private patchPod(session: NodeSession, m: Message, namespace: string, name: string): void {
    const patch = contentObject(m.content) ?? {};
    const pod = this.objects.getPod(namespace, name);
    const wantUid = isJsonObject(patch.metadata) ? patch.metadata.uid : undefined;
    if (!pod || (typeof wantUid === 'string' && wantUid !== pod.metadata.uid)) {
      session.send(replyTo(m, { Object: null, Err: notFoundError('pods', '', name) }));
      return;
    }
    const before = podPhase(pod);
    const result = this.objects.patchPodStatus(namespace, name, patch);
    if (!result) return;
    const node = this.objects.podNode(result.pod) ?? session.nodeId;
    if (result.changed) this.dispatch(node, 'update', 'Pod', result.pod);
    session.send(replyTo(m, { Object: result.pod, Err: null }, result.pod.metadata.resourceVersion));
    if (before !== 'Running' && podPhase(result.pod) === 'Running') this.events.podRunning(namespace, name, node);
  }

  private deletePodFromEdge(session: NodeSession, m: Message, namespace: string, name: string): void {
    const pod = this.objects.getPod(namespace, name);
    let uid: string | undefined;
    if (typeof m.content === 'string') uid = m.content; // edges before 1.x sent the bare uid
    else if (isJsonObject(m.content) && isJsonObject(m.content.preconditions) && typeof m.content.preconditions.uid === 'string') {
      uid = m.content.preconditions.uid;
    }
    if (!pod || (uid !== undefined && uid !== pod.metadata.uid)) {
      // NotFound and "deleted and then recreated" both count as done.
      session.send(replyTo(m, 'OK'));
      return;
    }
    const node = this.objects.podNode(pod) ?? session.nodeId;
    // Trace order: cloud `update` (final write), the "OK" reply, then `delete` with the full Pod.
    const final = this.objects.finalizePod(namespace, name);
    if (final) this.dispatch(node, 'update', 'Pod', final);
    session.send(replyTo(m, 'OK'));
    const gone = this.objects.removePod(namespace, name);
    if (gone) this.dispatch(node, 'delete', 'Pod', gone);
    this.events.podDeleted(namespace, name, node);
  }

  private queryObject(session: NodeSession, m: Message, kind: ObjectKind, obj: StoredObject | undefined, name: string): void {
    if (!obj) {
      session.send(replyTo(m, notFoundError(TYPE_OF_KIND[kind], '', name)));
      return;
    }
    // Carries the object and its RV, so it goes on the ACK lane; its ACK creates the ObjectSync.
    session.send(replyTo(m, withTypeMeta(kind, obj), obj.metadata.resourceVersion));
  }

  private serviceAccountToken(session: NodeSession, m: Message, namespace: string, name: string): void {
    const req = contentObject(m.content) ?? {};
    const spec = isJsonObject(req.spec) ? req.spec : {};
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3607;
    const now = Date.now();
    const token = fakeToken({ sub: `system:serviceaccount:${namespace}:${name}`, iat: Math.floor(now / 1000), jti: randomUUID() });
    session.send(
      replyTo(m, {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: kubeTime(now) },
        spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
        status: { token, expirationTimestamp: kubeTime(now + expirationSeconds * 1000) },
      }),
    );
  }

  // ---- downstream ----

  /** A Node changed: 1.23 pushes it down as an ACK-required `update`. */
  nodeChanged(name: string, node: StoredObject): void {
    if (this.opts.nodeEcho) this.dispatch(name, 'update', 'Node', node);
  }

  /** Send an object change to `node`, if it is connected (offline nodes catch up via reconcile). */
  dispatch(node: string, operation: 'insert' | 'update' | 'delete', kind: ObjectKind, obj: StoredObject): void {
    const session = this.sessionOf(node);
    if (!session || session.closed) return;
    session.send(downstreamMessage(operation, this.resourceOf(kind, obj), withTypeMeta(kind, obj), obj.metadata.resourceVersion));
  }

  /** Nodes that hold an ObjectSync for `uid` (they ACKed a query reply or a push of it). */
  subscribers(uid: string): string[] {
    return this.syncs.nodesWith(uid);
  }

  private resourceOf(kind: ObjectKind, obj: StoredObject): string {
    return `${obj.metadata.namespace ?? 'null'}/${TYPE_OF_KIND[kind]}/${obj.metadata.name}`;
  }

  /**
   * synccontroller, for one node: objects whose live RV is newer than the node's ACKed RV are
   * re-sent as `update`; objects gone (or recreated with a new uid) get a `delete`. Objects that
   * already have a message in the node's ACK lane are left to it.
   */
  reconcile(node: string): void {
    const session = this.sessionOf(node);
    if (!session || session.closed || !session.readable) return;
    const nodeObj = this.objects.getNode(node);
    if (!nodeObj) return;
    const consider = (kind: ObjectKind, obj: StoredObject): void => {
      const uid = obj.metadata.uid;
      if (session.laneHas(uid)) return;
      const synced = this.syncs.get(node, uid);
      if (rvNumber(obj.metadata.resourceVersion) > rvNumber(synced?.resourceVersion)) {
        this.counters.reconcileResent++;
        this.dispatch(node, 'update', kind, obj);
      }
    };
    if (this.opts.nodeEcho) consider('Node', nodeObj);
    for (const pod of this.objects.podsOn(node)) consider('Pod', pod);
    const records = this.syncs.forNode(node);
    if (!records) return;
    for (const [uid, rec] of [...records]) {
      if (rec.kind === 'Node' || rec.kind === 'Pod') {
        if (this.objects.byUid(uid)) continue; // handled above
      }
      const live = this.objects.byUid(uid);
      if (live) {
        if (rec.kind !== 'Node' && rec.kind !== 'Pod') consider(live.kind, live.object);
        continue;
      }
      if (session.laneHas(uid)) continue;
      this.counters.reconcileResent++;
      const content = { metadata: { name: rec.name, namespace: rec.namespace, uid, resourceVersion: rec.resourceVersion } };
      session.send(
        downstreamMessage('delete', `${rec.namespace || 'null'}/${TYPE_OF_KIND[rec.kind]}/${rec.name}`, content, rec.resourceVersion),
      );
    }
  }
}

/** The Object cloudcore returns with an AlreadyExists register error: no name, no uid, only the kubernetes.io labels. */
function alreadyExistsNode(content: unknown): JsonObject {
  const labels: JsonObject = {};
  const meta = content !== null && typeof content === 'object' ? (content as { metadata?: { labels?: Record<string, unknown> } }).metadata : undefined;
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    if ((k.startsWith('kubernetes.io/') || /^[^/]*\.kubernetes\.io\//.test(k)) && typeof v === 'string') labels[k] = v;
  }
  return { metadata: { creationTimestamp: null, labels }, spec: {}, status: { daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: {} } };
}
