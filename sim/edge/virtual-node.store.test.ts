/**
 * A VirtualNode's meta store, as edgecore's metamanager keeps its SQLite `meta` table: what it
 * received is stored, deletes remove it, and a node restored from the store (a restarted shard)
 * knows its pods and its Node uid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MetaStore } from './meta-store.js';
import { cloudFrame, flushPromises, NodeKit, podObject } from './virtual-node.test-kit.js';

let dir: string;
let store: MetaStore;
const kits: NodeKit[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vn-store-'));
  store = MetaStore.open(join(dir, 'meta.db'));
});

afterEach(() => {
  for (const k of kits.splice(0)) k.dispose();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function newKit(): NodeKit {
  const k = new NodeKit({ store });
  kits.push(k);
  return k;
}

const NODE_UID = '98ba3f73-95b5-4663-93a0-9a16b3231727';

describe('VirtualNode meta store', () => {
  it('stores pods, configmaps, secrets and its Node as received; query replies too; deletes remove', async () => {
    const kit = newKit();
    const node = kit.node('vn-store', 3);
    await kit.boot(node, NODE_UID);
    const link = kit.cloud.link;
    link.deliver(cloudFrame({ operation: 'update', resource: 'null/node/vn-store', rv: '1968', content: { kind: 'Node', apiVersion: 'v1', metadata: { name: 'vn-store', uid: NODE_UID, resourceVersion: '1968' } } }));
    link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '2051', content: podObject('web', 'uid-web', '2051') }));
    link.deliver(cloudFrame({ operation: 'update', resource: 'default/configmap/cfg', rv: '2082', content: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', namespace: 'default', uid: 'uid-cfg', resourceVersion: '2082' }, data: { a: '1' } } }));
    link.deliver(cloudFrame({ operation: 'update', resource: 'default/secret/pw', rv: '2045', content: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'pw', namespace: 'default', uid: 'uid-pw', resourceVersion: '2045' } } }));

    const nodeRec = store.get('vn-store', 'null/node/vn-store');
    expect(nodeRec).toMatchObject({ type: 'node', name: 'vn-store', uid: NODE_UID, resourceVersion: '1968' });
    const pod = store.get('vn-store', 'default/pod/web');
    expect(pod).toMatchObject({ type: 'pod', namespace: 'default', name: 'web', uid: 'uid-web', resourceVersion: '2051' });
    expect(JSON.parse(pod!.body)).toMatchObject({ kind: 'Pod', metadata: { name: 'web' } });
    expect(store.get('vn-store', 'default/configmap/cfg')).toMatchObject({ type: 'configmap', uid: 'uid-cfg', resourceVersion: '2082' });
    expect(JSON.parse(store.get('vn-store', 'default/configmap/cfg')!.body)).toMatchObject({ data: { a: '1' } });
    expect(store.get('vn-store', 'default/secret/pw')).toMatchObject({ type: 'secret', resourceVersion: '2045' });

    // a configmap fetched by a query reply is stored under the queried key
    link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/uses', rv: '3000', content: podObject('uses', 'uid-uses', '3000', { spec: { volumes: [{ name: 'v', configMap: { name: 'fetched' } }], containers: [{ name: 'c', image: 'i' }] } }) }));
    const q = kit.cloud.last('query');
    expect(q.message.route.resource).toBe('default/configmap/fetched');
    link.deliver(cloudFrame({ parentId: q.message.header.msg_id, operation: 'response', resource: 'default/configmap/fetched', rv: '44', content: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'fetched', namespace: 'default', uid: 'uid-f', resourceVersion: '44' } } }));
    expect(store.get('vn-store', 'default/configmap/fetched')).toMatchObject({ uid: 'uid-f', resourceVersion: '44' });

    link.deliver(cloudFrame({ operation: 'delete', resource: 'default/configmap/cfg', rv: '2125', content: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg', namespace: 'default', uid: 'uid-cfg' } } }));
    link.deliver(cloudFrame({ operation: 'delete', resource: 'default/pod/web', rv: '2108', content: podObject('web', 'uid-web', '2108') }));
    expect(store.get('vn-store', 'default/configmap/cfg')).toBeUndefined();
    expect(store.get('vn-store', 'default/pod/web')).toBeUndefined();
    store.flush();
    expect(store.loadNode('vn-store').map((r) => r.key)).toEqual(['default/configmap/fetched', 'default/pod/uses', 'default/secret/pw', 'null/node/vn-store']);
  });

  it('a node restored from the store knows its pods: an update for one is not a create', async () => {
    const first = newKit();
    const a = first.node('vn-store', 3);
    await first.boot(a, NODE_UID);
    first.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'null/node/vn-store', rv: '1968', content: { kind: 'Node', apiVersion: 'v1', metadata: { name: 'vn-store', uid: NODE_UID } } }));
    first.cloud.link.deliver(cloudFrame({ operation: 'insert', resource: 'default/pod/web', rv: '2051', content: podObject('web', 'uid-web', '2051') }));
    first.advance(10);
    a.stop(false);
    store.flush();
    first.dispose();
    kits.splice(0);

    const second = newKit();
    const b = second.node('vn-store', 3);
    b.restore(store.loadNode('vn-store'));
    expect(b.podCount).toBe(1);
    await second.start(b);
    second.advance(10);
    // the register is answered AlreadyExists without an object, as for a node that exists
    const register = second.cloud.last('insert', 'node');
    second.cloud.link.deliver(cloudFrame({ parentId: register.message.header.msg_id, operation: 'response', resource: 'null/node/vn-store', content: { Object: null, Err: { ErrStatus: { status: 'Failure', reason: 'AlreadyExists', code: 409 } } } }));
    expect(b.isRegistered).toBe(true);

    second.cloud.link.deliver(cloudFrame({ operation: 'update', resource: 'default/pod/web', rv: '2063', content: podObject('web', 'uid-web', '2063') }));
    expect(second.counters.podsCreated).toBe(0);
    expect(second.cloud.frames('patch', 'podpatch')).toHaveLength(0);
    expect(store.get('vn-store', 'default/pod/web')?.resourceVersion).toBe('2063');

    // … and its Node uid: the lease it creates is owned by the stored Node
    second.advance(10_000);
    const query = second.cloud.last('query', 'lease');
    second.cloud.link.deliver(cloudFrame({ parentId: query.message.header.msg_id, operation: 'response', resource: query.message.route.resource ?? '', content: { Object: null, Err: { ErrStatus: { reason: 'NotFound', code: 404 } } } }));
    const insert = second.cloud.last('insert', 'lease');
    expect(insert.message.content).toMatchObject({ metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'vn-store', uid: NODE_UID }] } });
    await flushPromises();
  });

  it('restore() skips pods whose stored body does not parse', () => {
    const kit = newKit();
    const n = kit.node('vn-x', 1);
    n.restore([
      { key: 'default/pod/a', type: 'pod', namespace: 'default', name: 'a', uid: 'ua', resourceVersion: '1', body: '{not json', updatedAt: 0 },
      { key: 'null/node/vn-other', type: 'node', namespace: 'null', name: 'vn-other', uid: 'other-uid', resourceVersion: '1', body: '{}', updatedAt: 0 },
      { key: 'default/pod/b', type: 'pod', namespace: 'default', name: 'b', uid: 'ub', resourceVersion: '2', body: JSON.stringify(podObject('b', 'ub', '2')), updatedAt: 0 },
    ]);
    expect(n.podCount).toBe(1);
  });
});
