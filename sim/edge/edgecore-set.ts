/**
 * `--edgecore-set key.path=value`: the edgecore config fields that set how often a node talks to
 * the cloud, under the names edgecore's own config file gives them
 * (github.com/kubeedge/api apis/componentconfig/edgecore/v1alpha2, v1.23). Operators lengthen them
 * for large fleets; a run that does so says so in its options, and `twinlab compare` treats the
 * result as a different setup.
 */
import { ConfigInvalidError } from '../errors.js';
import { EDGECORE_TIMINGS, type EdgeTimings } from './edge-runtime.js';

const FLAG = '--edgecore-set';

type Unit = 'seconds' | 'duration';

interface EdgecoreField {
  unit: Unit;
  /** edgecore's default, in seconds. */
  defaultS: number;
  minS: number;
  maxS: number;
  /** The timing it sets, in ms, from the field's value in seconds. */
  timing: keyof EdgeTimings;
  toMs(seconds: number): number;
}

const seconds = (s: number): number => s * 1000;

export const EDGECORE_FIELDS: Readonly<Record<string, EdgecoreField>> = {
  // edgeHub.heartbeat: the keepalive edgehub sends; cloudcore closes a link that sends none within
  // its cloudHub.keepaliveInterval.
  'modules.edgeHub.heartbeat': { unit: 'seconds', defaultS: 15, minS: 1, maxS: 3600, timing: 'keepaliveMs', toMs: seconds },
  // kubelet's nodeStatusUpdateFrequency: how often the node's status is computed (sent when changed).
  'modules.edged.tailoredKubeletConfig.nodeStatusUpdateFrequency': { unit: 'duration', defaultS: 10, minS: 1, maxS: 3600, timing: 'statusSyncMs', toMs: seconds },
  // kubelet's nodeStatusReportFrequency: a status patch at least this often, changed or not.
  'modules.edged.tailoredKubeletConfig.nodeStatusReportFrequency': { unit: 'duration', defaultS: 300, minS: 1, maxS: 86_400, timing: 'statusReportMs', toMs: seconds },
  // kubelet renews its Lease every quarter of nodeLeaseDurationSeconds (component-helpers lease controller).
  'modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds': { unit: 'seconds', defaultS: 40, minS: 4, maxS: 3600, timing: 'leaseMs', toMs: (s) => s * 250 },
};

/** Field path → value in seconds, in the order given. */
export type EdgecoreSet = Readonly<Record<string, number>>;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

function parseSeconds(key: string, raw: string, f: EdgecoreField): number {
  let v = Number.NaN;
  if (f.unit === 'seconds' && /^\d+$/.test(raw)) v = Number(raw);
  const d = f.unit === 'duration' ? DURATION.exec(raw) : null;
  if (d) v = Number(d[1]) * UNIT_S[d[2]!]!;
  if (Number.isFinite(v) && v >= f.minS && v <= f.maxS) return v;
  const form = f.unit === 'seconds' ? `whole seconds from ${f.minS} to ${f.maxS}` : `a duration such as 40s or 2m, from ${f.minS}s to ${f.maxS}s`;
  throw new ConfigInvalidError(`${FLAG} ${key}=${JSON.stringify(raw)}: expected ${form} (edgecore's default ${f.unit === 'seconds' ? f.defaultS : `${f.defaultS}s`})`, {
    option: FLAG,
    key,
    value: raw,
  });
}

/** Parses every `--edgecore-set` value; a wrong field, form or range names the flag and the field. */
export function parseEdgecoreSet(values: readonly string[]): EdgecoreSet {
  const out: Record<string, number> = {};
  for (const item of values) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (eq < 0) throw new ConfigInvalidError(`${FLAG} ${JSON.stringify(item)}: expected key.path=value, e.g. ${FLAG} modules.edgeHub.heartbeat=25`, { option: FLAG, value: item });
    const field = EDGECORE_FIELDS[key];
    if (!field) {
      throw new ConfigInvalidError(`${FLAG} ${key}: not a field twinlab's nodes model; settable: ${Object.keys(EDGECORE_FIELDS).join(', ')}`, { option: FLAG, key });
    }
    const v = parseSeconds(key, item.slice(eq + 1).trim(), field);
    if (key in out && out[key] !== v) throw new ConfigInvalidError(`${FLAG} ${key} is given twice, as ${out[key]}s and ${v}s`, { option: FLAG, key });
    out[key] = v;
  }
  return out;
}

/** edgecore's timings with the set fields in place. */
export function edgecoreTimings(set: EdgecoreSet): Readonly<EdgeTimings> {
  const t: EdgeTimings = { ...EDGECORE_TIMINGS };
  for (const [key, s] of Object.entries(set)) {
    const f = EDGECORE_FIELDS[key]!;
    t[f.timing] = Math.round(f.toMs(s));
  }
  return t;
}

/** The edge's heartbeat in seconds under this set. */
export function heartbeatSeconds(set: EdgecoreSet): number {
  return set['modules.edgeHub.heartbeat'] ?? EDGECORE_FIELDS['modules.edgeHub.heartbeat']!.defaultS;
}

/** For the run's recorded options: `key=value,…`, durations in seconds. */
export function formatEdgecoreSet(set: EdgecoreSet): string {
  return Object.entries(set)
    .map(([k, v]) => `${k}=${EDGECORE_FIELDS[k]?.unit === 'duration' ? `${v}s` : v}`)
    .join(',');
}
