/**
 * Conformance of the virtual edgecore against the real cloudcore v1.23.1 (local control plane:
 * real etcd, kube-apiserver, kube-controller-manager and cloudcore). One control plane for the
 * whole file; the cases run in order and share the node `conf-00001`, as one edge's life would:
 * bootstrap, Ready, pods, ObjectSyncs, ConfigMap pushes, a restart while objects change, and a
 * second connection under the same node_id. Skips visibly when no real control plane can be had.
 */
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeGet } from '../../sim/cloud/local/readiness.js';
import { CertCache } from '../../sim/edge/bootstrap/cert-cache.js';
import { MetaStore } from '../../sim/edge/meta-store.js';
import { EdgeShard, firstNodeName, shardConfig, type EdgeShardOptions } from './support/edge-shard.js';
import { Kube, boundPod, readyCondition } from './support/kube.js';
import { START_TIMEOUT_MS, skipReason, startRealCloud, type RealCloud } from './support/real-control-plane.js';
import { done, holdsFor, notYet, waitFor } from './support/wait-for.js';

if (skipReason) console.warn(`[conformance e2e] SKIPPED: ${skipReason}`);

const NS = 'default';
const MAIN: EdgeShardOptions = { dir: 'main', namePrefix: 'conf', firstNode: 1 };
const NODE = firstNodeName(MAIN);
const DUP_A: EdgeShardOptions = { dir: 'dup-a', namePrefix: 'dup', firstNode: 1 };
const DUP_B: EdgeShardOptions = { dir: 'dup-b', namePrefix: 'dup', firstNode: 1 };
const DUP = firstNodeName(DUP_A);
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 86_400_000;

describe.skipIf(skipReason !== '')(
  skipReason ? `conformance vs real cloudcore (skipped: ${skipReason})` : 'conformance vs real cloudcore v1.23.1',
  () => {
    let cloud: RealCloud;
    let kube: Kube;
    let main: EdgeShard | undefined;
    const others: EdgeShard[] = [];
    let p1Uid = '';
    let cmUid = '';
    let cmRv = '';

    beforeAll(async () => {
      // nodeLimit 4: two nodes are connected at most (plus a takeover attempt), so no case meets the limit.
      cloud = await startRealCloud('conformance', 4);
      kube = new Kube(cloud.cp.kubeconfigPath);
      await waitFor('ServiceAccount default/default (KCM)', async () => ((await kube.hasServiceAccount(NS)) ? done(true) : notYet('absent')), {
        timeoutMs: 30_000,
      });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      for (const s of [main, ...others]) await s?.stop(false).catch(() => undefined);
      await cloud?.stop();
    }, 60_000);

    const mainShard = (): EdgeShard => {
      if (!main) throw new Error('the main node is not running (an earlier case failed)');
      return main;
    };

    it('1. enrolls per node over :10002 with the real join token: CN system:node:<name>, O system:nodes', async () => {
      main = await EdgeShard.start(cloud, MAIN);
      const edge = main;
      await waitFor('the node to register', () => (edge.node.isRegistered ? done(true) : notYet({ state: edge.node.state, warnings: edge.warnings() })), {
        timeoutMs: 30_000,
      });
      expect(edge.counters.bootstrapSeconds.count).toBe(1);

      // The certificate the node presented, as the enroller stored it after /edge.crt.
      const cache = CertCache.open(shardConfig(cloud, MAIN).certCacheDir, cloud.cp.caHash);
      const stored = cache.get(NODE, { expectedCommonName: `system:node:${NODE}` });
      cache.close();
      expect(stored).toBeDefined();
      const cert = new X509Certificate(stored?.certPem ?? '');
      // cloudcore copies CN and O from the CSR and drops the C/ST/L edgecore puts there.
      expect(cert.subject.split('\n').sort()).toEqual([`CN=system:node:${NODE}`, 'O=system:nodes']);
      expect(cert.keyUsage).toEqual([CLIENT_AUTH_EKU]);
      const validity = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
      expect(Math.round(validity / DAY_MS)).toBe(365);

      const caRes = await probeGet(`${cloud.cp.certsUrl}/ca.crt`);
      const ca = new X509Certificate(caRes.body);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cloud.cp.token.split('.')[0]).toBe(cloud.cp.caHash);
    });

    it('2. the node is Ready in the API with the edge/agent role labels and kubeletVersion v1.32.10-kubeedge-v1.23.1', async () => {
      const node = await waitFor(
        `Node ${NODE} Ready=True`,
        async () => {
          const n = await kube.node(NODE);
          return readyCondition(n) === 'True' ? done(n) : notYet(n?.status?.conditions ?? 'no Node');
        },
        { timeoutMs: 20_000 },
      );
      const labels = node?.metadata?.labels ?? {};
      expect(labels['node-role.kubernetes.io/edge']).toBe('');
      expect(labels['node-role.kubernetes.io/agent']).toBe('');
      // cloudcore strips kubernetes.io labels on create and merge-patches them back.
      expect(labels['kubernetes.io/hostname']).toBe(NODE);
      expect(node?.status?.nodeInfo?.kubeletVersion).toBe('v1.32.10-kubeedge-v1.23.1');
      expect(node?.metadata?.annotations?.cloudcore).toBeTruthy();
      // The 1.23 Node echo (`update null/node/<n>`, ACK required) reached the node and was ACKed.
      await waitFor('the Node echo', () => (mainShard().received('update', 'node') > 0 ? done(true) : notYet(mainShard().counters.received)), {
        timeoutMs: 10_000,
      });
      expect(mainShard().counters.acksSent).toBeGreaterThan(0);
    });

    it('3. a pod bound with spec.nodeName (+ toleration) becomes Running in the API', async () => {
      const created = await kube.createPod(boundPod('p1', NODE));
      p1Uid = created.metadata?.uid ?? '';
      let runningNotReady = 0;
      const pod = await waitFor(
        'pod p1 Running and Ready',
        async () => {
          const p = await kube.pod(NS, 'p1');
          const ready = p?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
          if (p?.status?.phase === 'Running' && ready === 'True') return done(p);
          if (p?.status?.phase === 'Running') runningNotReady += 1;
          return notYet({ phase: p?.status?.phase, ready, edge: mainShard().counters.received });
        },
        { timeoutMs: 20_000 },
      );
      // Known race (test/e2e/README.md): the pending and Running podpatches both in flight can be
      // applied out of order by cloudcore's parallel patch workers. Eventually Ready is what counts.
      if (runningNotReady > 0) console.warn(`[conformance e2e] p1 was seen Running with Ready!=True ${runningNotReady}× before Ready`);
      expect(pod?.status?.containerStatuses?.[0]?.ready).toBe(true);
      // shard events arrive in 250 ms batches: the receipt may still be on its way when the API shows Running
      await waitFor('the edge receipt of p1', () => (mainShard().objects({ type: 'pod', uid: p1Uid }).length > 0 ? done(true) : notYet('none yet')), { timeoutMs: 5_000 });
      // A pod with the default service-account volume makes the node fetch the token and kube-root-ca.crt.
      expect(mainShard().sent('query', 'serviceaccounttoken')).toBeGreaterThanOrEqual(1);
      expect(mainShard().sent('query', 'configmap')).toBeGreaterThanOrEqual(1);
    });

    // Case 5 runs before 4: the pod's ObjectSync is checked while the pod exists, then 4 deletes it.
    it('5. an ObjectSync <node>.<uid> (reliablesyncs.kubeedge.io/v1alpha1) tracks the delivered pod at its current RV', async () => {
      const sync = await waitFor(
        `ObjectSync ${NODE}.${p1Uid} at the pod's resourceVersion`,
        async () => {
          const [s, p] = await Promise.all([kube.objectSync(NS, NODE, p1Uid), kube.pod(NS, 'p1')]);
          const rv = p?.metadata?.resourceVersion;
          return s && rv && s.objectResourceVersion === rv ? done(s) : notYet({ sync: s, podRv: rv });
        },
        { timeoutMs: 20_000 },
      );
      expect(sync.name).toBe(`${NODE}.${p1Uid}`);
      expect(sync.namespace).toBe(NS);
      expect(sync.objectKind).toBe('Pod');
      expect(sync.objectName).toBe('p1');
      expect(sync.objectAPIVersion).toBe('v1');
    });

    it('4. deleting the pod with a grace period completes through the edge: delete → pod gone from the API', async () => {
      const before = mainShard().sent('delete', 'pod');
      await kube.deletePod(NS, 'p1', 30);
      // Without the edge's own delete (gracePeriodSeconds 0 + uid precondition) the pod would stay 30 s.
      await waitFor('pod p1 gone', async () => ((await kube.pod(NS, 'p1')) === undefined ? done(true) : notYet('still present')), {
        timeoutMs: 20_000,
      });
      expect(mainShard().sent('delete', 'pod')).toBe(before + 1);
      await waitFor(
        'the cloud delete reaching the node and the ObjectSync removed',
        async () => {
          const gotDelete = mainShard().objects({ type: 'pod', operation: 'delete', uid: p1Uid }).length > 0;
          const sync = await kube.objectSync(NS, NODE, p1Uid);
          return gotDelete && sync === undefined ? done(true) : notYet({ gotDelete, sync });
        },
        { timeoutMs: 15_000 },
      );
      expect(mainShard().node.podCount).toBe(0);
    });

    it('6. a ConfigMap a pod references is queried by the node, then updates to it are pushed down', async () => {
      const cm = await kube.createConfigMap(NS, 'conf-cm', { k: 'v1' });
      cmUid = cm.metadata?.uid ?? '';
      const queriesBefore = mainShard().sent('query', 'configmap');
      const repliesBefore = mainShard().received('response', 'configmap');
      await kube.createPod(boundPod('p2', NODE, { configMap: 'conf-cm' }));
      await waitFor(
        'pod p2 Running',
        async () => {
          const p = await kube.pod(NS, 'p2');
          return p?.status?.phase === 'Running' ? done(true) : notYet(p?.status?.phase ?? 'absent');
        },
        { timeoutMs: 20_000 },
      );
      // conf-cm is new to the node, so it must have been fetched (kube-root-ca.crt may come from its store).
      expect(mainShard().sent('query', 'configmap') - queriesBefore).toBeGreaterThanOrEqual(1);
      expect(mainShard().received('response', 'configmap') - repliesBefore).toBeGreaterThanOrEqual(1);
      // ACKing the query reply is what makes the cloud track (and later push) the ConfigMap.
      await waitFor('ObjectSync for conf-cm', async () => ((await kube.objectSync(NS, NODE, cmUid)) ? done(true) : notYet('absent')), {
        timeoutMs: 15_000,
      });
      expect(mainShard().objects({ type: 'configmap', uid: cmUid })).toEqual([]);

      const updated = await kube.updateConfigMap(NS, 'conf-cm', { k: 'v2' });
      cmRv = updated.metadata?.resourceVersion ?? '';
      const pushed = await waitFor(
        'the ConfigMap update pushed to the node',
        () => {
          const got = mainShard().objects({ type: 'configmap', uid: cmUid });
          return got.some((e) => e.resourceVersion === cmRv) ? done(got) : notYet(got);
        },
        { timeoutMs: 15_000 },
      );
      expect(pushed.map((e) => e.operation)).toContain('update');
      await waitFor(
        'ObjectSync for conf-cm at the new RV',
        async () => {
          const s = await kube.objectSync(NS, NODE, cmUid);
          return s?.objectResourceVersion === cmRv ? done(true) : notYet(s ?? 'absent');
        },
        { timeoutMs: 10_000 },
      );
    });

    it('7. objects changed while the node was disconnected are delivered after it reconnects', async () => {
      const first = mainShard();
      const connectedBefore = await cloud.connectedNodes();
      await first.stop(true);
      main = undefined;
      await waitFor(
        'cloudcore to drop the session',
        async () => {
          const n = await cloud.connectedNodes();
          return n === connectedBefore - 1 ? done(n) : notYet(n);
        },
        { timeoutMs: 15_000 },
      );
      // The node's meta store kept the pushed ConfigMap (what a restarted edgecore reads back).
      const store = MetaStore.open(join(shardConfig(cloud, MAIN).dataDir, 'meta-0.db'));
      const kept = store.get(NODE, `${NS}/configmap/conf-cm`);
      store.close();
      expect(kept?.resourceVersion).toBe(cmRv);
      expect(kept?.body).toContain('"k":"v2"');

      const cm = await kube.updateConfigMap(NS, 'conf-cm', { k: 'v3' });
      const offlineRv = cm.metadata?.resourceVersion ?? '';
      const p3 = await kube.createPod(boundPod('p3', NODE));
      const p3Uid = p3.metadata?.uid ?? '';

      main = await EdgeShard.start(cloud, MAIN);
      const edge = main;
      await waitFor(
        'the ConfigMap change and the new pod delivered after the reconnect',
        () => {
          const cmGot = edge.objects({ type: 'configmap', uid: cmUid }).some((e) => e.resourceVersion === offlineRv);
          const podGot = edge.objects({ type: 'pod', uid: p3Uid }).length > 0;
          return cmGot && podGot ? done(true) : notYet({ cmGot, podGot, state: edge.node.state, received: edge.counters.received });
        },
        { timeoutMs: 30_000 },
      );
      await waitFor(
        'pod p3 Running',
        async () => {
          const p = await kube.pod(NS, 'p3');
          return p?.status?.phase === 'Running' ? done(true) : notYet(p?.status?.phase ?? 'absent');
        },
        { timeoutMs: 20_000 },
      );
      // As in the offline-pod trace: a pod created while the node was away arrives as `update`, not `insert`.
      expect(edge.objects({ type: 'pod', uid: p3Uid })[0]?.operation).toBe('update');
      // p2 came back from the meta store, so only p3 is new to the restarted node.
      expect(edge.counters.podsCreated).toBe(1);
      expect(edge.node.podCount).toBe(2);
    });

    it('8. a second connection with the same node_id takes over: cloudcore closes the first socket', async () => {
      const a = await EdgeShard.start(cloud, DUP_A);
      others.push(a);
      await waitFor('the first connection to register', () => (a.node.isRegistered ? done(true) : notYet(a.node.state)), { timeoutMs: 30_000 });
      await waitFor('the first connection to get its Node echo', () => (a.received('update', 'node') > 0 ? done(true) : notYet(a.counters.received)), {
        timeoutMs: 10_000,
      });
      expect(a.counters.disconnects).toBe(0);

      const b = await EdgeShard.start(cloud, DUP_B);
      others.push(b);
      await waitFor(
        'cloudcore to close the first socket',
        () => (a.counters.disconnects === 1 && !a.node.isConnected ? done(true) : notYet({ disconnects: a.counters.disconnects, connected: a.node.isConnected })),
        { timeoutMs: 15_000 },
      );
      // The Node already exists, so the register reply carries AlreadyExists (no uid) and no Node
      // echo follows; being served means replies and, within one lease period, a Lease it holds.
      await waitFor('the second connection to be answered', () => (b.node.isRegistered && b.received('response', 'node') > 0 ? done(true) : notYet(b.counters.received)), {
        timeoutMs: 15_000,
      });
      const lease = await waitFor(
        `Lease kube-node-lease/${DUP} created by the second connection`,
        async () => {
          const l = await kube.lease(DUP);
          return l ? done(l) : notYet({ received: b.counters.received, errors: b.counters.errorReplies });
        },
        { timeoutMs: 20_000 },
      );
      expect(lease.spec?.holderIdentity).toBe(DUP);
      expect(b.counters.errorReplies).toBe(0);
      expect(cloud.cloudcoreLog(new RegExp(`session exists for ${DUP}, close old session`)).length).toBe(1);
      await holdsFor('the second connection staying open', () => (b.node.isConnected ? undefined : 'closed'), 2_000);
      expect(b.counters.disconnects).toBe(0);
      // The takeover replaced a session rather than adding one: main + dup.
      expect(await cloud.connectedNodes()).toBe(2);
    });
  },
);
