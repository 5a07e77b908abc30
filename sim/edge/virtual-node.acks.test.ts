/**
 * What a VirtualNode ACKs (protocol doc §7, trace README "Which replies the edge ACKs"): the form of
 * an ACK, cloud resends of one msg_id, replies that are and are not ACKed, and frames that do not
 * decode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cloudFrame, NodeKit, podObject } from './virtual-node.test-kit.js';

let kit: NodeKit;

afterEach(() => kit?.dispose());

async function booted(): Promise<NodeKit> {
  kit = new NodeKit();
  await kit.boot(kit.node());
  return kit;
}

describe('VirtualNode ACKs', () => {
  it('ACKs a push with parent_msg_id = its msg_id, content "OK", and its source, group and resource copied', async () => {
    const k = await booted();
    const push = cloudFrame({ msgId: 'aaaaaaaa-0000-4000-8000-000000000001', source: 'devicecontroller', group: 'resource', operation: 'update', resource: 'default/configmap/cfg', rv: '7', content: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', namespace: 'default', uid: 'cm-1', resourceVersion: '7' }, data: {} } });
    k.cloud.link.deliver(push);
    const acks = k.cloud.acksOf('aaaaaaaa-0000-4000-8000-000000000001');
    expect(acks).toHaveLength(1);
    const ack = acks[0]!;
    expect(ack.message.route).toEqual({ source: 'devicecontroller', group: 'resource', operation: 'response', resource: 'default/configmap/cfg' });
    expect(ack.message.content).toBe('OK');
    expect(ack.message.header.msg_id).not.toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(ack.message.header.timestamp).toBe(k.wallNow());
    // Go's field order, one frame, one trailing newline
    expect(ack.text).toMatch(/^\{"header":\{"msg_id":"[0-9a-f-]{36}","parent_msg_id":"aaaaaaaa-0000-4000-8000-000000000001","timestamp":\d+\},"route":\{"source":"devicecontroller","group":"resource","operation":"response","resource":"default\/configmap\/cfg"\},"content":"OK"\}\n$/);
    expect(k.counters.acksSent).toBeGreaterThanOrEqual(1);
  });

  it('a resend of the same msg_id is ACKed again, counted as a duplicate, and not processed twice', async () => {
    const k = await booted();
    const frame = cloudFrame({ msgId: 'bbbbbbbb-0000-4000-8000-000000000001', operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'pod-uid-1', '10') });
    k.cloud.link.deliver(frame);
    k.advance(5_000);
    k.cloud.link.deliver(frame);
    expect(k.cloud.acksOf('bbbbbbbb-0000-4000-8000-000000000001')).toHaveLength(2);
    expect(k.counters.duplicates).toBe(1);
    expect(k.counters.podsCreated).toBe(1);
    const patches = k.cloud.frames('patch', 'podpatch').map((f) => f.message.content as string);
    expect(patches.filter((c) => c.includes('"ContainerCreating"'))).toHaveLength(1);
    expect(patches.filter((c) => c.includes('"phase":"Running"'))).toHaveLength(1);
  });

  it('a resend after other traffic is still recognised (the cloud resends every 5 s, other objects in between)', async () => {
    const k = await booted();
    const frame = cloudFrame({ msgId: 'bbbbbbbb-0000-4000-8000-000000000002', operation: 'update', resource: 'default/pod/a', rv: '3', content: podObject('a', 'uid-a', '3') });
    k.cloud.link.deliver(frame);
    k.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/b', rv: '4', content: podObject('b', 'uid-b', '4') }));
    k.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'null/node/vn-test-1', rv: '5', content: { kind: 'Node', apiVersion: 'v1', metadata: { name: 'vn-test-1', uid: 'node-uid-1' } } }));
    k.cloud.link.deliver(frame);
    expect(k.counters.duplicates).toBe(1);
    expect(k.counters.podsCreated).toBe(2);
    expect(k.cloud.acksOf('bbbbbbbb-0000-4000-8000-000000000002')).toHaveLength(2);
  });

  it('does not ACK the replies to its patches (join t=0.428), nor the "OK" to its pod delete (pod-lifecycle t=57.706)', async () => {
    const k = await booted();
    // boot() delivered the reply to the "{}" nodepatch
    const patch = k.cloud.last('patch', 'nodepatch');
    expect(k.cloud.sent.filter((f) => f.message.route.operation === 'response' && f.at >= patch.at && f.message.route.resource?.includes('nodepatch'))).toHaveLength(0);

    k.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'pod-uid-1', '10') }));
    const podPatch = k.cloud.last('patch', 'podpatch');
    const reply = cloudFrame({ msgId: 'cccccccc-0000-4000-8000-000000000001', parentId: podPatch.message.header.msg_id, operation: 'response', resource: 'default/podpatch/web', rv: '11', content: { Object: podObject('web', 'pod-uid-1', '11'), Err: null } });
    k.cloud.link.deliver(reply);
    expect(k.cloud.acksOf('cccccccc-0000-4000-8000-000000000001')).toHaveLength(0);

    k.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/web', rv: '12', content: podObject('web', 'pod-uid-1', '12', { deletionTimestamp: '2026-11-25T12:00:00Z' }) }));
    const finalPatch = k.cloud.last('patch', 'podpatch');
    k.cloud.link.deliver(cloudFrame({ parentId: finalPatch.message.header.msg_id, operation: 'response', resource: 'default/podpatch/web', rv: '13', content: { Object: podObject('web', 'pod-uid-1', '13'), Err: null } }));
    const del = k.cloud.last('delete', 'pod');
    k.cloud.link.deliver(cloudFrame({ msgId: 'cccccccc-0000-4000-8000-000000000002', parentId: del.message.header.msg_id, operation: 'response', resource: 'default/pod/web', content: 'OK' }));
    expect(k.cloud.acksOf('cccccccc-0000-4000-8000-000000000002')).toHaveLength(0);
  });

  it('ACKs the replies to its queries, inserts and updates, NotFound included (join t=0.393, t=10.281, t=10.312)', async () => {
    const k = await booted();
    k.advance(10_000);
    const query = k.cloud.last('query', 'lease');
    k.cloud.link.deliver(cloudFrame({ msgId: 'dddddddd-0000-4000-8000-000000000001', parentId: query.message.header.msg_id, operation: 'response', resource: query.message.route.resource ?? '', content: { Object: null, Err: { ErrStatus: { metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 } } } }));
    expect(k.cloud.acksOf('dddddddd-0000-4000-8000-000000000001')).toHaveLength(1);
    const insert = k.cloud.last('insert', 'lease');
    k.cloud.link.deliver(cloudFrame({ msgId: 'dddddddd-0000-4000-8000-000000000002', parentId: insert.message.header.msg_id, operation: 'response', resource: insert.message.route.resource ?? '', content: { Object: { metadata: { name: 'vn-test-1', namespace: 'kube-node-lease', resourceVersion: '5' }, spec: { renewTime: 'x' } }, Err: null } }));
    const ack = k.cloud.acksOf('dddddddd-0000-4000-8000-000000000002');
    expect(ack).toHaveLength(1);
    // a reply's ACK names the cloud as source, as the reply did
    expect(ack[0]!.message.route).toEqual({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'kube-node-lease/lease/vn-test-1' });
    // the register reply boot() delivered was ACKed too
    const register = k.cloud.last('insert', 'node');
    expect(k.cloud.sent.filter((f) => f.message.route.operation === 'response' && f.message.route.resource === register.message.route.resource && f.at === register.at + 0)).toHaveLength(1);
  });

  it('ignores a reply to nothing it asked (no ACK, no crash)', async () => {
    const k = await booted();
    const before = k.cloud.sent.length;
    k.cloud.link.deliver(cloudFrame({ parentId: 'eeeeeeee-0000-4000-8000-000000000001', operation: 'response', resource: 'default/configmap/x', content: { kind: 'ConfigMap' } }));
    expect(k.cloud.sent.length).toBe(before);
  });
});

describe('VirtualNode and malformed frames', () => {
  it('counts each in counters.malformed, warns once per node, and keeps working', async () => {
    const k = await booted();
    const link = k.cloud.link;
    link.deliver('not json at all');
    link.deliver('{"header":{"msg_id":"x","timestamp":1},"route":');
    link.deliver('{"header":{"msg_id":7,"timestamp":"soon"},"route":{},"content":null}');
    expect(k.counters.malformed).toBe(3);
    expect(k.warnings).toHaveLength(1);
    expect(k.warnings[0]).toMatchObject({ node: 'vn-test-1', code: 'TWL_FRAME_MALFORMED' });

    // still ACKs, still creates pods, still keeps alive
    const push = cloudFrame({ msgId: 'ffffffff-0000-4000-8000-000000000001', operation: 'insert', resource: 'default/pod/after', rv: '3', content: podObject('after', 'uid-after', '3') });
    link.deliver(push);
    expect(k.cloud.acksOf('ffffffff-0000-4000-8000-000000000001')).toHaveLength(1);
    expect(k.counters.podsCreated).toBe(1);
    const keepalives = k.cloud.frames('keepalive').length;
    k.advance(15_000);
    expect(k.cloud.frames('keepalive')).toHaveLength(keepalives + 1);
    expect(link.open).toBe(true);
  });

  it('warns once for each node that receives one', async () => {
    kit = new NodeKit();
    const a = kit.node('vn-a', 1);
    await kit.boot(a);
    const linkA = kit.cloud.link;
    const b = kit.node('vn-b', 2);
    await kit.boot(b);
    const linkB = kit.cloud.link;
    linkA.deliver('garbage');
    linkA.deliver('garbage');
    linkB.deliver('garbage');
    expect(kit.counters.malformed).toBe(3);
    expect(kit.warnings.map((w) => w.node)).toEqual(['vn-a', 'vn-b']);
  });
});
