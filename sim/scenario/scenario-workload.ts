/**
 * The pod changes a scenario makes, against whichever cloud the run has: the real API server
 * (through the workload driver) or the loopback test peer. Each change returns what the node is
 * now expected to end up with, so the delivery ledger can hold the cloud to it.
 */
import type { PeerCommand, PeerCommandResults } from '../cloud/loopback/peer-ipc.js';
import type { WorkloadDriver } from '../workload/workload-driver.js';

export interface PodRef {
  node: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface ScenarioWorkload {
  readonly namespace: string;
  /** Create a pod bound to `node`; resolves with its uid and resourceVersion. */
  createPod(node: string, name: string): Promise<{ uid: string; resourceVersion: string; atMs: number }>;
  /** Change the pod's metadata; resolves with the new resourceVersion, or null when the pod is gone. */
  updatePod(pod: PodRef, revision: number): Promise<{ resourceVersion: string; atMs: number } | null>;
  /** Delete the pod; the node is expected to see the deletion. Null when it was already gone. */
  deletePod(pod: PodRef): Promise<{ atMs: number } | null>;
  /** Create a pod on `node` that mounts the node's ConfigMap (made if absent): the ConfigMap's changes are then the node's to receive. */
  createPodWithConfigMap?(node: string, name: string): Promise<{ uid: string; resourceVersion: string; atMs: number }>;
  /** Change `node`'s ConfigMap; null when it has none. */
  updateConfigMap?(node: string): Promise<{ name: string; uid: string; resourceVersion: string; atMs: number } | null>;
}

type PeerCommander = <C extends PeerCommand>(command: C) => Promise<PeerCommandResults[C['kind']]>;

/** Pod changes on the loopback test peer (harness self-test). */
export class LoopbackScenarioWorkload implements ScenarioWorkload {
  readonly namespace = 'default';

  constructor(private readonly command: PeerCommander) {}

  async createPod(node: string, name: string): Promise<{ uid: string; resourceVersion: string; atMs: number }> {
    const atMs = Date.now();
    const pod = {
      metadata: { name, namespace: this.namespace, labels: { app: 'twinlab' } },
      spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }], tolerations: [{ operator: 'Exists' }] },
    };
    const r = await this.command({ kind: 'createPod', node, pod });
    return { uid: r.uid, resourceVersion: r.resourceVersion, atMs };
  }

  async updatePod(pod: PodRef, revision: number): Promise<{ resourceVersion: string; atMs: number } | null> {
    const atMs = Date.now();
    const r = await this.command({ kind: 'updatePod', namespace: pod.namespace, name: pod.name, change: { metadata: { labels: { 'twinlab.io/revision': String(revision) } } } });
    return r ? { resourceVersion: r.resourceVersion, atMs } : null;
  }

  async deletePod(pod: PodRef): Promise<{ atMs: number } | null> {
    const atMs = Date.now();
    const r = await this.command({ kind: 'deletePod', namespace: pod.namespace, name: pod.name, gracePeriodSeconds: 0 });
    return r ? { atMs } : null;
  }
}

/** Pod changes through the API server of a real control plane. */
export class ApiScenarioWorkload implements ScenarioWorkload {
  constructor(
    private readonly driver: WorkloadDriver,
    readonly namespace: string,
  ) {}

  createPod(node: string, name: string): Promise<{ uid: string; resourceVersion: string; atMs: number }> {
    return this.driver.createPod(this.namespace, node, name);
  }

  async createPodWithConfigMap(node: string, name: string): Promise<{ uid: string; resourceVersion: string; atMs: number }> {
    const cm = await this.driver.nodeConfigMap(this.namespace, node);
    return this.driver.createPod(this.namespace, node, name, cm.name);
  }

  updateConfigMap(node: string): Promise<{ name: string; uid: string; resourceVersion: string; atMs: number } | null> {
    return this.driver.updateNodeConfigMap(this.namespace, node);
  }

  async updatePod(pod: PodRef, revision: number): Promise<{ resourceVersion: string; atMs: number } | null> {
    try {
      return await this.driver.touchPod(pod.namespace, pod.name, revision);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async deletePod(pod: PodRef): Promise<{ atMs: number } | null> {
    try {
      return await this.driver.deletePod(pod.namespace, pod.name, 0);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === 404;
}
