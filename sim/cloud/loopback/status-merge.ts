/**
 * Enough of a strategic-merge patch for the status patches the kubelet sends (nodepatch, podpatch):
 * lists of conditions merge by `type`, container statuses by `name`, `$`-directives are skipped,
 * `null` deletes, maps merge recursively, anything else replaces.
 */

export type JsonObject = Record<string, unknown>;

const MERGE_KEYS: Readonly<Record<string, string>> = {
  conditions: 'type',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  ephemeralContainerStatuses: 'name',
  addresses: 'type',
  podIPs: 'ip',
  hostIPs: 'ip',
};

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mergeList(target: unknown, patch: unknown[], key: string): unknown[] {
  const out: unknown[] = Array.isArray(target) ? target.map((x) => (isJsonObject(x) ? { ...x } : x)) : [];
  for (const item of patch) {
    if (!isJsonObject(item)) {
      out.push(item);
      continue;
    }
    const id = item[key];
    const i = out.findIndex((x) => isJsonObject(x) && x[key] === id);
    if (i < 0) out.push(item);
    else out[i] = mergeObject(out[i] as JsonObject, item);
  }
  return out;
}

/** Return `target` with `patch` applied (a new object; `target` is not modified). */
export function mergeObject(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v) && MERGE_KEYS[k] !== undefined) {
      out[k] = mergeList(out[k], v, MERGE_KEYS[k]);
    } else if (isJsonObject(v) && isJsonObject(out[k])) {
      out[k] = mergeObject(out[k] as JsonObject, v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Structural equality for JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
