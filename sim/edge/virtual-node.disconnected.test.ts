/**
 * What a VirtualNode does between noticing a lost link and the reconnect, as edgecore v1.23.1
 * does it (edgehub process.go/edgehub.go, metamanager process.go, client/metaclient.go, kubelet's
 * lease controller): the message whose send failed is lost and re-sent by the metaclient after
 * 60 s; once "disconnected" is published a lease update fails at once and the lease controller
 * falls back to ensure-lease (200 ms doubling to 7 s), queries are answered from the local store,
 * patches are refused and written again at the next status sync. Timings below are derived from
 * those sources, not from what the code emits: the order of the first failed send decides whether
 * the lease gap exceeds kube-controller-manager's 50 s grace (trace cloud-restart.jsonl: lease
 * first, Unknown at t=48.3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetaStore } from './meta-store.js';
import { cloudFrame, NodeKit, podObject, resourceTypeOf, type SentFrame } from './virtual-node.test-kit.js';

let kit: NodeKit;
let dir: string | undefined;
let store: MetaStore | undefined;

afterEach(() => {
  kit?.dispose();
  store?.close();
  store = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const NODE = 'vn-test-1';
const LEASE = `{"metadata":{"name":"${NODE}","namespace":"kube-node-lease","uid":"lease-uid","resourceVersion":"7"},"spec":{"holderIdentity":"${NODE}","leaseDurationSeconds":40,"renewTime":"2026-11-25T12:00:13.995027Z"}}`;

/** The cloud answers every lease query, insert and update on the next tick with the Lease (cloudcore's ObjectResp). */
function answerLeases(k: NodeKit): void {
  const podpatch = k.cloud.onFrame;
  k.cloud.onFrame = (f) => {
    podpatch?.(f);
    if (resourceTypeOf(f.message.route.resource) !== 'lease' || f.message.route.operation === 'response') return;
    const reply = `{"header":{"msg_id":"${crypto.randomUUID()}","parent_msg_id":"${f.message.header.msg_id}","timestamp":${Date.now()}},"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"${f.message.route.resource}"},"content":{"Object":${LEASE},"Err":null}}\n`;
    k.cloud.later(0, () => {
      if (f.link.isOpen) f.link.deliver(reply);
    });
  };
}

/** A registered node whose lease is renewed (query at +10 s, updates every 10 s after). */
async function leasedNode(): Promise<NodeKit> {
  kit = new NodeKit();
  answerLeases(kit);
  await kit.boot(kit.node(NODE, 1));
  kit.advance(10_050);
  expect(kit.cloud.frames('query', 'lease')).toHaveLength(1);
  return kit;
}

const leaseFrames = (k: NodeKit): SentFrame[] => k.cloud.sent.filter((f) => resourceTypeOf(f.message.route.resource) === 'lease' && f.message.route.operation !== 'response');
const keepalives = (k: NodeKit): SentFrame[] => k.cloud.frames('keepalive');
/** Wall times at which the cloud saw the lease renewed (an update or insert on the wire). */
const renewals = (k: NodeKit): number[] => leaseFrames(k).filter((f) => f.message.route.operation !== 'query').map((f) => f.at);

/** kube-controller-manager v1.32's node-monitor-grace-period default (nodelifecycle config v1alpha1 defaults.go). */
const GRACE_MS = 50_000;

describe('VirtualNode with a lost link, lease update the first failed send', () => {
  it('the lease is lost, the redial comes 30 s later, the same update is re-sent 60 s after it was made: a gap past the grace period', async () => {
    const k = await leasedNode();
    const t0 = k.wallStart;
    // keepalives at connect (+0.01 s) and every 15 s; lease ticks at +10.01 s and every 10 s: after a
    // drop at +31 s the lease tick at +40.01 s comes before the keepalive at +45.01 s
    k.advanceToWall(t0 + 31_000);
    const beforeDrop = renewals(k).at(-1)!;
    expect(beforeDrop).toBe(t0 + 30_010);
    k.cloud.link.drop();
    k.advanceToWall(t0 + 40_100);
    const failedAt = k.sendFailureTimes[0]!;
    expect(failedAt).toBe(t0 + 40_010);
    expect(k.firstFailedSends).toEqual([{ node: NODE, send: 'lease', detail: 'update lease', leasePending: false, at: failedAt }]);
    // the lease controller waits for that update's reply; the redial is 30 s after the failure
    k.advance(30_000);
    expect(k.cloud.dials).toHaveLength(2);
    expect(k.cloud.dials[1]!.dialedAt - failedAt).toBe(30_000);
    k.advance(25_000);
    expect(leaseFrames(k).filter((f) => f.at > failedAt)).toHaveLength(0);
    k.advance(5_100);
    const resent = leaseFrames(k).filter((f) => f.at > failedAt);
    expect(resent[0]!.message.route.operation).toBe('update');
    expect(resent[0]!.at - failedAt).toBe(60_000);
    expect(resent[0]!.message.header.timestamp).toBe(failedAt);
    expect(resent[0]!.at - beforeDrop).toBeGreaterThan(GRACE_MS);
    expect(k.counters.unanswered).toBe(1);
    expect(k.counters.failedFastOffline).toBe(0);
  });
});

describe('VirtualNode with a lost link, keepalive the first failed send', () => {
  it('the next lease update fails fast (no frame), ensure-lease backs off 200 ms … 7 s, and the lease is renewed within 7 s of the reconnect', async () => {
    const k = await leasedNode();
    const wallLease = (): number => renewals(k).at(-1) ?? leaseFrames(k).at(-1)!.at;
    // wait for a lease renewal that the next keepalive follows before the next lease tick
    for (let i = 0; i < 10; i++) {
      const nextKa = keepalives(k).at(-1)!.at + 15_000;
      const nextLease = wallLease() + 10_000;
      if (nextKa < nextLease && k.wallNow() < nextKa) break;
      k.advance(1_000);
    }
    const lastRenew = wallLease();
    const nextKa = keepalives(k).at(-1)!.at + 15_000;
    expect(nextKa).toBeLessThan(lastRenew + 10_000);
    k.cloud.link.drop();
    k.advance(nextKa - k.wallNow() + 10);
    expect(k.firstFailedSends.map((e) => [e.send, e.detail, e.leasePending])).toEqual([['keepalive', 'keepalive node', false]]);
    const failedAt = k.sendFailureTimes[0]!;
    expect(failedAt).toBe(nextKa);
    // the lease tick finds edgehub disconnected: 5 updates refused at once, then ensure-lease's Get is answered locally and unreadable
    k.advance(lastRenew + 10_000 - k.wallNow() + 5);
    expect(k.counters.failedFastOffline).toBe(5 + 0);
    // ensure-lease retries at +200, +600, +1400, +3000, +6200, +12600 ms … all answered locally
    k.advance(12_600);
    expect(k.counters.failedFastOffline).toBe(5 + 6);
    expect(k.sendFailureTimes).toHaveLength(1);
    expect(leaseFrames(k).filter((f) => f.at > lastRenew)).toHaveLength(0);
    // the redial 30 s after the failed keepalive; the next ensure-lease Get goes to the cloud, its reply releases the update at once
    k.advance(failedAt + 30_000 - k.wallNow() + 20);
    const reconnectedAt = k.cloud.dials[1]!.dialedAt;
    expect(reconnectedAt - failedAt).toBe(30_000);
    expect(k.cloud.link.isOpen).toBe(true);
    k.advance(7_100);
    const after = leaseFrames(k).filter((f) => f.at > lastRenew);
    expect(after.map((f) => f.message.route.operation)).toEqual(['query', 'update']);
    expect(after[0]!.at - reconnectedAt).toBeLessThanOrEqual(7_000);
    expect(after[1]!.at - after[0]!.at).toBeLessThanOrEqual(20);
    // the renewal carries a fresh renewTime, not the refused one's
    expect(after[1]!.message.header.timestamp).toBe(after[1]!.at);
    expect(after[1]!.at - lastRenew).toBeLessThan(GRACE_MS);
    // back on the 10 s rhythm, and nothing waits for a 60 s re-send
    k.advance(60_000);
    const later = renewals(k).filter((f) => f > after[1]!.at);
    later.forEach((t, i) => expect(t - (i === 0 ? after[1]!.at : later[i - 1]!)).toBeLessThanOrEqual(10_100));
    expect(k.counters.unanswered).toBe(0);
    expect(leaseFrames(k).some((f) => f.at > reconnectedAt && f.message.header.timestamp < reconnectedAt)).toBe(false);
  });
});

describe('VirtualNode while the link is known down', () => {
  it('a query is answered from the local store: nothing on the wire, a ConfigMap the node holds is used, one it lacks is not found', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vn-offline-'));
    store = MetaStore.open(join(dir, 'meta.db'));
    kit = new NodeKit({ podStartupDelayMs: 0, store });
    await kit.boot(kit.node(NODE, 1));
    const k = kit;
    // the node holds ConfigMap app-cm; the pod also needs Secret app-secret
    k.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/configmap/app-cm', rv: '5', content: { metadata: { name: 'app-cm', namespace: 'default', uid: 'cm-uid' }, data: {} } }));
    const spec = { nodeName: NODE, volumes: [{ name: 'cfg', configMap: { name: 'app-cm' } }], containers: [{ name: 'app', image: 'nginx', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'p' } } }] }] };
    k.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'uid-web', '10', { spec }) }));
    // online: the held ConfigMap is read locally, the Secret is asked for
    const asked = k.cloud.frames('query').map((f) => f.message.route.resource);
    expect(asked).toEqual(['default/secret/app-secret']);
    // the link drops before the reply; the lease query at +10 s is the first failed send, and the cloud stays down
    k.cloud.link.drop();
    k.cloud.dialOutcome = 'refuse';
    k.advance(16_000);
    expect(k.firstFailedSends.map((e) => e.detail)).toEqual(['query lease']);
    // 60 s after it was made the metaclient asks again: metamanager answers from its store, which lacks the Secret
    k.advance(50_000);
    expect(k.cloud.frames('query').map((f) => f.message.route.resource)).toEqual(['default/secret/app-secret']);
    expect(k.sendFailureTimes).toHaveLength(1);
    // only the lost lease query still waits for its re-send
    expect(k.counters.pendingRequests).toBe(1);
    expect(k.counters.podsRunning).toBe(0);
  });

  it('a pod status patch is refused while the link is down and written at the first status sync after the reconnect', async () => {
    kit = new NodeKit({ podStartupDelayMs: 20_000 });
    answerLeases(kit);
    await kit.boot(kit.node(NODE, 1));
    const k = kit;
    k.advanceToWall(k.wallStart + 11_000);
    k.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'uid-web', '10') }));
    k.advance(20);
    expect(k.cloud.frames('patch', 'podpatch')).toHaveLength(1);
    k.advanceToWall(k.wallStart + 12_000);
    k.cloud.link.drop();
    // the keepalive at +15.01 s fails before the lease tick at +20.01 s: offline from then on; Running comes at +31 s and is refused
    k.advanceToWall(k.wallStart + 32_000);
    expect(k.firstFailedSends.map((e) => e.send)).toEqual(['keepalive']);
    expect(k.counters.podsRunning).toBe(1);
    expect(k.cloud.frames('patch', 'podpatch')).toHaveLength(1);
    expect(k.counters.failedFastOffline).toBeGreaterThanOrEqual(1);
    // redial at +45.01 s; the status sync after it writes the Running patch
    k.advanceToWall(k.wallStart + 45_100);
    const reconnectedAt = k.cloud.dials[1]!.dialedAt;
    k.advance(10_100);
    const patches = k.cloud.frames('patch', 'podpatch');
    expect(patches).toHaveLength(2);
    expect(patches[1]!.message.content as string).toContain('"phase":"Running"');
    expect(patches[1]!.at).toBeGreaterThan(reconnectedAt);
    expect(patches[1]!.at - reconnectedAt).toBeLessThanOrEqual(10_000);
    expect(k.counters.unanswered).toBe(0);
  });
});
