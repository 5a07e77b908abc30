/**
 * The objects the workload driver writes — pods bound to edge nodes by `spec.nodeName` (there is
 * no scheduler), and the per-node ConfigMap and Secret they reference — plus the readers that pull
 * the few fields the driver needs out of objects arriving from a watch as `unknown`.
 */
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { pick as field } from '../util/json-pick.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'twinlab';
/** Selects everything the driver created. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
/** KubeEdge edge nodes carry this label (value empty). */
export const EDGE_NODE_SELECTOR = 'node-role.kubernetes.io/edge';
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
/** Key of the ConfigMap entry each update bumps. */
export const REVISION_KEY = 'revision';

const labels = (): Record<string, string> => ({ [MANAGED_BY_LABEL]: MANAGED_BY });

export function podName(node: string, index: number): string {
  return `twl-${node}-${index}`;
}

export function configMapName(node: string): string {
  return `twl-cm-${node}`;
}

export function secretName(node: string): string {
  return `twl-secret-${node}`;
}

export interface PodSpecInput {
  name: string;
  namespace: string;
  node: string;
  /** ConfigMap mounted as a volume. */
  configMap?: string;
  /** Secret read into an environment variable. */
  secret?: string;
}

export function podManifest(p: PodSpecInput): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, labels: labels() },
    spec: {
      nodeName: p.node,
      // Edge nodes have no taint today; tolerate anyway so a tainted (e.g. unreachable) node still gets its pods.
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: 'pause',
          image: PAUSE_IMAGE,
          ...(p.secret ? { env: [{ name: 'TWINLAB_SECRET', valueFrom: { secretKeyRef: { name: p.secret, key: 'token' } } }] } : {}),
          ...(p.configMap ? { volumeMounts: [{ name: 'config', mountPath: '/etc/twinlab' }] } : {}),
        },
      ],
      ...(p.configMap ? { volumes: [{ name: 'config', configMap: { name: p.configMap } }] } : {}),
    },
  };
}

export function configMapManifest(name: string, namespace: string, node: string, revision: number): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: labels() },
    data: { node, [REVISION_KEY]: String(revision) },
  };
}

export function secretManifest(name: string, namespace: string, node: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: labels() },
    type: 'Opaque',
    stringData: { token: `twinlab-${node}` },
  };
}

export interface PodView {
  uid: string;
  name: string;
  namespace: string;
  node: string;
  phase: string;
  resourceVersion: string;
  deleting: boolean;
}

export type ReadyStatus = 'True' | 'False' | 'Unknown' | 'absent';

export interface NodeView {
  name: string;
  ready: ReadyStatus;
}

export function readPod(obj: unknown): PodView | undefined {
  const uid = str(field(obj, 'metadata', 'uid'));
  if (!uid) return undefined;
  return {
    uid,
    name: str(field(obj, 'metadata', 'name')),
    namespace: str(field(obj, 'metadata', 'namespace')),
    node: str(field(obj, 'spec', 'nodeName')),
    phase: str(field(obj, 'status', 'phase')),
    resourceVersion: str(field(obj, 'metadata', 'resourceVersion')),
    deleting: field(obj, 'metadata', 'deletionTimestamp') !== undefined && field(obj, 'metadata', 'deletionTimestamp') !== null,
  };
}

export function readNode(obj: unknown): NodeView | undefined {
  const name = str(field(obj, 'metadata', 'name'));
  if (!name) return undefined;
  const conditions = field(obj, 'status', 'conditions');
  let ready: ReadyStatus = 'absent';
  if (Array.isArray(conditions)) {
    for (const c of conditions as unknown[]) {
      if (field(c, 'type') !== 'Ready') continue;
      const s = field(c, 'status');
      ready = s === 'True' || s === 'False' ? s : 'Unknown';
    }
  }
  return { name, ready };
}


function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
