/**
 * The loopback test peer: a small in-process implementation of the cloud side of the KubeEdge
 * cloud-edge protocol, for tests and for measuring the harness itself. It is a test peer, not
 * KubeEdge; anything measured against it says so.
 *
 * This façade wires the hub (WSS), the edgecontroller-like request handling, the per-node ACK
 * lanes and the synccontroller-like reconcile, and offers a control API to drive workloads.
 */
import { EventEmitter } from 'node:events';
import { CLOUDCORE_ACK_LANE, type AckLaneConfig } from './ack-lane.js';
import { LoopbackEdgeController } from './edge-controller.js';
import { LoopbackDevices, type CreatedDevice, type LoopbackDeviceStatus } from './loopback-devices.js';
import { HubServer } from './hub-server.js';
import { LoopbackObjects, type PodChange, type PodInput, type StoredObject } from './loopback-objects.js';
import type { SessionCloseReason } from './node-session.js';
import { ObjectSyncs } from './object-syncs.js';
import { PeerCounters, type PeerStats } from './peer-stats.js';
import { RecentMessageIds } from './recent-message-ids.js';
import { isJsonObject } from './status-merge.js';
import { TimerHeap, type TimerTarget } from './timer-heap.js';

export interface LoopbackPeerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  hubPort?: number;
  caPem: string;
  /** Kept for the cert server; the hub itself only needs the CA certificate. */
  caKeyPem?: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** cloudHub.nodeLimit, default 500. */
  nodeLimit?: number;
  /** cloudHub.keepaliveInterval, default 30 000 ms. */
  keepaliveTimeoutMs?: number;
  /** "v1.23.1" (default) pushes Node echoes; v1.21/v1.22 do not. */
  kubeedgeVersion?: string;
  /** ACK lane timing; cloudcore's 5 s × 5 sends, 5 ms…1000 s rate limit by default. */
  ackLane?: Partial<AckLaneConfig>;
  /** synccontroller period, default 5 000 ms (0 disables the periodic pass). */
  reconcileIntervalMs?: number;
  /** cloudcore's writer splits messages above 4082 bytes into frames; 0 disables. */
  fragmentBytes?: number;
  /** The IP written into the Node's `cloudcore` annotation. Default: host. */
  cloudIp?: string;
  /** Where the peer's few log lines go (node limit, keepalive timeouts). Default: none. */
  log?: (line: string) => void;
}

export interface NodeView {
  name: string;
  registered: boolean;
  /** Ready condition True in the stored Node status. */
  ready: boolean;
  connected: boolean;
}

export interface PeerEvents {
  'node-registered': [{ node: string }];
  'pod-running': [{ namespace: string; name: string; node: string }];
  'pod-deleted': [{ namespace: string; name: string; node: string }];
  ack: [{ node: string; msgId: string; operation: string; resource: string; latencyMs: number }];
  'session-open': [{ node: string; readable: boolean }];
  'session-closed': [{ node: string; reason: SessionCloseReason }];
}

export interface StartedPeer {
  hubUrl: string;
  hubPort: number;
}

/** kubeedgeVersion "v1.21.x"/"v1.22.x" → no Node echo; anything else behaves as 1.23. */
export function pushesNodeEcho(kubeedgeVersion: string): boolean {
  const m = /^v?1\.(\d+)/.exec(kubeedgeVersion);
  return !m || Number(m[1]) >= 23;
}

function isReady(node: StoredObject | undefined): boolean {
  if (!node || !isJsonObject(node.status) || !Array.isArray(node.status.conditions)) return false;
  return node.status.conditions.some((c) => isJsonObject(c) && c.type === 'Ready' && c.status === 'True');
}

export class LoopbackPeer extends EventEmitter<PeerEvents> {
  private readonly timers = new TimerHeap();
  private readonly counters = new PeerCounters();
  private readonly syncs = new ObjectSyncs();
  private objects: LoopbackObjects | undefined;
  private controller: LoopbackEdgeController | undefined;
  private devices: LoopbackDevices | undefined;
  private hub: HubServer | undefined;
  private reconcileTimer: TimerTarget | undefined;
  private closed = false;

  async start(options: LoopbackPeerOptions): Promise<StartedPeer> {
    if (this.hub) throw new Error('loopback peer already started');
    const host = options.host ?? '127.0.0.1';
    const log = options.log ?? (() => undefined);
    const objects = new LoopbackObjects({ cloudIp: options.cloudIp ?? host, caPem: options.caPem });
    objects.ensureRootCa('default');
    this.objects = objects;
    const laneConfig: AckLaneConfig = { ...CLOUDCORE_ACK_LANE, ...options.ackLane };
    const controller = new LoopbackEdgeController(
      objects,
      this.syncs,
      (node) => this.hub?.session(node),
      this.counters,
      {
        nodeRegistered: (node) => this.emit('node-registered', { node }),
        podRunning: (namespace, name, node) => this.emit('pod-running', { namespace, name, node }),
        podDeleted: (namespace, name, node) => this.emit('pod-deleted', { namespace, name, node }),
      },
      { nodeEcho: pushesNodeEcho(options.kubeedgeVersion ?? 'v1.23.1') },
    );
    this.controller = controller;
    const devices = new LoopbackDevices((node) => this.hub?.session(node), pushesNodeEcho(options.kubeedgeVersion ?? 'v1.23.1') ? 'devicestatuses' : 'devices');
    this.devices = devices;
    const hub = new HubServer(
      {
        host,
        port: options.hubPort ?? 0,
        caPem: options.caPem,
        serverCertPem: options.serverCertPem,
        serverKeyPem: options.serverKeyPem,
        nodeLimit: options.nodeLimit ?? 500,
        keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? 30_000,
        log,
      },
      {
        timers: this.timers,
        counters: this.counters,
        syncs: this.syncs,
        recentIds: new RecentMessageIds(),
        laneConfig,
        fragmentBytes: options.fragmentBytes ?? 4082,
        // devicecontroller takes device twin, state and membership messages; edgecontroller the rest.
        handler: { handle: (s, m) => void (devices.handle(s, m) || controller.handle(s, m)) },
        onKeepalive: (s) => this.hub?.touch(s),
        onAcked: (s, m, latencyMs) =>
          this.emit('ack', { node: s.nodeId, msgId: m.msgId, operation: m.operation, resource: m.resource, latencyMs }),
      },
      {
        onSessionOpen: (s) => {
          this.emit('session-open', { node: s.nodeId, readable: s.readable });
          // Reconnect: what the node has not ACKed at its latest RV comes back right away.
          controller.reconcile(s.nodeId);
        },
        onSessionClosed: (s, reason) => this.emit('session-closed', { node: s.nodeId, reason }),
      },
    );
    this.hub = hub;
    const hubPort = await hub.listen();
    const interval = options.reconcileIntervalMs ?? 5_000;
    if (interval > 0) {
      const target: TimerTarget = {
        onTimer: (now) => {
          for (const s of [...hub.allSessions()]) controller.reconcile(s.nodeId);
          this.timers.schedule(now + interval, target, 0);
        },
      };
      this.reconcileTimer = target;
      this.timers.schedule(Date.now() + interval, target, 0);
    }
    return { hubUrl: `wss://${host}:${hubPort}`, hubPort };
  }

  private parts(): { objects: LoopbackObjects; controller: LoopbackEdgeController; hub: HubServer } {
    if (!this.objects || !this.controller || !this.hub || this.closed) throw new Error('loopback peer not running');
    return { objects: this.objects, controller: this.controller, hub: this.hub };
  }

  /** Create a pod bound to `node`; it goes down as `insert` (or later as `update` if the node is offline). */
  createPod(node: string, pod: PodInput): StoredObject {
    const { objects, controller } = this.parts();
    const created = objects.createPod(node, pod);
    controller.dispatch(node, 'insert', 'Pod', created);
    return created;
  }

  /** Merge labels/annotations/spec fields into a pod; it goes down as `update`. */
  updatePod(namespace: string, name: string, change: PodChange): StoredObject | undefined {
    const { objects, controller } = this.parts();
    const updated = objects.updatePod(namespace, name, change);
    const node = updated ? objects.podNode(updated) : undefined;
    if (updated && node) controller.dispatch(node, 'update', 'Pod', updated);
    return updated;
  }

  /**
   * `kubectl delete pod`: sets deletionTimestamp and pushes the `update`. The pod is gone only once
   * the edge sends its own `delete` (then the peer pushes `delete` with the full Pod).
   */
  deletePod(namespace: string, name: string, gracePeriodSeconds = 30): StoredObject | undefined {
    const { objects, controller } = this.parts();
    const marked = objects.markPodDeleting(namespace, name, gracePeriodSeconds);
    const node = marked ? objects.podNode(marked) : undefined;
    if (marked && node) controller.dispatch(node, 'update', 'Pod', marked);
    return marked;
  }

  /** Create or change a ConfigMap; changes go to nodes holding an ObjectSync for it. */
  upsertConfigMap(namespace: string, name: string, data: Record<string, string>): StoredObject {
    const { objects, controller } = this.parts();
    const { object, created } = objects.upsertConfigMap(namespace, name, data);
    if (!created) for (const node of controller.subscribers(object.metadata.uid)) controller.dispatch(node, 'update', 'ConfigMap', object);
    return object;
  }

  upsertSecret(namespace: string, name: string, data: Record<string, string>): StoredObject {
    const { objects, controller } = this.parts();
    const { object, created } = objects.upsertSecret(namespace, name, data);
    if (!created) for (const node of controller.subscribers(object.metadata.uid)) controller.dispatch(node, 'update', 'Secret', object);
    return object;
  }

  /** Delete a ConfigMap; nodes holding it get `delete` with the full object. */
  deleteConfigMap(namespace: string, name: string): boolean {
    const { objects, controller } = this.parts();
    const gone = objects.removeConfigMap(namespace, name);
    if (gone) for (const node of controller.subscribers(gone.metadata.uid)) controller.dispatch(node, 'delete', 'ConfigMap', gone);
    return gone !== undefined;
  }

  deleteSecret(namespace: string, name: string): boolean {
    const { objects, controller } = this.parts();
    const gone = objects.removeSecret(namespace, name);
    if (gone) for (const node of controller.subscribers(gone.metadata.uid)) controller.dispatch(node, 'delete', 'Secret', gone);
    return gone !== undefined;
  }

  /**
   * Create a DeviceModel (or reuse an identical one) and a Device bound to `device.spec.nodeName`;
   * membership, the model and the Device go down as devicecontroller sends them.
   */
  createDevice(model: Record<string, unknown>, device: Record<string, unknown>): CreatedDevice {
    return this.deviceController().createDevice(model, device);
  }

  /** Change one property's desired value; the Device (and its model) go down as `update`. */
  setDesired(namespace: string, name: string, property: string, value: string): CreatedDevice | undefined {
    return this.deviceController().setDesired(namespace, name, property, value);
  }

  deleteDevice(namespace: string, name: string): boolean {
    return this.deviceController().deleteDevice(namespace, name);
  }

  /** The twins and state the node reported for a device, as devicecontroller merged them. */
  deviceStatus(namespace: string, name: string): LoopbackDeviceStatus | undefined {
    return this.deviceController().status(namespace, name);
  }

  private deviceController(): LoopbackDevices {
    this.parts();
    return this.devices!;
  }

  getPod(namespace: string, name: string): StoredObject | undefined {
    return this.parts().objects.getPod(namespace, name);
  }

  getNode(name: string): StoredObject | undefined {
    return this.parts().objects.getNode(name);
  }

  /** Registered nodes plus connected sessions that have not registered (yet). */
  nodes(): NodeView[] {
    const { objects, hub } = this.parts();
    const out = new Map<string, NodeView>();
    for (const name of objects.nodeNames()) {
      out.set(name, { name, registered: true, ready: isReady(objects.getNode(name)), connected: hub.session(name) !== undefined });
    }
    for (const s of hub.allSessions()) {
      if (!out.has(s.nodeId)) out.set(s.nodeId, { name: s.nodeId, registered: false, ready: false, connected: true });
    }
    return [...out.values()];
  }

  /** Run the synccontroller pass now for every connected node (tests; the timer does it every 5 s). */
  reconcileNow(): void {
    const { controller, hub } = this.parts();
    for (const s of [...hub.allSessions()]) controller.reconcile(s.nodeId);
  }

  stats(): PeerStats {
    return this.counters.snapshot(this.hub?.sessionCount ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reconcileTimer = undefined;
    this.timers.close();
    await this.hub?.close();
  }
}
