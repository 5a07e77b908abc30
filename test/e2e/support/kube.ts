/**
 * The admin's view of the cluster for conformance tests: typed clients from the control plane's
 * kubeconfig and the few reads and writes the cases need (pods bound by nodeName, ConfigMaps,
 * ObjectSyncs), each returning `undefined` for NotFound rather than throwing.
 */
import { ApiException, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1ConfigMap, type V1Lease, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { pick as field } from '../../../sim/util/json-pick.js';

export const RELIABLESYNCS = { group: 'reliablesyncs.kubeedge.io', version: 'v1alpha1' } as const;

export interface ObjectSyncView {
  name: string;
  namespace: string;
  objectKind: string;
  objectName: string;
  objectAPIVersion: string;
  objectResourceVersion: string;
}


function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

export class Kube {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;

  constructor(kubeconfigPath: string) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
  }

  node(name: string): Promise<V1Node | undefined> {
    return orUndefined(this.core.readNode({ name }));
  }

  /** The node's Lease in kube-node-lease. */
  lease(nodeName: string): Promise<V1Lease | undefined> {
    return orUndefined(this.coordination.readNamespacedLease({ namespace: 'kube-node-lease', name: nodeName }));
  }

  pod(namespace: string, name: string): Promise<V1Pod | undefined> {
    return orUndefined(this.core.readNamespacedPod({ namespace, name }));
  }

  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    return orUndefined(this.core.readNamespacedConfigMap({ namespace, name }));
  }

  /** The ServiceAccount admission plugin refuses pods until KCM has created the namespace's `default` SA. */
  async hasServiceAccount(namespace: string, name = 'default'): Promise<boolean> {
    return (await orUndefined(this.core.readNamespacedServiceAccount({ namespace, name }))) !== undefined;
  }

  createConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<V1ConfigMap> {
    return this.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace }, data } });
  }

  /** Read-modify-write of `data` (a full Update, as `kubectl edit` does). */
  async updateConfigMap(namespace: string, name: string, data: Record<string, string>): Promise<V1ConfigMap> {
    const current = await this.core.readNamespacedConfigMap({ namespace, name });
    return this.core.replaceNamespacedConfigMap({ namespace, name, body: { ...current, data } });
  }

  createPod(pod: V1Pod): Promise<V1Pod> {
    return this.core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? 'default', body: pod });
  }

  async deletePod(namespace: string, name: string, gracePeriodSeconds: number): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds });
  }

  /** The ObjectSync `<node>.<uid>` in `namespace`, or undefined. */
  async objectSync(namespace: string, nodeName: string, uid: string): Promise<ObjectSyncView | undefined> {
    const name = `${nodeName}.${uid}`;
    const o: unknown = await orUndefined(
      this.custom.getNamespacedCustomObject({ ...RELIABLESYNCS, namespace, plural: 'objectsyncs', name }),
    );
    if (o === undefined) return undefined;
    return {
      name: text(field(o, 'metadata', 'name')),
      namespace: text(field(o, 'metadata', 'namespace')),
      objectKind: text(field(o, 'spec', 'objectKind')),
      objectName: text(field(o, 'spec', 'objectName')),
      objectAPIVersion: text(field(o, 'spec', 'objectAPIVersion')),
      objectResourceVersion: text(field(o, 'status', 'objectResourceVersion')),
    };
  }

  /** Names of the ClusterObjectSyncs (objects in namespace `null`, e.g. the Node). */
  async clusterObjectSyncNames(): Promise<string[]> {
    const list: unknown = await this.custom.listClusterCustomObject({ ...RELIABLESYNCS, plural: 'clusterobjectsyncs' });
    const items = field(list, 'items');
    return Array.isArray(items) ? items.map((i: unknown) => text(field(i, 'metadata', 'name'))) : [];
  }
}

/** A pod as the conformance cases bind it: nodeName set (there is no scheduler), tolerating everything. */
export function boundPod(
  name: string,
  nodeName: string,
  extra: { configMap?: string; namespace?: string } = {},
): V1Pod {
  const namespace = extra.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'twinlab-conformance' } },
    spec: {
      nodeName,
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }],
      ...(extra.configMap
        ? {
            volumes: [{ name: 'conf', configMap: { name: extra.configMap } }],
            containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', volumeMounts: [{ name: 'conf', mountPath: '/conf' }] }],
          }
        : {}),
    },
  };
}

export function readyCondition(node: V1Node | undefined): string | undefined {
  return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}
