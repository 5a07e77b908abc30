/**
 * Dotted paths (`modules.cloudHub.nodeLimit`) into the plain-object config trees written as YAML:
 * list the scalar leaves, read one, set one.
 */

export type KnobValue = number | boolean;

/** Every scalar leaf of a config object, as dotted paths (array items as [i]). */
export function configLeaves(obj: unknown, prefix = ''): Array<[string, unknown]> {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => configLeaves(v, `${prefix}[${i}]`));
  if (typeof obj === 'object' && obj !== null) return Object.entries(obj).flatMap(([k, v]) => configLeaves(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, obj]];
}

export function getPath(obj: unknown, key: string): unknown {
  let at: unknown = obj;
  for (const part of key.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/** Sets `key` in a plain-object tree, creating the sections on the way. */
export function setPath(obj: Record<string, unknown>, key: string, value: KnobValue): void {
  const parts = key.split('.');
  let at = obj;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}
