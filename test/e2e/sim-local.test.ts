/**
 * `pnpm sim` against the real local control plane: 20 virtual nodes, a pod each through the API
 * server with a ConfigMap and a Secret, and the SLIs KubeEdge's scalability test used. Skips
 * visibly when the control plane's binaries are not available.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason as reason } from './support/real-control-plane.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';

if (reason) console.warn(`[sim-local e2e] SKIPPED: ${reason}`);

describe.skipIf(reason !== '')(`pnpm sim --cloud local${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('20 nodes Ready in the API, a pod each Running, SLIs and control-plane usage in the summary', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-local-'));
    const options = parseSimOptions([
      '--cloud', 'local', '--nodes', '20', '--pods-per-node', '1', '--pod-rate', '20', '--duration', '60s',
      '--certs', 'per-node', '--metrics-port', '0', '--progress', 'off', '--node-limit', '50',
      '--slo', 'pod_startup_ms: count==20', '--slo', 'nodes_not_ready: value==0',
      // The pipeline is under test, not this shared machine's API latency: a looser bound than KubeEdge's 1 s default.
      '--slo', 'api_mutating_ms: p(99)<=10000',
      '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, 'run'),
    ]);
    const result = await runSim(options, () => undefined);
    const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
    expect(s.error).toBeNull();
    expect(s.title).toBe('KubeEdge v1.23.1 cloudcore (local)');
    expect(s.nodes.ready).toBe(20);
    expect(s.slos.filter((x) => !x.pass)).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(s.workload?.pods.running).toBe(20);
    expect(s.workload?.configMapUpdates).toBe(20);
    expect(s.slis.node_ready_in_api_ms).toMatchObject({ count: 20 });
    expect(s.slis.configmap_to_edge_ms).toMatchObject({ count: 20 });
    expect(s.workload?.podStartupBreakdownMs.createToEdgeReceipt.count).toBe(20);
    expect(s.controlPlane?.cloudcore?.cpuSeconds).toBeGreaterThan(0);
    expect(s.controlPlane?.['kube-apiserver']?.peakRssBytes).toBeGreaterThan(0);
    expect((s.slis.harness_to_cloudcore_cpu_ratio as { value: number | null }).value).toBeGreaterThan(0);
    expect(s.cloudcoreConnectedNodes.at(-1)?.[1]).toBe(20);
    expect(s.messages.malformed).toBe(0);
  }, 180_000);
});
