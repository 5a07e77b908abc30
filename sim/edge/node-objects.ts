/**
 * The objects a virtual edgecore sends upstream, shaped exactly as edged/kubelet v1.23 sends them
 * on the wire (../shared/traces/kubeedge-v1.23.1: Node register, lease, node and pod status
 * patches, pod delete, TokenRequest). Pure functions of their inputs: no clocks, no state.
 */
import type { VersionProfile } from './version-profile.js';

/** RFC 3339 in whole seconds, as metav1.Time marshals: 2026-11-25T11:59:53Z. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 3339 with six fractional digits, as metav1.MicroTime marshals (lease renewTime). */
export function rfc3339Micro(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-25T12:00:03.693Z
  const micros = Math.floor((ms % 1) * 1000);
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** The node's InternalIP, distinct per fleet index. */
export function nodeInternalIp(index: number): string {
  // 198.18.0.0/15 is reserved for benchmarking; a node's address never routes anywhere.
  return `198.${18 + ((index >>> 16) & 1)}.${(index >>> 8) & 255}.${index & 255}`;
}

export interface NodeIdentity {
  readonly name: string;
  /** InternalIP reported in status.addresses. */
  readonly internalIp: string;
}

export interface NodeCapacity {
  readonly cpu: string;
  readonly memory: string;
  readonly pods: string;
}

export const DEFAULT_CAPACITY: NodeCapacity = { cpu: '1', memory: '3840Mi', pods: '110' };

interface Condition {
  type: string;
  status: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

function nodeConditions(heartbeat: string, transition: string): Condition[] {
  return [
    { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat, lastTransitionTime: transition, reason: 'EdgeReady', message: 'edge is posting ready status' },
  ];
}

/** The v1.Node edged inserts as `<ns>/node/<name>` to register (join.jsonl t=0.375). */
export function registerNodeBody(node: NodeIdentity, profile: VersionProfile, capacity: NodeCapacity, nowMs: number, extraLabels: Readonly<Record<string, string>> = {}): object {
  const t = rfc3339(nowMs);
  const resources = { cpu: capacity.cpu, 'ephemeral-storage': '0', memory: capacity.memory, pods: capacity.pods };
  return {
    metadata: {
      name: node.name,
      creationTimestamp: null,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/agent': '',
        'node-role.kubernetes.io/edge': '',
        ...extraLabels,
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: nodeConditions(t, t),
      addresses: [
        { type: 'InternalIP', address: node.internalIp },
        { type: 'Hostname', address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10350 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '3.16.0-0.bpo.4-amd64',
        osImage: 'Debian GNU/Linux 7 (wheezy)',
        containerRuntimeVersion: 'fakeRuntime://0.1.0',
        kubeletVersion: profile.kubeletVersion,
        kubeProxyVersion: profile.kubernetesVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/**
 * The full node status patch edged sends when its computed status differs from the Node it holds
 * (cloud-restart.jsonl t=54.815), or on the 5-minute report. A JSON text, as the wire carries it.
 */
export function nodeStatusPatch(heartbeatMs: number, transitionMs: number): string {
  const hb = rfc3339(heartbeatMs);
  const tr = rfc3339(transitionMs);
  const conditions = nodeConditions(hb, tr).map((c) => ({
    lastHeartbeatTime: c.lastHeartbeatTime,
    lastTransitionTime: c.lastTransitionTime,
    message: c.message,
    reason: c.reason,
    status: c.status,
    type: c.type,
  }));
  return JSON.stringify({
    status: {
      $setElementOrder_conditions: null,
      conditions,
    },
  }).replace('"$setElementOrder_conditions":null', `"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}]`);
}

/** Lease `insert` body (join.jsonl t=10.305). */
export function leaseInsertBody(nodeName: string, nodeUid: string, renewMs: number): object {
  return {
    metadata: {
      name: nodeName,
      namespace: 'kube-node-lease',
      creationTimestamp: null,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }],
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: rfc3339Micro(renewMs) },
  };
}

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Container names, images and volume mounts from spec.containers. */
  readonly containers: ReadonlyArray<{
    readonly name: string;
    readonly image: string;
    readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string; readonly readOnly: boolean }>;
  }>;
}

/** containerStatuses[].volumeMounts as the kubelet reports them (pod-lifecycle.jsonl t=5.784). */
function statusMounts(c: PodRef['containers'][number]): object | undefined {
  if (!c.volumeMounts || c.volumeMounts.length === 0) return undefined;
  return c.volumeMounts.map((m) => (m.readOnly ? { mountPath: m.mountPath, name: m.name, readOnly: true, recursiveReadOnly: 'Disabled' } : { mountPath: m.mountPath, name: m.name }));
}

/** First pod status patch: Pending, containers creating (pod-lifecycle.jsonl t=5.784). */
export function podPendingPatch(pod: PodRef, hostIp: string, nowMs: number): string {
  const t = rfc3339(nowMs);
  const names = pod.containers.map((c) => c.name).join(' ');
  return JSON.stringify({
    metadata: { uid: pod.uid },
    status: {
      conditions: [
        { lastProbeTime: null, lastTransitionTime: t, status: 'False', type: 'PodReadyToStartContainers' },
        { lastProbeTime: null, lastTransitionTime: t, status: 'True', type: 'Initialized' },
        { lastProbeTime: null, lastTransitionTime: t, message: `containers with unready status: [${names}]`, reason: 'ContainersNotReady', status: 'False', type: 'Ready' },
        { lastProbeTime: null, lastTransitionTime: t, message: `containers with unready status: [${names}]`, reason: 'ContainersNotReady', status: 'False', type: 'ContainersReady' },
        { lastProbeTime: null, lastTransitionTime: t, status: 'True', type: 'PodScheduled' },
      ],
      containerStatuses: pod.containers.map((c) => ({
        image: c.image,
        imageID: '',
        lastState: {},
        name: c.name,
        ready: false,
        restartCount: 0,
        started: false,
        state: { waiting: { reason: 'ContainerCreating' } },
        volumeMounts: statusMounts(c),
      })),
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      startTime: t,
    },
  });
}

const POD_CONDITION_ORDER = [{ type: 'PodReadyToStartContainers' }, { type: 'Initialized' }, { type: 'Ready' }, { type: 'ContainersReady' }, { type: 'PodScheduled' }];

function containerId(pod: PodRef, container: string): string {
  return `fakeRuntime://${pod.name}_${pod.namespace}_${pod.uid}_0_${container}_0`;
}

/**
 * A pod status patch as JSON text. `$setElementOrder/conditions` goes first in `status`, as the
 * kubelet's strategic-merge patch writes it; a placeholder key keeps that position through stringify.
 */
function podPatchText(pod: PodRef, status: Record<string, unknown>): string {
  return JSON.stringify({ metadata: { uid: pod.uid }, status: { $setElementOrder_conditions: null, ...status } }).replace(
    '"$setElementOrder_conditions":null',
    `"$setElementOrder/conditions":${JSON.stringify(POD_CONDITION_ORDER)}`,
  );
}

/** containerStatuses[] entry of a container that has started (Running or terminated after running). */
function startedContainerStatus(pod: PodRef, c: PodRef['containers'][number], running: boolean, state: object): object {
  return {
    containerID: containerId(pod, c.name),
    image: c.image,
    imageID: c.image,
    lastState: {},
    name: c.name,
    ready: running,
    restartCount: 0,
    started: running,
    state,
    volumeMounts: statusMounts(c),
  };
}

/** Pod status patch reporting Running (pod-lifecycle.jsonl t=6.63). */
export function podRunningPatch(pod: PodRef, podIp: string, nowMs: number): string {
  const t = rfc3339(nowMs);
  return podPatchText(pod, {
    conditions: [
      { lastTransitionTime: t, status: 'True', type: 'PodReadyToStartContainers' },
      { lastTransitionTime: t, message: null, reason: null, status: 'True', type: 'Ready' },
      { lastTransitionTime: t, message: null, reason: null, status: 'True', type: 'ContainersReady' },
    ],
    containerStatuses: pod.containers.map((c) => startedContainerStatus(pod, c, true, { running: { startedAt: t } })),
    phase: 'Running',
    podIP: podIp,
    podIPs: [{ ip: podIp }],
  });
}

/** Pod status patch after its containers were stopped for deletion (pod-lifecycle.jsonl t=57.361). */
export function podTerminatedPatch(pod: PodRef, startedMs: number, nowMs: number): string {
  const t = rfc3339(nowMs);
  const started = rfc3339(startedMs);
  return podPatchText(pod, {
    conditions: [
      { lastTransitionTime: t, status: 'False', type: 'PodReadyToStartContainers' },
      { reason: 'PodCompleted', type: 'Initialized' },
      { lastTransitionTime: t, reason: 'PodCompleted', status: 'False', type: 'Ready' },
      { lastTransitionTime: t, reason: 'PodCompleted', status: 'False', type: 'ContainersReady' },
    ],
    containerStatuses: pod.containers.map((c) =>
      startedContainerStatus(pod, c, false, { terminated: { containerID: containerId(pod, c.name), exitCode: 0, finishedAt: t, startedAt: started } }),
    ),
    phase: 'Succeeded',
  });
}

/** Body of the edge's pod `delete` (pod-lifecycle.jsonl t=57.693): an object, never a string. */
export function podDeleteBody(uid: string): object {
  return { gracePeriodSeconds: 0, preconditions: { uid } };
}

/** TokenRequest edged sends as `query <ns>/serviceaccounttoken/<sa>` (pod-lifecycle.jsonl t=5.917). */
export function serviceAccountTokenRequest(pod: PodRef): object {
  return {
    metadata: { creationTimestamp: null },
    spec: {
      audiences: null,
      expirationSeconds: 3607,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid },
    },
    status: { token: '', expirationTimestamp: null },
  };
}

/**
 * The patch the kubelet's status manager sends when the API shows a running pod as not Ready
 * (kube-controller-manager marks pods of an Unknown node Ready=False): Ready back to True with its
 * original transition time (offline-pod.jsonl t=45.907).
 */
export function podReadyPatch(pod: PodRef, readySinceMs: number): string {
  return podPatchText(pod, { conditions: [{ lastTransitionTime: rfc3339(readySinceMs), status: 'True', type: 'Ready' }] });
}
