import { describe, expect, it } from 'vitest';
import { cloudcoreConfig } from './cloudcore-config.js';
import { cloudcoreEffective } from './cloudcore-effective.js';
import type { KnobValue } from './config-path.js';

const input = {
  runDir: '/tmp/r',
  kubeconfigPath: '/tmp/r/admin.kubeconfig',
  edgeCaCert: '/tmp/r/pki/edge-ca.crt',
  edgeCaKey: '/tmp/r/pki/edge-ca.key',
  websocketPort: 41000,
  httpsPort: 41002,
  monitorPort: 41091,
  nodeLimit: 1000,
};

function run(set: Record<string, KnobValue>, dump?: unknown): ReturnType<typeof cloudcoreEffective> {
  return cloudcoreEffective(cloudcoreConfig({ ...input, set }), set, dump);
}

const byKey = (r: ReturnType<typeof cloudcoreEffective>, key: string) => r.entries.find((e) => e.key === key);

/** What cloudcore v1.23.1 wrote to ConfigMap kubeedge/cloudcore for nodeLimit 1000, queryNode=16, queryNodeWorkers=2000 (seen on the real control plane). */
const REAL_DUMP = {
  commonConfig: { tunnelPort: 10004 },
  kubeAPIConfig: { qps: 5000, burst: 10000 },
  modules: {
    cloudHub: { nodeLimit: 1000 },
    edgeController: {
      load: { queryNodeWorkers: 2000, patchNodeWorkers: 120, createLeaseWorkers: 1000 },
      buffer: { patchNode: 1524, queryNode: 2024, createLease: 2024 },
    },
  },
};

describe('what cloudcore ran with', () => {
  it('lists nodeLimit, every knob set and every field AdjustCloudCoreConfig touches, once each', () => {
    const r = run({ 'modules.edgeController.buffer.queryNode': 16, 'modules.edgeController.nodeUpdateFrequency': 5 });
    expect(r.entries.map((e) => e.key)).toEqual([
      'modules.cloudHub.nodeLimit',
      'modules.edgeController.nodeUpdateFrequency',
      'kubeAPIConfig.qps',
      'kubeAPIConfig.burst',
      'modules.edgeController.load.queryNodeWorkers',
      'modules.edgeController.load.patchNodeWorkers',
      'modules.edgeController.load.createLeaseWorkers',
      'modules.edgeController.buffer.patchNode',
      'modules.edgeController.buffer.queryNode',
      'modules.edgeController.buffer.createLease',
    ]);
    expect(byKey(r, 'modules.edgeController.nodeUpdateFrequency')).toEqual({ key: 'modules.edgeController.nodeUpdateFrequency', requested: 5, effective: 5, overridden: false });
  });

  it('marks a requested buffer below its floor as overridden, with the reason', () => {
    expect(byKey(run({ 'modules.edgeController.buffer.queryNode': 16 }), 'modules.edgeController.buffer.queryNode')).toEqual({
      key: 'modules.edgeController.buffer.queryNode',
      requested: 16,
      effective: 2024,
      overridden: true,
      reason: 'AdjustCloudCoreConfig raises it to 1024 + nodeLimit = 2024 when lower',
    });
  });

  it('keeps a requested worker count above its floor, without a note', () => {
    expect(byKey(run({ 'modules.edgeController.load.queryNodeWorkers': 2000 }), 'modules.edgeController.load.queryNodeWorkers')).toEqual({
      key: 'modules.edgeController.load.queryNodeWorkers',
      requested: 2000,
      effective: 2000,
      overridden: false,
    });
  });

  it('shows a default that cloudcore raised as not requested, not overridden, with the reason', () => {
    const e = byKey(run({}), 'modules.edgeController.load.createLeaseWorkers');
    expect(e).toMatchObject({ requested: null, effective: 1000, overridden: false });
    expect(e?.reason).toContain('nodeLimit = 1000');
  });

  it('keeps the loaded qps and burst: the API clients are built before AdjustCloudCoreConfig rewrites them', () => {
    const r = run({ 'kubeAPIConfig.qps': 1, 'kubeAPIConfig.burst': 2 });
    expect(byKey(r, 'kubeAPIConfig.qps')).toMatchObject({ requested: 1, effective: 1, overridden: false });
    expect(byKey(r, 'kubeAPIConfig.qps')?.reason).toContain('5 × nodeLimit = 5000');
    expect(byKey(r, 'kubeAPIConfig.burst')).toMatchObject({ requested: 2, effective: 2, overridden: false });
    expect(byKey(run({}), 'kubeAPIConfig.qps')).toMatchObject({ requested: null, effective: 2500 });
    expect(byKey(cloudcoreEffective(cloudcoreConfig({ ...input, nodeLimit: 500 }), {}), 'kubeAPIConfig.qps')?.reason).toBeUndefined();
  });

  it("agrees with cloudcore's own dump from the real control plane", () => {
    const r = run({ 'modules.edgeController.buffer.queryNode': 16, 'modules.edgeController.load.queryNodeWorkers': 2000 }, REAL_DUMP);
    expect(r.dumpMismatches).toEqual([]);
  });

  it("takes cloudcore's dump over the model where they differ, and says so", () => {
    const dump = structuredClone(REAL_DUMP);
    dump.modules.edgeController.buffer.queryNode = 3000;
    const r = run({ 'modules.edgeController.buffer.queryNode': 16, 'modules.edgeController.load.queryNodeWorkers': 2000 }, dump);
    expect(r.dumpMismatches).toEqual(['modules.edgeController.buffer.queryNode: model 2024, cloudcore 3000']);
    expect(byKey(r, 'modules.edgeController.buffer.queryNode')).toMatchObject({ effective: 3000, overridden: true, reason: "cloudcore's config dump says 3000 (model: 2024)" });
  });

  it('flags a ConfigMap cloudcore never rewrote when the model says it should have changed something', () => {
    const asWritten = cloudcoreConfig(input);
    expect(run({}, asWritten).dumpMismatches?.[0]).toContain('cloudcore left its ConfigMap as written');
    const at500 = cloudcoreConfig({ ...input, nodeLimit: 500 });
    expect(cloudcoreEffective(at500, {}, at500).dumpMismatches).toEqual([]);
  });
});
