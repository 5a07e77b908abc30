/**
 * `--cloudcore-set key.path=value`: what-if changes to the cloudcore config the local provider
 * writes. Only cloudcore's own numeric and boolean fields (CLOUDCORE_KNOBS) may be set; the
 * addresses, ports and file paths the provider writes stay its own, so a knob can never point
 * cloudcore at a host path or a public address. Values are parsed as the field's type.
 */
import { ConfigInvalidError } from '../../errors.js';
import { cloudcoreConfig } from './cloudcore-config.js';
import { CLOUDCORE_KNOBS, type KnobSpec } from './cloudcore-defaults.js';
import { configLeaves, type KnobValue } from './config-path.js';

export type { KnobValue };
/** Field path → value, in the order given. */
export type CloudcoreSet = Readonly<Record<string, KnobValue>>;

const FLAG = '--cloudcore-set';
const KEY = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** Fields the provider writes itself (paths, addresses, ports, switches the run depends on). */
function providerOwnedKeys(): Set<string> {
  const written = cloudcoreConfig({
    runDir: '/run',
    kubeconfigPath: '/run/k',
    edgeCaCert: '/run/c',
    edgeCaKey: '/run/k',
    websocketPort: 1,
    httpsPort: 2,
    monitorPort: 3,
    nodeLimit: 1,
  });
  return new Set(configLeaves(written).map(([k]) => k.replace(/\[\d+\]$/, '')).filter((k) => !(k in CLOUDCORE_KNOBS)));
}

function expected(spec: KnobSpec): string {
  return spec.kind === 'bool'
    ? `true or false (cloudcore's default ${spec.default})`
    : `a whole number from ${spec.min} to ${spec.max} (cloudcore's default ${spec.default})`;
}

/** The settable fields under the longest known prefix of `key`, for "what is allowed". */
function allowedNear(key: string): string {
  const all = Object.keys(CLOUDCORE_KNOBS);
  const parts = key.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const prefix = `${parts.slice(0, n).join('.')}.`;
    const under = all.filter((k) => k.startsWith(prefix));
    if (under.length > 0) return `settable under ${prefix.slice(0, -1)}: ${under.map((k) => k.slice(prefix.length)).join(', ')}`;
  }
  const sections = [...new Set(all.map((k) => k.split('.').slice(0, -1).join('.')))];
  return `settable fields are in ${sections.join(', ')} (docs/cli.md: "What-if knobs")`;
}

function parseValue(key: string, raw: string, spec: KnobSpec): KnobValue {
  if (spec.kind === 'bool') {
    if (raw === 'true' || raw === 'false') return raw === 'true';
  } else if (/^-?\d+$/.test(raw)) {
    const v = Number(raw);
    if (v >= spec.min && v <= spec.max) return v;
  }
  throw new ConfigInvalidError(`${FLAG} ${key}=${JSON.stringify(raw)}: expected ${expected(spec)}`, { option: FLAG, key, value: raw });
}

/** Parses every `--cloudcore-set` value; a wrong path, type or range names the flag and the field. */
export function parseCloudcoreSet(values: readonly string[]): CloudcoreSet {
  const owned = providerOwnedKeys();
  const out: Record<string, KnobValue> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item.trim() : item.slice(0, eq).trim();
    if (eq < 0 || !KEY.test(key)) {
      throw new ConfigInvalidError(`${FLAG} ${JSON.stringify(item)}: expected key.path=value, e.g. ${FLAG} modules.cloudHub.nodeLimit=3000`, { option: FLAG, value: item });
    }
    const spec = CLOUDCORE_KNOBS[key];
    if (!spec) {
      if (owned.has(key)) {
        throw new ConfigInvalidError(
          `${FLAG} ${key}: written by the local provider (addresses, ports, TLS and socket paths stay on 127.0.0.1 and inside the run dir; the modules the run depends on stay on) and cannot be set; ${allowedNear(key)}`,
          { option: FLAG, key },
        );
      }
      const isSection = Object.keys(CLOUDCORE_KNOBS).some((k) => k.startsWith(`${key}.`));
      const what = isSection ? 'is a section, not a scalar field' : 'is not a settable field of the cloudcore config';
      throw new ConfigInvalidError(`${FLAG} ${key}: ${what}; ${allowedNear(isSection ? `${key}.x` : key)}`, { option: FLAG, key });
    }
    const value = parseValue(key, item.slice(eq + 1).trim(), spec);
    if (key in out && out[key] !== value) {
      throw new ConfigInvalidError(`${FLAG} ${key} is given twice, as ${out[key]} and ${value}`, { option: FLAG, key });
    }
    out[key] = value;
  }
  return out;
}
