import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildAck, cloudRequiresAck, edgeAcks } from './ack-policy.js';
import { decodeMessage, encodeMessage, hasWireContent } from './codec.js';
import type { Message } from './message.js';

/**
 * Golden frames written from docs/kubeedge-protocol.md (§5, §6, §7, §8, §13); see
 * fixtures/protocol-doc/README.md. Expectations below are transcribed from the doc, field by field.
 */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'protocol-doc');

function raw(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function frame(name: string): Message {
  return decodeMessage(raw(name));
}

const EDGE = (n: string): string => `5b7c1f1e-0f3a-4c55-9a43-0c2a8f1d00${n}`;
const NODE_UID = '6b1f0d2e-7c3a-4e59-8d21-4f0a9b3c5e71';
const POD_UID = '2d8e4c6a-1b3f-4a57-9c0e-8f6d2b4a7c13';
const FROM_CLOUD = { source: 'edgecontroller', group: 'resource' } as const;
const FROM_EDGED = { source: 'edged', group: 'meta' } as const;

describe('protocol-doc golden frames: bytes', () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();

  it('the fixture set is complete', () => {
    expect(names).toHaveLength(19);
  });

  it.each(names)('%s is one Go-encoded message that re-encodes to the same bytes', (name) => {
    const text = raw(name);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    const m = decodeMessage(text);
    expect(hasWireContent(m)).toBe(false);
    expect(encodeMessage(m)).toBe(text);
    expect(decodeMessage(Buffer.from(text.slice(0, -1), 'utf8'))).toEqual(m);
  });
});

describe('§13 minimum viable node, field by field', () => {
  it('step 4 keepalive', () => {
    const m = frame('13-4-keepalive.json');
    expect(m.header).toEqual({ msg_id: '5b7c1f1e-0f3a-4c55-9a43-0c2a8f1d0001', timestamp: 1735689600000 });
    expect(m.route).toEqual({ source: 'websocket', group: 'resource', operation: 'keepalive', resource: 'node' });
    expect(m.content).toBe('ping');
  });

  it('step 5 register: edged/meta insert of null/node/<name> carrying a v1.Node with the edge label', () => {
    const m = frame('13-5-register-insert.json');
    expect(m.header).toEqual({ msg_id: EDGE('02'), timestamp: 1735689600010 });
    expect(m.route).toEqual({ ...FROM_EDGED, operation: 'insert', resource: 'null/node/vn-1' });
    const node = m.content as {
      metadata: { name: string; labels: Record<string, string> };
      status: { nodeInfo: { kubeletVersion: string }; conditions: { type: string; status: string }[] };
    };
    expect(node.metadata.name).toBe('vn-1');
    expect(node.metadata.labels['node-role.kubernetes.io/edge']).toBe('');
    expect(node.metadata.labels['node-role.kubernetes.io/agent']).toBe('');
    expect(node.status.nodeInfo.kubeletVersion).toBe('v1.32.10-kubeedge-v1.23.1');
    expect(node.status.conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
  });

  it('§5 register reply: ObjectResp with Err null, the parent id set, no resourceversion', () => {
    const m = frame('05-register-reply.json');
    expect(m.header.parent_msg_id).toBe(EDGE('02'));
    expect(m.header.resourceversion).toBeUndefined();
    expect(m.route).toEqual({ ...FROM_CLOUD, operation: 'response', resource: 'null/node/vn-1' });
    expect(m.content).toMatchObject({ Object: { metadata: { name: 'vn-1', uid: NODE_UID } }, Err: null });
  });

  it('§5 Node echo: edgecontroller update of null/node/<name> with the RV in the header', () => {
    const m = frame('05-node-echo-update.json');
    expect(m.header.resourceversion).toBe('48101');
    expect(m.header.parent_msg_id).toBeUndefined();
    expect(m.route).toEqual({ ...FROM_CLOUD, operation: 'update', resource: 'null/node/vn-1' });
    expect(m.content).toMatchObject({ kind: 'Node', metadata: { resourceVersion: '48101' } });
  });

  it('step 6 ACK of the Node echo: response, parent = downstream id, content "OK", source/group/resource copied', () => {
    const echo = frame('05-node-echo-update.json');
    const ack = frame('13-6-node-echo-ack.json');
    expect(ack.header).toEqual({ msg_id: EDGE('03'), parent_msg_id: echo.header.msg_id, timestamp: 1735689600100 });
    expect(ack.route).toEqual({ ...FROM_CLOUD, operation: 'response', resource: 'null/node/vn-1' });
    expect(ack.content).toBe('OK');
  });

  it('step 7a lease insert: kube-node-lease/lease/<name>, 40 s duration, owner = the Node uid from step 5', () => {
    const m = frame('13-7a-lease-insert.json');
    expect(m.route).toEqual({ ...FROM_EDGED, operation: 'insert', resource: 'kube-node-lease/lease/vn-1' });
    expect(m.content).toMatchObject({
      metadata: { name: 'vn-1', namespace: 'kube-node-lease', ownerReferences: [{ kind: 'Node', name: 'vn-1', uid: NODE_UID }] },
      spec: { holderIdentity: 'vn-1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' },
    });
  });

  it('step 7b status patch: null/nodepatch/<name>, content a JSON string holding {"status":…}', () => {
    const m = frame('13-7b-status-patch.json');
    expect(m.route).toEqual({ ...FROM_EDGED, operation: 'patch', resource: 'null/nodepatch/vn-1' });
    expect(typeof m.content).toBe('string');
    const patch = JSON.parse(m.content as string) as { status: { conditions: { type: string; lastHeartbeatTime: string }[] } };
    expect(patch.status.conditions[0]).toMatchObject({ type: 'Ready', lastHeartbeatTime: '2025-01-01T00:00:10Z' });
  });

  it('step 8 pod update downstream and its ACK', () => {
    const pod = frame('13-8-pod-update.json');
    expect(pod.header).toEqual({ msg_id: '9e0d7a31-5c2b-4f8e-a1d6-3b9c0e2f4a58', timestamp: 1735689620000, resourceversion: '48213' });
    expect(pod.route).toEqual({ ...FROM_CLOUD, operation: 'update', resource: 'default/pod/web' });
    expect(pod.content).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { uid: POD_UID, resourceVersion: '48213' }, spec: { nodeName: 'vn-1' } });
    const ack = frame('13-8-pod-update-ack.json');
    expect(ack.header.parent_msg_id).toBe(pod.header.msg_id);
    expect(ack.route).toEqual({ ...FROM_CLOUD, operation: 'response', resource: 'default/pod/web' });
    expect(ack.content).toBe('OK');
  });

  it('step 9 podpatch: <ns>/podpatch/<name>, a JSON string with metadata.uid and status', () => {
    const m = frame('13-9-podpatch.json');
    expect(m.route).toEqual({ ...FROM_EDGED, operation: 'patch', resource: 'default/podpatch/web' });
    const patch = JSON.parse(m.content as string) as { metadata: { uid: string }; status: { phase: string } };
    expect(patch.metadata.uid).toBe(POD_UID);
    expect(patch.status.phase).toBe('Running');
  });
});

describe('§8 query, reply, and the ACK of the reply', () => {
  it('request: edged/meta query with content null', () => {
    const q = frame('08-query-configmap.json');
    expect(q.route).toEqual({ ...FROM_EDGED, operation: 'query', resource: 'default/configmap/web-config' });
    expect(q.content).toBeNull();
  });

  it('reply: edgecontroller/resource response, parent id, echoed resource, object RV in the header', () => {
    const q = frame('08-query-configmap.json');
    const r = frame('08-query-reply-configmap.json');
    expect(r.header.parent_msg_id).toBe(q.header.msg_id);
    expect(r.header.resourceversion).toBe('48250');
    expect(r.route).toEqual({ ...FROM_CLOUD, operation: 'response', resource: q.route.resource });
    expect(r.content).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', data: { 'index.html': '<h1>hello & welcome</h1>' } });
  });

  it("the reply's ACK has the reply's id as parent", () => {
    const r = frame('08-query-reply-configmap.json');
    const ack = frame('08-query-reply-ack.json');
    expect(ack.header.parent_msg_id).toBe(r.header.msg_id);
    expect(ack.route).toEqual({ ...FROM_CLOUD, operation: 'response', resource: 'default/configmap/web-config' });
    expect(ack.content).toBe('OK');
  });
});

describe('§6 deletion flow', () => {
  it('1: update with deletionTimestamp → ACK', () => {
    const u = frame('06-1-pod-update-deleting.json');
    expect(u.route).toEqual({ ...FROM_CLOUD, operation: 'update', resource: 'default/pod/web' });
    expect(u.content).toMatchObject({ metadata: { deletionTimestamp: '2025-01-01T00:01:40Z' } });
    expect(frame('06-1-ack.json').header.parent_msg_id).toBe(u.header.msg_id);
  });

  it('2: the edge deletes with an object body {gracePeriodSeconds:0, preconditions:{uid}}', () => {
    const d = frame('06-2-edge-delete.json');
    expect(d.route).toEqual({ ...FROM_EDGED, operation: 'delete', resource: 'default/pod/web' });
    expect(d.content).toEqual({ gracePeriodSeconds: 0, preconditions: { uid: POD_UID } });
  });

  it('3: the cloud replies "OK"', () => {
    const ok = frame('06-3-delete-reply-ok.json');
    expect(ok.header.parent_msg_id).toBe(frame('06-2-edge-delete.json').header.msg_id);
    expect(ok.route).toEqual({ ...FROM_CLOUD, operation: 'response', resource: 'default/pod/web' });
    expect(ok.content).toBe('OK');
  });

  it('4: downstream delete → ACK', () => {
    const del = frame('06-4-pod-delete.json');
    expect(del.route).toEqual({ ...FROM_CLOUD, operation: 'delete', resource: 'default/pod/web' });
    expect(del.header.resourceversion).toBe('48302');
    expect(frame('06-4-ack.json').header.parent_msg_id).toBe(del.header.msg_id);
  });
});

describe('§7 ACK rules against the golden frames', () => {
  const acked: [downstream: string, ack: string][] = [
    ['05-node-echo-update.json', '13-6-node-echo-ack.json'],
    ['13-8-pod-update.json', '13-8-pod-update-ack.json'],
    ['08-query-reply-configmap.json', '08-query-reply-ack.json'],
    ['06-1-pod-update-deleting.json', '06-1-ack.json'],
    ['06-4-pod-delete.json', '06-4-ack.json'],
  ];

  it.each(acked)('buildAck(%s) is byte-identical to %s', (downstream, ackName) => {
    const ack = frame(ackName);
    const built = buildAck(frame(downstream), ack.header.msg_id, ack.header.timestamp);
    expect(built).toEqual(ack);
    expect(encodeMessage(built)).toBe(raw(ackName));
  });

  it.each(acked)('cloudcore waits for an ACK of %s', (downstream) => {
    expect(cloudRequiresAck(frame(downstream))).toBe(true);
  });

  it.each([
    ['05-register-reply.json', 'edgecontroller node, not an update'],
    ['06-3-delete-reply-ok.json', 'a reply whose content is "OK"'],
    ['13-6-node-echo-ack.json', 'an ACK is itself an "OK" response'],
  ])('cloudcore does not wait for an ACK of %s (%s)', (name) => {
    expect(cloudRequiresAck(frame(name))).toBe(false);
  });

  it('the edge ACKs what the cloud waits for, and the register reply too (live), but not the "OK" to its delete', () => {
    for (const [downstream] of acked) {
      const m = frame(downstream);
      const requestOp = m.header.parent_msg_id === undefined ? undefined : 'query';
      expect(edgeAcks(m, requestOp)).toBe(true);
    }
    expect(edgeAcks(frame('05-register-reply.json'), 'insert')).toBe(true);
    expect(edgeAcks(frame('06-3-delete-reply-ok.json'), 'delete')).toBe(false);
  });
});
