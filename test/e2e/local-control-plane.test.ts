/**
 * The `local` provider against the real binaries: start etcd, kube-apiserver,
 * kube-controller-manager and cloudcore in a temp dir, check what an edge and a scraper rely on,
 * stop, and check nothing is left running or listening. Skips visibly when the binaries are not
 * in the build cache (building takes ≈ 11 min cold; set TWINLAB_E2E_BUILD=1 to let the test build).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApi, pick } from '../../sim/cloud/local/admin-api.js';
import { portIsFree } from '../../sim/cloud/local/free-port.js';
import { startLocalControlPlane, type LocalControlPlane } from '../../sim/cloud/local/local-control-plane.js';
import { probeGet } from '../../sim/cloud/local/readiness.js';
import { buildAllowed, skipReason, START_TIMEOUT_MS } from './support/real-control-plane.js';

if (skipReason) console.warn(`[local-control-plane e2e] SKIPPED: ${skipReason}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(skipReason !== '')(
  skipReason ? `local control plane (skipped: ${skipReason})` : 'local control plane (real etcd, kube-apiserver, KCM, cloudcore)',
  () => {
    let runDir = '';
    let cp: LocalControlPlane;
    let api: AdminApi;

    beforeAll(async () => {
      runDir = mkdtempSync(join(tmpdir(), 'twinlab-local-'));
      cp = await startLocalControlPlane({
        runDir,
        nodeLimit: 100,
        cloudhubPort: 'auto',
        certsPort: 'auto',
        allowBuild: buildAllowed,
        onProgress: (line) => console.log(`[local] ${line}`),
      });
      console.log(`[local] start-up ms: ${JSON.stringify(cp.startup)}`);
      api = new AdminApi({
        server: cp.apiServerUrl,
        caFile: join(runDir, 'pki', 'ca.crt'),
        certFile: join(runDir, 'pki', 'admin.crt'),
        keyFile: join(runDir, 'pki', 'admin.key'),
      });
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      api?.close();
      await cp?.stop();
      if (runDir) rmSync(runDir, { recursive: true, force: true });
    });

    it('answers on the API with the pinned Kubernetes version', async () => {
      const v = await api.getJson('/version');
      expect(v.status).toBe(200);
      expect(pick(v.body, 'gitVersion')).toBe('v1.32.10');
    });

    it('has the KubeEdge CRDs and the kubeedge namespace', async () => {
      const crd = await api.getJson('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/objectsyncs.reliablesyncs.kubeedge.io');
      expect(crd.status).toBe(200);
      const list = await api.getJson('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
      const items = pick(list.body, 'items');
      const names = Array.isArray(items) ? items.map((i: unknown) => String(pick(i, 'metadata', 'name'))) : [];
      expect(names.filter((n) => n.endsWith('.kubeedge.io')).length).toBe(13);
      expect((await api.getJson('/api/v1/namespaces/kubeedge')).status).toBe(200);
    });

    it('serves /ca.crt as DER whose SHA-256 is the first part of the join token', async () => {
      const res = await probeGet(`${cp.certsUrl}/ca.crt`);
      expect(res.status).toBe(200);
      const ca = new X509Certificate(res.body); // throws unless DER of a certificate
      expect(ca.ca).toBe(true);
      const parts = cp.token.split('.');
      expect(parts).toHaveLength(4);
      expect(createHash('sha256').update(res.body).digest('hex')).toBe(parts[0]);
      expect(parts[0]).toBe(cp.caHash);
    });

    it('exports KubeEdge_CloudHub_connected_nodes on the monitor server', async () => {
      const target = cp.metricsTargets.find((t) => t.name === 'cloudcore');
      expect(target).toBeDefined();
      const res = await probeGet(target?.url ?? '');
      expect(res.status).toBe(200);
      expect(res.body.toString('utf8')).toMatch(/^KubeEdge_CloudHub_connected_nodes(\{[^}]*\})? 0$/m);
    });

    it('stops every process and frees every port', async () => {
      const pids = cp.processes.map((p) => p.pid);
      expect(cp.processes.map((p) => p.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore']);
      expect(pids.every(alive)).toBe(true);
      await cp.stop();
      expect(pids.filter(alive)).toEqual([]);
      expect(pids.filter(groupAlive)).toEqual([]);
      const ports = Object.entries(cp.ports);
      const busy: string[] = [];
      for (const [name, port] of ports) if (!(await portIsFree(port))) busy.push(`${name}:${port}`);
      expect(busy).toEqual([]);
    });
  },
);
