/**
 * The chart's manifests against the real kube-apiserver (v1.32, KubeEdge's fork, from the build
 * cache): every object of every ci values file passes server-side dry-run with strict field
 * validation — the API server's own schema check, the part `helm lint` cannot do — and one release
 * applied for real leaves the StatefulSet, Service and Secret as rendered, with the StatefulSet
 * controller creating one pod per shard named by its ordinal. Those pods stay Pending: this cluster
 * has no kube-scheduler and no kubelet, so nothing here runs a container.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminApi } from '../../sim/cloud/local/admin-api.js';
import { adminApiFromKubeconfig } from './support/admin-api.js';
import { CHART_DIR, helmSkipReason, render, type Manifest } from './support/helm.js';
import { START_TIMEOUT_MS, skipReason as cloudSkipReason, startRealCloud, type RealCloud } from './support/real-control-plane.js';
import { done, notYet, waitFor } from './support/wait-for.js';

const skipReason = helmSkipReason || cloudSkipReason;

const CI_VALUES = readdirSync(path.join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(CHART_DIR, 'ci', f));

/** Where each kind the chart renders lives in the API. PodMonitor is Prometheus Operator's CRD, absent here. */
const RESOURCES: Record<string, { base: string; plural: string }> = {
  Secret: { base: '/api/v1', plural: 'secrets' },
  ConfigMap: { base: '/api/v1', plural: 'configmaps' },
  Service: { base: '/api/v1', plural: 'services' },
  StatefulSet: { base: '/apis/apps/v1', plural: 'statefulsets' },
};
const NOT_SERVED_HERE = new Set(['PodMonitor']);

function collection(m: Manifest, namespace: string): string {
  const r = RESOURCES[m.kind];
  if (!r) throw new Error(`no API path for kind ${m.kind}`);
  return `${r.base}/namespaces/${m.metadata.namespace ?? namespace}/${r.plural}`;
}

describe.skipIf(skipReason !== '')(
  skipReason ? `helm chart on the real kube-apiserver (skipped: ${skipReason})` : 'helm chart on the real kube-apiserver',
  () => {
    let cloud: RealCloud;
    let api: AdminApi;

    beforeAll(async () => {
      cloud = await startRealCloud('helm-chart', 100);
      api = adminApiFromKubeconfig(cloud.cp.kubeconfigPath);
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      await cloud?.stop();
    }, 60_000);

    async function createNamespace(name: string): Promise<void> {
      const r = await api.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      expect(r.status, r.text).toBe(201);
    }

    it('passes server-side dry-run with strict field validation for every object of every ci values file', async () => {
      const ns = 'chart-dry-run';
      await createNamespace(ns);
      let checked = 0;
      for (const file of CI_VALUES) {
        for (const m of render('dry', [file], [], ns)) {
          if (NOT_SERVED_HERE.has(m.kind)) continue;
          const r = await api.request('POST', `${collection(m, ns)}?dryRun=All&fieldValidation=Strict`, m);
          expect(r.status, `${path.basename(file)} ${m.kind}/${m.metadata.name}: ${r.text}`).toBe(201);
          const after = await api.request('GET', `${collection(m, ns)}/${m.metadata.name}`);
          expect(after.status, `${m.kind}/${m.metadata.name} must not exist after a dry run`).toBe(404);
          checked++;
        }
      }
      // 4 + 2 + 5 + 4 objects less the PodMonitor: the dry runs covered every kind the chart makes.
      expect(checked).toBeGreaterThanOrEqual(14);

      // The same path refuses what is not a valid StatefulSet, so a 201 above means something.
      const sts = render('dry', [CI_VALUES[0]!], [], ns).find((m) => m.kind === 'StatefulSet')!;
      const typo = { ...sts, spec: { ...(sts.spec as object), replica: 2 } };
      const bad = await api.request('POST', `${collection(sts, ns)}?dryRun=All&fieldValidation=Strict`, typo);
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('unknown field \\"spec.replica\\"');
    }, 120_000);

    it('applies a release for real: StatefulSet, Service and Secret as rendered, one Pending pod per shard', async () => {
      const ns = `chart-${Date.now().toString(36)}`;
      await createNamespace(ns);
      const manifests = render('load', [path.join(CHART_DIR, 'ci', 'token-value-values.yaml')], [], ns);
      for (const m of manifests) {
        const r = await api.request('POST', `${collection(m, ns)}?fieldValidation=Strict`, m);
        expect(r.status, `${m.kind}/${m.metadata.name}: ${r.text}`).toBe(201);
      }

      const sts = JSON.parse((await api.request('GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/load-twinlab`)).text) as {
        spec: {
          replicas: number;
          serviceName: string;
          podManagementPolicy: string;
          template: {
            spec: {
              containers: Array<{ image: string; args: string[]; env: Array<{ name: string; value?: string }>; ports: Array<{ name: string; containerPort: number }> }>;
              volumes: Array<{ name: string; secret?: { secretName: string } }>;
            };
          };
        };
      };
      expect(sts.spec.replicas).toBe(2);
      expect(sts.spec.serviceName).toBe('load-twinlab');
      expect(sts.spec.podManagementPolicy).toBe('Parallel');
      const c = sts.spec.template.spec.containers[0]!;
      expect(c.image).toBe('twinlab:0.1.0');
      expect(c.args).toEqual(['shard']);
      expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
      expect(c.env.find((e) => e.name === 'TWINLAB_SHARDS')?.value).toBe('2');
      expect(sts.spec.template.spec.volumes.find((v) => v.name === 'token')?.secret?.secretName).toBe('load-twinlab-token');

      const svc = JSON.parse((await api.request('GET', `/api/v1/namespaces/${ns}/services/load-twinlab`)).text) as { spec: { clusterIP: string; ports: Array<{ name: string; port: number }> } };
      expect(svc.spec.clusterIP).toBe('None');
      expect(svc.spec.ports.map((p) => [p.name, p.port])).toEqual([['metrics', 9464]]);

      const secret = JSON.parse((await api.request('GET', `/api/v1/namespaces/${ns}/secrets/load-twinlab-token`)).text) as { type: string; data: { tokendata: string } };
      expect(secret.type).toBe('Opaque');
      expect(Buffer.from(secret.data.tokendata, 'base64').toString()).toBe('0123456789abcdef.eyJhbGciOiJIUzI1NiJ9.ci-only-not-a-real-token');

      // kube-controller-manager's StatefulSet controller makes the pods; no scheduler or kubelet
      // here, so they stay Pending and unbound — their names carry the index each shard will read.
      const pods = await waitFor(
        'two shard pods from the StatefulSet controller',
        async () => {
          const list = JSON.parse((await api.request('GET', `/api/v1/namespaces/${ns}/pods`)).text) as { items: Array<{ metadata: { name: string }; spec: { hostname?: string; nodeName?: string }; status: { phase: string } }> };
          return list.items.length === 2 ? done(list.items) : notYet(list.items.map((p) => p.metadata.name));
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(pods.map((p) => p.metadata.name).sort()).toEqual(['load-twinlab-0', 'load-twinlab-1']);
      for (const p of pods) {
        expect(p.status.phase).toBe('Pending');
        expect(p.spec.nodeName).toBeUndefined();
      }
    }, 120_000);
  },
);
