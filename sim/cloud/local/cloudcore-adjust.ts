/**
 * Go source: github.com/kubeedge/api@v1.23.0, apis/componentconfig/cloudcore/v1alpha1/default.go,
 * func AdjustCloudCoreConfig (called by cloudcore v1.23.1, cloud/cmd/cloudcore/app/server.go).
 * A model of what it does to the config at start, field by field, so a run can say which values
 * cloudcore replaced and which it kept. Arithmetic is Go int32: integer division truncates.
 */

/** The fields AdjustCloudCoreConfig reads or writes, as cloudcore.yaml paths. */
export const ADJUSTED_KEYS = [
  'kubeAPIConfig.qps',
  'kubeAPIConfig.burst',
  'modules.edgeController.load.queryNodeWorkers',
  'modules.edgeController.load.patchNodeWorkers',
  'modules.edgeController.load.createLeaseWorkers',
  'modules.edgeController.buffer.patchNode',
  'modules.edgeController.buffer.queryNode',
  'modules.edgeController.buffer.createLease',
] as const;

export type AdjustedKey = (typeof ADJUSTED_KEYS)[number];

export const NODE_LIMIT_KEY = 'modules.cloudHub.nodeLimit';

interface Rule {
  /** 'set': replaced whenever it differs; 'raise': replaced only when below the target. */
  kind: 'set' | 'raise';
  target(nodeLimit: number): number;
  /** The formula as the Go code writes it, for reasons shown to people. */
  formula: string;
}

/** Go's int32 division of positive values. */
const div = (a: number, b: number): number => Math.trunc(a / b);

export const ADJUST_RULES: Readonly<Record<AdjustedKey, Rule>> = {
  'kubeAPIConfig.qps': { kind: 'set', target: (n) => 5 * n, formula: '5 × nodeLimit' },
  'kubeAPIConfig.burst': { kind: 'set', target: (n) => 10 * n, formula: '10 × nodeLimit' },
  'modules.edgeController.load.queryNodeWorkers': { kind: 'raise', target: (n) => n, formula: 'nodeLimit' },
  'modules.edgeController.load.patchNodeWorkers': { kind: 'raise', target: (n) => 100 + div(n, 50), formula: '100 + nodeLimit/50' },
  'modules.edgeController.load.createLeaseWorkers': { kind: 'raise', target: (n) => n, formula: 'nodeLimit' },
  'modules.edgeController.buffer.patchNode': { kind: 'raise', target: (n) => 1024 + div(n, 2), formula: '1024 + nodeLimit/2' },
  'modules.edgeController.buffer.queryNode': { kind: 'raise', target: (n) => 1024 + n, formula: '1024 + nodeLimit' },
  'modules.edgeController.buffer.createLease': { kind: 'raise', target: (n) => 1024 + n, formula: '1024 + nodeLimit' },
};

export interface AdjustedField {
  key: AdjustedKey;
  /** The value in the config cloudcore loaded (its file merged over its defaults). */
  before: number;
  /** The value after AdjustCloudCoreConfig. */
  after: number;
  changed: boolean;
  /** e.g. "AdjustCloudCoreConfig raises it to 1024 + nodeLimit/2 = 1524 when lower". */
  rule: string;
}

export interface AdjustResult {
  nodeLimit: number;
  fields: AdjustedField[];
  /** AdjustCloudCoreConfig's return value: cloudcore then writes its config to ConfigMap kubeedge/cloudcore. */
  changed: boolean;
}

/** Applies AdjustCloudCoreConfig to the loaded values of the fields it touches. */
export function adjustCloudCoreConfig(nodeLimit: number, loaded: Readonly<Record<AdjustedKey, number>>): AdjustResult {
  const fields = ADJUSTED_KEYS.map((key): AdjustedField => {
    const rule = ADJUST_RULES[key];
    const target = rule.target(nodeLimit);
    const before = loaded[key];
    const changed = rule.kind === 'set' ? before !== target : before < target;
    const verb = rule.kind === 'set' ? 'sets it to' : 'raises it to';
    const when = rule.kind === 'set' ? 'whenever it differs' : 'when lower';
    return { key, before, after: changed ? target : before, changed, rule: `AdjustCloudCoreConfig ${verb} ${rule.formula} = ${target} ${when}` };
  });
  return { nodeLimit, fields, changed: fields.some((f) => f.changed) };
}
