import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, node, pod, type Obj } from './fake-apiserver.test-kit.js';
import type { WorkloadEvent } from './workload-events.js';
import { WorkloadDriver } from './workload-driver.js';

async function eventually(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const meta = (o: Obj): Obj => (o.metadata ?? {}) as Obj;

describe('WorkloadDriver against a scripted API server', () => {
  let api: FakeApiServer;
  let driver: WorkloadDriver;
  const events: WorkloadEvent[] = [];

  beforeEach(async () => {
    api = new FakeApiServer();
    await api.start();
    events.length = 0;
    driver = await WorkloadDriver.open({ kubeconfigPath: api.kubeconfigPath, callTimeoutMs: 1500, watchTimeoutSeconds: 60 });
    driver.on((e) => events.push(e));
    await eventually('both watches', () => api.watchCount('pods') === 1 && api.watchCount('nodes') === 1);
  });
  afterEach(async () => {
    await driver.stop();
    await api.stop();
  });

  it('watches edge nodes by label and reports Ready transitions, first and again', async () => {
    expect(api.requests.find((r) => r.path === '/api/v1/nodes' && r.query.watch === 'true')?.query.labelSelector).toBe('node-role.kubernetes.io/edge');
    api.push('nodes', 'ADDED', node('e1', 'False'));
    api.push('nodes', 'MODIFIED', node('e1', 'True'));
    api.push('nodes', 'MODIFIED', node('e1', 'True')); // a status heartbeat: no new event
    api.push('nodes', 'MODIFIED', node('e1', 'Unknown'));
    api.push('nodes', 'MODIFIED', node('e1', 'True'));
    await eventually('three transitions', () => events.length === 3);
    expect(events.map((e) => (e.kind === 'node-ready-observed' ? `ready first=${e.first}` : e.kind === 'node-notready-observed' ? `notready ${e.status}` : e.kind))).toEqual([
      'ready first=true',
      'notready Unknown',
      'ready first=false',
    ]);
    expect(driver.readyNodeCount).toBe(1);
    api.push('nodes', 'DELETED', node('e1', 'True'));
    await eventually('the deletion', () => driver.readyNodeCount === 0);
    expect(events.at(-1)).toMatchObject({ kind: 'node-notready-observed', name: 'e1', status: 'deleted' });
  });

  it('creates the ConfigMap and Secret first, then pods bound by nodeName, and times startup from before the POST', async () => {
    await driver.ensureNamespace('ns');
    const before = Date.now();
    const r = await driver.createPods({ nodes: ['e1', 'e2'], podsPerNode: 1, ratePerSecond: 50, concurrency: 4, namespace: 'ns', withConfigMap: true, withSecret: true });
    expect(r.errors).toEqual([]);
    expect(r.created).toBe(2);
    const posts = api.requests.filter((q) => q.method === 'POST').map((q) => `${q.path} ${String(meta(q.body!).name)}`);
    expect(posts).toEqual([
      '/api/v1/namespaces/ns/configmaps twl-cm-e1',
      '/api/v1/namespaces/ns/configmaps twl-cm-e2',
      '/api/v1/namespaces/ns/secrets twl-secret-e1',
      '/api/v1/namespaces/ns/secrets twl-secret-e2',
      '/api/v1/namespaces/ns/pods twl-e1-0',
      '/api/v1/namespaces/ns/pods twl-e2-0',
    ]);
    const podBody = api.requests.find((q) => q.path.endsWith('/pods') && q.method === 'POST')!.body!;
    expect(podBody).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'twl-e1-0', namespace: 'ns', labels: { 'app.kubernetes.io/managed-by': 'twinlab' } },
      spec: {
        nodeName: 'e1',
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: 'pause',
            image: 'registry.k8s.io/pause:3.10',
            env: [{ name: 'TWINLAB_SECRET', valueFrom: { secretKeyRef: { name: 'twl-secret-e1', key: 'token' } } }],
            volumeMounts: [{ name: 'config', mountPath: '/etc/twinlab' }],
          },
        ],
        volumes: [{ name: 'config', configMap: { name: 'twl-cm-e1' } }],
      },
    });

    const created = events.filter((e): e is Extract<WorkloadEvent, { kind: 'pod-created' }> => e.kind === 'pod-created');
    expect(created.map((e) => [e.name, e.node])).toEqual([
      ['twl-e1-0', 'e1'],
      ['twl-e2-0', 'e2'],
    ]);
    expect(created[0]!.createdAtMs).toBeGreaterThanOrEqual(before);
    expect(created[0]!.resourceVersion).not.toBe('');

    await new Promise((res) => setTimeout(res, 120));
    const stored = api.objects.pods.get(created[0]!.uid)!;
    api.push('pods', 'MODIFIED', { ...stored, status: { phase: 'Running' } });
    await eventually('Running observed', () => driver.runningPodCount === 1);
    const running = events.find((e) => e.kind === 'pod-running-observed');
    expect(running).toMatchObject({ uid: created[0]!.uid, name: 'twl-e1-0', node: 'e1' });
    const s = driver.report().podStartup;
    expect(s.count).toBe(1);
    expect(s.p50Ms).toBe((running as { atMs: number }).atMs - created[0]!.createdAtMs);
    expect(s.p50Ms).toBeGreaterThanOrEqual(100);
  });

  it('counts startup when the watch sees Running before the POST is answered', async () => {
    api.beforePodCreated = async (p) => {
      api.push('pods', 'ADDED', { ...p, status: { phase: 'Running' } });
      await eventually('the early Running', () => events.some((e) => e.kind === 'pod-running-observed'));
    };
    await driver.createPods({ nodes: ['e1'], podsPerNode: 1, ratePerSecond: 10, concurrency: 1, namespace: 'ns', withConfigMap: false, withSecret: false });
    expect(events.map((e) => e.kind)).toEqual(['pod-running-observed', 'pod-created']);
    expect(driver.runningPodCount).toBe(1);
    expect(driver.report().podStartup.count).toBe(1);
  });

  it('bumps ConfigMap revisions with a PUT and reports uid and resourceVersion', async () => {
    await driver.createPods({ nodes: ['e1'], podsPerNode: 0, ratePerSecond: 10, concurrency: 1, namespace: 'ns', withConfigMap: true, withSecret: false });
    const r = await driver.updateConfigMaps({ namespace: 'ns', ratePerSecond: 10, concurrency: 1 });
    expect(r.errors).toEqual([]);
    const put = api.requests.find((q) => q.method === 'PUT')!;
    expect(put.path).toBe('/api/v1/namespaces/ns/configmaps/twl-cm-e1');
    expect((put.body!.data as Obj).revision).toBe('2');
    expect(r.updates).toHaveLength(1);
    expect(r.updates[0]).toMatchObject({ name: 'twl-cm-e1', node: 'e1', resourceVersion: api.resourceVersion });
    expect(events.at(-1)).toMatchObject({ kind: 'configmap-updated', name: 'twl-cm-e1', uid: r.updates[0]!.uid });
  });

  it('deletes with the grace period and times deletion until the watch sees the pod gone', async () => {
    await driver.createPods({ nodes: ['e1'], podsPerNode: 1, ratePerSecond: 10, concurrency: 1, namespace: 'ns', withConfigMap: false, withSecret: false });
    const r = await driver.deletePods({ namespace: 'ns', gracePeriodSeconds: 30, ratePerSecond: 10, concurrency: 1 });
    expect(r.errors).toEqual([]);
    const del = api.requests.find((q) => q.method === 'DELETE')!;
    expect(del.path).toBe('/api/v1/namespaces/ns/pods/twl-e1-0');
    expect(del.query.gracePeriodSeconds).toBe('30');
    const uid = [...api.objects.pods.keys()][0]!;
    api.push('pods', 'DELETED', pod(uid, 'twl-e1-0', 'e1', 'Running'));
    await eventually('the deletion', () => driver.deletedPodCount === 1);
    expect(events.map((e) => e.kind)).toEqual(['pod-created', 'pod-delete-requested', 'pod-deleted-observed']);
    expect(driver.report().podDeletion.count).toBe(1);
  });

  it('bounds every call: a POST with no answer fails after callTimeoutMs and is counted as a transport error', async () => {
    api.silentPaths.add('/api/v1/namespaces/slow/pods');
    const t0 = Date.now();
    const r = await driver.createPods({ nodes: ['e1'], podsPerNode: 1, ratePerSecond: 10, concurrency: 1, namespace: 'slow', withConfigMap: false, withSecret: false });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.pods).toMatchObject({ failed: 1, completed: 0 });
    expect(r.errors[0]).toMatch(/POST \/api\/v1\/namespaces\/slow\/pods got no complete answer within 1500 ms/);
    const rep = driver.report();
    expect(rep.api.mutating.transportErrors).toBe(1);
    expect(rep.pods.createFailed).toBe(1);
  });

  it('splits API latency into mutating and read calls', async () => {
    await driver.ensureNamespace('ns');
    await driver.createPods({ nodes: ['e1', 'e2'], podsPerNode: 1, ratePerSecond: 50, concurrency: 2, namespace: 'ns', withConfigMap: false, withSecret: false });
    const { api: lat } = driver.report();
    expect(lat.mutating.count).toBe(2);
    // pod list + node list at open, namespace + service account read.
    expect(lat.read.count).toBe(4);
    expect(lat.mutating.byStatus).toEqual({ '2xx': 2 });
    expect(lat.mutating.p99Ms).toBeGreaterThan(0);
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const before = api.connections;
    for (let i = 0; i < 5; i++) await driver.ensureNamespace(`ns${i}`);
    expect(api.requests.filter((q) => q.path.startsWith('/api/v1/namespaces/ns')).length).toBe(10);
    expect(api.connections - before).toBeLessThanOrEqual(1); // a new agent per call would open 10
  });

  it('stop() closes both watches', async () => {
    await driver.stop();
    await eventually('watches closed', () => api.watchCount('pods') === 0 && api.watchCount('nodes') === 0);
  });
});
