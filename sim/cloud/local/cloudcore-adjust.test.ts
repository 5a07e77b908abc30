import { describe, expect, it } from 'vitest';
import { ADJUSTED_KEYS, adjustCloudCoreConfig, type AdjustedKey } from './cloudcore-adjust.js';
import { CLOUDCORE_KNOBS } from './cloudcore-defaults.js';

/** cloudcore's own defaults (NewDefaultCloudCoreConfig, sized from DefaultNodeLimit = 500). */
const DEFAULTS: Record<AdjustedKey, number> = {
  'kubeAPIConfig.qps': 2500,
  'kubeAPIConfig.burst': 5000,
  'modules.edgeController.load.queryNodeWorkers': 500,
  'modules.edgeController.load.patchNodeWorkers': 110,
  'modules.edgeController.load.createLeaseWorkers': 500,
  'modules.edgeController.buffer.patchNode': 1274,
  'modules.edgeController.buffer.queryNode': 1524,
  'modules.edgeController.buffer.createLease': 1524,
};

/**
 * Read from AdjustCloudCoreConfig (kubeedge/api@v1.23.0 default.go): qps and burst are replaced
 * whenever they differ from 5× / 10× nodeLimit (so a higher value is lowered); the six
 * EdgeController fields are raised to their floor when below it and kept when equal or above.
 */
const TABLE: Array<{ key: AdjustedKey; nodeLimit: number; before: number; after: number }> = [
  { key: 'kubeAPIConfig.qps', nodeLimit: 1000, before: 2500, after: 5000 },
  { key: 'kubeAPIConfig.qps', nodeLimit: 1000, before: 5000, after: 5000 },
  { key: 'kubeAPIConfig.qps', nodeLimit: 1000, before: 9000, after: 5000 },
  { key: 'kubeAPIConfig.qps', nodeLimit: 1, before: 2500, after: 5 },
  { key: 'kubeAPIConfig.burst', nodeLimit: 1000, before: 5000, after: 10000 },
  { key: 'kubeAPIConfig.burst', nodeLimit: 1000, before: 10000, after: 10000 },
  { key: 'kubeAPIConfig.burst', nodeLimit: 1000, before: 50000, after: 10000 },
  { key: 'modules.edgeController.load.queryNodeWorkers', nodeLimit: 1000, before: 500, after: 1000 },
  { key: 'modules.edgeController.load.queryNodeWorkers', nodeLimit: 1000, before: 1000, after: 1000 },
  { key: 'modules.edgeController.load.queryNodeWorkers', nodeLimit: 1000, before: 2000, after: 2000 },
  { key: 'modules.edgeController.load.queryNodeWorkers', nodeLimit: 100, before: 500, after: 500 },
  // 100 + nodeLimit/50 in int32: 1049/50 = 20 (truncated), 1050/50 = 21.
  { key: 'modules.edgeController.load.patchNodeWorkers', nodeLimit: 1049, before: 110, after: 120 },
  { key: 'modules.edgeController.load.patchNodeWorkers', nodeLimit: 1050, before: 120, after: 121 },
  { key: 'modules.edgeController.load.patchNodeWorkers', nodeLimit: 1050, before: 121, after: 121 },
  { key: 'modules.edgeController.load.patchNodeWorkers', nodeLimit: 100, before: 110, after: 110 },
  { key: 'modules.edgeController.load.createLeaseWorkers', nodeLimit: 10100, before: 500, after: 10100 },
  { key: 'modules.edgeController.load.createLeaseWorkers', nodeLimit: 10100, before: 20000, after: 20000 },
  // 1024 + nodeLimit/2: 1001/2 = 500.
  { key: 'modules.edgeController.buffer.patchNode', nodeLimit: 1001, before: 1274, after: 1524 },
  { key: 'modules.edgeController.buffer.patchNode', nodeLimit: 1001, before: 1524, after: 1524 },
  { key: 'modules.edgeController.buffer.patchNode', nodeLimit: 1001, before: 4096, after: 4096 },
  { key: 'modules.edgeController.buffer.patchNode', nodeLimit: 100, before: 1274, after: 1274 },
  { key: 'modules.edgeController.buffer.queryNode', nodeLimit: 1000, before: 16, after: 2024 },
  { key: 'modules.edgeController.buffer.queryNode', nodeLimit: 1000, before: 2023, after: 2024 },
  { key: 'modules.edgeController.buffer.queryNode', nodeLimit: 1000, before: 2024, after: 2024 },
  { key: 'modules.edgeController.buffer.queryNode', nodeLimit: 1000, before: 4096, after: 4096 },
  { key: 'modules.edgeController.buffer.createLease', nodeLimit: 3000, before: 1524, after: 4024 },
  { key: 'modules.edgeController.buffer.createLease', nodeLimit: 3000, before: 8192, after: 8192 },
];

describe('AdjustCloudCoreConfig model', () => {
  it('touches exactly the eight fields the Go function does', () => {
    expect([...ADJUSTED_KEYS].sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  it("starts from cloudcore's defaults for those fields", () => {
    for (const key of ADJUSTED_KEYS) expect(CLOUDCORE_KNOBS[key]?.default, key).toBe(DEFAULTS[key]);
  });

  it.each(TABLE)('$key with nodeLimit $nodeLimit: $before → $after', ({ key, nodeLimit, before, after }) => {
    const r = adjustCloudCoreConfig(nodeLimit, { ...DEFAULTS, [key]: before });
    const f = r.fields.find((x) => x.key === key)!;
    expect(f.before).toBe(before);
    expect(f.after).toBe(after);
    expect(f.changed).toBe(after !== before);
    if (f.changed) expect(r.changed).toBe(true);
  });

  it('reports no change only when every field already meets its rule (nodeLimit 500 and the defaults)', () => {
    const r = adjustCloudCoreConfig(500, DEFAULTS);
    expect(r.changed).toBe(false);
    expect(r.fields.every((f) => f.after === f.before)).toBe(true);
  });

  it('changes qps and burst for any nodeLimit but 500 even when the rest is untouched', () => {
    const r = adjustCloudCoreConfig(400, DEFAULTS);
    expect(r.fields.filter((f) => f.changed).map((f) => f.key)).toEqual(['kubeAPIConfig.qps', 'kubeAPIConfig.burst']);
    expect(r.fields.map((f) => f.after)).toEqual([2000, 4000, 500, 110, 500, 1274, 1524, 1524]);
  });

  it('names the formula and the value in its reason', () => {
    const f = adjustCloudCoreConfig(1000, DEFAULTS).fields.find((x) => x.key === 'modules.edgeController.buffer.queryNode')!;
    expect(f.rule).toBe('AdjustCloudCoreConfig raises it to 1024 + nodeLimit = 2024 when lower');
  });
});
