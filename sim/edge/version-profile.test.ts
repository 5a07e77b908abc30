import { describe, expect, it } from 'vitest';
import { profileFor } from './version-profile.js';
import { TwinlabError } from '../errors.js';

describe('profileFor', () => {
  it('1.23 uses the null namespace, the local Node and v1.32.10', () => {
    const p = profileFor('v1.23.1');
    expect(p.nodeNamespace).toBe('null');
    expect(p.remoteNodeQuery).toBe(false);
    expect(p.kubeletVersion).toBe('v1.32.10-kubeedge-v1.23.1');
    expect(p.deviceStatusResource).toBe('devicestatuses');
  });

  it('1.21 and 1.22 use the default namespace and query the Node remotely', () => {
    expect(profileFor('1.22').kubeletVersion).toBe('v1.31.12-kubeedge-v1.22.0');
    const p = profileFor('v1.21.3');
    expect(p.nodeNamespace).toBe('default');
    expect(p.remoteNodeQuery).toBe(true);
    expect(p.nodeEchoRequiresAck).toBe(false);
    expect(p.kubernetesVersion).toBe('v1.30.7');
  });

  it('rejects versions it cannot speak with a typed error naming the option', () => {
    expect(() => profileFor('v1.19.0')).toThrow(TwinlabError);
    expect(() => profileFor('latest')).toThrow(/--kubeedge-version/);
  });
});
