/**
 * One virtual edgecore: edgehub (dial, keepalive, reconnect policy), metamanager (store, ACKs,
 * remote queries) and edged (register, lease, node status, pods) reduced to what crosses the
 * CloudHub WebSocket, message for message as the v1.23.1 traces show. It owns no timers: the
 * shard's wheel calls `onTimer`.
 */
import { randomUUID } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { isTwinlabError } from '../errors.js';
import { isWireError } from '../protocol/kubeedge/ack-policy.js';
import { decodeMessage } from '../protocol/kubeedge/codec.js';
import { buildFrame } from '../protocol/kubeedge/frame-builder.js';
import type { Message } from '../protocol/kubeedge/message.js';
import { objectRespText, scanReplyEnvelope } from '../protocol/kubeedge/reply-scan.js';
import { NodeState, resourceType, trafficKey } from './edge-counters.js';
import type { EdgeRuntime, FailedSendKind } from './edge-runtime.js';
import type { HubLink, HubListener } from './hub/hub-link.js';
import type { MetaRecord } from './meta-store.js';
import {
  leaseInsertBody,
  nodeStatusPatch,
  podDeleteBody,
  podPendingPatch,
  podReadyPatch,
  podRunningPatch,
  podTerminatedPatch,
  registerNodeBody,
  rfc3339Micro,
  serviceAccountTokenRequest,
  type PodRef,
} from './node-objects.js';
import { podContainers, podQueries, type PodQuery } from './pod-references.js';
import { NodeDevices } from './device-twin/node-devices.js';
import { NO_TIMER, type TimerId, type TimerTarget } from '../scheduler/timer-wheel.js';

/** Timer kinds a node schedules on the shard wheel. */
const T_KEEPALIVE = 1;
const T_LEASE = 2;
const T_STATUS = 3;
const T_DIAL = 4;
const T_REQUEST_TIMEOUT = 5;
const T_REGISTER = 6;
const T_POD_START = 7;
/** A terminating pod's kill delay is over: its `delete` may go once the terminated patch is answered. */
const T_POD_KILLED = 8;

/** kubelet's lease controller: an update is tried this many times before it falls back to ensure-lease. */
const LEASE_UPDATE_RETRIES = 5;

/** What an upstream request was, so its reply can be handled. */
const enum Req {
  Register,
  NodePatch,
  LeaseQuery,
  LeaseInsert,
  LeaseUpdate,
  PodPatch,
  /** The patch reporting a deleted pod's containers stopped; its reply releases the pod `delete`. */
  PodTerminatedPatch,
  Query,
  PodDelete,
  NodeQuery,
}

/** Each request kind's name in the fleet's request-latency histograms (the same order as Req). */
const REQ_NAMES = ['register', 'node patch', 'lease query', 'lease insert', 'lease update', 'pod patch', 'pod terminated patch', 'query', 'pod delete', 'node query'] as const;

interface PendingRequest {
  readonly kind: Req;
  readonly operation: string;
  readonly resource: string;
  /** Header timestamp of the first send; a re-send keeps it, as edgecore does. */
  readonly madeAt: number;
  /** JSON text of the content. */
  readonly content: string;
  readonly pod: PodState | undefined;
  deadline: number;
  /** Made while the link was known down: waits in edgehub's queue and goes out on the reconnect. */
  queued: boolean;
}

const POD_CREATING = 0;
const POD_RUNNING = 1;
const POD_TERMINATING = 2;

/** A pod this node runs. Also a timer target for its startup and kill delays. */
class PodState implements TimerTarget, PodRef {
  phase = POD_CREATING;
  /** What the pod needs from the cloud, sent one at a time as edged's volume manager does. */
  queries: readonly PodQuery[] = [];
  nextQuery = 0;
  queryFailed = false;
  startedAt = 0;
  /**
   * kubelet's status manager writes one pod's status at a time and waits for the reply; cloudcore
   * applies podpatches on parallel workers, so two in flight could land out of order (a Running pod
   * left Ready=False by a late Pending patch). The next patch waits here; a newer one replaces it.
   */
  patchInFlight = false;
  queuedPatch: { kind: Req; body: string } | undefined;
  /** The API shows this running pod as not Ready: the next status sync patches Ready back. */
  readyDrift = false;
  /** Terminating: the kill delay is over / the terminated status patch was answered. The delete waits for both. */
  killed = false;
  terminatedWritten = false;
  timer: TimerId = NO_TIMER;

  constructor(
    readonly node: VirtualNode,
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    public resourceVersion: string,
    readonly containers: Array<{ name: string; image: string }>,
  ) {}

  onTimer(kind: number): void {
    this.timer = NO_TIMER;
    if (kind === T_POD_KILLED) this.node.podKilled(this);
    else this.node.startPod(this);
  }
}

export interface VirtualNodeOptions {
  readonly name: string;
  /** Index within the fleet; gives each node a distinct InternalIP. */
  readonly index: number;
}

type ObjectContent = Record<string, unknown>;

function asObject(v: unknown): ObjectContent | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ObjectContent) : undefined;
}

/**
 * The failure a reply reports: an ObjectResp's `Err` (register, lease), or a Go error put in the
 * content itself, `{"ErrStatus":{…}}` or `{}`, as query replies carry it (isWireError).
 */
function errReason(content: ObjectContent | undefined): string | undefined {
  const err = asObject(content?.Err) ?? (isWireError(content) ? content : undefined);
  const status = asObject(err?.ErrStatus);
  return typeof status?.reason === 'string' ? status.reason : err ? 'Unknown' : undefined;
}

/** status of the pod's Ready condition in a pod object, if it has one. */
function readyCondition(pod: ObjectContent): string | undefined {
  const conditions = asObject(pod.status)?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  for (const c of conditions) {
    const cond = asObject(c);
    if (cond?.type === 'Ready') return typeof cond.status === 'string' ? cond.status : undefined;
  }
  return undefined;
}

function internalIp(index: number): string {
  // 198.18.0.0/15 is reserved for benchmarking; a node's address never routes anywhere.
  return `198.${18 + ((index >>> 16) & 1)}.${(index >>> 8) & 255}.${index & 255}`;
}

export class VirtualNode implements TimerTarget, HubListener {
  readonly name: string;
  readonly index: number;
  state: NodeState = NodeState.Idle;
  private hub: HubLink | undefined;
  private tls: SecureContext | undefined;
  /** The socket closed and edgehub has not yet noticed (it notices on its next failed send). */
  private linkLost = false;
  private everConnected = false;
  private registered = false;
  private registerBackoff: number;
  private dialAttempt = 0;
  private nodeUid = '';
  /** Last Lease the cloud returned, as JSON text; '' when unknown. */
  private lease = '';
  /** 0 unknown (query next), 1 absent (insert next), 2 present (update next). */
  private leaseState = 0;
  private leaseInFlight = false;
  /** kubelet's ensure-lease backoff while its lease cannot be renewed (0: not backing off). */
  private leaseBackoffMs = 0;
  private statusDirty = false;
  /**
   * Some pod has a status to write at the next status sync: a running pod shows Ready=False in the
   * API (PodState.readyDrift), or a patch was refused while the link was down (PodState.queuedPatch).
   */
  private podsDrifted = false;
  /** The kubelet's status loop waits for its patch, like the lease controller. */
  private statusInFlight = false;
  private lastStatusReport = 0;
  private readonly timers: TimerId[] = [NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER, NO_TIMER];
  private pending: Map<string, PendingRequest> | undefined;
  private pods: Map<string, PodState> | undefined;
  /** msg_ids of the last ACK-required downstream messages: a resend is recognised and ACKed again. */
  private readonly recent: string[] = ['', '', '', ''];
  private recentNext = 0;
  private warnedMalformed = false;
  /** devicetwin and the mappers; made when the first device message arrives (runtime with devices only). */
  private devices: NodeDevices | undefined;
  private startedAt = 0;

  constructor(
    private readonly rt: EdgeRuntime,
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
      if (r.type === 'pod') {
        let body: unknown;
        try {
          body = JSON.parse(r.body);
        } catch {
          continue;
        }
        const pod = new PodState(this, r.namespace, r.name, r.uid, r.resourceVersion, podContainers(body));
        pod.phase = POD_RUNNING;
        pod.startedAt = r.updatedAt;
        (this.pods ??= new Map()).set(`${r.namespace}/${r.name}`, pod);
      }
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
        this.dial();
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
    for (let k = 1; k < this.timers.length; k++) this.cancel(k);
    if (this.pods) {
      for (const pod of this.pods.values()) {
        this.cancelPodTimer(pod);
        // its pending requests are dropped below, so no reply will release the next patch
        pod.patchInFlight = false;
        pod.queuedPatch = undefined;
      }
    }
    const hub = this.hub;
    this.hub = undefined;
    if (hub) {
      if (graceful) hub.send('{"header":{"msg_id":"","timestamp":0},"route":{},"content":null}\n');
      hub.terminate();
      this.rt.counters.connected -= 1;
    }
    if (this.pending) {
      this.rt.counters.pendingRequests -= this.pending.size;
      this.pending.clear();
    }
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

  // ---------------------------------------------------------------- timers

  onTimer(kind: number, now: number): void {
    this.timers[kind] = NO_TIMER;
    switch (kind) {
      case T_KEEPALIVE:
        this.sendKeepalive();
        if (this.hub !== undefined || this.linkLost) this.arm(T_KEEPALIVE, this.rt.config.timings.keepaliveMs);
        break;
      case T_LEASE:
        this.syncLease();
        // unless a refused update re-armed it for the ensure-lease backoff
        if (this.timers[T_LEASE] === NO_TIMER) this.arm(T_LEASE, this.rt.config.timings.leaseMs);
        break;
      case T_STATUS:
        this.syncStatus(now);
        this.arm(T_STATUS, this.rt.config.timings.statusSyncMs);
        break;
      case T_DIAL:
        this.dial();
        break;
      case T_REQUEST_TIMEOUT:
        this.expireRequests(now);
        break;
      case T_REGISTER:
        this.sendRegister();
        break;
    }
  }

  /** The node's own timers are loose: edgecore's periods are seconds, and sharing the shard's grid saves wake-ups. */
  private arm(kind: number, delayMs: number): void {
    const wheel = this.rt.wheel;
    const id = this.timers[kind]!;
    if (id !== NO_TIMER && wheel.rescheduleLoose(id, delayMs)) return;
    this.timers[kind] = wheel.scheduleLoose(this, kind, delayMs);
  }

  private cancel(kind: number): void {
    const id = this.timers[kind]!;
    if (id !== NO_TIMER) this.rt.wheel.cancel(id);
    this.timers[kind] = NO_TIMER;
  }

  // ---------------------------------------------------------------- connection

  private dial(): void {
    if (!this.tls || this.state === NodeState.Stopped) return;
    this.setState(this.registered ? NodeState.Reconnecting : NodeState.Connecting);
    this.dialAttempt += 1;
    const options = {
      cloudhubUrl: this.rt.config.cloudhubUrl,
      projectId: this.rt.config.projectId,
      nodeName: this.name,
      secureContext: this.tls,
      handshakeTimeoutMs: this.rt.config.timings.handshakeTimeoutMs,
      ...(this.rt.config.checkServerIdentity ? { checkServerIdentity: this.rt.config.checkServerIdentity } : {}),
    };
    this.hub = this.rt.dial(options, this);
  }

  onHubOpen(hub: HubLink): void {
    if (hub !== this.hub) return;
    const c = this.rt.counters;
    c.connects += 1;
    c.connected += 1;
    if (this.everConnected) c.reconnects += 1;
    this.everConnected = true;
    this.linkLost = false;
    this.dialAttempt = 0;
    this.rt.events.linkChanged?.(this.name, true, Date.now());
    this.sendKeepalive();
    this.arm(T_KEEPALIVE, this.rt.config.timings.keepaliveMs);
    this.sendQueued();
    this.devices?.onConnected();
    if (this.registered) {
      this.setState(NodeState.Ready);
    } else {
      this.setState(NodeState.Registering);
      this.sendRegister();
    }
  }

  onHubClosed(hub: HubLink, opened: boolean, _reason: string): void {
    if (hub !== this.hub) return;
    this.hub = undefined;
    const c = this.rt.counters;
    if (!opened) {
      c.connectFailures += 1;
      this.scheduleDial(false);
      return;
    }
    c.connected -= 1;
    c.disconnects += 1;
    this.rt.events.linkChanged?.(this.name, false, Date.now());
    this.devices?.onDisconnected();
    // edgehub learns of a dead link only when its next send fails; until then it keeps going.
    this.linkLost = true;
    this.setState(NodeState.Reconnecting);
  }

  /** Next dial: 5 s apart within a round of 5, then edgehub's 30 s sleep (+ optional jitter). */
  private scheduleDial(afterLoss: boolean): void {
    const t = this.rt.config.timings;
    if (this.state !== NodeState.Stopped) this.setState(this.registered ? NodeState.Reconnecting : NodeState.Connecting);
    if (!afterLoss && this.dialAttempt < t.dialAttempts) {
      this.arm(T_DIAL, t.dialIntervalMs);
      return;
    }
    this.dialAttempt = 0;
    const jitter = this.rt.config.reconnectJitterMs > 0 ? this.rt.random() * this.rt.config.reconnectJitterMs : 0;
    this.arm(T_DIAL, t.reconnectSleepMs + jitter);
  }

  /** Write one frame; on a dead link the first failure starts edgehub's reconnect sleep. */
  private transmit(text: string, operation: string, resource: string): boolean {
    const c = this.rt.counters;
    if (this.hub?.send(text)) {
      c.countSent(trafficKey(operation, resource), Buffer.byteLength(text));
      return true;
    }
    c.sendFailures += 1;
    if (this.linkLost) {
      this.linkLost = false;
      this.noticeLoss(operation, resource);
      this.cancel(T_KEEPALIVE);
      this.scheduleDial(true);
    }
    return false;
  }

  /**
   * edgehub learns of the loss from this failed send and publishes "disconnected"; the message is
   * lost (routeToCloud does not re-queue it). A lost lease update waits for the metaclient's 60 s
   * re-send, long enough for kube-controller-manager to mark the Node Unknown; any other first
   * failure lets the next lease fail fast and be renewed right after the reconnect.
   */
  private noticeLoss(operation: string, resource: string): void {
    const type = resourceType(resource);
    const send: FailedSendKind = operation === 'keepalive' ? 'keepalive' : type === 'lease' && operation !== 'response' ? 'lease' : 'other';
    const c = this.rt.counters.firstFailedSend;
    c.set(send, (c.get(send) ?? 0) + 1);
    this.rt.events.firstFailedSend?.(this.name, send, `${operation} ${type}`, send !== 'lease' && this.leaseInFlight, Date.now());
  }

  /**
   * edgehub has published "disconnected": the link is gone and the node knows it. Until the
   * reconnect, metamanager answers or refuses requests itself instead of sending them.
   */
  private get offline(): boolean {
    return !this.linkLost && this.hub?.isOpen !== true;
  }

  private sendKeepalive(): void {
    if (this.hub === undefined && !this.linkLost) return;
    const text = buildFrame(randomUUID(), undefined, Date.now(), 'websocket', 'resource', 'keepalive', 'node', '"ping"');
    if (this.transmit(text, 'keepalive', 'node')) this.rt.counters.keepalives += 1;
  }

  // ---------------------------------------------------------------- requests

  private request(kind: Req, operation: string, resource: string, content: string, pod?: PodState, madeAt = Date.now()): void {
    const offline = this.offline;
    if (offline && this.answerOffline(kind, content, pod)) return;
    const msgId = randomUUID();
    const timeout = this.rt.config.timings.requestTimeoutMs;
    (this.pending ??= new Map()).set(msgId, { kind, operation, resource, madeAt, content, pod, deadline: this.rt.wheel.now() + timeout, queued: offline });
    this.rt.counters.pendingRequests += 1;
    if (this.timers[T_REQUEST_TIMEOUT] === NO_TIMER) this.arm(T_REQUEST_TIMEOUT, timeout);
    if (!offline) this.transmit(buildFrame(msgId, undefined, madeAt, 'edged', 'meta', operation, resource, content), operation, resource);
  }

  /**
   * metamanager's answer to a request made once edgehub has published "disconnected"
   * (edge/pkg/metamanager/process.go), true when it never reaches edgehub:
   * - lease `update` and every `insert` from edged fail at once with "not connected"; the lease
   *   controller retries the update 5 times, then falls back to ensure-lease with a backoff;
   * - a `query` is answered from the local store (requireRemoteQuery && IsConnected): what the node
   *   holds was read before asking; anything else is not found, and the lease client cannot read
   *   the store's answer (a list, not a LeaseResp), so ensure-lease keeps backing off;
   * - a `patch` is refused (connect.ErrConnectionLost): kubelet writes the status again at its
   *   next sync once the link is back;
   * - anything else (a pod `delete`) waits in edgehub's queue for the reconnect.
   */
  private answerOffline(kind: Req, content: string, pod: PodState | undefined): boolean {
    const c = this.rt.counters;
    switch (kind) {
      case Req.LeaseUpdate:
        c.failedFastOffline += LEASE_UPDATE_RETRIES;
        this.leaseInFlight = false;
        this.ensureLeaseLater();
        return true;
      case Req.LeaseInsert:
      case Req.LeaseQuery:
        c.failedFastOffline += 1;
        this.leaseInFlight = false;
        this.ensureLeaseLater();
        return true;
      case Req.Register:
        c.failedFastOffline += 1;
        this.arm(T_REGISTER, this.registerBackoff);
        this.registerBackoff = Math.min(this.registerBackoff * 2, this.rt.config.timings.registerBackoffMaxMs);
        return true;
      case Req.NodePatch:
        c.failedFastOffline += 1;
        this.statusInFlight = false;
        this.statusDirty = true;
        return true;
      case Req.PodPatch:
      case Req.PodTerminatedPatch:
        c.failedFastOffline += 1;
        if (pod) {
          pod.patchInFlight = false;
          pod.queuedPatch ??= { kind, body: content };
          this.podsDrifted = true;
        }
        return true;
      case Req.Query:
        if (pod && pod.phase === POD_CREATING && this.pods?.get(`${pod.namespace}/${pod.name}`) === pod) {
          pod.queryFailed = true;
          this.sendNextPodQuery(pod);
        }
        return true;
      case Req.NodeQuery:
        return true;
      default:
        return false;
    }
  }

  /** kubelet's ensure-lease after a failed renewal: the next Get after 2 × the last wait, at most leaseBackoffMaxMs. */
  private ensureLeaseLater(): void {
    const t = this.rt.config.timings;
    this.leaseBackoffMs = Math.min((this.leaseBackoffMs || t.leaseBackoffMs) * 2, t.leaseBackoffMaxMs);
    this.arm(T_LEASE, this.leaseBackoffMs);
  }

  /** edgehub's queue after a reconnect: requests made while the link was down go out in order. */
  private sendQueued(): void {
    if (!this.pending) return;
    for (const [msgId, p] of this.pending) {
      if (!p.queued) continue;
      p.queued = false;
      this.transmit(buildFrame(msgId, undefined, p.madeAt, 'edged', 'meta', p.operation, p.resource, p.content), p.operation, p.resource);
    }
  }

  /** Requests past their deadline are re-sent with a new msg_id and their first timestamp (live trace). */
  private expireRequests(now: number): void {
    const pending = this.pending;
    if (!pending) return;
    let next = Infinity;
    const expired: PendingRequest[] = [];
    for (const [id, p] of pending) {
      if (p.deadline <= now) {
        pending.delete(id);
        expired.push(p);
      } else if (p.deadline < next) {
        next = p.deadline;
      }
    }
    const c = this.rt.counters;
    c.pendingRequests -= expired.length;
    c.unanswered += expired.length;
    for (const p of expired) {
      switch (p.kind) {
        case Req.NodePatch:
          // the next status sync sends a fresh patch
          this.statusInFlight = false;
          this.statusDirty = true;
          break;
        case Req.NodeQuery:
          break;
        default:
          this.request(p.kind, p.operation, p.resource, p.content, p.pod, p.madeAt);
      }
    }
    if (next !== Infinity) this.arm(T_REQUEST_TIMEOUT, Math.max(1, next - now));
  }

  private ack(m: Message): void {
    const r = m.route;
    this.ackFrame(m.header.msg_id, r.source ?? '', r.group ?? '', r.resource ?? '');
  }

  /** metamanager's ACK: `response` to the message's id, its source, group and resource copied, content "OK". */
  private ackFrame(msgId: string, source: string, group: string, resource: string): void {
    const text = buildFrame(randomUUID(), msgId, Date.now(), source, group, 'response', resource, '"OK"');
    if (this.transmit(text, 'response', resource)) this.rt.counters.acksSent += 1;
  }

  // ---------------------------------------------------------------- node agent

  private nodeResource(kind: 'node' | 'nodepatch'): string {
    return `${this.rt.profile.nodeNamespace}/${kind}/${this.name}`;
  }

  private sendRegister(): void {
    if (this.registered) return;
    const cfg = this.rt.config;
    const body = registerNodeBody({ name: this.name, internalIp: internalIp(this.index) }, this.rt.profile, cfg.capacity, Date.now(), cfg.nodeLabels);
    this.request(Req.Register, 'insert', this.nodeResource('node'), JSON.stringify(body));
  }

  private onRegistered(content: ObjectContent | undefined): void {
    const uid = asObject(asObject(content?.Object)?.metadata)?.uid;
    if (typeof uid === 'string' && uid) this.nodeUid = uid;
    this.registered = true;
    this.registerBackoff = this.rt.config.timings.registerBackoffMs;
    if (this.hub?.isOpen) this.setState(NodeState.Ready);
    this.rt.events.nodeReady?.(this.name, Date.now(), performance.now() - this.startedAt);
    // edged's first status sync after registering carries an empty patch (join.jsonl t=0.421).
    this.request(Req.NodePatch, 'patch', this.nodeResource('nodepatch'), '"{}"');
    this.lastStatusReport = this.rt.wheel.now();
    const leaseMs = this.rt.config.timings.leaseMs;
    this.arm(T_LEASE, this.rt.config.randomLeasePhase ? leaseMs + Math.floor(this.rt.random() * leaseMs) : leaseMs);
    this.arm(T_STATUS, this.rt.config.timings.statusSyncMs);
  }

  /**
   * ensure-lease found the Lease: kubelet's lease controller updates it at once (sync →
   * backoffEnsureLease → retryUpdateLease), so after a reconnect the lease is renewed within the
   * backoff's last wait.
   */
  private leaseEnsured(): void {
    this.leaseBackoffMs = 0;
    this.syncLease();
  }

  private syncLease(): void {
    if (this.leaseInFlight) return; // the kubelet's lease controller waits for its request
    const resource = `kube-node-lease/lease/${this.name}`;
    this.leaseInFlight = true;
    if (this.leaseState === 0 || this.leaseBackoffMs > 0) {
      this.request(Req.LeaseQuery, 'query', resource, 'null');
    } else if (this.leaseState === 1 || this.lease === '') {
      const body = leaseInsertBody(this.name, this.nodeUid, Date.now()) as { metadata: Record<string, unknown> };
      // kubelet's lease controller sets the Node owner only when it can read its Node; with the uid
      // unknown (register answered AlreadyExists, empty meta store) it omits the owner, and the
      // API server refuses an owner with an empty uid.
      if (!this.nodeUid) delete body.metadata.ownerReferences;
      this.request(Req.LeaseInsert, 'insert', resource, JSON.stringify(body));
    } else {
      const renew = rfc3339Micro(Date.now());
      this.request(Req.LeaseUpdate, 'update', resource, this.lease.replace(/"renewTime":"[^"]*"/, `"renewTime":"${renew}"`));
    }
  }

  private syncStatus(now: number): void {
    if (!this.registered) return;
    if (this.podsDrifted && !this.offline) this.repatchReady();
    if (this.rt.profile.remoteNodeQuery) this.request(Req.NodeQuery, 'query', this.nodeResource('node'), 'null');
    if (this.statusInFlight) return;
    if (this.statusDirty || now - this.lastStatusReport >= this.rt.config.timings.statusReportMs) {
      this.statusDirty = false;
      this.statusInFlight = true;
      this.lastStatusReport = now;
      const wall = Date.now();
      this.request(Req.NodePatch, 'patch', this.nodeResource('nodepatch'), JSON.stringify(nodeStatusPatch(wall, wall)));
    }
  }

  private repatchReady(): void {
    this.podsDrifted = false;
    if (!this.pods) return;
    for (const pod of this.pods.values()) {
      const held = pod.queuedPatch;
      if (held && !pod.patchInFlight) {
        // refused while the link was down: kubelet's status manager writes it again now
        pod.queuedPatch = undefined;
        this.sendPodPatch(pod, held.kind, held.body);
      }
      if (!pod.readyDrift || pod.phase !== POD_RUNNING) continue;
      pod.readyDrift = false;
      this.sendPodPatch(pod, Req.PodPatch, JSON.stringify(podReadyPatch(pod, pod.startedAt || Date.now())));
    }
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
        this.pending!.delete(parent);
        c.pendingRequests -= 1;
        c.observeRequest(REQ_NAMES[p.kind], Date.now() - p.madeAt);
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
      if (this.seen(m.header.msg_id)) {
        c.duplicates += 1;
        this.ack(m);
        return;
      }
      this.ack(m);
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
    const c = this.rt.counters;
    c.countReceived(trafficKey(envelope.operation, envelope.resource), data.length);
    this.pending!.delete(envelope.parentMsgId);
    c.pendingRequests -= 1;
    c.observeRequest(REQ_NAMES[p.kind], Date.now() - p.madeAt);
    // as onReply: replies to queries, inserts and updates are ACKed
    this.ackFrame(envelope.msgId, envelope.source, envelope.group, envelope.resource);
    this.leaseInFlight = false;
    this.lease = lease;
    this.leaseState = 2;
    if (p.kind === Req.LeaseQuery) this.leaseEnsured();
    return true;
  }

  private seen(msgId: string): boolean {
    const r = this.recent;
    if (r[0] === msgId || r[1] === msgId || r[2] === msgId || r[3] === msgId) return true;
    r[this.recentNext] = msgId;
    this.recentNext = (this.recentNext + 1) & 3;
    return false;
  }

  private onReply(p: PendingRequest, m: Message): void {
    // edgecore ACKs the replies to its queries, inserts and updates, never those to patches or deletes.
    if (p.operation === 'query' || p.operation === 'insert' || p.operation === 'update') this.ack(m);
    const content = asObject(m.content);
    const failed = m.route.operation === 'error' ? 'Error' : errReason(content);
    switch (p.kind) {
      case Req.Register:
        if (failed === undefined || failed === 'AlreadyExists') {
          this.onRegistered(content);
        } else {
          this.rt.counters.errorReplies += 1;
          this.arm(T_REGISTER, this.registerBackoff);
          this.registerBackoff = Math.min(this.registerBackoff * 2, this.rt.config.timings.registerBackoffMaxMs);
        }
        break;
      case Req.LeaseQuery:
        this.leaseInFlight = false;
        if (failed === undefined && asObject(content?.Object)) {
          this.lease = JSON.stringify(content!.Object);
          this.leaseState = 2;
          this.leaseEnsured();
        } else if (failed === 'NotFound') {
          this.leaseBackoffMs = 0;
          this.leaseState = 1;
          this.syncLease(); // insert right away (join.jsonl t=10.281 → 10.305)
        } else {
          this.rt.counters.errorReplies += 1;
        }
        break;
      case Req.LeaseInsert:
      case Req.LeaseUpdate:
        this.leaseInFlight = false;
        if (failed === undefined && asObject(content?.Object)) {
          this.lease = JSON.stringify(content!.Object);
          this.leaseState = 2;
        } else {
          this.rt.counters.errorReplies += 1;
          this.leaseState = 0;
          this.lease = '';
        }
        break;
      case Req.Query:
        this.onQueryReply(p, m, failed);
        break;
      case Req.NodeQuery:
        if (failed === undefined) this.observeNode(content);
        break;
      case Req.NodePatch:
        this.statusInFlight = false;
        if (failed !== undefined) this.rt.counters.errorReplies += 1;
        break;
      case Req.PodPatch:
        if (failed !== undefined) this.rt.counters.errorReplies += 1;
        if (p.pod) this.podPatchAnswered(p.pod);
        break;
      case Req.PodDelete:
        if (failed !== undefined) this.rt.counters.errorReplies += 1;
        break;
      case Req.PodTerminatedPatch:
        if (failed !== undefined) this.rt.counters.errorReplies += 1;
        if (p.pod) {
          this.podPatchAnswered(p.pod);
          p.pod.terminatedWritten = true;
          if (p.pod.killed) this.deletePod(p.pod);
        }
        break;
    }
  }

  private onQueryReply(p: PendingRequest, m: Message, failed: string | undefined): void {
    const content = asObject(m.content);
    if (failed === undefined && content) {
      const type = resourceType(p.resource);
      if (type === 'configmap' || type === 'secret') this.storeObject(p.resource, type, content, m.header.resourceversion);
    } else {
      this.rt.counters.errorReplies += 1;
    }
    const pod = p.pod;
    if (pod && pod.phase === POD_CREATING && this.pods?.get(`${pod.namespace}/${pod.name}`) === pod) {
      if (failed !== undefined) pod.queryFailed = true;
      this.sendNextPodQuery(pod);
    }
  }

  private onObject(m: Message, operation: string): void {
    const resource = m.route.resource ?? '';
    const type = resourceType(resource);
    const content = asObject(m.content);
    const meta = asObject(content?.metadata);
    const uid = typeof meta?.uid === 'string' ? meta.uid : '';
    const rv = m.header.resourceversion ?? (typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : '');
    this.rt.events.objectReceived?.(this.name, type, operation, uid, rv, Date.now());
    if (type === 'pod') {
      this.onPod(resource, operation, content, uid, rv);
      return;
    }
    if (type === 'node') this.observeNode(content);
    // ── devicetwin: metamanager hands DeviceModels and Devices on once stored and ACKed
    if (type === 'device' || type === 'devicemodel') this.deviceTwin()?.onObject(type, operation, content, Date.now());
    if (operation === 'delete') {
      this.rt.store?.remove(this.name, resource);
    } else if (content) {
      this.storeObject(resource, type, content, rv);
    }
  }

  /** kube-controller-manager marking the node NotReady/Unknown shows in the echo: report status again. */
  private observeNode(content: ObjectContent | undefined): void {
    const node = asObject(content?.Object) ?? content;
    const meta = asObject(node?.metadata);
    if (typeof meta?.uid === 'string' && meta.uid) this.nodeUid = meta.uid;
    const conditions = asObject(node?.status)?.conditions;
    if (!Array.isArray(conditions)) return;
    for (const cond of conditions) {
      const cnd = asObject(cond);
      if (cnd?.type === 'Ready' && cnd.status !== 'True') this.statusDirty = true;
    }
  }

  private storeObject(resource: string, type: string, content: ObjectContent, rv: string | undefined): void {
    const store = this.rt.store;
    if (!store) return;
    const meta = asObject(content.metadata);
    const slash = resource.indexOf('/');
    store.put(this.name, {
      key: resource,
      type,
      namespace: slash > 0 ? resource.slice(0, slash) : '',
      name: typeof meta?.name === 'string' ? meta.name : '',
      uid: typeof meta?.uid === 'string' ? meta.uid : '',
      resourceVersion: rv ?? '',
      body: JSON.stringify(content),
      updatedAt: Date.now(),
    });
  }

  /** This node's devicetwin, made on first use when the shard runs device twins. */
  private deviceTwin(): NodeDevices | undefined {
    const rt = this.rt.devices;
    if (!rt || this.state === NodeState.Stopped) return undefined;
    return (this.devices ??= new NodeDevices(rt, this.rt.counters.devices, { nodeName: this.name, transmit: (t, o, r) => this.transmit(t, o, r) }, this.hub?.isOpen ?? false));
  }

  // ---------------------------------------------------------------- pods

  private onPod(resource: string, operation: string, content: ObjectContent | undefined, uid: string, rv: string): void {
    const parts = resource.split('/');
    const namespace = parts[0] ?? '';
    const name = parts[2] ?? '';
    const key = `${namespace}/${name}`;
    const c = this.rt.counters;
    let pod = this.pods?.get(key);
    if (operation === 'delete') {
      if (pod) {
        this.cancelPodTimer(pod);
        this.pods!.delete(key);
        c.podsDeleted += 1;
      }
      this.rt.store?.remove(this.name, resource);
      return;
    }
    if (!content) return;
    if (pod && uid && pod.uid !== uid) {
      // Same name, new object: the old pod is gone.
      this.cancelPodTimer(pod);
      this.pods!.delete(key);
      pod = undefined;
    }
    this.storeObject(resource, 'pod', content, rv);
    const terminating = asObject(content.metadata)?.deletionTimestamp !== undefined;
    if (!pod) {
      if (terminating) return;
      // insert, or update of a pod this node does not know: a create (protocol doc §6).
      pod = new PodState(this, namespace, name, uid, rv, podContainers(content));
      (this.pods ??= new Map()).set(key, pod);
      c.podsCreated += 1;
      this.createPod(pod, content);
      return;
    }
    pod.resourceVersion = rv;
    if (terminating && pod.phase !== POD_TERMINATING) this.terminatePod(pod);
    // With a patch of ours still in flight or waiting, the API may simply not have it yet (the
    // echo of the Pending patch arrives while Running waits); only a settled pod can drift.
    else if (pod.phase === POD_RUNNING && !pod.patchInFlight && pod.queuedPatch === undefined && readyCondition(content) === 'False') {
      pod.readyDrift = true;
      this.podsDrifted = true;
    }
  }

  private podResource(pod: PodState, type: string): string {
    return `${pod.namespace}/${type}/${pod.name}`;
  }

  private createPod(pod: PodState, content: ObjectContent): void {
    const now = Date.now();
    this.sendPodPatch(pod, Req.PodPatch, JSON.stringify(podPendingPatch(pod, internalIp(this.index), now)));
    pod.queries = podQueries(content);
    this.sendNextPodQuery(pod);
  }

  /**
   * The pod's next remote query, once the previous one was answered (pod-lifecycle.jsonl t=5.904 →
   * 5.917 → 5.939 → 6.073: each query follows the reply to the one before). A ConfigMap or Secret
   * the node already holds is read locally, as metamanager does (offline-pod.jsonl t=30.783: only
   * the token is queried, kube-root-ca.crt is in the store). When none are left the pod starts.
   */
  private sendNextPodQuery(pod: PodState): void {
    const store = this.rt.store;
    while (pod.nextQuery < pod.queries.length) {
      const q = pod.queries[pod.nextQuery++]!;
      const resource = `${pod.namespace}/${q.kind}/${q.name}`;
      if (q.kind !== 'serviceaccounttoken' && store?.get(this.name, resource)) continue;
      const body = q.kind === 'serviceaccounttoken' ? JSON.stringify(serviceAccountTokenRequest(pod)) : 'null';
      this.request(Req.Query, 'query', resource, body, pod);
      return;
    }
    if (!pod.queryFailed) this.schedulePodStart(pod);
  }

  private schedulePodStart(pod: PodState): void {
    pod.timer = this.rt.wheel.schedule(pod, T_POD_START, this.rt.config.podStartupDelayMs);
  }

  private cancelPodTimer(pod: PodState): void {
    if (pod.timer !== NO_TIMER) this.rt.wheel.cancel(pod.timer);
    pod.timer = NO_TIMER;
  }

  /** Called by the pod's timer: containers started, report Running. */
  startPod(pod: PodState): void {
    if (pod.phase !== POD_CREATING || this.pods?.get(`${pod.namespace}/${pod.name}`) !== pod) return;
    const now = Date.now();
    pod.phase = POD_RUNNING;
    pod.startedAt = now;
    this.sendPodPatch(pod, Req.PodPatch, JSON.stringify(podRunningPatch(pod, podIp(this.index, pod), now)));
    this.rt.counters.podsRunning += 1;
    this.rt.events.podRunning?.(this.name, pod.uid, now);
  }

  private terminatePod(pod: PodState): void {
    this.cancelPodTimer(pod);
    pod.phase = POD_TERMINATING;
    const now = Date.now();
    this.sendPodPatch(pod, Req.PodTerminatedPatch, JSON.stringify(podTerminatedPatch(pod, pod.startedAt || now, now)));
    // edgecore's delete trails the patch's reply by the time kubelet takes to reclaim the pod (see EDGECORE_POD_KILL_DELAY_MS).
    const delay = this.rt.config.podKillDelayMs;
    if (delay > 0) pod.timer = this.rt.wheel.schedule(pod, T_POD_KILLED, delay);
    else pod.killed = true;
  }

  /** Called by the pod's timer: the kill delay since its deletionTimestamp is over. */
  podKilled(pod: PodState): void {
    if (pod.phase !== POD_TERMINATING || this.pods?.get(`${pod.namespace}/${pod.name}`) !== pod) return;
    pod.killed = true;
    if (pod.terminatedWritten) this.deletePod(pod);
  }

  /** One status patch per pod in flight; a patch made meanwhile waits, the newest replacing an older one. */
  private sendPodPatch(pod: PodState, kind: Req, body: string): void {
    if (pod.patchInFlight) {
      pod.queuedPatch = { kind, body };
      return;
    }
    pod.patchInFlight = true;
    this.request(kind, 'patch', this.podResource(pod, 'podpatch'), body, pod);
  }

  private podPatchAnswered(pod: PodState): void {
    pod.patchInFlight = false;
    const next = pod.queuedPatch;
    if (next) {
      pod.queuedPatch = undefined;
      this.sendPodPatch(pod, next.kind, next.body);
    }
  }

  /** kubelet's status manager deletes the pod once its final status is written (pod-lifecycle.jsonl t=57.373 → 57.693). */
  private deletePod(pod: PodState): void {
    this.request(Req.PodDelete, 'delete', this.podResource(pod, 'pod'), JSON.stringify(podDeleteBody(pod.uid)), pod);
  }

  // ---------------------------------------------------------------- state

  private setState(next: NodeState): void {
    if (next === this.state) return;
    this.rt.counters.transition(this.state, next);
    this.state = next;
  }
}

function podIp(index: number, pod: PodState): string {
  let h = 0;
  for (let i = 0; i < pod.uid.length; i++) h = (h * 31 + pod.uid.charCodeAt(i)) | 0;
  return `10.${(index >>> 8) & 255}.${index & 255}.${(h & 127) + 2}`;
}
