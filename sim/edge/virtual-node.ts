/**
 * One virtual edgecore, reduced to what crosses the CloudHub WebSocket, message for message as the
 * v1.23.1 traces show. This file holds the node's state and dispatches what happens to it: the
 * wheel's timers, the hub link's events and the cloud's messages. What edgecore's modules do with
 * them lives beside it, one file per module of edge/pkg, as plain functions on this state:
 * edgehub.ts (the link), metamanager.ts (store, ACKs, requests to the cloud), edged-node.ts
 * (register, status, lease) and edged-pods.ts (pods). It owns no timers: the shard's wheel calls
 * `onTimer`.
 */
import type { SecureContext } from 'node:tls';
import { isTwinlabError } from '../errors.js';
import { decodeMessage } from '../protocol/kubeedge/codec.js';
import type { Message } from '../protocol/kubeedge/message.js';
import { objectRespText, scanReplyEnvelope } from '../protocol/kubeedge/reply-scan.js';
import { NodeState, resourceType, trafficKey } from './edge-counters.js';
import type { EdgeRuntime } from './edge-runtime.js';
import {
  LEASE_UPDATE_RETRIES,
  leaseAnswered,
  leaseRefused,
  leaseTaken,
  observeNode,
  registerAnswered,
  registerRefused,
  sendRegister,
  statusAnswered,
  statusRefused,
  syncLease,
  syncStatus,
} from './edged-node.js';
import { onPod, podPatchAnswered, podPatchRefused, podQueryAnswered, restorePod, stopPods, terminatedPatchAnswered, type PodState } from './edged-pods.js';
import { closeLink, dial, linkClosed, linkOpened, sendKeepalive, transmit } from './edgehub.js';
import type { HubLink, HubListener } from './hub/hub-link.js';
import type { MetaRecord } from './meta-store.js';
import { ack, ackFrame, dropPending, expireRequests, remoteQueryAnswered, removeObject, replyTaken, Req, seen, storeObject, type PendingRequest } from './metamanager.js';
import { arm, cancelTimer, T_DIAL, T_KEEPALIVE, T_LEASE, T_REGISTER, T_REQUEST_TIMEOUT, T_STATUS } from './node-timers.js';
import { asObject, errReason } from './object-content.js';
import { NodeDevices } from './device-twin/node-devices.js';
import { NO_TIMER, type TimerId, type TimerTarget } from '../scheduler/timer-wheel.js';

export interface VirtualNodeOptions {
  readonly name: string;
  /** Index within the fleet; gives each node a distinct InternalIP. */
  readonly index: number;
}

/**
 * A virtual edgecore. Outside sim/edge a node is used through `name`, `index`, `state`, the getters
 * and the methods (start, stop, restore, podUids, and the wheel's and the hub link's callbacks;
 * setState and onAnsweredOffline are for the modules).
 * The fields after `state` are package-internal, as a Go struct's lower-case fields are to its
 * package: the module functions beside this file read and write them, nothing outside sim/edge
 * may. They are plain fields of this one object, declared and initialised in this order, so every
 * node has one shape and the same footprint as when the modules were methods.
 */
export class VirtualNode implements TimerTarget, HubListener {
  readonly name: string;
  readonly index: number;
  state: NodeState = NodeState.Idle;
  // ---------------------------------------------------------------- package-internal state
  /** edgehub: the open or opening link. */
  hub: HubLink | undefined;
  tls: SecureContext | undefined;
  /** edgehub: the socket closed and edgehub has not yet noticed (it notices on its next failed send). */
  linkLost = false;
  everConnected = false;
  /** edged: the Node is registered. */
  registered = false;
  registerBackoff: number;
  dialAttempt = 0;
  nodeUid = '';
  /** edged: last Lease the cloud returned, as JSON text; '' when unknown. */
  lease = '';
  /** 0 unknown (query next), 1 absent (insert next), 2 present (update next). */
  leaseState = 0;
  leaseInFlight = false;
  /** kubelet's ensure-lease backoff while its lease cannot be renewed (0: not backing off). */
  leaseBackoffMs = 0;
  statusDirty = false;
  /**
   * Some pod has a status to write at the next status sync: a running pod shows Ready=False in the
   * API (PodState.readyDrift), or a patch was refused while the link was down (PodState.queuedPatch).
   */
  podsDrifted = false;
  /** The kubelet's status loop waits for its patch, like the lease controller. */
  statusInFlight = false;
  lastStatusReport = 0;
  /** One slot per timer kind of node-timers.ts (index 0 unused). */
  readonly timers: TimerId[] = [NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER];
  /** metamanager: requests waiting for their reply, by msg_id. */
  pending: Map<string, PendingRequest> | undefined;
  /** edged: the pods this node runs, by namespace/name. */
  pods: Map<string, PodState> | undefined;
  /** metamanager: msg_ids of the last ACK-required downstream messages: a resend is recognised and ACKed again. */
  readonly recent: string[] = ['', '', '', ''];
  recentNext = 0;
  warnedMalformed = false;
  /** devicetwin and the mappers; made when the first device message arrives (runtime with devices only). */
  devices: NodeDevices | undefined;
  startedAt = 0;

  constructor(
    /** The shard's runtime, shared by its nodes (package-internal). */
    readonly rt: EdgeRuntime,
    options: VirtualNodeOptions,
  ) {
    this.name = options.name;
    this.index = options.index;
    this.registerBackoff = rt.config.timings.registerBackoffMs;
    rt.counters.states[NodeState.Idle]! += 1;
  }

  get isConnected(): boolean {
    return this.hub?.isOpen ?? false;
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  get podCount(): number {
    return this.pods?.size ?? 0;
  }

  /** The uids of the pods this node holds (restored from the meta store or received). */
  podUids(): string[] {
    return this.pods ? [...this.pods.values()].map((p) => p.uid) : [];
  }

  /** Restore what a previous run of this shard stored for the node: its uid and pods. */
  restore(records: readonly MetaRecord[]): void {
    for (const r of records) {
      if (r.type === 'node' && r.name === this.name && r.uid) this.nodeUid = r.uid;
      if (r.type === 'pod') restorePod(this, r);
    }
    // ── devicetwin: the devices this node held run again, as edgecore reloads them from its database
    const devices = records.filter((r) => r.type === 'device' || r.type === 'devicemodel');
    if (devices.length > 0) this.deviceTwin()?.restore(devices);
  }

  /** Bootstrap (if needed), then dial. */
  start(): void {
    if (this.state !== NodeState.Idle && this.state !== NodeState.Stopped && this.state !== NodeState.Failed) return;
    this.setState(NodeState.Bootstrapping);
    const started = performance.now();
    this.startedAt = started;
    this.rt.secureContextFor(this.name).then(
      (ctx) => {
        this.rt.counters.bootstrapSeconds.observe((performance.now() - started) / 1000);
        if (this.state !== NodeState.Bootstrapping) return;
        this.tls = ctx;
        dial(this);
      },
      (error: unknown) => {
        if (this.state !== NodeState.Bootstrapping) return;
        this.setState(NodeState.Failed);
        const code = isTwinlabError(error) ? error.code : 'TWL_BOOTSTRAP_FAILED';
        this.rt.events.warn?.(this.name, code, error instanceof Error ? error.message : String(error));
      },
    );
  }

  /**
   * Stop the node. `graceful` sends edgecore's last blank message first, as edgemark does on
   * SIGTERM; otherwise the socket is just dropped.
   */
  stop(graceful: boolean): void {
    for (let k = 1; k < this.timers.length; k++) cancelTimer(this, k);
    stopPods(this);
    closeLink(this, graceful);
    dropPending(this);
    this.devices?.stop();
    this.devices = undefined;
    this.leaseInFlight = false;
    this.leaseBackoffMs = 0;
    this.setState(NodeState.Stopped);
  }

  /** Requests this node made and never got a reply for (for the end-of-run count). */
  get unansweredNow(): number {
    return this.pending?.size ?? 0;
  }

  /** (package-internal) Move to `next`, keeping the fleet's per-state counts. */
  setState(next: NodeState): void {
    if (next === this.state) return;
    this.rt.counters.transition(this.state, next);
    this.state = next;
  }

  // ---------------------------------------------------------------- timers

  onTimer(kind: number, now: number): void {
    this.timers[kind] = NO_TIMER;
    switch (kind) {
      case T_KEEPALIVE:
        sendKeepalive(this);
        if (this.hub !== undefined || this.linkLost) arm(this, T_KEEPALIVE, this.rt.config.timings.keepaliveMs);
        break;
      case T_LEASE:
        syncLease(this);
        // unless a refused update re-armed it for the ensure-lease backoff
        if (this.timers[T_LEASE] === NO_TIMER) arm(this, T_LEASE, this.rt.config.timings.leaseMs);
        break;
      case T_STATUS:
        syncStatus(this, now);
        arm(this, T_STATUS, this.rt.config.timings.statusSyncMs);
        break;
      case T_DIAL:
        dial(this);
        break;
      case T_REQUEST_TIMEOUT:
        expireRequests(this, now);
        break;
      case T_REGISTER:
        sendRegister(this);
        break;
    }
  }

  // ---------------------------------------------------------------- link

  onHubOpen(hub: HubLink): void {
    if (hub !== this.hub) return;
    linkOpened(this);
    // edged hears "connected" too: a registered node is Ready again, a new one registers
    if (this.registered) {
      this.setState(NodeState.Ready);
    } else {
      this.setState(NodeState.Registering);
      sendRegister(this);
    }
  }

  onHubClosed(hub: HubLink, opened: boolean, _reason: string): void {
    if (hub !== this.hub) return;
    linkClosed(this, opened);
  }

  // ---------------------------------------------------------------- inbound

  onHubMessage(hub: HubLink, data: Buffer): void {
    if (hub !== this.hub) return;
    if (this.leaseInFlight && this.takeLeaseReply(data)) return;
    const received = performance.now();
    const c = this.rt.counters;
    let m: Message;
    try {
      m = decodeMessage(data, { wireContent: false });
    } catch (error) {
      c.malformed += 1;
      c.bytesReceived += data.length;
      if (!this.warnedMalformed) {
        this.warnedMalformed = true;
        this.rt.events.warn?.(this.name, 'TWL_FRAME_MALFORMED', error instanceof Error ? error.message : String(error));
      }
      return;
    }
    const route = m.route;
    const operation = route.operation ?? '';
    c.countReceived(trafficKey(operation, route.resource), data.length);
    const parent = m.header.parent_msg_id;
    if (parent) {
      const p = this.pending?.get(parent);
      if (p) {
        replyTaken(this, parent, p);
        this.onReply(p, m);
      } else if (route.group === 'twin') {
        this.devices?.onConfirm(parent);
      }
      return;
    }
    // ── devicetwin: devicecontroller's membership pushes (group twin, never ACKed)
    if (route.group === 'twin') {
      this.deviceTwin()?.onTwinMessage(m);
      return;
    }
    if ((operation === 'insert' || operation === 'update' || operation === 'delete') && route.group === 'resource') {
      if (seen(this, m.header.msg_id)) {
        c.duplicates += 1;
        ack(this, m);
        return;
      }
      ack(this, m);
      c.ackLatencyMs.observe(performance.now() - received);
      this.onObject(m, operation);
    }
  }

  /**
   * The steady-state reply, the Lease as cloudcore stored it, taken without parsing: reply-scan.ts
   * vouches for the frame and hands out the Lease's own text, which the next update sends back with
   * a new renewTime. What it does not vouch for (an error, another shape, an unusual spelling)
   * returns false and goes through decodeMessage and onReply like any frame.
   */
  private takeLeaseReply(data: Buffer): boolean {
    const text = data.toString('latin1');
    const envelope = scanReplyEnvelope(text);
    if (envelope === undefined || envelope.operation !== 'response') return false;
    const p = this.pending?.get(envelope.parentMsgId);
    if (p === undefined || (p.kind !== Req.LeaseQuery && p.kind !== Req.LeaseInsert && p.kind !== Req.LeaseUpdate)) return false;
    const lease = objectRespText(text, envelope);
    if (lease === undefined) return false;
    this.rt.counters.countReceived(trafficKey(envelope.operation, envelope.resource), data.length);
    replyTaken(this, envelope.parentMsgId, p);
    // as onReply: replies to queries, inserts and updates are ACKed
    ackFrame(this, envelope.msgId, envelope.source, envelope.group, envelope.resource);
    leaseTaken(this, p.kind, lease);
    return true;
  }

  /** The reply to one of edged's requests, handed to the piece that asked. */
  private onReply(p: PendingRequest, m: Message): void {
    // edgecore ACKs the replies to its queries, inserts and updates, never those to patches or deletes.
    if (p.operation === 'query' || p.operation === 'insert' || p.operation === 'update') ack(this, m);
    const content = asObject(m.content);
    const failed = m.route.operation === 'error' ? 'Error' : errReason(content);
    const c = this.rt.counters;
    switch (p.kind) {
      case Req.Register:
        registerAnswered(this, content, failed);
        break;
      case Req.LeaseQuery:
      case Req.LeaseInsert:
      case Req.LeaseUpdate:
        leaseAnswered(this, p.kind, content, failed);
        break;
      case Req.Query:
        remoteQueryAnswered(this, p.resource, content, m.header.resourceversion, failed);
        if (p.pod) podQueryAnswered(this, p.pod, failed);
        break;
      case Req.NodeQuery:
        if (failed === undefined) observeNode(this, content);
        break;
      case Req.NodePatch:
        statusAnswered(this, failed);
        break;
      case Req.PodPatch:
        if (failed !== undefined) c.errorReplies += 1;
        if (p.pod) podPatchAnswered(this, p.pod);
        break;
      case Req.PodDelete:
        if (failed !== undefined) c.errorReplies += 1;
        break;
      case Req.PodTerminatedPatch:
        if (failed !== undefined) c.errorReplies += 1;
        if (p.pod) terminatedPatchAnswered(this, p.pod);
        break;
    }
  }

  /**
   * (package-internal) metamanager answered one of edged's requests itself, the link being down
   * (metamanager.ts, request): the piece that asked takes it as a refusal, or a query as not found
   * locally (what the node holds was read before asking).
   */
  onAnsweredOffline(kind: Req, content: string, pod: PodState | undefined): void {
    const c = this.rt.counters;
    switch (kind) {
      case Req.LeaseUpdate:
        // the lease controller tries the update this many times, then falls back to ensure-lease
        c.failedFastOffline += LEASE_UPDATE_RETRIES;
        leaseRefused(this);
        break;
      case Req.LeaseInsert:
      case Req.LeaseQuery:
        // an insert fails at once; a query's local answer is a list, not the LeaseResp the lease
        // client reads: either way ensure-lease keeps backing off
        c.failedFastOffline += 1;
        leaseRefused(this);
        break;
      case Req.Register:
        c.failedFastOffline += 1;
        registerRefused(this);
        break;
      case Req.NodePatch:
        c.failedFastOffline += 1;
        statusRefused(this);
        break;
      case Req.PodPatch:
      case Req.PodTerminatedPatch:
        c.failedFastOffline += 1;
        if (pod) podPatchRefused(this, pod, kind, content);
        break;
      case Req.Query:
        if (pod) podQueryAnswered(this, pod, 'NotFound');
        break;
    }
  }

  /** A downstream object (ACKed already): metamanager stores it and hands it to edged or devicetwin. */
  private onObject(m: Message, operation: string): void {
    const resource = m.route.resource ?? '';
    const type = resourceType(resource);
    const content = asObject(m.content);
    const meta = asObject(content?.metadata);
    const uid = typeof meta?.uid === 'string' ? meta.uid : '';
    const rv = m.header.resourceversion ?? (typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : '');
    this.rt.events.objectReceived?.(this.name, type, operation, uid, rv, Date.now());
    if (type === 'pod') {
      onPod(this, resource, operation, content, uid, rv);
      return;
    }
    if (type === 'node') observeNode(this, content);
    // ── devicetwin: metamanager hands DeviceModels and Devices on once stored and ACKed
    if (type === 'device' || type === 'devicemodel') this.deviceTwin()?.onObject(type, operation, content, Date.now());
    if (operation === 'delete') {
      removeObject(this, resource);
    } else if (content) {
      storeObject(this, resource, type, content, rv);
    }
  }

  /** This node's devicetwin, made on first use when the shard runs device twins. */
  private deviceTwin(): NodeDevices | undefined {
    const rt = this.rt.devices;
    if (!rt || this.state === NodeState.Stopped) return undefined;
    return (this.devices ??= new NodeDevices(rt, this.rt.counters.devices, { nodeName: this.name, transmit: (t, o, r) => transmit(this, t, o, r) }, this.hub?.isOpen ?? false));
  }
}
