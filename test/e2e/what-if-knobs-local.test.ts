/**
 * What-if knobs on the real local control plane: a tiny run with one cloudcore field cloudcore
 * keeps (queryNodeWorkers above nodeLimit), one it overrides (queryNode buffer below
 * 1024 + nodeLimit), qps (kept by the API clients though AdjustCloudCoreConfig rewrites it) and a
 * kube-apiserver flag; summary.json must say which is which, checked against cloudcore's own
 * adjusted config. Skips visibly when the control plane's binaries are not available.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason as reason } from './support/real-control-plane.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';

if (reason) console.warn(`[what-if-knobs-local e2e] SKIPPED: ${reason}`);

describe.skipIf(reason !== '')(`pnpm sim --cloud local --cloudcore-set / --apiserver-arg${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('records the value cloudcore ran with for each knob, overridden where cloudcore replaced it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-whatif-'));
    const options = parseSimOptions([
      // --duration counts from the fleet's start; three nodes are Ready within a few seconds.
      '--cloud', 'local', '--nodes', '3', '--duration', '15s', '--metrics-port', '0', '--progress', 'off',
      '--cloudcore-set', 'modules.cloudHub.nodeLimit=50',
      '--cloudcore-set', 'modules.edgeController.load.queryNodeWorkers=200',
      '--cloudcore-set', 'modules.edgeController.buffer.queryNode=16',
      '--cloudcore-set', 'kubeAPIConfig.qps=400',
      '--apiserver-arg=--max-requests-inflight=800',
      '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, 'run'),
    ]);
    const result = await runSim(options, () => undefined);
    const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
    expect(s.error).toBeNull();
    expect(result.exitCode).toBe(0);
    // kube-apiserver exits on a flag it does not know: three Ready nodes mean it ran with the extra one.
    expect(s.nodes.ready).toBe(3);
    expect(s.cloud.nodeLimit).toBe(50);

    const config = s.cloud.config!;
    const entry = (key: string) => config.cloudcore.find((e) => e.key === key);
    expect(entry('modules.cloudHub.nodeLimit')).toEqual({ key: 'modules.cloudHub.nodeLimit', requested: 50, effective: 50, overridden: false });
    expect(entry('modules.edgeController.load.queryNodeWorkers')).toEqual({ key: 'modules.edgeController.load.queryNodeWorkers', requested: 200, effective: 200, overridden: false });
    expect(entry('modules.edgeController.buffer.queryNode')).toEqual({
      key: 'modules.edgeController.buffer.queryNode',
      requested: 16,
      effective: 1074,
      overridden: true,
      reason: 'AdjustCloudCoreConfig raises it to 1024 + nodeLimit = 1074 when lower',
    });
    expect(entry('kubeAPIConfig.qps')).toMatchObject({ requested: 400, effective: 400, overridden: false });
    expect(entry('kubeAPIConfig.qps')?.reason).toContain('5 × nodeLimit = 250');
    // A default cloudcore kept: createLease workers 500 are already ≥ nodeLimit 50.
    expect(entry('modules.edgeController.load.createLeaseWorkers')).toEqual({ key: 'modules.edgeController.load.createLeaseWorkers', requested: null, effective: 500, overridden: false });
    expect(config.apiserverArgs).toEqual(['--max-requests-inflight=800']);
    // cloudcore's own rewrite of its config (ConfigMap kubeedge/cloudcore) agrees with the model.
    expect(config.checkedAgainst).toBe("cloudcore's adjusted config in ConfigMap kubeedge/cloudcore: matches");

    expect(s.options.cloudcoreSet).toBe('modules.edgeController.load.queryNodeWorkers=200,modules.edgeController.buffer.queryNode=16,kubeAPIConfig.qps=400');
    const md = await readFile(path.join(dir, 'run', 'summary.md'), 'utf8');
    expect(md).toContain('| `modules.edgeController.buffer.queryNode` | 16 | **1074** | overridden by cloudcore:');
  }, 180_000);
});
