/**
 * resourceVersions as the ledger compares them: etcd's are decimal integers, ordered by value;
 * anything else (another store, a test double) can only be compared for equality.
 */

/** A parsed resourceVersion: a number when it fits exactly, a bigint when it does not, null when it is not decimal. */
export type RvOrder = number | bigint | null;

const DECIMAL = /^\d+$/;

export function parseRv(rv: string): RvOrder {
  if (!DECIMAL.test(rv)) return null;
  // 15 digits always fit a double exactly; longer ones (not seen from etcd, but legal) go to bigint.
  return rv.length <= 15 ? Number(rv) : BigInt(rv);
}

/**
 * Order of two resourceVersions: negative, zero or positive when both are decimal; 0 or null
 * (unordered) otherwise, as equal strings are the same version whatever they look like.
 */
export function compareRv(a: string, aOrder: RvOrder, b: string, bOrder: RvOrder): number | null {
  if (aOrder !== null && bOrder !== null) return aOrder < bOrder ? -1 : aOrder > bOrder ? 1 : 0;
  return a === b ? 0 : null;
}
