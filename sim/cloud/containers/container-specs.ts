/**
 * What the `containers` provider starts, as plain data: the k3s server's command, cloudcore's
 * configuration and container arguments, loopback-only port bindings, and the credentials read
 * out of k3s's kubeconfig. Kept free of Docker so it can be tested without an engine.
 */
import { parse, stringify } from 'yaml';
import { pick as field } from '../../util/json-pick.js';

/** Same k3s as compose.yaml (Kubernetes v1.32.9; the local provider runs v1.32.10). */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s:v1.32.9-k3s1';
export const DEFAULT_CLOUDCORE_IMAGE = 'kubeedge/cloudcore:v1.23.1';
export const CONTAINERS_KUBEEDGE_VERSION = 'v1.23.1';

/** Ports cloudcore listens on inside its container (its defaults) and its monitor server. */
export const CLOUDCORE_PORTS = { cloudhub: 10000, certs: 10002, monitor: 9091 } as const;
export const K3S_API_PORT = 6443;
/** The names the two containers have on their private network. */
export const NETWORK_ALIASES = { k3s: 'k3s', cloudcore: 'cloudcore' } as const;
/** Where cloudcore's files are copied inside its container. */
export const CLOUDCORE_CONFIG_PATH = '/etc/twinlab/cloudcore.yaml';
export const CLOUDCORE_KUBECONFIG_PATH = '/etc/twinlab/kubeconfig';

export function containerImages(env: NodeJS.ProcessEnv = process.env, explicit: { k3s?: string; cloudcore?: string } = {}): { k3s: string; cloudcore: string } {
  return {
    k3s: explicit.k3s ?? env.TWINLAB_K3S_IMAGE ?? DEFAULT_K3S_IMAGE,
    cloudcore: explicit.cloudcore ?? env.TWINLAB_CLOUDCORE_IMAGE ?? DEFAULT_CLOUDCORE_IMAGE,
  };
}

/**
 * k3s without what a cloudcore test does not use. @testcontainers/k3s appends --tls-san for the
 * network alias, so cloudcore can reach it as https://k3s:6443.
 */
export function k3sCommand(): string[] {
  return ['server', '--disable=traefik,servicelb,metrics-server'];
}

export interface ContainerCloudcoreConfigInput {
  nodeLimit: number;
  /** Addresses put in cloudcore's server certificate and node annotations. Default ['127.0.0.1']. */
  advertiseAddress?: string[];
}

/**
 * cloudcore's configuration inside its container: deploy/compose/cloudcore.yaml's approach
 * (itself derived from the local provider's): listen on 0.0.0.0 inside the container (only
 * 127.0.0.1 is published on the host), no CA or server-certificate files so cloudcore creates its
 * own and keeps them in Secrets kubeedge/casecret and kubeedge/cloudcoresecret, iptables manager,
 * cloudStream, router, QUIC and the unix socket off. Unlike compose, advertiseAddress is only
 * 127.0.0.1: every edge dials it through the published ports, so that is the certificate's SAN.
 */
export function containerCloudcoreConfig(c: ContainerCloudcoreConfigInput): Record<string, unknown> {
  return {
    apiVersion: 'cloudcore.config.kubeedge.io/v1alpha1',
    kind: 'CloudCore',
    commonConfig: {
      monitorServer: { bindAddress: `0.0.0.0:${CLOUDCORE_PORTS.monitor}`, enableProfiling: false },
    },
    kubeAPIConfig: { master: '', kubeConfig: CLOUDCORE_KUBECONFIG_PATH },
    modules: {
      cloudHub: {
        enable: true,
        advertiseAddress: c.advertiseAddress ?? ['127.0.0.1'],
        dnsNames: ['localhost'],
        nodeLimit: c.nodeLimit,
        unixsocket: { enable: false, address: 'unix:///var/lib/kubeedge/kubeedge.sock' },
        websocket: { enable: true, address: '0.0.0.0', port: CLOUDCORE_PORTS.cloudhub },
        https: { enable: true, address: '0.0.0.0', port: CLOUDCORE_PORTS.certs },
        quic: { enable: false, address: '0.0.0.0' },
      },
      cloudStream: { enable: false },
      router: { enable: false, address: '0.0.0.0' },
      iptablesManager: { enable: false },
    },
  };
}

/** A fixed host port, or 'auto' for one the engine picks. */
export type HostPortChoice = number | 'auto';

export type ContainerPort = number | { container: number; host: number };

export interface CloudcoreContainerSpec {
  image: string;
  command: string[];
  files: Array<{ target: string; content: string; mode: number }>;
  ports: ContainerPort[];
}

export interface CloudcoreSpecInput {
  image: string;
  nodeLimit: number;
  /** k3s's kubeconfig with its server set to https://k3s:6443. */
  kubeconfig: string;
  cloudhubPort: HostPortChoice;
  certsPort: HostPortChoice;
}

export function cloudcoreContainerSpec(s: CloudcoreSpecInput): CloudcoreContainerSpec {
  const port = (container: number, host: HostPortChoice): ContainerPort => (host === 'auto' ? container : { container, host });
  return {
    image: s.image,
    // The image's entrypoint is cloudcore; compose.yaml passes the same two arguments.
    command: ['--config', CLOUDCORE_CONFIG_PATH],
    files: [
      { target: CLOUDCORE_CONFIG_PATH, content: stringify(containerCloudcoreConfig({ nodeLimit: s.nodeLimit })), mode: 0o600 },
      { target: CLOUDCORE_KUBECONFIG_PATH, content: s.kubeconfig, mode: 0o600 },
    ],
    ports: [port(CLOUDCORE_PORTS.cloudhub, s.cloudhubPort), port(CLOUDCORE_PORTS.certs, s.certsPort), CLOUDCORE_PORTS.monitor],
  };
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

/**
 * Docker publishes on every interface unless a binding names HostIp; testcontainers does not
 * name one, so the provider rewrites its bindings with this before the container is created.
 */
export function loopbackPortBindings(bindings: Record<string, PortBinding[] | undefined> | undefined): Record<string, PortBinding[]> {
  const out: Record<string, PortBinding[]> = {};
  for (const [port, list] of Object.entries(bindings ?? {})) {
    out[port] = (list ?? [{ HostPort: '0' }]).map((b) => ({ ...b, HostIp: '127.0.0.1' }));
  }
  return out;
}

export interface KubeconfigCredentials {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}


/** The server and the inline client-certificate credentials of a kubeconfig's current context (k3s writes them inline). */
export function kubeconfigCredentials(text: string): KubeconfigCredentials {
  const doc: unknown = parse(text);
  const current = field(doc, 'current-context');
  const contexts = field(doc, 'contexts');
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const ctx = list(contexts).find((c) => field(c, 'name') === current) ?? list(contexts)[0];
  const clusterName = field(ctx, 'context', 'cluster');
  const userName = field(ctx, 'context', 'user');
  const cluster = list(field(doc, 'clusters')).find((c) => field(c, 'name') === clusterName) ?? list(field(doc, 'clusters'))[0];
  const user = list(field(doc, 'users')).find((u) => field(u, 'name') === userName) ?? list(field(doc, 'users'))[0];
  const b64 = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || v === '') throw new Error(`kubeconfig has no ${what}`);
    return Buffer.from(v, 'base64').toString('utf8');
  };
  const server = field(cluster, 'cluster', 'server');
  if (typeof server !== 'string' || server === '') throw new Error('kubeconfig has no cluster server');
  return {
    server,
    caPem: b64(field(cluster, 'cluster', 'certificate-authority-data'), 'certificate-authority-data'),
    certPem: b64(field(user, 'user', 'client-certificate-data'), 'client-certificate-data'),
    keyPem: b64(field(user, 'user', 'client-key-data'), 'client-key-data'),
  };
}
