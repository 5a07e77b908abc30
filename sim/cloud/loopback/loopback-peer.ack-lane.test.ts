import { describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/kubeedge/message.js';
import { loopbackPeerKit, registerNode } from './loopback-peer.test-kit.js';
import { sleep, type RawEdgeClient } from './raw-edge-client.js';

const kit = loopbackPeerKit({ reconcileIntervalMs: 0 });

/** Connect and register `node`, ACKing the Node echo so the lane is idle. */
async function registered(node: string): Promise<RawEdgeClient> {
  const c = await kit.connect(node);
  registerNode(c);
  c.ack(await c.waitFor((m) => m.route.operation === 'update'));
  await sleep(30);
  return c;
}

const podSpec = { containers: [{ name: 'c', image: 'nginx' }] };
const isPod = (name: string) => (m: Message) => m.route.resource === `default/pod/${name}` && m.route.operation !== 'response';

describe('ACK lane', () => {
  it('resends with the SAME msg_id every resend interval, at most maxSends times, then gives up', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 80, maxSends: 3, retryBaseMs: 5_000 } });
    const c = await registered('vn-1');
    const from = c.received.length;
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    await sleep(80 * 3 + 150);
    const sends = c.received.slice(from).map((r) => r.message).filter(isPod('p1'));
    expect(sends).toHaveLength(3);
    expect(new Set(sends.map((m) => m.header.msg_id)).size).toBe(1);
    expect(sends[0]!.route.operation).toBe('insert');
    const gaps = c.received.slice(from).filter((r) => isPod('p1')(r.message)).map((r) => r.at);
    expect(gaps[1]! - gaps[0]!).toBeGreaterThanOrEqual(60);
    const s = kit.peer.stats();
    expect(s.resends).toBe(2);
    expect(s.ackGiveUps).toBe(1);
  });

  it('retries a given-up message after the per-item rate-limit delay, same msg_id; a late ACK is only counted', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 100, maxSends: 1, retryBaseMs: 150 } });
    const c = await registered('vn-1');
    const acksBefore = kit.peer.stats().acks;
    const from = c.received.length;
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    // sent at 0, given up at 100, retried at 250
    const first = await c.waitFor(isPod('p1'), 1000, from);
    await sleep(140);
    expect(kit.peer.stats().ackGiveUps).toBe(1);
    c.ack(first); // late: the lane no longer waits for it
    await sleep(20);
    expect(kit.peer.stats().acksUnknown).toBe(1);
    expect(kit.peer.stats().acks).toBe(acksBefore);
    const idx = c.received.findIndex((r, i) => i >= from && isPod('p1')(r.message));
    const retry = await c.waitFor(isPod('p1'), 1000, idx + 1);
    expect(retry.header.msg_id).toBe(first.header.msg_id);
    c.ack(retry);
    await sleep(30);
    expect(kit.peer.stats().acks).toBe(acksBefore + 1);
  });

  it('an ACK sent twice is idempotent: counted once, the duplicate is recorded', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 5_000 } });
    const c = await registered('vn-1');
    const acksBefore = kit.peer.stats().acks;
    const acked: number[] = [];
    kit.peer.on('ack', (e) => acked.push(e.latencyMs));
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    const ins = await c.waitFor(isPod('p1'));
    c.ack(ins);
    c.ack(ins);
    await sleep(60);
    const s = kit.peer.stats();
    expect(s.acks - acksBefore).toBe(1);
    expect(s.acksDuplicate).toBe(1);
    expect(acked).toHaveLength(1);
    expect(s.ackLatencyMs.length).toBeGreaterThanOrEqual(1);
  });

  it('is stop-and-wait: the second object is not sent until the first is ACKed', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 5_000 } });
    const c = await registered('vn-1');
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    kit.peer.createPod('vn-1', { metadata: { name: 'p2' }, spec: podSpec });
    const first = await c.waitFor(isPod('p1'));
    await sleep(150);
    expect(c.messages().filter(isPod('p2'))).toHaveLength(0);
    c.ack(first);
    const second = await c.waitFor(isPod('p2'));
    expect(second.route.operation).toBe('insert');
  });

  it('coalesces: only the newest message per object is kept while the lane is blocked', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 5_000 } });
    const c = await registered('vn-1');
    kit.peer.createPod('vn-1', { metadata: { name: 'blocker' }, spec: podSpec });
    const blocker = await c.waitFor(isPod('blocker'));
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    kit.peer.updatePod('default', 'p1', { metadata: { labels: { v: '1' } } });
    const last = kit.peer.updatePod('default', 'p1', { metadata: { labels: { v: '2' } } });
    c.ack(blocker);
    const got = await c.waitFor(isPod('p1'));
    expect(got.header.resourceversion).toBe(last?.metadata.resourceVersion);
    expect(got.route.operation).toBe('update');
    c.ack(got);
    await sleep(100);
    expect(c.messages().filter(isPod('p1'))).toHaveLength(1);
    expect(kit.peer.stats().coalesced).toBe(2);
  });

  it('a configmap query reply carries the RV and must itself be ACKed (it blocks the lane until then)', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 100, maxSends: 5 } });
    const c = await registered('vn-1');
    kit.peer.upsertConfigMap('default', 'cm', { k: 'v' });
    const q = c.send({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap/cm' }, null);
    const reply = await c.waitFor((m) => m.header.parent_msg_id === q.header.msg_id);
    expect(reply.route).toEqual({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'default/configmap/cm' });
    const cm = reply.content as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; data: Record<string, string> };
    expect(cm.kind).toBe('ConfigMap');
    expect(cm.data).toEqual({ k: 'v' });
    expect(reply.header.resourceversion).toBe(cm.metadata.resourceVersion);
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    // Not ACKed: the reply is resent (same msg_id) and the pod waits behind it.
    await sleep(150);
    const copies = c.messages().filter((m) => m.header.msg_id === reply.header.msg_id);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(c.messages().filter(isPod('p1'))).toHaveLength(0);
    c.ack(reply);
    await c.waitFor(isPod('p1'));

    // The ACK created the ObjectSync: a change to the configmap is now pushed to this node.
    c.ack(await c.waitFor(isPod('p1')));
    const updated = kit.peer.upsertConfigMap('default', 'cm', { k: 'v2' });
    const push = await c.waitFor((m) => m.route.resource === 'default/configmap/cm' && m.route.operation === 'update');
    expect(push.header.resourceversion).toBe(updated.metadata.resourceVersion);
  });

  it('a missing configmap gets the NotFound error shape, no RV, no ACK needed', async () => {
    await kit.start();
    const c = await registered('vn-1');
    const q = c.send({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap/nope' }, null);
    const reply = await c.waitFor((m) => m.header.parent_msg_id === q.header.msg_id);
    expect(reply.header.resourceversion).toBeUndefined();
    expect(reply.content).toEqual({
      ErrStatus: {
        metadata: {},
        status: 'Failure',
        message: 'configmap "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', kind: 'configmap' },
        code: 404,
      },
    });
    // kube-root-ca.crt exists in every namespace and holds the peer's CA.
    const q2 = c.send({ source: 'edged', group: 'meta', operation: 'query', resource: 'other-ns/configmap/kube-root-ca.crt' }, null);
    const r2 = await c.waitFor((m) => m.header.parent_msg_id === q2.header.msg_id);
    expect((r2.content as { data: Record<string, string> }).data['ca.crt']).toBe(kit.pki.caPem);
    expect(r2.header.resourceversion).toBeDefined();
  });

  it('serviceaccounttoken: TokenRequest reply, no RV, not on the ACK lane', async () => {
    await kit.start();
    const c = await registered('vn-1');
    const q = c.send(
      { source: 'edged', group: 'meta', operation: 'query', resource: 'default/serviceaccounttoken/default' },
      { metadata: { creationTimestamp: null }, spec: { audiences: null, expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } } },
    );
    const reply = await c.waitFor((m) => m.header.parent_msg_id === q.header.msg_id);
    expect(reply.header.resourceversion).toBeUndefined();
    expect((reply.content as { kind: string }).kind).toBe('TokenRequest');
    c.ack(reply);
    await sleep(40);
    expect(kit.peer.stats().acksUnneeded).toBe(1);
  });

  it('reconnect: the pool is discarded and un-ACKed objects come back as update at their latest RV', async () => {
    await kit.start({ ackLane: { resendIntervalMs: 5_000 } });
    const c = await registered('vn-1');
    kit.peer.createPod('vn-1', { metadata: { name: 'p1' }, spec: podSpec });
    await c.waitFor(isPod('p1'));
    c.close(); // never ACKed
    await sleep(50);
    const pod = kit.peer.updatePod('default', 'p1', { metadata: { labels: { v: 'offline' } } });
    const c2 = await kit.connect('vn-1', { keepalive: false });
    const again = await c2.waitFor(isPod('p1'));
    expect(again.route.operation).toBe('update');
    expect(again.header.resourceversion).toBe(pod?.metadata.resourceVersion);
    c2.ack(again);
    await sleep(40);
    // ACKed at the latest RV: the reconcile has nothing more to send.
    const before = c2.received.length;
    kit.peer.reconcileNow();
    await sleep(60);
    expect(c2.received.length).toBe(before);
  });

  it('reconnect: an object deleted while the node was away comes down as delete {name, namespace, uid}', async () => {
    await kit.start();
    const c = await registered('vn-1');
    const cm = kit.peer.upsertConfigMap('default', 'cm', { k: 'v' });
    const q = c.send({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap/cm' }, null);
    c.ack(await c.waitFor((m) => m.header.parent_msg_id === q.header.msg_id));
    await sleep(30);
    c.close();
    await sleep(30);
    kit.peer.deleteConfigMap('default', 'cm');
    const c2 = await kit.connect('vn-1', { keepalive: false });
    const del = await c2.waitFor((m) => m.route.operation === 'delete');
    expect(del.route.resource).toBe('default/configmap/cm');
    expect(del.content).toEqual({ metadata: { name: 'cm', namespace: 'default', uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion } });
    c2.ack(del);
    await sleep(30);
    const before = c2.received.length;
    kit.peer.reconcileNow();
    await sleep(50);
    expect(c2.received.length).toBe(before);
  });
});
