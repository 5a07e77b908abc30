import { describe, expect, it } from 'vitest';
import { podContainers, podQueries } from './pod-references.js';

describe('podQueries', () => {
  it('lists what the traced pod made edged query, in the traced order', () => {
    // pod-lifecycle.jsonl: ConfigMap volume, default SA projected volume, env from a Secret.
    const pod = {
      spec: {
        volumes: [
          { name: 'cfg', configMap: { name: 'trace-cm' } },
          {
            name: 'kube-api-access-x95s6',
            projected: {
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                { downwardAPI: { items: [] } },
              ],
            },
          },
        ],
        containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'trace-secret', key: 'k' } } }] }],
      },
    };
    expect(podQueries(pod)).toEqual([
      { kind: 'configmap', name: 'trace-cm' },
      { kind: 'serviceaccounttoken', name: 'default' },
      { kind: 'configmap', name: 'kube-root-ca.crt' },
      { kind: 'secret', name: 'trace-secret' },
    ]);
  });

  it('covers secret volumes, envFrom, imagePullSecrets and dedupes', () => {
    const pod = {
      spec: {
        serviceAccountName: 'robot',
        volumes: [{ secret: { secretName: 's1' } }, { projected: { sources: [{ serviceAccountToken: {} }, { secret: { name: 's2' } }] } }],
        containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'c1' } }, { secretRef: { name: 's1' } }] }],
        imagePullSecrets: [{ name: 'pull' }],
      },
    };
    expect(podQueries(pod)).toEqual([
      { kind: 'secret', name: 's1' },
      { kind: 'serviceaccounttoken', name: 'robot' },
      { kind: 'secret', name: 's2' },
      { kind: 'configmap', name: 'c1' },
      { kind: 'secret', name: 'pull' },
    ]);
  });

  it('returns nothing for garbage instead of throwing', () => {
    expect(podQueries(null)).toEqual([]);
    expect(podQueries({ spec: { volumes: 'x', containers: [null, 3] } })).toEqual([]);
    expect(podContainers({ spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'v' }, 7] }, {}] } })).toEqual([{ name: 'c', image: 'nginx', volumeMounts: [] }]);
  });
});
