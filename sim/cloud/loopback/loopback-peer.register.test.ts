import { describe, expect, it } from 'vitest';
import { loopbackPeerKit } from './loopback-peer.test-kit.js';
import { registerContent, sleep } from './raw-edge-client.js';

const kit = loopbackPeerKit();

// Golden route of every cloud reply (traces README, contradiction 1).
const replyRoute = (resource: string) => ({ source: 'edgecontroller', group: 'resource', operation: 'response', resource });

describe('node register (v1.23 wire)', () => {
  it('replies ObjectResp without resourceversion, then pushes the Node echo update with RV', async () => {
    await kit.start();
    const c = await kit.connect('vn-1');
    const registered = new Promise((r) => kit.peer.once('node-registered', r));
    const req = c.send({ source: 'edged', group: 'meta', operation: 'insert', resource: 'null/node/vn-1' }, registerContent('vn-1'));

    const reply = await c.waitFor((m) => m.header.parent_msg_id === req.header.msg_id);
    expect(reply.route).toEqual(replyRoute('null/node/vn-1'));
    expect(reply.header.resourceversion).toBeUndefined();
    expect(reply.header.msg_id).not.toBe(req.header.msg_id);
    const content = reply.content as { Object: { metadata: { uid: string; resourceVersion: string; annotations: Record<string, string> } }; Err: null };
    expect(content.Err).toBeNull();
    expect(content.Object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(content.Object.metadata.annotations.cloudcore).toBe('127.0.0.1');
    expect(Object.keys(reply.content as object)).toEqual(['Object', 'Err']);

    const echo = await c.waitFor((m) => m.route.operation === 'update');
    expect(echo.route).toEqual({ source: 'edgecontroller', group: 'resource', operation: 'update', resource: 'null/node/vn-1' });
    expect(echo.header.parent_msg_id).toBeUndefined();
    const echoed = echo.content as { kind: string; apiVersion: string; metadata: { uid: string; resourceVersion: string } };
    expect(echoed.kind).toBe('Node');
    expect(echoed.apiVersion).toBe('v1');
    expect(echoed.metadata.uid).toBe(content.Object.metadata.uid);
    expect(Number(echo.header.resourceversion)).toBeGreaterThan(Number(content.Object.metadata.resourceVersion));
    expect(echo.header.resourceversion).toBe(echoed.metadata.resourceVersion);
    // The reply came before the echo, as in join.jsonl (t=0.389 then 0.406).
    expect(c.messages().indexOf(reply)).toBeLessThan(c.messages().indexOf(echo));
    await registered;

    c.ack(echo);
    await sleep(50);
    expect(kit.peer.stats().acks).toBe(1);
    expect(kit.peer.nodes()).toEqual([{ name: 'vn-1', registered: true, ready: true, connected: true }]);
  });

  it('does not push a Node echo for a 1.22 profile, and answers default/node/<n>', async () => {
    await kit.start({ kubeedgeVersion: 'v1.22.3' });
    const c = await kit.connect('vn-1');
    const req = c.send({ source: 'edged', group: 'meta', operation: 'insert', resource: 'default/node/vn-1' }, registerContent('vn-1'));
    const reply = await c.waitFor((m) => m.header.parent_msg_id === req.header.msg_id);
    expect(reply.route).toEqual(replyRoute('default/node/vn-1'));
    await sleep(150);
    expect(c.messages().filter((m) => m.route.operation === 'update')).toHaveLength(0);
  });

  it('answers a nodepatch with the echo first, then the reply carrying the same resourceversion', async () => {
    await kit.start();
    const c = await kit.connect('vn-1');
    c.send({ source: 'edged', group: 'meta', operation: 'insert', resource: 'null/node/vn-1' }, registerContent('vn-1', false));
    const firstEcho = await c.waitFor((m) => m.route.operation === 'update');
    c.ack(firstEcho);
    await sleep(20);
    const start = c.received.length;

    // A no-op patch ("{}" right after register in join.jsonl) keeps the RV and pushes no echo.
    const noop = c.send({ source: 'edged', group: 'meta', operation: 'patch', resource: 'null/nodepatch/vn-1' }, '{}');
    const noopReply = await c.waitFor((m) => m.header.parent_msg_id === noop.header.msg_id, 3000, start);
    expect(noopReply.header.resourceversion).toBe(firstEcho.header.resourceversion);
    expect(noopReply.route).toEqual(replyRoute('null/nodepatch/vn-1'));

    const patch = JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } });
    const req = c.send({ source: 'edged', group: 'meta', operation: 'patch', resource: 'null/nodepatch/vn-1' }, patch);
    const reply = await c.waitFor((m) => m.header.parent_msg_id === req.header.msg_id, 3000, start);
    const echo = await c.waitFor((m) => m.route.operation === 'update', 3000, start);
    expect(c.messages().indexOf(echo)).toBeLessThan(c.messages().indexOf(reply));
    expect(reply.header.resourceversion).toBe(echo.header.resourceversion);
    expect(Number(reply.header.resourceversion)).toBeGreaterThan(Number(firstEcho.header.resourceversion));
    expect(kit.peer.nodes()[0]?.ready).toBe(true);
  });

  it('lease: NotFound ObjectResp (exact shape from join.jsonl), insert creates, update replaces; no resourceversion', async () => {
    await kit.start();
    const c = await kit.connect('vn-1');
    const lease = 'kube-node-lease/lease/vn-1';
    const q = c.send({ source: 'edged', group: 'meta', operation: 'query', resource: lease }, null);
    const qr = await c.waitFor((m) => m.header.parent_msg_id === q.header.msg_id);
    expect(qr.route).toEqual(replyRoute(lease));
    expect(qr.header.resourceversion).toBeUndefined();
    expect(qr.content).toEqual({
      Object: null,
      Err: {
        ErrStatus: {
          metadata: {},
          status: 'Failure',
          message: 'lease.coordination.k8s.io "vn-1" not found',
          reason: 'NotFound',
          details: { name: 'vn-1', group: 'coordination.k8s.io', kind: 'lease' },
          code: 404,
        },
      },
    });
    // Byte order too: the edge decodes with Go's encoding/json, but the trace is the reference.
    expect(JSON.stringify(qr.content)).toBe(
      '{"Object":null,"Err":{"ErrStatus":{"metadata":{},"status":"Failure","message":"lease.coordination.k8s.io \\"vn-1\\" not found","reason":"NotFound","details":{"name":"vn-1","group":"coordination.k8s.io","kind":"lease"},"code":404}}}',
    );

    const spec = { holderIdentity: 'vn-1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' };
    const ins = c.send({ source: 'edged', group: 'meta', operation: 'insert', resource: lease }, { metadata: { name: 'vn-1', namespace: 'kube-node-lease' }, spec });
    const ir = await c.waitFor((m) => m.header.parent_msg_id === ins.header.msg_id);
    const created = (ir.content as { Object: { metadata: { resourceVersion: string; uid: string } } }).Object;
    expect(ir.header.resourceversion).toBeUndefined();

    const upd = c.send(
      { source: 'edged', group: 'meta', operation: 'update', resource: lease },
      { metadata: { name: 'vn-1', namespace: 'kube-node-lease', uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion }, spec },
    );
    const ur = await c.waitFor((m) => m.header.parent_msg_id === upd.header.msg_id);
    const updated = (ur.content as { Object: { metadata: { resourceVersion: string } }; Err: null });
    expect(updated.Err).toBeNull();
    expect(Number(updated.Object.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(ur.header.resourceversion).toBeUndefined();

    // The edge ACKs these replies although the cloud needs none: counted, ignored.
    c.ack(ur);
    await sleep(50);
    expect(kit.peer.stats().acksUnneeded).toBe(1);
    expect(kit.peer.stats().acks).toBe(0);
  });

  it('keepalive gets no reply; reserved ping gets response "ack"', async () => {
    await kit.start();
    const c = await kit.connect('vn-1');
    const ping = c.send({ source: 'websocket', group: 'resource', operation: 'ping', resource: 'node' }, 'ping');
    const r = await c.waitFor((m) => m.header.parent_msg_id === ping.header.msg_id);
    expect(r.content).toBe('ack');
    expect(r.route.operation).toBe('response');
    expect(c.received).toHaveLength(1);
    expect(kit.peer.stats().messagesUp.keepalive).toBe(1);
  });
});
