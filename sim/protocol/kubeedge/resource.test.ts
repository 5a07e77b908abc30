import { describe, expect, it } from 'vitest';
import { formatResource, objectResource, parseResource, resourceTypeOf, type EdgeResource } from './resource.js';

describe('parseResource', () => {
  it.each<[string, EdgeResource]>([
    ['default/pod/web', { kind: 'object', namespace: 'default', type: 'pod', name: 'web' }],
    ['null/node/vn-1', { kind: 'object', namespace: null, type: 'node', name: 'vn-1' }],
    ['null/nodepatch/vn-1', { kind: 'object', namespace: null, type: 'nodepatch', name: 'vn-1' }],
    ['kube-node-lease/lease/trace-0001', { kind: 'object', namespace: 'kube-node-lease', type: 'lease', name: 'trace-0001' }],
    ['default/serviceaccounttoken/default', { kind: 'object', namespace: 'default', type: 'serviceaccounttoken', name: 'default' }],
    ['default/configmap/kube-root-ca.crt', { kind: 'object', namespace: 'default', type: 'configmap', name: 'kube-root-ca.crt' }],
    ['default/podstatus', { kind: 'collection', namespace: 'default', type: 'podstatus' }],
    ['null/persistentvolume', { kind: 'collection', namespace: null, type: 'persistentvolume' }],
    ['device/default/thermo-1/twin/edge_updated', { kind: 'device', namespace: 'default', name: 'thermo-1', topic: 'twin/edge_updated' }],
    ['device/default/thermo-1/twin/cloud_updated', { kind: 'device', namespace: 'default', name: 'thermo-1', topic: 'twin/cloud_updated' }],
    ['device/factory/press/state/update', { kind: 'device', namespace: 'factory', name: 'press', topic: 'state/update' }],
    ['device/factory/press/updated', { kind: 'device', namespace: 'factory', name: 'press', topic: 'updated' }],
    ['membership', { kind: 'membership', detail: false }],
    ['membership/detail', { kind: 'membership', detail: true }],
    ['k8s/ca.crt', { kind: 'k8s-ca' }],
    [
      'operations.kubeedge.io/v1alpha2/nodeupgradejob/up-1/node/vn-1',
      { kind: 'node-task', version: 'v1alpha2', jobKind: 'nodeupgradejob', job: 'up-1', node: 'vn-1' },
    ],
  ])('%s', (raw, parsed) => {
    expect(parseResource(raw)).toEqual(parsed);
    expect(formatResource(parsed)).toBe(raw);
  });

  it('namespace "device" with three segments is an ordinary object', () => {
    expect(parseResource('device/device/x')).toEqual({ kind: 'object', namespace: 'device', type: 'device', name: 'x' });
  });

  it.each(['', 'node', 'twin', 'a/b/c/d', '/pod/x', 'default//x', 'default/pod/', 'a/b/c/d/e/f/g', 'node/vn-1/default/pod/web'])(
    'unknown shape %j is "other", kept verbatim, never a throw',
    (raw) => {
      expect(parseResource(raw)).toEqual({ kind: 'other', raw });
      expect(formatResource(parseResource(raw))).toBe(raw);
    },
  );

  it('format(parse(s)) is the identity for arbitrary strings', () => {
    const alphabet = ['a', 'null', 'device', 'k8s', 'ca.crt', 'membership', 'detail', 'node', '', 'operations.kubeedge.io'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const parts = Array.from({ length: 1 + next(7) }, () => alphabet[next(alphabet.length)] ?? '');
      const raw = parts.join('/');
      expect(formatResource(parseResource(raw))).toBe(raw);
    }
  });
});

describe('helpers', () => {
  it('resourceTypeOf reads the type segment of objects and collections only', () => {
    expect(resourceTypeOf('null/node/vn-1')).toBe('node');
    expect(resourceTypeOf('default/podstatus')).toBe('podstatus');
    expect(resourceTypeOf('k8s/ca.crt')).toBeUndefined();
    expect(resourceTypeOf('node')).toBeUndefined();
    expect(resourceTypeOf(undefined)).toBeUndefined();
  });

  it('objectResource writes null for cluster-scoped objects', () => {
    expect(objectResource(null, 'node', 'vn-1')).toBe('null/node/vn-1');
    expect(objectResource('default', 'pod', 'web')).toBe('default/pod/web');
  });
});
