import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CLOUDCORE_CONFIG_PATH,
  CLOUDCORE_KUBECONFIG_PATH,
  DEFAULT_CLOUDCORE_IMAGE,
  DEFAULT_K3S_IMAGE,
  cloudcoreContainerSpec,
  containerCloudcoreConfig,
  containerImages,
  k3sCommand,
  kubeconfigCredentials,
  loopbackPortBindings,
} from './container-specs.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function composeCloudcoreConfig(nodeLimit: number): Record<string, unknown> {
  const template = readFileSync(join(repoRoot, 'deploy', 'compose', 'cloudcore.yaml'), 'utf8');
  return parse(template.replaceAll('__TWINLAB_CLOUDCORE_IP__', '10.213.46.10').replaceAll('__TWINLAB_NODE_LIMIT__', String(nodeLimit))) as Record<string, unknown>;
}

describe('cloudcore configuration in its container', () => {
  it('is the compose stack configuration except the advertised address, DNS names and kubeconfig path', () => {
    const ours = containerCloudcoreConfig({ nodeLimit: 1234 });
    const compose = composeCloudcoreConfig(1234);
    const normalise = (c: Record<string, unknown>): unknown => {
      const copy = structuredClone(c) as { kubeAPIConfig: Record<string, unknown>; modules: { cloudHub: Record<string, unknown> } };
      delete copy.kubeAPIConfig.kubeConfig;
      delete copy.modules.cloudHub.advertiseAddress;
      delete copy.modules.cloudHub.dnsNames;
      return copy;
    };
    expect(normalise(ours)).toEqual(normalise(compose));
    const hub = (ours.modules as { cloudHub: Record<string, unknown> }).cloudHub;
    // Edges dial 127.0.0.1 through the published ports: that is the server certificate's SAN.
    expect(hub.advertiseAddress).toEqual(['127.0.0.1']);
    expect(hub.nodeLimit).toBe(1234);
    expect((ours.kubeAPIConfig as Record<string, unknown>).kubeConfig).toBe(CLOUDCORE_KUBECONFIG_PATH);
  });

  it('names no CA or certificate files, so cloudcore makes its own CA and keeps it in kubeedge/casecret', () => {
    const text = JSON.stringify(containerCloudcoreConfig({ nodeLimit: 10 }));
    expect(text).not.toMatch(/tls(CA|CAKey|Cert|PrivateKey)File|tlsTunnel|tlsStream/);
  });
});

describe('container arguments', () => {
  it('k3s runs without traefik, servicelb and metrics-server; images are pinned and overridable', () => {
    expect(k3sCommand()).toEqual(['server', '--disable=traefik,servicelb,metrics-server']);
    expect(containerImages({})).toEqual({ k3s: DEFAULT_K3S_IMAGE, cloudcore: DEFAULT_CLOUDCORE_IMAGE });
    expect(DEFAULT_K3S_IMAGE).toMatch(/^rancher\/k3s:v1\.32\.\d+-k3s\d+$/);
    expect(DEFAULT_CLOUDCORE_IMAGE).toBe('kubeedge/cloudcore:v1.23.1');
    expect(containerImages({ TWINLAB_CLOUDCORE_IMAGE: 'registry.local/cloudcore:v1.23.1' }, { k3s: 'k3s:mine' })).toEqual({
      k3s: 'k3s:mine',
      cloudcore: 'registry.local/cloudcore:v1.23.1',
    });
  });

  it('cloudcore gets its config and kubeconfig as files, fixed or engine-picked CloudHub ports, and its monitor port', () => {
    const fixed = cloudcoreContainerSpec({ image: 'cc', nodeLimit: 77, kubeconfig: 'apiVersion: v1\n', cloudhubPort: 10000, certsPort: 10002 });
    expect(fixed.command).toEqual(['--config', CLOUDCORE_CONFIG_PATH]);
    expect(fixed.ports).toEqual([{ container: 10000, host: 10000 }, { container: 10002, host: 10002 }, 9091]);
    expect(fixed.files.map((f) => [f.target, f.mode])).toEqual([
      [CLOUDCORE_CONFIG_PATH, 0o600],
      [CLOUDCORE_KUBECONFIG_PATH, 0o600],
    ]);
    expect(parse(fixed.files[0]?.content ?? '')).toEqual(containerCloudcoreConfig({ nodeLimit: 77 }));
    expect(fixed.files[1]?.content).toBe('apiVersion: v1\n');
    const auto = cloudcoreContainerSpec({ image: 'cc', nodeLimit: 1, kubeconfig: '', cloudhubPort: 'auto', certsPort: 'auto' });
    expect(auto.ports).toEqual([10000, 10002, 9091]);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    expect(loopbackPortBindings({ '6443/tcp': [{ HostPort: '0' }], '10000/tcp': [{ HostPort: '10000' }] })).toEqual({
      '6443/tcp': [{ HostPort: '0', HostIp: '127.0.0.1' }],
      '10000/tcp': [{ HostPort: '10000', HostIp: '127.0.0.1' }],
    });
    expect(loopbackPortBindings(undefined)).toEqual({});
  });
});

describe('k3s kubeconfig credentials', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  // The shape k3s writes to /etc/rancher/k3s/k3s.yaml: one cluster, user and context, all "default".
  const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64('-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n')}
    server: https://localhost:32768
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: ${b64('-----BEGIN CERTIFICATE-----\nADMIN\n-----END CERTIFICATE-----\n')}
    client-key-data: ${b64('-----BEGIN EC PRIVATE KEY-----\nKEY\n-----END EC PRIVATE KEY-----\n')}
`;
  it('reads the server and the inline PEMs', () => {
    const c = kubeconfigCredentials(kubeconfig);
    expect(c.server).toBe('https://localhost:32768');
    expect(c.caPem).toContain('\nCA\n');
    expect(c.certPem).toContain('\nADMIN\n');
    expect(c.keyPem).toContain('EC PRIVATE KEY');
  });
  it('names what is missing', () => {
    expect(() => kubeconfigCredentials(kubeconfig.replace(/client-key-data: .*/, ''))).toThrow('kubeconfig has no client-key-data');
  });
});
