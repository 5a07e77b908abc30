/**
 * Pods on a VirtualNode (protocol doc §6, §8; pod-lifecycle.jsonl and offline-pod.jsonl): create
 * on insert or on update of an unknown pod, the pending patch, the remote queries one at a time,
 * Running, and deletion in the traced order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MetaStore } from './meta-store.js';
import { cloudFrame, NodeKit, podObject, type SentFrame } from './virtual-node.test-kit.js';

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

const WITH_REFS = {
  nodeName: 'vn-test-1',
  serviceAccountName: 'default',
  volumes: [
    { name: 'cfg', configMap: { name: 'app-cm' } },
    { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }] } },
  ],
  containers: [{ name: 'app', image: 'nginx', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'p' } } }] }],
};

function reply(k: NodeKit, request: SentFrame, content: unknown, rv?: string): void {
  k.cloud.link.deliver(cloudFrame({ parentId: request.message.header.msg_id, operation: 'response', resource: request.message.route.resource ?? '', content, ...(rv ? { rv } : {}) }));
}

const queries = (k: NodeKit): string[] => k.cloud.frames('query').filter((f) => !f.message.route.resource?.includes('/lease/')).map((f) => f.message.route.resource ?? '');
const podPatches = (k: NodeKit): string[] => k.cloud.frames('patch', 'podpatch').map((f) => f.message.content as string);

describe('VirtualNode pods', () => {
  it('insert → ACK, then the pending podpatch; with nothing to fetch, Running after podStartupDelayMs', async () => {
    kit = new NodeKit({ podStartupDelayMs: 2_000 });
    await kit.boot(kit.node());
    const push = cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'uid-web', '10') });
    kit.cloud.link.deliver(push);
    const after = kit.cloud.sent.slice(-2);
    expect(after[0]!.message.route.operation).toBe('response');
    expect(after[1]!.message.route).toEqual({ source: 'edged', group: 'meta', operation: 'patch', resource: 'default/podpatch/web' });
    const pending = JSON.parse(after[1]!.message.content as string) as { metadata: { uid: string }; status: { containerStatuses: Array<{ state: unknown }> } };
    expect(pending.metadata.uid).toBe('uid-web');
    expect(pending.status.containerStatuses[0]!.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    kit.advance(1_990);
    expect(podPatches(kit)).toHaveLength(1);
    kit.advance(20);
    expect(podPatches(kit)).toHaveLength(2);
    expect(podPatches(kit)[1]).toContain('"phase":"Running"');
    expect(kit.counters.podsRunning).toBe(1);
  });

  it('an update for a pod the node does not know is a create (offline-pod t=30.572)', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/late', rv: '2218', content: podObject('late', 'uid-late', '2218') }));
    expect(kit.counters.podsCreated).toBe(1);
    expect(podPatches(kit)).toHaveLength(1);
    // a second update (the echo of its patch) is not another create
    kit.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/late', rv: '2237', content: podObject('late', 'uid-late', '2237') }));
    expect(kit.counters.podsCreated).toBe(1);
    expect(podPatches(kit).filter((c) => c.includes('"ContainerCreating"'))).toHaveLength(1);
  });

  it('queries configmap, token, kube-root-ca.crt, secret one at a time, each after the reply to the one before; Running after the last', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/app', rv: '5', content: podObject('app', 'uid-app', '5', { spec: WITH_REFS }) }));
    const order = ['default/configmap/app-cm', 'default/serviceaccounttoken/default', 'default/configmap/kube-root-ca.crt', 'default/secret/app-secret'];
    for (let i = 0; i < order.length; i++) {
      expect(queries(kit)).toEqual(order.slice(0, i + 1));
      const q = kit.cloud.last('query');
      const kind = q.message.route.resource?.split('/')[1];
      reply(kit, q, { kind, apiVersion: 'v1', metadata: { name: 'x', namespace: 'default', uid: `u-${i}`, resourceVersion: `${i + 1}` } }, kind === 'serviceaccounttoken' ? undefined : `${i + 1}`);
      // each reply is ACKed right away
      expect(kit.cloud.sent.at(-1)!.message.route.operation).toBe(i + 1 < order.length ? 'query' : 'response');
      if (i + 1 < order.length) expect(kit.cloud.sent.at(-2)!.message.route.operation).toBe('response');
      expect(podPatches(kit)).toHaveLength(1);
    }
    const token = kit.cloud.frames('query').find((f) => f.message.route.resource === 'default/serviceaccounttoken/default')!;
    expect(token.message.content).toMatchObject({ spec: { audiences: null, expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'app', uid: 'uid-app' } } });
    kit.advance(10);
    expect(podPatches(kit)).toHaveLength(2);
    expect(podPatches(kit)[1]).toContain('"phase":"Running"');
  });

  it('a configmap or secret the node holds is read locally, not queried (offline-pod t=30.783: only the token)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vn-pods-'));
    store = MetaStore.open(join(dir, 'meta.db'));
    kit = new NodeKit({ store });
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/configmap/app-cm', rv: '3', content: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'app-cm', namespace: 'default', uid: 'cm-1', resourceVersion: '3' } } }));
    kit.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/secret/app-secret', rv: '4', content: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'app-secret', namespace: 'default', uid: 's-1', resourceVersion: '4' } } }));
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/app', rv: '5', content: podObject('app', 'uid-app', '5', { spec: WITH_REFS }) }));
    expect(queries(kit)).toEqual(['default/serviceaccounttoken/default']);
    reply(kit, kit.cloud.last('query'), { kind: 'TokenRequest' });
    expect(queries(kit)).toEqual(['default/serviceaccounttoken/default', 'default/configmap/kube-root-ca.crt']);
    reply(kit, kit.cloud.last('query'), { kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default', uid: 'ca-1' } }, '9');
    expect(queries(kit)).toHaveLength(2);
    kit.advance(10);
    expect(podPatches(kit).at(-1)).toContain('"phase":"Running"');
  });

  it('a failed query leaves the pod not running (the rest are still fetched) and is counted', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/app', rv: '5', content: podObject('app', 'uid-app', '5', { spec: WITH_REFS }) }));
    reply(kit, kit.cloud.last('query'), { ErrStatus: { status: 'Failure', reason: 'NotFound', code: 404 } });
    expect(kit.counters.errorReplies).toBe(1);
    for (let i = 0; i < 3; i++) reply(kit, kit.cloud.last('query'), { kind: 'Object', metadata: { name: 'x', namespace: 'default' } }, '1');
    expect(queries(kit)).toHaveLength(4);
    kit.advance(1_000);
    expect(podPatches(kit)).toHaveLength(1);
    expect(kit.counters.podsRunning).toBe(0);
  });

  it('deletion in the traced order: ACK, terminated podpatch, delete only after the patch reply, no ACK of the "OK", ACK of the downstream delete', async () => {
    kit = new NodeKit({ answerPodPatches: false });
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'uid-web', '10') }));
    kit.advance(10);
    expect(kit.counters.podsRunning).toBe(1);
    // one status patch per pod in flight: Running goes out once the Pending patch is answered
    expect(kit.cloud.frames('patch', 'podpatch')).toHaveLength(1);
    reply(kit, kit.cloud.last('patch', 'podpatch'), { Object: podObject('web', 'uid-web', '11'), Err: null }, '11');
    expect(kit.cloud.frames('patch', 'podpatch')).toHaveLength(2);
    expect(kit.cloud.last('patch', 'podpatch').message.content as string).toContain('"phase":"Running"');
    reply(kit, kit.cloud.last('patch', 'podpatch'), { Object: podObject('web', 'uid-web', '12'), Err: null }, '12');
    const marked = cloudFrame({ msgId: 'abababab-0000-4000-8000-000000000001', operation: 'update', resource: 'default/pod/web', rv: '20', content: podObject('web', 'uid-web', '20', { deletionTimestamp: '2026-11-25T12:01:00Z' }) });
    const mark = kit.cloud.sent.length;
    kit.cloud.link.deliver(marked);
    const sent = kit.cloud.sent.slice(mark);
    expect(sent.map((f) => `${f.message.route.operation} ${f.message.route.resource}`)).toEqual(['response default/pod/web', 'patch default/podpatch/web']);
    expect(sent[0]!.message.header.parent_msg_id).toBe('abababab-0000-4000-8000-000000000001');
    expect(sent[1]!.message.content as string).toContain('"terminated"');
    expect(kit.cloud.frames('delete')).toHaveLength(0);
    kit.advance(5_000);
    expect(kit.cloud.frames('delete')).toHaveLength(0);

    // the echo of the patch, then its reply: the delete follows the reply
    kit.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/web', rv: '21', content: podObject('web', 'uid-web', '21', { deletionTimestamp: '2026-11-25T12:01:00Z' }) }));
    expect(kit.cloud.frames('delete')).toHaveLength(0);
    reply(kit, sent[1]!, { Object: podObject('web', 'uid-web', '21'), Err: null }, '21');
    const del = kit.cloud.last('delete');
    expect(del.message.route).toEqual({ source: 'edged', group: 'meta', operation: 'delete', resource: 'default/pod/web' });
    expect(del.text).toContain('"content":{"gracePeriodSeconds":0,"preconditions":{"uid":"uid-web"}}}');

    const before = kit.cloud.sent.length;
    kit.cloud.link.deliver(cloudFrame({ parentId: del.message.header.msg_id, operation: 'response', resource: 'default/pod/web', content: 'OK' }));
    expect(kit.cloud.sent.length).toBe(before);
    kit.cloud.link.deliver(cloudFrame({ msgId: 'abababab-0000-4000-8000-000000000002', operation: 'delete', resource: 'default/pod/web', rv: '22', content: podObject('web', 'uid-web', '22') }));
    expect(kit.cloud.acksOf('abababab-0000-4000-8000-000000000002')).toHaveLength(1);
    expect(kit.counters.podsDeleted).toBe(1);
    // gone: an update now would be a new create
    kit.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/web', rv: '30', content: podObject('web', 'uid-web-2', '30') }));
    expect(kit.counters.podsCreated).toBe(2);
  });

  describe('kill delay (--pod-kill-delay)', () => {
    /** A Running pod `web` whose Pending and Running patches were answered. */
    async function runningPod(k: NodeKit): Promise<void> {
      await k.boot(k.node());
      k.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '10', content: podObject('web', 'uid-web', '10') }));
      k.advance(10);
      for (const rv of ['11', '12']) reply(k, k.cloud.last('patch', 'podpatch'), { Object: podObject('web', 'uid-web', rv), Err: null }, rv);
      expect(k.counters.podsRunning).toBe(1);
    }
    const markDeleted = (k: NodeKit): void =>
      k.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/web', rv: '20', content: podObject('web', 'uid-web', '20', { deletionTimestamp: '2026-11-25T12:01:00Z' }) }));

    it('the terminated patch goes at once; the delete waits for the delay from the deletionTimestamp, not for the reply alone', async () => {
      kit = new NodeKit({ podKillDelayMs: 391, answerPodPatches: false });
      await runningPod(kit);
      const markedAt = kit.wallNow();
      markDeleted(kit);
      const patch = kit.cloud.last('patch', 'podpatch');
      expect(patch.message.content as string).toContain('"terminated"');
      expect(patch.at).toBe(markedAt);
      // the reply comes quickly, as cloudcore's did (12 ms in the trace): the delete still waits
      kit.advance(12);
      reply(kit, patch, { Object: podObject('web', 'uid-web', '21'), Err: null }, '21');
      kit.advance(378);
      expect(kit.cloud.frames('delete')).toHaveLength(0);
      // the shard's wheel fires at the first 10 ms tick at or after the due time
      kit.advance(10);
      const del = kit.cloud.last('delete');
      expect(del.message.route.resource).toBe('default/pod/web');
      expect(del.at - markedAt).toBeGreaterThanOrEqual(391);
      expect(del.at - markedAt).toBeLessThan(401);
    });

    it('a reply later than the delay releases the delete at once', async () => {
      kit = new NodeKit({ podKillDelayMs: 391, answerPodPatches: false });
      await runningPod(kit);
      markDeleted(kit);
      const patch = kit.cloud.last('patch', 'podpatch');
      kit.advance(2_000);
      expect(kit.cloud.frames('delete')).toHaveLength(0);
      const repliedAt = kit.wallNow();
      reply(kit, patch, { Object: podObject('web', 'uid-web', '21'), Err: null }, '21');
      expect(kit.cloud.last('delete').at).toBe(repliedAt);
    });

    it('a pod deleted by the cloud during the delay sends no delete of its own', async () => {
      kit = new NodeKit({ podKillDelayMs: 391 });
      await runningPod(kit);
      markDeleted(kit);
      kit.advance(100);
      kit.cloud.link.deliver(cloudFrame({ operation: 'delete', resource: 'default/pod/web', rv: '22', content: podObject('web', 'uid-web', '22') }));
      kit.advance(1_000);
      expect(kit.cloud.frames('delete')).toHaveLength(0);
      expect(kit.counters.podsDeleted).toBe(1);
    });
  });

  it('a pod deleted while still fetching stops its queries', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/app', rv: '5', content: podObject('app', 'uid-app', '5', { spec: WITH_REFS }) }));
    const first = kit.cloud.last('query');
    kit.cloud.link.deliver(cloudFrame({ operation: 'delete', resource: 'default/pod/app', rv: '6', content: podObject('app', 'uid-app', '6') }));
    reply(kit, first, { kind: 'ConfigMap', metadata: { name: 'app-cm', namespace: 'default' } }, '1');
    expect(queries(kit)).toHaveLength(1);
    kit.advance(1_000);
    expect(podPatches(kit)).toHaveLength(1);
  });

  it('the same name with a new uid replaces the old pod', async () => {
    kit = new NodeKit();
    await kit.boot(kit.node());
    kit.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '1', content: podObject('web', 'uid-1', '1') }));
    kit.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/web', rv: '9', content: podObject('web', 'uid-2', '9') }));
    expect(kit.counters.podsCreated).toBe(2);
    const uids = podPatches(kit).map((c) => (JSON.parse(c) as { metadata: { uid: string } }).metadata.uid);
    expect(uids).toEqual(['uid-1', 'uid-2']);
  });
});
