/**
 * What cloudcore ran with, for every field a run set and every field AdjustCloudCoreConfig
 * touches: the written value (or null), the value in effect, and whether cloudcore replaced it.
 * Checked, when available, against the config cloudcore writes to ConfigMap kubeedge/cloudcore
 * after adjusting it (server.go, updateCloudCoreConfigMap).
 */
import type { ConfigEntry } from '../control-plane.js';
import { ADJUSTED_KEYS, ADJUST_RULES, NODE_LIMIT_KEY, adjustCloudCoreConfig, type AdjustedKey } from './cloudcore-adjust.js';
import { CLOUDCORE_KNOBS } from './cloudcore-defaults.js';
import { getPath, type KnobValue } from './config-path.js';

/**
 * cloudcore builds its API clients (client.InitKubeEdgeClient copies qps and burst into the
 * rest.Config) before it calls AdjustCloudCoreConfig, and nothing rebuilds them: the adjusted
 * qps/burst land in its config struct and ConfigMap only, while the clients keep the loaded values.
 */
const READ_BEFORE_ADJUST: ReadonlySet<AdjustedKey> = new Set(['kubeAPIConfig.qps', 'kubeAPIConfig.burst']);

/** cloudcore's config as parsed from its ConfigMap: ours as written, or its own rewrite. */
export type CloudcoreDump = unknown;

/**
 * Only cloudcore's rewrite holds commonConfig.tunnelPort (set by NegotiateTunnelPort, never written
 * by the provider): without it the ConfigMap still holds the provider's text.
 */
export function dumpIsRewritten(dump: CloudcoreDump): boolean {
  return typeof getPath(dump, 'commonConfig.tunnelPort') === 'number';
}

export interface CloudcoreEffective {
  entries: ConfigEntry[];
  /** Set when a dump was given: which adjusted fields the dump disagreed with the model on. */
  dumpMismatches?: string[];
}

function numberAt(obj: unknown, key: string): number | undefined {
  const v = getPath(obj, key);
  return typeof v === 'number' ? v : undefined;
}

/**
 * `written`: the config object the provider wrote; `set`: the user's knobs (ordered);
 * `dump`: cloudcore's own adjusted config (parsed from its ConfigMap), or undefined.
 */
export function cloudcoreEffective(written: unknown, set: Readonly<Record<string, KnobValue>>, dumpIn?: CloudcoreDump): CloudcoreEffective {
  const requested = (key: string): KnobValue | null => {
    const v = getPath(written, key);
    return typeof v === 'number' || typeof v === 'boolean' ? v : null;
  };
  const loaded = (key: string): KnobValue => requested(key) ?? CLOUDCORE_KNOBS[key]?.default ?? 0;
  const nodeLimit = Number(loaded(NODE_LIMIT_KEY));
  const before = Object.fromEntries(ADJUSTED_KEYS.map((k) => [k, Number(loaded(k))])) as Record<AdjustedKey, number>;
  const adjusted = adjustCloudCoreConfig(nodeLimit, before);

  const entries: ConfigEntry[] = [{ key: NODE_LIMIT_KEY, requested: requested(NODE_LIMIT_KEY), effective: nodeLimit, overridden: false }];
  const adjustedKeys: ReadonlySet<string> = new Set(ADJUSTED_KEYS);
  for (const key of Object.keys(set)) {
    if (key === NODE_LIMIT_KEY || adjustedKeys.has(key)) continue;
    entries.push({ key, requested: requested(key), effective: loaded(key), overridden: false });
  }
  const mismatches: string[] = [];
  // Not rewritten: AdjustCloudCoreConfig reported no change, which the model must agree with.
  const dump = dumpIn !== undefined && dumpIsRewritten(dumpIn) ? dumpIn : undefined;
  if (dumpIn !== undefined && dump === undefined && adjusted.changed) {
    mismatches.push('cloudcore left its ConfigMap as written, so it adjusted nothing; the model changes ' + adjusted.fields.filter((f) => f.changed).map((f) => f.key).join(', '));
  }
  for (const f of adjusted.fields) {
    const req = requested(f.key);
    const dumped = dump === undefined ? undefined : numberAt(dump, f.key);
    if (dump !== undefined && dumped !== f.after) mismatches.push(`${f.key}: model ${f.after}, cloudcore ${dumped ?? 'absent'}`);
    if (READ_BEFORE_ADJUST.has(f.key)) {
      const entry: ConfigEntry = { key: f.key, requested: req, effective: f.before, overridden: false };
      if (f.changed) entry.reason = `AdjustCloudCoreConfig writes ${ADJUST_RULES[f.key].formula} = ${f.after} into cloudcore's config only after its API clients were built: they run with ${f.before}`;
      entries.push(entry);
      continue;
    }
    // cloudcore's own dump, when it disagrees with the model, is what the EdgeController read.
    const effective = dumped !== undefined && dumped !== f.after ? dumped : f.after;
    const entry: ConfigEntry = { key: f.key, requested: req, effective, overridden: req !== null && effective !== req };
    if (effective !== f.before) entry.reason = dumped !== undefined && dumped !== f.after ? `cloudcore's config dump says ${dumped} (model: ${f.after})` : f.rule;
    entries.push(entry);
  }
  return dumpIn === undefined ? { entries } : { entries, dumpMismatches: mismatches };
}
