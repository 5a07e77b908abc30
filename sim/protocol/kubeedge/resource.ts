/**
 * The `route.resource` strings of the edge's view of the wire, parsed into a typed union and
 * formatted back. Every string parses: shapes this module does not know come back as `other`, so
 * `formatResource(parseResource(s)) === s` for any `s`.
 *
 * Shapes (protocol doc §3, §8, §9, §10; beehive model/message.go; edge/pkg/devicetwin/dtcommon):
 * - `<ns>/<type>/<name>` and `<ns>/<type>`, with ns `null` for cluster-scoped objects;
 * - `device/<ns>/<name>/<topic>` (devicetwin: `twin/edge_updated`, `twin/cloud_updated`,
 *   `state/update`, `updated`, …);
 * - `membership` (cloud → edge) and `membership/detail` (edge → cloud);
 * - `k8s/ca.crt`, exactly;
 * - `operations.kubeedge.io/<version>/<jobkind>/<job>/node/<node>` (node tasks).
 */

/** The namespace segment the edge writes for cluster-scoped objects (metamanager dao constants). */
export const CLUSTER_SCOPED_NAMESPACE = 'null';

export type EdgeResource =
  /** One object: `<ns>/<type>/<name>`. */
  | { kind: 'object'; namespace: string | null; type: string; name: string }
  /** All objects of a type: `<ns>/<type>` (e.g. the batch `podstatus`). */
  | { kind: 'collection'; namespace: string | null; type: string }
  /** A device-twin event about one device: `device/<ns>/<name>/<topic>`. */
  | { kind: 'device'; namespace: string; name: string; topic: string }
  /** Device membership: `membership` (cloud pushes), `membership/detail` (edge asks). */
  | { kind: 'membership'; detail: boolean }
  /** The cluster CA bundle query: `k8s/ca.crt`. */
  | { kind: 'k8s-ca' }
  /** A node-task step (§10): `operations.kubeedge.io/<version>/<jobKind>/<job>/node/<node>`. */
  | { kind: 'node-task'; version: string; jobKind: string; job: string; node: string }
  /** Anything else (`node` on a keepalive, `twin` on a device reply, …), kept verbatim. */
  | { kind: 'other'; raw: string };

export const K8S_CA_RESOURCE = 'k8s/ca.crt';
const MEMBERSHIP = 'membership';
const MEMBERSHIP_DETAIL = 'membership/detail';
const DEVICE_PREFIX = 'device';
const NODE_TASK_GROUP = 'operations.kubeedge.io';

function namespaceOf(segment: string): string | null {
  return segment === CLUSTER_SCOPED_NAMESPACE ? null : segment;
}

export function parseResource(resource: string): EdgeResource {
  if (resource === K8S_CA_RESOURCE) return { kind: 'k8s-ca' };
  if (resource === MEMBERSHIP) return { kind: 'membership', detail: false };
  if (resource === MEMBERSHIP_DETAIL) return { kind: 'membership', detail: true };
  const parts = resource.split('/');
  if (parts.some((p) => p.length === 0)) return { kind: 'other', raw: resource };
  const [first = '', second = '', third = ''] = parts;
  if (parts.length >= 4 && first === DEVICE_PREFIX) {
    return { kind: 'device', namespace: second, name: third, topic: parts.slice(3).join('/') };
  }
  if (parts.length === 6 && first === NODE_TASK_GROUP && parts[4] === 'node') {
    return { kind: 'node-task', version: second, jobKind: third, job: parts[3] ?? '', node: parts[5] ?? '' };
  }
  if (parts.length === 3) return { kind: 'object', namespace: namespaceOf(first), type: second, name: third };
  if (parts.length === 2) return { kind: 'collection', namespace: namespaceOf(first), type: second };
  return { kind: 'other', raw: resource };
}

export function formatResource(resource: EdgeResource): string {
  switch (resource.kind) {
    case 'object':
      return `${resource.namespace ?? CLUSTER_SCOPED_NAMESPACE}/${resource.type}/${resource.name}`;
    case 'collection':
      return `${resource.namespace ?? CLUSTER_SCOPED_NAMESPACE}/${resource.type}`;
    case 'device':
      return `${DEVICE_PREFIX}/${resource.namespace}/${resource.name}/${resource.topic}`;
    case 'membership':
      return resource.detail ? MEMBERSHIP_DETAIL : MEMBERSHIP;
    case 'k8s-ca':
      return K8S_CA_RESOURCE;
    case 'node-task':
      return `${NODE_TASK_GROUP}/${resource.version}/${resource.jobKind}/${resource.job}/node/${resource.node}`;
    case 'other':
      return resource.raw;
  }
}

/**
 * The resource type as cloudcore and metamanager read it (the segment before the name, or the last
 * of two), or undefined when the resource is not an object or collection.
 */
export function resourceTypeOf(resource: string | undefined): string | undefined {
  if (resource === undefined) return undefined;
  const parsed = parseResource(resource);
  return parsed.kind === 'object' || parsed.kind === 'collection' ? parsed.type : undefined;
}

/** Shorthand for `<ns>/<type>/<name>`, ns `null` for cluster-scoped objects. */
export function objectResource(namespace: string | null, type: string, name: string): string {
  return formatResource({ kind: 'object', namespace, type, name });
}
