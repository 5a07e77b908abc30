/**
 * Trace conformance: one VirtualNode replays the whole recorded v1.23.1 session (join →
 * pod-lifecycle → cloud-restart → offline-pod, which are back to back on the wall clock) against a
 * fake cloud that plays the cloud side of the traces, and what the node writes is compared with
 * what the real edgecore wrote.
 *
 * How the cloud side is played:
 * - a reply is sent when the node makes the matching request (same operation and resource, same
 *   occurrence), with its parent_msg_id re-pointed to the node's msg_id and the trace's delay;
 * - a push that followed one of the edge's requests within 40 ms (the Node/Pod echo after a
 *   patch, the pod `delete` after the edge's delete) is sent with that request's reply;
 * - any other push is sent at its recorded wall-clock time, or right after the next connect if
 *   the node is offline then (cloudcore re-sends what the node missed when it comes back);
 * - the socket drops and cloudcore restarts are where the README puts them.
 *
 * The node's timers run at exact periods while edgecore's lease loop runs 10.0–10.4 s
 * (JitterUntil, 4 %), so independent periodic streams interleave differently than recorded. The
 * edge side is therefore compared stream by stream (keepalives, lease traffic, ACKs of pushes,
 * and the node's other requests with the ACKs of their replies), each in exact order, plus the
 * cross-stream orderings that are causal (ACK before the pod patch, delete after the patch reply).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage } from '../protocol/kubeedge/codec.js';
import { readTraceFile, TRACE_DIR, traceDirPresent } from '../protocol/kubeedge/fixtures/trace-lines.js';
import type { Message } from '../protocol/kubeedge/message.js';
import { EDGECORE_POD_KILL_DELAY_MS } from './edge-runtime.js';
import { MetaStore } from './meta-store.js';
import { cloudFrame, NodeKit, resourceTypeOf, TRACE_WALL_START, type FakeLink, type SentFrame } from './virtual-node.test-kit.js';
import type { VirtualNode } from './virtual-node.js';

const NODE = 'edge-replay-7';
const ANCHOR_MS = 40;

interface PhaseSpec {
  readonly name: 'join' | 'pod-lifecycle' | 'cloud-restart' | 'offline-pod';
  /** Phase length from the README. */
  readonly lengthMs: number;
  /** cloudcore closes the socket (README: TCP closed). */
  readonly dropAtMs?: number;
  /** The new cloudcore listens again. */
  readonly upAtMs?: number;
}

const PHASES: readonly PhaseSpec[] = [
  { name: 'join', lengthMs: 100_800 },
  { name: 'pod-lifecycle', lengthMs: 98_500 },
  { name: 'cloud-restart', lengthMs: 95_100, dropAtMs: 40, upAtMs: 5_400 },
  { name: 'offline-pod', lengthMs: 71_700, dropAtMs: 20, upAtMs: 25_800 },
];

interface TraceMsg {
  readonly phase: PhaseSpec['name'];
  readonly t: number;
  /** Wall-clock ms of arrival at the MITM. */
  readonly wall: number;
  readonly dir: 'edge->cloud' | 'cloud->edge';
  /** The frame text with the node renamed. */
  readonly text: string;
  readonly msg: Message;
}

interface Phase extends PhaseSpec {
  readonly t0: number;
  readonly messages: TraceMsg[];
}

const present = traceDirPresent();
const SKIP_REASON = `SKIPPED: trace directory ${TRACE_DIR} not found`;

function loadPhases(): Phase[] {
  return PHASES.map((spec) => {
    const raw = readTraceFile(join(TRACE_DIR, `${spec.name}.jsonl`), `${spec.name}.jsonl`);
    // Phase start on the wall clock, from the edge's first keepalive (stamped when written).
    const ka = raw.find((m) => m.dir === 'edge->cloud' && m.data.includes('"operation":"keepalive"'));
    if (!ka) throw new Error(`${spec.name}: no keepalive`);
    const t0 = decodeMessage(ka.data).header.timestamp - Math.round(ka.t * 1000);
    const messages = raw.map((m) => {
      const text = m.data.replaceAll('trace-0001', NODE);
      return { phase: spec.name, t: m.t, wall: t0 + Math.round(m.t * 1000), dir: m.dir, text, msg: decodeMessage(text, { wireContent: false }) };
    });
    return { ...spec, t0, messages };
  });
}

const isRequest = (m: Message): boolean => m.route.operation !== 'response' && m.route.operation !== 'keepalive';
const requestKey = (m: Message): string => `${m.route.operation} ${m.route.resource}`;

/** Plays the cloud side of the traces against the node and keeps what it needs to judge the node. */
class CloudPlayer {
  /** Traced edge requests by key, in order. */
  private readonly requests = new Map<string, TraceMsg[]>();
  private readonly used = new Map<string, number>();
  /** Traced request msg_id → the cloud messages sent in answer (reply and anchored pushes), in order. */
  private readonly bundles = new Map<string, TraceMsg[]>();
  private readonly held: TraceMsg[] = [];
  /** Every traced cloud message by msg_id. */
  readonly cloudById = new Map<string, TraceMsg>();
  readonly pushIds = new Set<string>();
  /** Node requests that matched no traced request (and got no traced reply). */
  readonly unmatched: SentFrame[] = [];
  /** Node request msg_id → the traced request it was matched with. */
  readonly matched = new Map<string, TraceMsg>();

  constructor(
    private readonly kit: NodeKit,
    readonly phases: Phase[],
  ) {
    const all = phases.flatMap((p) => p.messages);
    const byEdgeId = new Map<string, TraceMsg>();
    let lastRequest: TraceMsg | undefined;
    for (const m of all) {
      if (m.dir === 'edge->cloud') {
        if (!isRequest(m.msg)) continue;
        byEdgeId.set(m.msg.header.msg_id, m);
        const key = requestKey(m.msg);
        this.requests.set(key, [...(this.requests.get(key) ?? []), m]);
        this.bundles.set(m.msg.header.msg_id, []);
        if (resourceTypeOf(m.msg.route.resource) !== 'lease') lastRequest = m;
        continue;
      }
      this.cloudById.set(m.msg.header.msg_id, m);
      const parent = m.msg.header.parent_msg_id;
      if (parent) {
        const req = byEdgeId.get(parent);
        if (!req) throw new Error(`${m.phase} t=${m.t}: reply to an unknown request`);
        this.bundles.get(parent)!.push(m);
        continue;
      }
      this.pushIds.add(m.msg.header.msg_id);
      if (lastRequest && lastRequest.phase === m.phase && m.wall - lastRequest.wall <= ANCHOR_MS) {
        this.bundles.get(lastRequest.msg.header.msg_id)!.push(m);
      } else {
        kit.cloud.later(m.wall - kit.wallNow(), () => this.push(m));
      }
    }
    kit.cloud.onFrame = (f) => this.onNodeFrame(f);
    kit.cloud.onOpen = () => {
      const held = this.held.splice(0);
      if (held.length > 0) kit.cloud.later(0, () => held.forEach((m) => this.push(m)));
    };
    for (const p of phases) {
      if (p.dropAtMs === undefined || p.upAtMs === undefined) continue;
      kit.cloud.later(p.t0 + p.dropAtMs - kit.wallNow(), () => {
        kit.cloud.dialOutcome = 'refuse';
        kit.cloud.link.drop();
      });
      kit.cloud.later(p.t0 + p.upAtMs - kit.wallNow(), () => {
        kit.cloud.dialOutcome = 'accept';
      });
    }
  }

  private push(m: TraceMsg): void {
    const link = this.kit.cloud.dials.at(-1);
    if (link?.open) link.deliver(m.text);
    else this.held.push(m);
  }

  private onNodeFrame(f: SentFrame): void {
    if (!isRequest(f.message)) return;
    const key = requestKey(f.message);
    const k = this.used.get(key) ?? 0;
    this.used.set(key, k + 1);
    const traced = this.requests.get(key)?.[k];
    if (!traced) {
      if (resourceTypeOf(f.message.route.resource) === 'lease') this.answerLease(f);
      else this.unmatched.push(f);
      return;
    }
    this.matched.set(f.message.header.msg_id, traced);
    const tracedId = traced.msg.header.msg_id;
    for (const m of this.bundles.get(tracedId) ?? []) {
      const text = m.msg.header.parent_msg_id === tracedId ? m.text.replace(`"parent_msg_id":"${tracedId}"`, `"parent_msg_id":"${f.message.header.msg_id}"`) : m.text;
      this.kit.cloud.later(Math.max(0, m.wall - traced.wall), () => deliverOn(f.link, text));
    }
  }

  /** More lease updates than the trace holds (exact 10 s periods): the cloud returns the lease with the node's renewTime. */
  private answerLease(f: SentFrame): void {
    const content = f.message.content;
    const text = `${JSON.stringify({
      header: { msg_id: `feedface-0000-4000-8000-${String(this.unmatched.length + this.matched.size).padStart(12, '0')}`, parent_msg_id: f.message.header.msg_id, timestamp: Date.now() },
      route: { source: 'edgecontroller', group: 'resource', operation: 'response', resource: f.message.route.resource },
      content: { Object: content, Err: null },
    })}\n`;
    this.kit.cloud.later(5, () => deliverOn(f.link, text));
  }
}

function deliverOn(link: FakeLink, text: string): void {
  // A reply to a request made on a link that has since dropped is lost with the socket.
  if (link.open) link.deliver(text);
}

type Stream = 'keepalive' | 'lease' | 'acks' | 'requests';

function streamOf(m: Message, pushIds: ReadonlySet<string>): Stream {
  if (m.route.operation === 'keepalive') return 'keepalive';
  if (resourceTypeOf(m.route.resource) === 'lease') return 'lease';
  if (m.route.operation === 'response' && pushIds.has(m.header.parent_msg_id ?? '')) return 'acks';
  return 'requests';
}

describe('VirtualNode against the kubeedge-v1.23.1 traces (whole session replayed)', () => {
  if (!present) {
    it(SKIP_REASON, (ctx) => ctx.skip(SKIP_REASON));
    return;
  }

  let kit: NodeKit;
  let node: VirtualNode;
  let player: CloudPlayer;
  let phases: Phase[];
  let storeDir: string;
  let store: MetaStore;

  const phase = (name: Phase['name']): Phase => phases.find((p) => p.name === name)!;
  const inPhase = (name: Phase['name']) => {
    const p = phase(name);
    return (at: number): boolean => at >= p.t0 && at < p.t0 + p.lengthMs;
  };
  const nodeFrames = (name: Phase['name']): SentFrame[] => kit.cloud.sent.filter((f) => inPhase(name)(f.at));
  const tracedEdge = (name: Phase['name']): TraceMsg[] => phase(name).messages.filter((m) => m.dir === 'edge->cloud');
  /** `op resource source/group`, and for a response what it answers (as the trace names it). */
  const label = (m: Message): string => {
    const base = `${m.route.operation} ${m.route.resource} ${m.route.source}/${m.route.group}`;
    if (m.route.operation !== 'response') return base;
    const acked = player.cloudById.get(m.header.parent_msg_id ?? '');
    if (!acked) return `${base} ← ?`;
    const rv = acked.msg.header.resourceversion ? ` rv${acked.msg.header.resourceversion}` : '';
    return `${base} ← ${acked.msg.route.operation} t=${acked.t}${rv}`;
  };
  const stream = (messages: Message[], s: Stream): string[] => messages.filter((m) => streamOf(m, player.pushIds) === s).map(label);
  // Replies are delivered with their traced msg_id, so a node's ACK names the same cloud message as the trace's.
  const nodeMessages = (name: Phase['name']): Message[] => nodeFrames(name).map((f) => f.message);
  const traceMessages = (name: Phase['name']): Message[] => tracedEdge(name).map((m) => m.msg);

  beforeAll(() => {
    phases = loadPhases();
    storeDir = mkdtempSync(join(tmpdir(), 'vn-trace-'));
    store = MetaStore.open(join(storeDir, 'meta.db'));
    // edgecore's kill delay, as the trace shows it (deletionTimestamp at t=57.302 → delete at 57.693).
    kit = new NodeKit({ wallStart: TRACE_WALL_START, store, podKillDelayMs: EDGECORE_POD_KILL_DELAY_MS });
    node = kit.node(NODE, 1);
    player = new CloudPlayer(kit, phases);
    // The edge dialled at join t=0.266.
    kit.advanceToWall(phase('join').t0 + 256);
    node.start();
  });

  afterAll(() => {
    kit?.dispose();
    store?.close();
    if (storeDir) rmSync(storeDir, { recursive: true, force: true });
  });

  it('runs the whole session (join → offline-pod) and every request the trace answers is matched', async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const last = phases.at(-1)!;
    kit.advanceToWall(last.t0 + last.lengthMs);
    expect(kit.cloud.sent.length).toBeGreaterThan(100);
    expect(player.unmatched.map((f) => `${f.message.route.operation} ${f.message.route.resource} at ${f.at - TRACE_WALL_START}`)).toEqual([]);
  });

  it('every ACK answers a message the node received, with content "OK" and the received route copied', () => {
    const acks = kit.cloud.frames('response');
    expect(acks.length).toBeGreaterThan(40);
    for (const a of acks) {
      expect(a.message.content).toBe('OK');
      const acked = player.cloudById.get(a.message.header.parent_msg_id ?? '');
      expect(acked, a.text).toBeDefined();
      expect(a.message.route.resource).toBe(acked!.msg.route.resource);
      expect(a.message.route.source).toBe('edgecontroller');
      expect(a.message.route.group).toBe('resource');
    }
  });

  describe.each(['join', 'pod-lifecycle', 'cloud-restart', 'offline-pod'] as const)('%s: edge side, stream by stream', (name) => {
    it('ACKs of pushes: same pushes ACKed, same order', (ctx) => {
      if (name === 'offline-pod') ctx.skip('covered with its known deviation below');
      expect(stream(nodeMessages(name), 'acks')).toEqual(stream(traceMessages(name), 'acks'));
    });

    it('requests and the ACKs of their replies: same sequence', (ctx) => {
      if (name === 'offline-pod') ctx.skip('covered with its known deviation below');
      expect(stream(nodeMessages(name), 'requests')).toEqual(stream(traceMessages(name), 'requests'));
    });

    it('keepalives: as many, each {websocket/resource keepalive node "ping"}', () => {
      const mine = nodeFrames(name).filter((f) => f.message.route.operation === 'keepalive');
      expect(mine.length).toBe(tracedEdge(name).filter((m) => m.msg.route.operation === 'keepalive').length);
      for (const f of mine) {
        expect(f.message.route).toEqual({ source: 'websocket', group: 'resource', operation: 'keepalive', resource: 'node' });
        expect(f.message.content).toBe('ping');
      }
    });

    it('lease traffic: every request followed by the ACK of its reply; update count within one of the trace', () => {
      const mine = stream(nodeMessages(name), 'lease');
      const traced = stream(traceMessages(name), 'lease');
      const updates = (l: string[]): number => l.filter((s) => s.startsWith('update ')).length;
      expect(Math.abs(updates(mine) - updates(traced))).toBeLessThanOrEqual(1);
      for (let i = 0; i < mine.length; i += 2) {
        expect(mine[i]).toMatch(/^(query|insert|update) /);
        expect(mine[i + 1] ?? 'missing ACK').toMatch(/^response .* edgecontroller\/resource ← response/);
      }
    });
  });

  it('offline-pod: requests and ACKs match the trace, the Ready re-patch (t=45.907) and the ACK of its echo (t=45.914) included', () => {
    expect(stream(nodeMessages('offline-pod'), 'requests')).toEqual(stream(traceMessages('offline-pod'), 'requests'));
    expect(stream(nodeMessages('offline-pod'), 'acks')).toEqual(stream(traceMessages('offline-pod'), 'acks'));
  });

  it('offline-pod t=45.907: after the pod update with Ready=False (t=43.34) the edge re-patches Ready=True', () => {
    const patches = nodeFrames('offline-pod').filter((f) => f.message.route.resource === 'default/podpatch/trace-offline');
    expect(patches).toHaveLength(3);
    const repatch = JSON.parse(patches[2]!.message.content as string) as { status: { conditions: Array<{ type: string; status: string }> } };
    expect(repatch.status.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True' })]);
  });

  describe('join', () => {
    const frames = (): SentFrame[] => nodeFrames('join');

    it('keepalive at connect, then every 15 s exactly', () => {
      const ka = frames().filter((f) => f.message.route.operation === 'keepalive');
      const opened = kit.cloud.dials[0]!;
      expect(ka[0]!.link).toBe(opened);
      ka.forEach((f, i) => expect(f.at - ka[0]!.at).toBe(i * 15_000));
      // the recorded keepalives were 15.000 s apart too (header timestamps)
      const traced = tracedEdge('join').filter((m) => m.msg.route.operation === 'keepalive');
      traced.slice(1).forEach((m, i) => expect(m.msg.header.timestamp - traced[i]!.msg.header.timestamp).toBeGreaterThanOrEqual(15_000));
      traced.slice(1).forEach((m, i) => expect(m.msg.header.timestamp - traced[i]!.msg.header.timestamp).toBeLessThanOrEqual(15_003));
    });

    it('the register insert carries the traced Node, timestamps, IPs and name aside', () => {
      const mine = frames().find((f) => f.message.route.operation === 'insert' && f.message.route.resource === `null/node/${NODE}`)!;
      const traced = tracedEdge('join').find((m) => m.msg.route.operation === 'insert' && resourceTypeOf(m.msg.route.resource) === 'node')!;
      const normalise = (text: string): string =>
        text
          .replace(/"(lastHeartbeatTime|lastTransitionTime)":"[^"]*"/g, '"$1":"T"')
          .replace(/"address":"\d+\.\d+\.\d+\.\d+"/g, '"address":"IP"');
      const content = (m: Message): string => JSON.stringify(m.content);
      expect(normalise(content(mine.message))).toBe(normalise(content(traced.msg)));
      expect(mine.message.route).toEqual(traced.msg.route);
    });

    it('after the register reply: its ACK, then the "{}" status patch on null/nodepatch', () => {
      const seq = frames().map((f) => f.message);
      const reg = seq.findIndex((m) => m.route.operation === 'insert' && resourceTypeOf(m.route.resource) === 'node');
      expect(label(seq[reg + 1]!)).toMatch(/^response null\/node\/edge-replay-7 edgecontroller\/resource ← response/);
      const patch = seq.find((m) => m.route.operation === 'patch')!;
      expect(patch.route).toEqual({ source: 'edged', group: 'meta', operation: 'patch', resource: `null/nodepatch/${NODE}` });
      expect(patch.content).toBe('{}');
      expect(seq.indexOf(patch)).toBeGreaterThan(reg + 1);
      // only the one status patch in the whole join phase, as recorded
      expect(seq.filter((m) => m.route.operation === 'patch')).toHaveLength(1);
    });

    it('lease: query 10 s after the register reply, NotFound → insert at once, then updates every 10 s echoing the last lease with renewTime advanced', () => {
      const lease = frames().filter((f) => resourceTypeOf(f.message.route.resource) === 'lease');
      const reg = frames().find((f) => f.message.route.operation === 'insert' && resourceTypeOf(f.message.route.resource) === 'node')!;
      const [query, queryAck, insert, insertAck, ...rest] = lease;
      expect(query!.message.route.operation).toBe('query');
      expect(query!.message.content).toBeNull();
      // the register reply came on the next tick after the register (10 ms)
      expect(query!.at - reg.at).toBeGreaterThanOrEqual(10_000);
      expect(query!.at - reg.at).toBeLessThanOrEqual(10_020);
      expect(queryAck!.message.route.operation).toBe('response');
      expect(insert!.message.route.operation).toBe('insert');
      expect(insert!.at - queryAck!.at).toBe(0);
      expect(insertAck!.message.route.operation).toBe('response');
      const tracedInsert = tracedEdge('join').find((m) => m.msg.route.operation === 'insert' && resourceTypeOf(m.msg.route.resource) === 'lease')!;
      const noRenew = (v: unknown): string => JSON.stringify(v).replace(/"renewTime":"[^"]*"/, '"renewTime":"R"');
      expect(noRenew(insert!.message.content)).toBe(noRenew(tracedInsert.msg.content));

      const updates = rest.filter((f) => f.message.route.operation === 'update');
      expect(updates.length).toBeGreaterThanOrEqual(8);
      let previousReply = player.cloudById.get(insertAck!.message.header.parent_msg_id ?? '')!;
      let previousAt = query!.at;
      for (const u of updates) {
        expect(u.at - previousAt).toBe(10_000);
        previousAt = u.at;
        const body = u.message.content as { spec: { renewTime: string } };
        const echoed = (previousReply.msg.content as { Object: unknown }).Object;
        expect(noRenew(body)).toBe(noRenew(echoed));
        expect(body.spec.renewTime).toBe(new Date(u.at).toISOString().replace('Z', '000Z'));
        const ack = kit.cloud.sent.find((f) => f.message.route.operation === 'response' && resourceTypeOf(f.message.route.resource) === 'lease' && f.at >= u.at && player.cloudById.get(f.message.header.parent_msg_id ?? '') !== undefined && f !== u);
        expect(ack).toBeDefined();
        const reply = [...player.cloudById.values()].find((m) => m.msg.header.msg_id === ack!.message.header.parent_msg_id);
        // beyond the traced updates the fake cloud answers itself; echo then is the node's own body
        previousReply = reply ?? { ...previousReply, msg: { ...previousReply.msg, content: { Object: u.message.content } } };
      }
    });
  });

  describe('pod-lifecycle', () => {
    const seq = (): Message[] => nodeFrames('pod-lifecycle').map((f) => f.message);
    const index = (pred: (m: Message) => boolean): number => seq().findIndex(pred);
    const ackOfT = (t: number) => (m: Message): boolean => m.route.operation === 'response' && player.cloudById.get(m.header.parent_msg_id ?? '')?.t === t;

    it('pod insert → ACK → pending podpatch → configmap, serviceaccounttoken, kube-root-ca.crt, secret queries one at a time, each reply ACKed → Running podpatch', () => {
      const s = seq();
      expect(index(ackOfT(5.728))).toBeLessThan(s.findIndex((m) => m.route.operation === 'patch'));
      const flow = stream(s, 'requests').slice(0, 10);
      expect(flow).toEqual([
        'patch default/podpatch/trace-pod edged/meta',
        'query default/configmap/trace-cm edged/meta',
        'response default/configmap/trace-cm edgecontroller/resource ← response t=5.905 rv2044',
        'query default/serviceaccounttoken/default edged/meta',
        'response default/serviceaccounttoken/default edgecontroller/resource ← response t=5.925',
        'query default/configmap/kube-root-ca.crt edged/meta',
        'response default/configmap/kube-root-ca.crt edgecontroller/resource ← response t=5.939 rv284',
        'query default/secret/trace-secret edged/meta',
        'response default/secret/trace-secret edgecontroller/resource ← response t=6.073 rv2045',
        'patch default/podpatch/trace-pod edged/meta',
      ]);
      expect(index(ackOfT(6.637))).toBeGreaterThan(s.findIndex((m, i) => i > index(ackOfT(6.073)) && m.route.operation === 'patch'));
      const patches = seq().filter((m) => m.route.operation === 'patch');
      expect(patches[0]!.content as string).toContain('"ContainerCreating"');
      expect(patches[1]!.content as string).toContain('"phase":"Running"');
      // no ACK for the two podpatch replies
      for (const t of [5.796, 6.638]) expect(index(ackOfT(t))).toBe(-1);
      expect(kit.counters.podsCreated).toBeGreaterThanOrEqual(1);
    });

    it('the TokenRequest query body is the traced one', () => {
      const mine = seq().find((m) => m.route.resource === 'default/serviceaccounttoken/default')!;
      const traced = tracedEdge('pod-lifecycle').find((m) => m.msg.route.resource === 'default/serviceaccounttoken/default')!;
      expect(mine.content).toEqual(traced.msg.content);
    });

    it('configmap update (t=32.088) is ACKed and stored', () => {
      expect(index(ackOfT(32.088))).toBeGreaterThan(0);
    });

    it('deletion: update with deletionTimestamp → ACK → terminated podpatch → (reply) → delete {"gracePeriodSeconds":0,"preconditions":{"uid"}}; the "OK" reply is not ACKed; downstream delete → ACK', () => {
      const s = seq();
      const ackDel = index(ackOfT(57.302));
      const patch = s.findIndex((m, i) => i > ackDel && m.route.operation === 'patch');
      const ack2105 = index(ackOfT(57.37));
      const del = s.findIndex((m) => m.route.operation === 'delete');
      const ack2107 = index(ackOfT(57.699));
      const ackGone = index(ackOfT(57.717));
      expect(ackDel).toBeGreaterThan(0);
      expect(s[patch]!.content as string).toContain('"terminated"');
      expect(patch).toBeGreaterThan(ackDel);
      // edgecore sends the delete after its patch was answered (t=57.373 reply → t=57.693 delete)
      expect(del).toBeGreaterThan(ack2105);
      expect(s[del]!.route).toEqual({ source: 'edged', group: 'meta', operation: 'delete', resource: 'default/pod/trace-pod' });
      expect(s[del]!.content).toEqual({ gracePeriodSeconds: 0, preconditions: { uid: '133f1a7b-ba78-4536-8ffc-e02cd1cfbd55' } });
      expect(ack2107).toBeGreaterThan(del);
      expect(ackGone).toBeGreaterThan(ack2107);
      expect(index(ackOfT(57.706))).toBe(-1);
      expect(kit.counters.podsDeleted).toBeGreaterThanOrEqual(1);
      // …and at edgecore's time: the delete trails the deletionTimestamp's arrival by 0.391 s, not by one round trip.
      const frames = nodeFrames('pod-lifecycle');
      const arrivedAt = frames[ackDel]!.at;
      const deletedAt = frames[del]!.at;
      expect(deletedAt - arrivedAt).toBeGreaterThanOrEqual(EDGECORE_POD_KILL_DELAY_MS);
      expect(deletedAt - arrivedAt).toBeLessThan(EDGECORE_POD_KILL_DELAY_MS + 20);
      expect(deletedAt - phase('pod-lifecycle').t0).toBeGreaterThanOrEqual(57_693 - 15);
    });
  });

  describe('cloud-restart', () => {
    it('the node notices the drop at its next failed send and redials 30 s after it, with no jitter', () => {
      const p = phase('cloud-restart');
      const failed = kit.sendFailureTimes.filter(inPhase('cloud-restart'));
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(failed[0]!).toBeGreaterThan(p.t0 + p.dropAtMs!);
      // it kept its timers running on the dead link: the failure is a scheduled send, not the close
      const lastBefore = kit.cloud.sent.filter((f) => f.at < failed[0]!).at(-1)!;
      expect(lastBefore.at).toBeLessThan(p.t0 + p.dropAtMs!);
      const redials = kit.cloud.dials.filter((d) => inPhase('cloud-restart')(d.dialedAt));
      expect(redials).toHaveLength(1);
      expect(redials[0]!.dialedAt - failed[0]!).toBe(30_000);
    });

    it('the lease update made on the dead socket is re-sent 60 s after it was made: new msg_id, original timestamp and renewTime', () => {
      const failedAt = kit.sendFailureTimes.filter(inPhase('cloud-restart'))[0]!;
      const resent = kit.cloud.sent.find((f) => f.at > failedAt && f.message.route.operation === 'update' && resourceTypeOf(f.message.route.resource) === 'lease')!;
      expect(resent.at - failedAt).toBe(60_000);
      // the original never reached the wire; the re-send carries the time it was made, in header and renewTime
      expect(resent.message.header.timestamp).toBe(failedAt);
      expect((resent.message.content as { spec: { renewTime: string } }).spec.renewTime).toBe(new Date(failedAt).toISOString().replace('Z', '000Z'));
      expect(kit.cloud.sent.filter((f) => f.message.header.msg_id === resent.message.header.msg_id)).toHaveLength(1);
      // the trace's re-send (t=64.712) kept its timestamp 60.0 s in the past too
      const traced = tracedEdge('cloud-restart').find((m) => m.msg.route.operation === 'update')!;
      expect(traced.wall - traced.msg.header.timestamp).toBeGreaterThanOrEqual(60_000);
      expect(traced.wall - traced.msg.header.timestamp).toBeLessThan(60_100);
      // nothing else was sent on the new link before that re-send except keepalives and ACKs
      const link = kit.cloud.dials.at(-2)!;
      const before = kit.cloud.sent.filter((f) => f.link === link && f.at < resent.at && f.message.route.operation !== 'keepalive' && f.message.route.operation !== 'response');
      expect(before.map((f) => requestKey(f.message))).toEqual([`patch null/nodepatch/${NODE}`]);
    });

    it('Node update with Ready=Unknown (t=48.349) → full status patch at the next 10 s status sync', () => {
      const p = phase('cloud-restart');
      const unknownAt = p.t0 + Math.round(48.349 * 1000);
      const patch = nodeFrames('cloud-restart').find((f) => f.message.route.operation === 'patch')!;
      expect(patch.at).toBeGreaterThan(unknownAt);
      expect(patch.at - unknownAt).toBeLessThanOrEqual(10_000);
      // on the status-sync grid: register reply + k·10 s
      const firstPatch = kit.cloud.sent.find((f) => f.message.route.operation === 'patch')!;
      expect((patch.at - firstPatch.at) % 10_000).toBe(0);
      const traced = tracedEdge('cloud-restart').find((m) => m.msg.route.operation === 'patch')!;
      const shape = (c: unknown): string => (c as string).replace(/"(lastHeartbeatTime|lastTransitionTime)":"[^"]*"/g, '"$1":"T"');
      expect(shape(patch.message.content)).toBe(shape(traced.msg.content));
    });
  });

  describe('offline-pod', () => {
    it('the pod created while offline arrives as `update` after the redial and is created: ACK, pending podpatch, only the token query (kube-root-ca.crt is held locally), Running', () => {
      const p = phase('offline-pod');
      const redial = kit.cloud.dials.at(-1)!;
      expect(redial.dialedAt).toBeGreaterThan(p.t0 + p.upAtMs!);
      const s = nodeFrames('offline-pod').map((f) => f.message);
      const firstAck = s.findIndex((m) => m.route.operation === 'response');
      expect(label(s[firstAck]!)).toBe('response default/pod/trace-offline edgecontroller/resource ← update t=30.572 rv2218');
      expect(firstAck).toBeLessThan(s.findIndex((m) => m.route.operation === 'patch'));
      expect(stream(s, 'requests').slice(0, 4)).toEqual([
        'patch default/podpatch/trace-offline edged/meta',
        'query default/serviceaccounttoken/default edged/meta',
        'response default/serviceaccounttoken/default edgecontroller/resource ← response t=30.789',
        'patch default/podpatch/trace-offline edged/meta',
      ]);
      expect((s.filter((m) => m.route.operation === 'patch')[1]!.content as string)).toContain('"phase":"Running"');
    });

    it('lease re-sent 60 s after the failed send, original timestamp; redial 30 s after the failed send', () => {
      const failedAt = kit.sendFailureTimes.filter(inPhase('offline-pod'))[0]!;
      const redial = kit.cloud.dials.at(-1)!;
      expect(redial.dialedAt - failedAt).toBe(30_000);
      const resent = kit.cloud.sent.find((f) => f.at > failedAt && f.message.route.operation === 'update' && resourceTypeOf(f.message.route.resource) === 'lease')!;
      expect(resent.at - failedAt).toBe(60_000);
      expect(resent.message.header.timestamp).toBe(failedAt);
    });

    it('Node Ready=Unknown (t=43.31) → full status patch within the next 10 s', () => {
      const p = phase('offline-pod');
      const patch = nodeFrames('offline-pod').find((f) => f.message.route.resource === `null/nodepatch/${NODE}`)!;
      expect(patch.at - (p.t0 + 43_310)).toBeGreaterThan(0);
      expect(patch.at - (p.t0 + 43_310)).toBeLessThanOrEqual(10_000);
    });
  });
});

describe('VirtualNode with the v1.22 profile (protocol doc §0: what differs from the v1.23 wire)', () => {
  let kit: NodeKit | undefined;
  afterEach(() => kit?.dispose());

  it('registers and patches as default/node/<n> and default/nodepatch/<n>, and queries its Node remotely on every 10 s status sync', async () => {
    kit = new NodeKit({ version: 'v1.22.0' });
    const node = kit.node('vn-122', 4);
    await kit.boot(node);
    const register = kit.cloud.frames('insert', 'node');
    expect(register.map((f) => f.message.route)).toEqual([{ source: 'edged', group: 'meta', operation: 'insert', resource: 'default/node/vn-122' }]);
    expect(register[0]!.message.content).toMatchObject({ status: { nodeInfo: { kubeletVersion: 'v1.31.12-kubeedge-v1.22.0', kubeProxyVersion: 'v1.31.12' } } });
    expect(kit.cloud.frames('patch').map((f) => f.message.route.resource)).toEqual(['default/nodepatch/vn-122']);
    const registeredAt = kit.cloud.last('patch').at;

    kit.advance(30_000);
    const queries = kit.cloud.frames('query', 'node');
    expect(queries.map((f) => f.at - registeredAt)).toEqual([10_000, 20_000, 30_000]);
    for (const q of queries) {
      expect(q.message.route).toEqual({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/node/vn-122' });
      expect(q.message.content).toBeNull();
    }
    // the reply is ACKed like any query reply, and a NotReady node in it makes the next sync patch status
    const last = queries.at(-1)!;
    kit.cloud.link.deliver(cloudFrame({ parentId: last.message.header.msg_id, operation: 'response', resource: 'default/node/vn-122', content: { kind: 'Node', apiVersion: 'v1', metadata: { name: 'vn-122', uid: 'node-uid-1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } } }));
    expect(kit.cloud.sent.at(-1)!.message.route).toEqual({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'default/node/vn-122' });
    kit.advance(10_000);
    const patches = kit.cloud.frames('patch', 'nodepatch');
    expect(patches).toHaveLength(2);
    expect(patches[1]!.message.route.resource).toBe('default/nodepatch/vn-122');
    expect(patches[1]!.message.content as string).toContain('"$setElementOrder/conditions"');
  });

  it('the v1.23 profile sends no Node query', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node('vn-123', 5));
    kit.advance(60_000);
    expect(kit.cloud.frames('query', 'node')).toHaveLength(0);
    expect(kit.cloud.frames('insert', 'node')[0]!.message.route.resource).toBe('null/node/vn-123');
  });
});
