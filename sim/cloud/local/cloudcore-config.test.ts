import { describe, expect, it } from 'vitest';
import { cloudcoreConfig } from './cloudcore-config.js';

const runDir = '/tmp/twinlab-run-x';
const cfg = cloudcoreConfig({
  runDir,
  kubeconfigPath: `${runDir}/admin.kubeconfig`,
  edgeCaCert: `${runDir}/pki/edge-ca.crt`,
  edgeCaKey: `${runDir}/pki/edge-ca.key`,
  websocketPort: 41000,
  httpsPort: 41002,
  monitorPort: 41091,
  nodeLimit: 2500,
});

function leaves(obj: unknown, path = ''): Array<[string, unknown]> {
  if (Array.isArray(obj)) return obj.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  if (typeof obj === 'object' && obj !== null) return Object.entries(obj).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [[path, obj]];
}

describe('cloudcore config for a loopback run', () => {
  const all = leaves(cfg);

  it('keeps every file and socket path inside the run dir', () => {
    const paths = all.filter(([, v]) => typeof v === 'string' && (v.startsWith('/') || v.startsWith('unix://')));
    expect(paths.length).toBeGreaterThanOrEqual(10);
    const outside = paths.filter(([, v]) => !String(v).replace(/^unix:\/\//, '').startsWith(`${runDir}/`));
    expect(outside).toEqual([]);
  });

  it('binds and advertises 127.0.0.1 only', () => {
    const addrs = all.filter(([k]) => /(address|bindAddress)(\[\d+\])?$/i.test(k) && !k.includes('unixsocket'));
    expect(addrs.map(([k]) => k).sort()).toEqual(
      [
        'commonConfig.monitorServer.bindAddress',
        'modules.cloudHub.advertiseAddress[0]',
        'modules.cloudHub.https.address',
        'modules.cloudHub.quic.address',
        'modules.cloudHub.websocket.address',
        'modules.router.address',
      ].sort(),
    );
    for (const [, v] of addrs) expect(String(v)).toMatch(/^127\.0\.0\.1(:\d+)?$/);
  });

  it('turns off what touches the host and sets the sizing the caller asked for', () => {
    const get = (k: string): unknown => all.find(([p]) => p === k)?.[1];
    expect(get('modules.iptablesManager.enable')).toBe(false);
    expect(get('modules.cloudStream.enable')).toBe(false);
    expect(get('modules.cloudHub.nodeLimit')).toBe(2500);
    expect(get('modules.cloudHub.websocket.port')).toBe(41000);
    expect(get('modules.cloudHub.https.port')).toBe(41002);
    expect(get('commonConfig.monitorServer.bindAddress')).toBe('127.0.0.1:41091');
  });

  it('disables the unix socket when its path would not fit in sun_path', () => {
    const long = cloudcoreConfig({
      runDir: `/tmp/${'x'.repeat(120)}`,
      kubeconfigPath: '/k',
      edgeCaCert: '/c',
      edgeCaKey: '/k',
      websocketPort: 1,
      httpsPort: 2,
      monitorPort: 3,
      nodeLimit: 1,
    });
    const enabled = leaves(long).find(([p]) => p === 'modules.cloudHub.unixsocket.enable')?.[1];
    expect(enabled).toBe(false);
  });
});
