/**
 * The cloudcore configuration for a loopback-only run. cloudcore merges this file over its own
 * defaults, so only what must differ is written: every address 127.0.0.1, every TLS and socket path
 * inside the run dir (the defaults live under /etc/kubeedge and /var/lib/kubeedge), iptables
 * management and the stream tunnel off, and the node limit the run is sized for. `set` holds the
 * user's what-if fields (`--cloudcore-set`, validated by parseCloudcoreSet), written over the rest.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { setPath, type KnobValue } from './config-path.js';

export interface CloudcoreConfigInput {
  runDir: string;
  kubeconfigPath: string;
  edgeCaCert: string;
  /** SEC1 PEM EC key. */
  edgeCaKey: string;
  websocketPort: number;
  httpsPort: number;
  monitorPort: number;
  nodeLimit: number;
  /** Field path → value; only CLOUDCORE_KNOBS fields (parseCloudcoreSet checks). */
  set?: Readonly<Record<string, KnobValue>>;
}

/** sun_path is 108 bytes including the NUL; beyond that the socket cannot be bound. */
const UNIX_PATH_MAX = 107;

export function cloudcoreConfig(c: CloudcoreConfigInput): Record<string, unknown> {
  const dir = join(c.runDir, 'cloudcore');
  const socketPath = join(dir, 'kubeedge.sock');
  const config: Record<string, unknown> = {
    apiVersion: 'cloudcore.config.kubeedge.io/v1alpha1',
    kind: 'CloudCore',
    commonConfig: {
      monitorServer: { bindAddress: `127.0.0.1:${c.monitorPort}`, enableProfiling: false },
    },
    kubeAPIConfig: { master: '', kubeConfig: c.kubeconfigPath },
    modules: {
      cloudHub: {
        enable: true,
        advertiseAddress: ['127.0.0.1'],
        dnsNames: ['localhost'],
        nodeLimit: c.nodeLimit,
        tlsCAFile: c.edgeCaCert,
        tlsCAKeyFile: c.edgeCaKey,
        // Absent on purpose: cloudcore then signs its own server cert with the edge CA for
        // advertiseAddress + dnsNames and keeps it in secret kubeedge/cloudcoresecret.
        tlsCertFile: join(dir, 'server.crt'),
        tlsPrivateKeyFile: join(dir, 'server.key'),
        unixsocket: {
          enable: Buffer.byteLength(socketPath) <= UNIX_PATH_MAX,
          address: `unix://${socketPath}`,
        },
        websocket: { enable: true, address: '127.0.0.1', port: c.websocketPort },
        https: { enable: true, address: '127.0.0.1', port: c.httpsPort },
        quic: { enable: false, address: '127.0.0.1' },
      },
      cloudStream: {
        enable: false,
        tlsTunnelCAFile: c.edgeCaCert,
        tlsTunnelCertFile: join(dir, 'stream', 'tunnel.crt'),
        tlsTunnelPrivateKeyFile: join(dir, 'stream', 'tunnel.key'),
        tlsStreamCAFile: join(dir, 'stream', 'streamCA.crt'),
        tlsStreamCertFile: join(dir, 'stream', 'stream.crt'),
        tlsStreamPrivateKeyFile: join(dir, 'stream', 'stream.key'),
      },
      router: { enable: false, address: '127.0.0.1' },
      iptablesManager: { enable: false },
    },
  };
  for (const [key, value] of Object.entries(c.set ?? {})) setPath(config, key, value);
  return config;
}

export function writeCloudcoreConfig(path: string, c: CloudcoreConfigInput): string {
  writeFileSync(path, stringify(cloudcoreConfig(c)), { mode: 0o600 });
  return path;
}
