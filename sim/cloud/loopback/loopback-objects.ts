/**
 * The loopback peer's stand-in for the API server: Nodes, Leases, Pods, ConfigMaps and Secrets
 * with uids and one cluster-wide resourceVersion counter, as the edge sees them through cloudcore.
 * Stored objects carry no TypeMeta (as client-go typed objects in an ObjectResp); `withTypeMeta`
 * adds it for downstream messages and query replies, where cloudcore sends it.
 */
import { randomUUID } from 'node:crypto';
import { isJsonObject, jsonEqual, mergeObject, type JsonObject } from './status-merge.js';

export interface ObjectMeta extends JsonObject {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
}

export interface StoredObject extends JsonObject {
  metadata: ObjectMeta;
}

export type ObjectKind = 'Node' | 'Pod' | 'ConfigMap' | 'Secret' | 'Lease';

/** What a caller gives to create a pod: name (+ namespace, labels, annotations) and a spec. */
export interface PodInput {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: JsonObject;
}

/** metadata/spec fields merged into a pod by `updatePod` (spec changes are what make cloudcore send an update). */
export interface PodChange {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: JsonObject;
}

const API_VERSION: Readonly<Record<ObjectKind, string>> = {
  Node: 'v1',
  Pod: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Lease: 'coordination.k8s.io/v1',
};

export const KUBE_ROOT_CA = 'kube-root-ca.crt';

/** RFC 3339 to the second, as the API server writes timestamps. */
export function kubeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function rvNumber(rv: string | undefined): number {
  const n = Number(rv);
  return Number.isFinite(n) ? n : 0;
}

export function withTypeMeta(kind: ObjectKind, obj: StoredObject): JsonObject {
  return { kind, apiVersion: API_VERSION[kind], ...obj };
}

/** A `metav1.Status` error as cloudcore marshals a Go `StatusError`: `{"ErrStatus":{…}}`. */
export function statusError(
  reason: 'NotFound' | 'AlreadyExists' | 'Conflict',
  resource: { kind: string; group?: string; name: string },
  message: string,
): JsonObject {
  const code = reason === 'NotFound' ? 404 : 409;
  const details: JsonObject = { name: resource.name };
  if (resource.group) details.group = resource.group;
  details.kind = resource.kind;
  return { ErrStatus: { metadata: {}, status: 'Failure', message, reason, details, code } };
}

export function notFoundError(kind: string, group: string, name: string): JsonObject {
  const qualified = group ? `${kind}.${group}` : kind;
  return statusError('NotFound', { kind, group, name }, `${qualified} "${name}" not found`);
}

function nsKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class LoopbackObjects {
  private rv = 1000;
  private readonly nodes = new Map<string, StoredObject>();
  private readonly pods = new Map<string, StoredObject>();
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly configMaps = new Map<string, StoredObject>();
  private readonly secrets = new Map<string, StoredObject>();
  private readonly leases = new Map<string, StoredObject>();
  private readonly uidIndex = new Map<string, { kind: ObjectKind; key: string }>();

  constructor(
    private readonly opts: { cloudIp: string; caPem: string; now?: () => number },
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  private newMeta(name: string, namespace: string | undefined): ObjectMeta {
    const meta: ObjectMeta = { name, uid: randomUUID(), resourceVersion: this.nextRv(), creationTimestamp: kubeTime(this.now()) };
    if (namespace !== undefined) {
      // Keep the API server's key order: name, namespace, uid, …
      return { name, namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp };
    }
    return meta;
  }

  private bump(obj: StoredObject, change: (o: StoredObject) => StoredObject): StoredObject {
    const next = change(obj);
    next.metadata = { ...next.metadata, resourceVersion: this.nextRv() };
    return next;
  }

  /** Look an object up by uid (for the synccontroller-like reconcile). */
  byUid(uid: string): { kind: ObjectKind; object: StoredObject } | undefined {
    const ref = this.uidIndex.get(uid);
    if (!ref) return undefined;
    const object = this.mapFor(ref.kind).get(ref.key);
    return object && object.metadata.uid === uid ? { kind: ref.kind, object } : undefined;
  }

  private mapFor(kind: ObjectKind): Map<string, StoredObject> {
    switch (kind) {
      case 'Node':
        return this.nodes;
      case 'Pod':
        return this.pods;
      case 'ConfigMap':
        return this.configMaps;
      case 'Secret':
        return this.secrets;
      case 'Lease':
        return this.leases;
    }
  }

  private index(kind: ObjectKind, key: string, obj: StoredObject): void {
    this.uidIndex.set(obj.metadata.uid, { kind, key });
  }

  // ---- Nodes ----

  getNode(name: string): StoredObject | undefined {
    return this.nodes.get(name);
  }

  nodeNames(): IterableIterator<string> {
    return this.nodes.keys();
  }

  /** Create the Node as cloudcore's registerNode does (adds annotation `cloudcore=<ip>`). */
  createNode(name: string, content: JsonObject): StoredObject {
    const sentMeta = isJsonObject(content.metadata) ? content.metadata : {};
    const meta: ObjectMeta = this.newMeta(name, undefined);
    if (isJsonObject(sentMeta.labels)) meta.labels = { ...sentMeta.labels };
    meta.annotations = { ...(isJsonObject(sentMeta.annotations) ? sentMeta.annotations : {}), cloudcore: this.opts.cloudIp };
    const node: StoredObject = {
      metadata: meta,
      spec: isJsonObject(content.spec) ? content.spec : {},
      status: isJsonObject(content.status) ? content.status : {},
    };
    this.nodes.set(name, node);
    this.index('Node', name, node);
    return node;
  }

  /** The follow-up write after a register (labels merged back, node TTL annotation): a new RV. */
  touchNodeAfterRegister(name: string): StoredObject | undefined {
    const node = this.nodes.get(name);
    if (!node) return undefined;
    const next = this.bump(node, (n) => {
      const annotations = { ...(isJsonObject(n.metadata.annotations) ? n.metadata.annotations : {}), 'node.alpha.kubernetes.io/ttl': '0' };
      return { ...n, metadata: { ...n.metadata, annotations } };
    });
    this.nodes.set(name, next);
    return next;
  }

  /** Apply a status patch. A patch that changes nothing keeps the RV (the API server's no-op). */
  patchNodeStatus(name: string, patch: JsonObject): { node: StoredObject; changed: boolean } | undefined {
    const node = this.nodes.get(name);
    if (!node) return undefined;
    const status = isJsonObject(node.status) ? node.status : {};
    const nextStatus = isJsonObject(patch.status) ? mergeObject(status, patch.status) : status;
    if (jsonEqual(nextStatus, status)) return { node, changed: false };
    const next = this.bump(node, (n) => ({ ...n, status: nextStatus }));
    this.nodes.set(name, next);
    return { node: next, changed: true };
  }

  // ---- Leases ----

  getLease(namespace: string, name: string): StoredObject | undefined {
    return this.leases.get(nsKey(namespace, name));
  }

  createLease(namespace: string, name: string, content: JsonObject): StoredObject | JsonObject {
    const key = nsKey(namespace, name);
    if (this.leases.has(key)) {
      return statusError('AlreadyExists', { kind: 'leases', group: 'coordination.k8s.io', name }, `leases.coordination.k8s.io "${name}" already exists`);
    }
    const sentMeta = isJsonObject(content.metadata) ? content.metadata : {};
    const meta = this.newMeta(name, namespace);
    if (Array.isArray(sentMeta.ownerReferences)) meta.ownerReferences = sentMeta.ownerReferences;
    const lease: StoredObject = { metadata: meta, spec: isJsonObject(content.spec) ? content.spec : {} };
    this.leases.set(key, lease);
    this.index('Lease', key, lease);
    return lease;
  }

  /** A full Update: the sent resourceVersion must match the stored one (Conflict otherwise). */
  updateLease(namespace: string, name: string, content: JsonObject): StoredObject | JsonObject {
    const key = nsKey(namespace, name);
    const lease = this.leases.get(key);
    if (!lease) return notFoundError('leases', 'coordination.k8s.io', name);
    const sentMeta = isJsonObject(content.metadata) ? content.metadata : {};
    const sentRv = typeof sentMeta.resourceVersion === 'string' ? sentMeta.resourceVersion : '';
    if (sentRv !== '' && sentRv !== lease.metadata.resourceVersion) {
      return statusError(
        'Conflict',
        { kind: 'leases', group: 'coordination.k8s.io', name },
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const next = this.bump(lease, (l) => ({ ...l, spec: isJsonObject(content.spec) ? content.spec : l.spec }));
    this.leases.set(key, next);
    return next;
  }

  // ---- Pods ----

  getPod(namespace: string, name: string): StoredObject | undefined {
    return this.pods.get(nsKey(namespace, name));
  }

  podCount(): number {
    return this.pods.size;
  }

  /** Pods bound to `node` (spec.nodeName). */
  podsOn(node: string): StoredObject[] {
    const keys = this.podsByNode.get(node);
    if (!keys) return [];
    const out: StoredObject[] = [];
    for (const k of keys) {
      const p = this.pods.get(k);
      if (p) out.push(p);
    }
    return out;
  }

  podNode(pod: StoredObject): string | undefined {
    const spec = pod.spec;
    return isJsonObject(spec) && typeof spec.nodeName === 'string' ? spec.nodeName : undefined;
  }

  createPod(node: string, input: PodInput): StoredObject {
    const namespace = input.metadata.namespace ?? 'default';
    const key = nsKey(namespace, input.metadata.name);
    if (this.pods.has(key)) throw new Error(`pod ${key} already exists`);
    const meta = this.newMeta(input.metadata.name, namespace);
    if (input.metadata.labels) meta.labels = { ...input.metadata.labels };
    if (input.metadata.annotations) meta.annotations = { ...input.metadata.annotations };
    const pod: StoredObject = {
      metadata: meta,
      spec: { ...(input.spec ?? {}), nodeName: node },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    };
    this.pods.set(key, pod);
    let set = this.podsByNode.get(node);
    if (!set) this.podsByNode.set(node, (set = new Set()));
    set.add(key);
    this.index('Pod', key, pod);
    this.ensureRootCa(namespace);
    return pod;
  }

  updatePod(namespace: string, name: string, change: PodChange): StoredObject | undefined {
    const key = nsKey(namespace, name);
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    const next = this.bump(pod, (p) => {
      const metadata = { ...p.metadata };
      if (change.metadata?.labels) metadata.labels = { ...(isJsonObject(metadata.labels) ? metadata.labels : {}), ...change.metadata.labels };
      if (change.metadata?.annotations) {
        metadata.annotations = { ...(isJsonObject(metadata.annotations) ? metadata.annotations : {}), ...change.metadata.annotations };
      }
      const spec = change.spec ? { ...(isJsonObject(p.spec) ? p.spec : {}), ...change.spec } : p.spec;
      return { ...p, metadata, spec };
    });
    this.pods.set(key, next);
    return next;
  }

  /** `kubectl delete`: set deletionTimestamp; the pod stays until the edge deletes it. */
  markPodDeleting(namespace: string, name: string, gracePeriodSeconds: number): StoredObject | undefined {
    const key = nsKey(namespace, name);
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    if (pod.metadata.deletionTimestamp !== undefined) return pod;
    const next = this.bump(pod, (p) => ({
      ...p,
      metadata: {
        ...p.metadata,
        deletionTimestamp: kubeTime(this.now() + gracePeriodSeconds * 1000),
        deletionGracePeriodSeconds: gracePeriodSeconds,
      },
    }));
    this.pods.set(key, next);
    return next;
  }

  patchPodStatus(namespace: string, name: string, patch: JsonObject): { pod: StoredObject; changed: boolean } | undefined {
    const key = nsKey(namespace, name);
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    const status = isJsonObject(pod.status) ? pod.status : {};
    const nextStatus = isJsonObject(patch.status) ? mergeObject(status, patch.status) : status;
    if (jsonEqual(nextStatus, status)) return { pod, changed: false };
    const next = this.bump(pod, (p) => ({ ...p, status: nextStatus }));
    this.pods.set(key, next);
    return { pod: next, changed: true };
  }

  /** The API server's last write before a pod disappears (grace period forced to 0): a new RV. */
  finalizePod(namespace: string, name: string): StoredObject | undefined {
    const key = nsKey(namespace, name);
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    const next = this.bump(pod, (p) => ({
      ...p,
      metadata: {
        ...p.metadata,
        deletionTimestamp: p.metadata.deletionTimestamp ?? kubeTime(this.now()),
        deletionGracePeriodSeconds: 0,
      },
    }));
    this.pods.set(key, next);
    return next;
  }

  /** Remove the pod; returns it with the deletion's RV (the content of the downstream delete). */
  removePod(namespace: string, name: string): StoredObject | undefined {
    const key = nsKey(namespace, name);
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    const gone = this.bump(pod, (p) => ({ ...p }));
    this.pods.delete(key);
    const node = this.podNode(pod);
    if (node) this.podsByNode.get(node)?.delete(key);
    this.uidIndex.delete(pod.metadata.uid);
    return gone;
  }

  // ---- ConfigMaps and Secrets ----

  getConfigMap(namespace: string, name: string): StoredObject | undefined {
    if (name === KUBE_ROOT_CA) this.ensureRootCa(namespace);
    return this.configMaps.get(nsKey(namespace, name));
  }

  getSecret(namespace: string, name: string): StoredObject | undefined {
    return this.secrets.get(nsKey(namespace, name));
  }

  /** Every namespace has `kube-root-ca.crt`; the loopback one holds the peer's CA. */
  ensureRootCa(namespace: string): void {
    const key = nsKey(namespace, KUBE_ROOT_CA);
    if (this.configMaps.has(key)) return;
    const cm: StoredObject = { metadata: this.newMeta(KUBE_ROOT_CA, namespace), data: { 'ca.crt': this.opts.caPem } };
    this.configMaps.set(key, cm);
    this.index('ConfigMap', key, cm);
  }

  upsertConfigMap(namespace: string, name: string, data: Record<string, string>): { object: StoredObject; created: boolean } {
    return this.upsert('ConfigMap', this.configMaps, namespace, name, { data: { ...data } });
  }

  upsertSecret(namespace: string, name: string, data: Record<string, string>, type = 'Opaque'): { object: StoredObject; created: boolean } {
    const encoded: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v, 'utf8').toString('base64');
    return this.upsert('Secret', this.secrets, namespace, name, { data: encoded, type });
  }

  removeConfigMap(namespace: string, name: string): StoredObject | undefined {
    return this.remove(this.configMaps, namespace, name);
  }

  removeSecret(namespace: string, name: string): StoredObject | undefined {
    return this.remove(this.secrets, namespace, name);
  }

  private upsert(
    kind: ObjectKind,
    map: Map<string, StoredObject>,
    namespace: string,
    name: string,
    body: JsonObject,
  ): { object: StoredObject; created: boolean } {
    const key = nsKey(namespace, name);
    const existing = map.get(key);
    if (existing) {
      const next = this.bump(existing, (o) => ({ ...o, ...body, metadata: o.metadata }));
      map.set(key, next);
      return { object: next, created: false };
    }
    const object: StoredObject = { metadata: this.newMeta(name, namespace), ...body };
    map.set(key, object);
    this.index(kind, key, object);
    return { object, created: true };
  }

  private remove(map: Map<string, StoredObject>, namespace: string, name: string): StoredObject | undefined {
    const key = nsKey(namespace, name);
    const obj = map.get(key);
    if (!obj) return undefined;
    map.delete(key);
    this.uidIndex.delete(obj.metadata.uid);
    return this.bump(obj, (o) => ({ ...o }));
  }
}
