/**
 * What the API workload's own writes oblige cloudcore to deliver: each pod created (its uid and
 * resourceVersion), each pod deletion, each ConfigMap update a node's pods reference. These go to
 * the delivery ledger as expectations under the phase current at the time.
 */
import type { RunEvent } from '../model/run-events.js';
import type { WorkloadEvent, WorkloadListener } from '../workload/workload-events.js';

export function expectationsFromDriver(record: (e: RunEvent) => void, phase: () => string): WorkloadListener {
  const pods = new Map<string, { node: string; namespace: string; name: string }>();
  return (e: WorkloadEvent) => {
    switch (e.kind) {
      case 'pod-created':
        pods.set(e.uid, { node: e.node, namespace: e.namespace, name: e.name });
        record({ t: 'expect', atMs: e.createdAtMs, node: e.node, kind: 'pod', namespace: e.namespace, name: e.name, uid: e.uid, resourceVersion: e.resourceVersion, phase: phase() });
        break;
      case 'pod-delete-requested': {
        const p = pods.get(e.uid);
        if (p) record({ t: 'expect', atMs: e.atMs, node: p.node, kind: 'pod', namespace: p.namespace, name: p.name, uid: e.uid, resourceVersion: null, phase: phase() });
        break;
      }
      case 'configmap-updated':
        record({ t: 'expect', atMs: e.atMs, node: e.node, kind: 'configmap', namespace: e.namespace, name: e.name, uid: e.uid, resourceVersion: e.resourceVersion, phase: phase() });
        break;
      default:
        break;
    }
  };
}
