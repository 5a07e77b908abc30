/**
 * Test harness for VirtualNode: a fake CloudHub that records every frame a node sends and lets a
 * test deliver frames, accept or refuse dials and drop links, plus an EdgeRuntime on a manual
 * timer wheel whose clock also drives `Date.now`, so header timestamps follow virtual time.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { vi, type MockInstance } from 'vitest';
import { decodeMessage } from '../protocol/kubeedge/codec.js';
import type { Message } from '../protocol/kubeedge/message.js';
import { EdgeCounters } from './edge-counters.js';
import { EDGECORE_TIMINGS, type EdgeConfig, type EdgeRuntime, type EdgeTimings, type FailedSendKind } from './edge-runtime.js';
import type { HubDialOptions, HubLink, HubListener } from './hub/hub-link.js';
import type { MetaStore } from './meta-store.js';
import { DEFAULT_CAPACITY } from './node-objects.js';
import { TimerWheel, type TimerTarget } from '../scheduler/timer-wheel.js';
import { profileFor } from './version-profile.js';
import { VirtualNode } from './virtual-node.js';

/** 2026-11-25T11:59:53.410Z: the wall clock at the start of the recorded join phase. */
export const TRACE_WALL_START = 1_795_607_993_410;

/** One frame a node wrote, with the virtual wall-clock time it was written. */
export interface SentFrame {
  readonly at: number;
  readonly text: string;
  readonly message: Message;
  readonly link: FakeLink;
}

export type DialOutcome = 'accept' | 'refuse' | 'hold';

/** One dialled link. `send` fails (returns false) once the link is not open, as WsHubLink's does. */
export class FakeLink implements HubLink {
  open = false;
  closed = false;
  /** Wall-clock time the link was refused or dropped. */
  closedAt = Number.NaN;

  constructor(
    private readonly cloud: FakeCloud,
    readonly listener: HubListener,
    readonly options: HubDialOptions,
    readonly dialedAt: number,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  send(text: string): boolean {
    if (!this.open) {
      this.cloud.failedSends.push({ at: this.cloud.wallNow(), text, message: decodeMessage(text, { wireContent: false }), link: this });
      return false;
    }
    this.cloud.record(this, text);
    return true;
  }

  terminate(): void {
    this.open = false;
    this.closed = true;
  }

  /** Complete the upgrade. */
  accept(): void {
    if (this.closed || this.open) return;
    this.open = true;
    this.listener.onHubOpen(this);
    this.cloud.opened(this);
  }

  /** Fail the dial before the upgrade. */
  refuse(reason = 'connect ECONNREFUSED'): void {
    if (this.closed || this.open) return;
    this.closed = true;
    this.closedAt = this.cloud.wallNow();
    this.listener.onHubClosed(this, false, reason);
  }

  /** The cloud closes the TCP connection without a close frame. */
  drop(reason = 'EOF'): void {
    if (!this.open) return;
    this.open = false;
    this.closed = true;
    this.closedAt = this.cloud.wallNow();
    this.listener.onHubClosed(this, true, reason);
  }

  deliver(text: string): void {
    if (!this.open) throw new Error('deliver on a link that is not open');
    this.listener.onHubMessage(this, Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'));
  }
}

class Scheduled implements TimerTarget {
  constructor(private readonly fn: () => void) {}
  onTimer(): void {
    this.fn();
  }
}

/** The cloud side of every link the runtime dials. */
export class FakeCloud {
  /** What the next dials do, one tick after the dial. */
  dialOutcome: DialOutcome = 'accept';
  readonly dials: FakeLink[] = [];
  readonly sent: SentFrame[] = [];
  readonly failedSends: SentFrame[] = [];
  /** Called after each frame a node sends on an open link. */
  onFrame: ((frame: SentFrame) => void) | undefined;
  /** Called after a link opened (the node has already sent its keepalive). */
  onOpen: ((link: FakeLink) => void) | undefined;

  constructor(
    private readonly wheel: TimerWheel,
    readonly wallNow: () => number,
  ) {}

  readonly dial = (options: HubDialOptions, listener: HubListener): HubLink => {
    const link = new FakeLink(this, listener, options, this.wallNow());
    this.dials.push(link);
    const outcome = this.dialOutcome;
    if (outcome === 'accept') this.later(0, () => link.accept());
    else if (outcome === 'refuse') this.later(0, () => link.refuse());
    return link;
  };

  /** The most recent link. */
  get link(): FakeLink {
    const l = this.dials.at(-1);
    if (!l) throw new Error('no dial yet');
    return l;
  }

  /** Run `fn` on the wheel `delayMs` from now (0: the next tick). */
  later(delayMs: number, fn: () => void): void {
    this.wheel.schedule(new Scheduled(fn), 0, delayMs);
  }

  record(link: FakeLink, text: string): void {
    const frame: SentFrame = { at: this.wallNow(), text, message: decodeMessage(text, { wireContent: false }), link };
    this.sent.push(frame);
    this.onFrame?.(frame);
  }

  opened(link: FakeLink): void {
    this.onOpen?.(link);
  }

  /** Frames sent with this operation (and, if given, resource type). */
  frames(operation?: string, type?: string): SentFrame[] {
    return this.sent.filter((f) => (operation === undefined || f.message.route.operation === operation) && (type === undefined || resourceTypeOf(f.message.route.resource) === type));
  }

  /** The last frame sent with this operation and resource type. */
  last(operation: string, type?: string): SentFrame {
    const f = this.frames(operation, type).at(-1);
    if (!f) throw new Error(`no ${operation} ${type ?? ''} frame sent`);
    return f;
  }

  /** ACKs answering the downstream message `msgId`. */
  acksOf(msgId: string): SentFrame[] {
    return this.sent.filter((f) => f.message.route.operation === 'response' && f.message.header.parent_msg_id === msgId);
  }
}

export function resourceTypeOf(resource: string | undefined): string {
  return resource?.split('/')[1] ?? resource ?? '';
}

export interface Warning {
  readonly node: string;
  readonly code: string;
  readonly message: string;
}

export interface KitOptions {
  /** KubeEdge version for the profile. Default v1.23.1. */
  version?: string;
  timings?: Partial<EdgeTimings>;
  reconnectJitterMs?: number;
  random?: () => number;
  store?: MetaStore;
  podStartupDelayMs?: number;
  /** Default 0 (delete as soon as the terminated patch is answered); the trace replay uses edgecore's. */
  podKillDelayMs?: number;
  /** Wall-clock ms at virtual time 0. */
  wallStart?: number;
  /**
   * Answer every podpatch on the next tick with an ObjectResp, as cloudcore does (default true).
   * The node writes one status patch per pod at a time, so a test that leaves them unanswered
   * holds the pod's next patch back. Trace replays answer with the traced replies instead.
   */
  answerPodPatches?: boolean;
}

/** A runtime on a manual wheel, its fake cloud, and what it reported. */
export class NodeKit {
  readonly wheel = new TimerWheel({ manual: true });
  readonly counters = new EdgeCounters();
  readonly cloud: FakeCloud;
  readonly rt: EdgeRuntime;
  readonly warnings: Warning[] = [];
  readonly ready: string[] = [];
  /** Each node's first failed send on a lost link, as the shard would forward it. */
  readonly firstFailedSends: Array<{ node: string; send: FailedSendKind; detail: string; leasePending: boolean; at: number }> = [];
  /** Wall-clock times at which a node's send failed (counters.sendFailures went up). */
  readonly sendFailureTimes: number[] = [];
  readonly wallStart: number;
  private readonly dateSpy: MockInstance<() => number>;

  constructor(options: KitOptions = {}) {
    this.wallStart = options.wallStart ?? TRACE_WALL_START;
    this.cloud = new FakeCloud(this.wheel, () => this.wallNow());
    if (options.answerPodPatches ?? true) {
      let rv = 9000;
      this.cloud.onFrame = (f) => {
        if (f.message.route.operation !== 'patch' || resourceTypeOf(f.message.route.resource) !== 'podpatch') return;
        const reply = cloudFrame({ parentId: f.message.header.msg_id, operation: 'response', resource: f.message.route.resource ?? '', rv: String(++rv), content: { Object: {}, Err: null } });
        this.cloud.later(0, () => {
          if (f.link.isOpen) f.link.deliver(reply);
        });
      };
    }
    const config: EdgeConfig = {
      cloudhubUrl: 'wss://127.0.0.1:10000',
      projectId: 'e632aba927ea4ac2b575ec1603d56f10',
      timings: { ...EDGECORE_TIMINGS, ...options.timings },
      podStartupDelayMs: options.podStartupDelayMs ?? 0,
      podKillDelayMs: options.podKillDelayMs ?? 0,
      reconnectJitterMs: options.reconnectJitterMs ?? 0,
      capacity: DEFAULT_CAPACITY,
      nodeLabels: {},
    };
    const context: SecureContext = createSecureContext();
    this.rt = {
      wheel: this.wheel,
      profile: profileFor(options.version ?? 'v1.23.1'),
      config,
      counters: this.counters,
      store: options.store,
      events: {
        warn: (node, code, message) => this.warnings.push({ node, code, message }),
        nodeReady: (node) => this.ready.push(node),
        firstFailedSend: (node, send, detail, leasePending, at) => this.firstFailedSends.push({ node, send, detail, leasePending, at }),
      },
      secureContextFor: () => Promise.resolve(context),
      dial: this.cloud.dial,
      random: options.random ?? (() => 0.5),
    };
    const wallStart = this.wallStart;
    const wheel = this.wheel;
    // A node never hands a frame to a link it knows is closed; the counter is where its failed send shows.
    let failures = 0;
    const failureTimes = this.sendFailureTimes;
    Object.defineProperty(this.counters, 'sendFailures', {
      get: () => failures,
      set: (v: number) => {
        if (v > failures) failureTimes.push(wallStart + wheel.now());
        failures = v;
      },
    });
    // The node stamps headers, renewTime and status times with Date.now(); tie it to the wheel.
    this.dateSpy = vi.spyOn(Date, 'now').mockImplementation(() => wallStart + wheel.now());
  }

  wallNow(): number {
    return this.wallStart + this.wheel.now();
  }

  advance(ms: number): void {
    this.wheel.advance(ms);
  }

  /** Advance to a wall-clock time (no-op if already past). */
  advanceToWall(wallMs: number): void {
    const d = wallMs - this.wallNow();
    if (d > 0) this.wheel.advance(d);
  }

  node(name = 'vn-test-1', index = 1): VirtualNode {
    return new VirtualNode(this.rt, { name, index });
  }

  /** Start a node and let its (already cached) credentials resolve, so it dials. */
  async start(node: VirtualNode): Promise<void> {
    node.start();
    await flushPromises();
  }

  /**
   * Start a node, open its link and answer its register with an ObjectResp carrying `uid`; returns
   * with the register reply and the `"{}"` patch reply delivered.
   */
  async boot(node: VirtualNode, uid = 'node-uid-1'): Promise<void> {
    await this.start(node);
    this.advance(10);
    const register = this.cloud.last('insert', 'node');
    this.cloud.link.deliver(cloudFrame({ parentId: register.message.header.msg_id, operation: 'response', resource: register.message.route.resource ?? '', content: { Object: { metadata: { name: node.name, uid, resourceVersion: '1' } }, Err: null } }));
    const patch = this.cloud.last('patch', 'nodepatch');
    this.cloud.link.deliver(cloudFrame({ parentId: patch.message.header.msg_id, operation: 'response', resource: patch.message.route.resource ?? '', rv: '2', content: { Object: { metadata: { name: node.name, uid } }, Err: null } }));
  }

  dispose(): void {
    this.dateSpy.mockRestore();
    this.wheel.stop();
  }
}

export async function flushPromises(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

let counter = 0;
/** A fresh msg_id-shaped string. */
export function nextId(prefix = 'c0ffee00'): string {
  counter += 1;
  return `${prefix}-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

export interface CloudFrameInit {
  msgId?: string;
  parentId?: string;
  rv?: string;
  timestamp?: number;
  source?: string;
  group?: string;
  operation: string;
  resource: string;
  content: unknown;
}

/** A cloud→edge frame as cloudcore writes it (header, route, content; trailing newline). */
export function cloudFrame(init: CloudFrameInit): string {
  const header: Record<string, unknown> = { msg_id: init.msgId ?? nextId() };
  if (init.parentId) header.parent_msg_id = init.parentId;
  header.timestamp = init.timestamp ?? Date.now();
  if (init.rv) header.resourceversion = init.rv;
  const route = { source: init.source ?? 'edgecontroller', group: init.group ?? 'resource', operation: init.operation, resource: init.resource };
  return `${JSON.stringify({ header, route, content: init.content })}\n`;
}

/** A minimal Pod as edgecontroller pushes it. */
export function podObject(name: string, uid: string, rv: string, extra: { deletionTimestamp?: string; spec?: Record<string, unknown> } = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, namespace: 'default', uid, resourceVersion: rv };
  if (extra.deletionTimestamp) metadata.deletionTimestamp = extra.deletionTimestamp;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata,
    spec: extra.spec ?? { nodeName: 'vn-test-1', containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] },
    status: { phase: 'Pending' },
  };
}
