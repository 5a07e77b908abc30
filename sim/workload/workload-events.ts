/**
 * What the workload driver reports as it happens: its own writes (with the client clock read right
 * before each request) and what its watches observe. Latencies are differences of these times,
 * all on this process's clock.
 */

export type WorkloadEvent =
  /** A pod POST succeeded; `createdAtMs` is the client clock right before the POST. */
  | { kind: 'pod-created'; uid: string; name: string; namespace: string; node: string; createdAtMs: number; resourceVersion: string }
  /** The pod watch first saw phase Running (clusterloader2: created → Running observed). */
  | { kind: 'pod-running-observed'; uid: string; name: string; node: string; atMs: number }
  /** A pod DELETE was accepted; `atMs` is the client clock right before the request. */
  | { kind: 'pod-delete-requested'; uid: string; name: string; atMs: number }
  /** The pod watch saw the pod removed (or a re-list no longer had it). */
  | { kind: 'pod-deleted-observed'; uid: string; name: string; atMs: number }
  /** A ConfigMap PUT succeeded; `atMs` is the client clock right before it. */
  | { kind: 'configmap-updated'; uid: string; name: string; namespace: string; node: string; resourceVersion: string; atMs: number }
  /** The node watch saw Ready=True; `first` is false when the node had been Ready before. */
  | { kind: 'node-ready-observed'; name: string; atMs: number; first: boolean }
  /** A Ready node's Ready condition became False/Unknown, or the node was deleted. */
  | { kind: 'node-notready-observed'; name: string; atMs: number; status: 'False' | 'Unknown' | 'absent' | 'deleted' };

export type WorkloadListener = (event: WorkloadEvent) => void;
