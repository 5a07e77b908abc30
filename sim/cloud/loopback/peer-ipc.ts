/**
 * Messages between a parent process and the loopback peer running in its own process
 * (peer-process.ts ⇄ peer-child.ts). Both sides share only these types.
 */
import type { PeerEvents, LoopbackPeerOptions, NodeView } from './loopback-peer.js';
import type { PeerStats } from './peer-stats.js';
import type { PodChange, PodInput } from './loopback-objects.js';
import type { CreatedDevice, LoopbackDeviceStatus } from './loopback-devices.js';

/** Start options as they cross IPC (no functions: the child logs to its stderr). */
export type PeerProcessConfig = Omit<LoopbackPeerOptions, 'log'> & {
  /** Forward peer events to the parent (costs one IPC message per event). Default false. */
  forwardEvents?: boolean;
  /** Log node-limit and keepalive-timeout lines to the child's stderr. Default false. */
  logToStderr?: boolean;
};

export type PeerCommand =
  | { kind: 'createPod'; node: string; pod: PodInput }
  | { kind: 'updatePod'; namespace: string; name: string; change: PodChange }
  | { kind: 'deletePod'; namespace: string; name: string; gracePeriodSeconds?: number }
  | { kind: 'upsertConfigMap'; namespace: string; name: string; data: Record<string, string> }
  | { kind: 'deleteConfigMap'; namespace: string; name: string }
  | { kind: 'upsertSecret'; namespace: string; name: string; data: Record<string, string> }
  | { kind: 'deleteSecret'; namespace: string; name: string }
  | { kind: 'createDevice'; model: Record<string, unknown>; device: Record<string, unknown> }
  | { kind: 'setDesired'; namespace: string; name: string; property: string; value: string }
  | { kind: 'deleteDevice'; namespace: string; name: string }
  | { kind: 'deviceStatus'; namespace: string; name: string }
  | { kind: 'nodes' }
  | { kind: 'reconcileNow' };

/** What each command answers. */
export interface PeerCommandResults {
  createPod: { uid: string; resourceVersion: string };
  updatePod: { resourceVersion: string } | null;
  deletePod: { resourceVersion: string } | null;
  upsertConfigMap: { uid: string; resourceVersion: string };
  deleteConfigMap: boolean;
  upsertSecret: { uid: string; resourceVersion: string };
  deleteSecret: boolean;
  createDevice: CreatedDevice;
  setDesired: CreatedDevice | null;
  deleteDevice: boolean;
  deviceStatus: LoopbackDeviceStatus | null;
  nodes: NodeView[];
  reconcileNow: null;
}

export type ParentToPeer =
  | { type: 'start'; config: PeerProcessConfig }
  | { type: 'command'; id: number; command: PeerCommand }
  | { type: 'stats'; id: number }
  | { type: 'stop' };

export type PeerEventName = keyof PeerEvents;

export type PeerToParent =
  | { type: 'ready'; hubUrl: string; hubPort: number; pid: number }
  | { type: 'result'; id: number; ok: true; value: PeerCommandResults[keyof PeerCommandResults] }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'stats'; id: number; stats: PeerStats }
  | { type: 'event'; name: PeerEventName; payload: PeerEvents[PeerEventName][0] }
  | { type: 'fatal'; error: string };
