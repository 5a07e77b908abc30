import { describe, expect, it } from 'vitest';
import { ackPushes, loopbackPeerKit, registerNode } from './loopback-peer.test-kit.js';
import { sleep, type RawEdgeClient } from './raw-edge-client.js';

const kit = loopbackPeerKit({ reconcileIntervalMs: 0 });

/** A peer and an edge that ACKs every ACK-required push at once, as metamanager does. */
async function ackingNode(node: string): Promise<RawEdgeClient> {
  await kit.start();
  const c = await kit.connect(node);
  ackPushes(c);
  registerNode(c);
  await c.waitFor((m) => m.route.operation === 'update');
  return c;
}

const podPatch = (uid: string, phase: string) =>
  JSON.stringify({
    metadata: { uid },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
      containerStatuses: [{ name: 'c', ready: phase === 'Running', restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: '2025-01-01T00:00:20Z' } } }],
    },
  });

describe('pods', () => {
  it('podpatch: pushes the pod update with the new RV before the patch reply; emits pod-running', async () => {
    const c = await ackingNode('vn-1');
    const running = new Promise<{ namespace: string; name: string; node: string }>((r) => kit.peer.once('pod-running', r));
    const pod = kit.peer.createPod('vn-1', { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const ins = await c.waitFor((m) => m.route.resource === 'default/pod/web' && m.route.operation === 'insert');
    expect(ins.header.resourceversion).toBe(pod.metadata.resourceVersion);
    expect((ins.content as { kind: string; spec: { nodeName: string } }).spec.nodeName).toBe('vn-1');
    const from = c.received.length;
    const patch = c.send({ source: 'edged', group: 'meta', operation: 'patch', resource: 'default/podpatch/web' }, podPatch(pod.metadata.uid, 'Running'));
    const reply = await c.waitFor((m) => m.header.parent_msg_id === patch.header.msg_id, 3000, from);
    const update = await c.waitFor((m) => m.route.resource === 'default/pod/web' && m.route.operation === 'update', 3000, from);
    expect(c.messages().indexOf(update)).toBeLessThan(c.messages().indexOf(reply));
    expect(reply.route).toEqual({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'default/podpatch/web' });
    expect(reply.header.resourceversion).toBe(update.header.resourceversion);
    const obj = (reply.content as { Object: { status: { phase: string } }; Err: null }).Object;
    expect(obj.status.phase).toBe('Running');
    expect(await running).toEqual({ namespace: 'default', name: 'web', node: 'vn-1' });
  });

  it('deletion: update(deletionTimestamp) → edge delete → update, "OK", delete with the full Pod; then forgotten', async () => {
    const c = await ackingNode('vn-1');
    const pod = kit.peer.createPod('vn-1', { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await c.waitFor((m) => m.route.operation === 'insert');
    await sleep(30);
    const from = c.received.length;
    kit.peer.deletePod('default', 'web', 0);
    const marked = await c.waitFor((m) => m.route.resource === 'default/pod/web' && m.route.operation === 'update', 3000, from);
    expect((marked.content as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp).toBeDefined();
    await sleep(30);

    const from2 = c.received.length;
    const del = c.send(
      { source: 'edged', group: 'meta', operation: 'delete', resource: 'default/pod/web' },
      { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
    );
    const down = await c.waitFor((m) => m.route.resource === 'default/pod/web' && m.route.operation === 'delete', 3000, from2);
    const seq = c.received.slice(from2).map((r) => r.message).filter((m) => m.route.resource === 'default/pod/web');
    expect(seq.map((m) => (m.header.parent_msg_id === del.header.msg_id ? `reply:${String(m.content)}` : m.route.operation))).toEqual([
      'update',
      'reply:OK',
      'delete',
    ]);
    expect(seq[1]!.header.resourceversion).toBeUndefined();
    expect(Number(down.header.resourceversion)).toBeGreaterThan(Number(seq[0]!.header.resourceversion));
    const content = down.content as { kind: string; metadata: { uid: string }; spec: { containers: unknown[] } };
    expect(content.kind).toBe('Pod');
    expect(content.metadata.uid).toBe(pod.metadata.uid);
    expect(content.spec.containers).toHaveLength(1);
    expect(kit.peer.getPod('default', 'web')).toBeUndefined();

    // Deleting again (already gone) still gets "OK".
    const again = c.send(
      { source: 'edged', group: 'meta', operation: 'delete', resource: 'default/pod/web' },
      { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
    );
    const ok = await c.waitFor((m) => m.header.parent_msg_id === again.header.msg_id);
    expect(ok.content).toBe('OK');
  });

  it('a deleted configmap the node holds is pushed down as delete with the full object', async () => {
    const c = await ackingNode('vn-1');
    kit.peer.upsertConfigMap('default', 'cm', { a: 'b' });
    const q = c.send({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap/cm' }, null);
    c.ack(await c.waitFor((m) => m.header.parent_msg_id === q.header.msg_id));
    await sleep(30);
    expect(kit.peer.deleteConfigMap('default', 'cm')).toBe(true);
    const del = await c.waitFor((m) => m.route.resource === 'default/configmap/cm' && m.route.operation === 'delete');
    expect((del.content as { kind: string; data: Record<string, string> }).data).toEqual({ a: 'b' });
  });
});
