import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ControlPlaneStartError, ErrorCodes } from '../../errors.js';
import { probeGet } from '../local/readiness.js';
import { type ContainersControlPlane, startContainersControlPlane } from './containers-control-plane.js';
import { dockerAvailable } from './docker-available.js';

const scratch = mkdtempSync(join(tmpdir(), 'twinlab-containers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('containers provider without an engine', () => {
  it('fails fast and typed, naming Docker and why', async () => {
    const t0 = Date.now();
    const err = await startContainersControlPlane({
      runDir: mkdtempSync(join(scratch, 'none-')),
      env: { ...process.env, DOCKER_HOST: `unix://${join(scratch, 'no-engine.sock')}` },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlPlaneStartError);
    const e = err as ControlPlaneStartError;
    expect(e.code).toBe(ErrorCodes.ControlPlaneStart);
    expect(e.component).toBe('docker');
    expect(e.message).toContain('needs a Docker engine');
    expect(e.message).toContain('no-engine.sock');
    expect(Date.now() - t0).toBeLessThan(3_000);
  });
});

const docker = await dockerAvailable();

describe.skipIf(!docker.available)(
  `containers provider against a real Docker engine${docker.available ? '' : ` — SKIPPED: ${docker.reason}`}`,
  () => {
    let cp: ContainersControlPlane | undefined;
    afterAll(async () => cp?.stop());

    it('starts k3s and cloudcore v1.23.1, publishes CloudHub on 127.0.0.1 and reads the join token', { timeout: 600_000 }, async () => {
      cp = await startContainersControlPlane({
        runDir: mkdtempSync(join(scratch, 'run-')),
        nodeLimit: 200,
        cloudhubPort: 'auto',
        certsPort: 'auto',
        onProgress: (l) => console.log(`[containers] ${l}`),
      });
      expect(cp.provider).toBe('containers');
      expect(cp.cloudhubUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
      expect(cp.token.split('.')).toHaveLength(4);
      expect((await probeGet(`${cp.certsUrl}/ca.crt`)).status).toBe(200);
      const metrics = await (await fetch(cp.metricsTargets[0]?.url ?? '')).text();
      expect(metrics).toContain('KubeEdge_CloudHub_connected_nodes');
      const sample = await cp.sampleUsage();
      expect(sample.unavailable).toEqual([]);
      expect(sample.usage.cloudcore?.rssBytes).toBeGreaterThan(0);
      expect(sample.usage.k3s?.cpuSeconds).toBeGreaterThan(0);
    });
  },
);
