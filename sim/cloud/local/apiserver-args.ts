/**
 * `--apiserver-arg=--flag=value`: extra kube-apiserver flags for a what-if run (e.g.
 * `--max-requests-inflight=800`). Flags the local provider sets itself (etcd, ports, certs,
 * service accounts, authorization) are refused: a second value would break the run or move
 * kube-apiserver off 127.0.0.1.
 */
import { ConfigInvalidError } from '../../errors.js';

const FLAG = '--apiserver-arg';

/** Every flag local-control-plane.ts passes to kube-apiserver; startLocalControlPlane re-checks against the real list. */
export const PROVIDER_APISERVER_FLAGS: readonly string[] = [
  '--etcd-servers',
  '--bind-address',
  '--advertise-address',
  '--secure-port',
  '--cert-dir',
  '--tls-cert-file',
  '--tls-private-key-file',
  '--client-ca-file',
  '--service-account-issuer',
  '--service-account-key-file',
  '--service-account-signing-key-file',
  '--service-cluster-ip-range',
  '--authorization-mode',
  '--allow-privileged',
  '--endpoint-reconciler-type',
  '--requestheader-client-ca-file',
  '--requestheader-allowed-names',
  '--requestheader-extra-headers-prefix',
  '--requestheader-group-headers',
  '--requestheader-username-headers',
  '--proxy-client-cert-file',
  '--proxy-client-key-file',
];

/** Families that reach etcd, TLS material or other listeners: not what-ifs of this provider. */
const REFUSED_PREFIXES = ['--etcd-', '--tls-', '--kubelet-client-', '--service-account-', '--requestheader-', '--proxy-client-'];

const SHAPE = /^--([a-z0-9][a-z0-9-]*)(=.*)?$/;

/** The flag name of `--name=value` or `--name`. */
export function flagName(arg: string): string {
  const eq = arg.indexOf('=');
  return eq < 0 ? arg : arg.slice(0, eq);
}

/** Flags among `extra` that the provider's own `args` already set. */
export function collidingFlags(args: readonly string[], extra: readonly string[]): string[] {
  const own = new Set(args.map(flagName));
  return extra.map(flagName).filter((f) => own.has(f));
}

/** Validates every `--apiserver-arg` value: its shape, and that it is not one the provider owns. */
export function parseApiserverArgs(values: readonly string[]): string[] {
  for (const arg of values) {
    if (!SHAPE.test(arg)) {
      throw new ConfigInvalidError(`${FLAG} ${JSON.stringify(arg)}: expected one kube-apiserver flag as --name=value, e.g. ${FLAG}=--max-requests-inflight=800`, { option: FLAG, value: arg });
    }
    const name = flagName(arg);
    if (PROVIDER_APISERVER_FLAGS.includes(name) || REFUSED_PREFIXES.some((p) => name.startsWith(p))) {
      throw new ConfigInvalidError(
        `${FLAG} ${name}: set by the local provider and refused, because a second value would break the run. ` +
          `Refused: ${PROVIDER_APISERVER_FLAGS.join(', ')} and every flag starting ${REFUSED_PREFIXES.join(', ')}`,
        { option: FLAG, flag: name },
      );
    }
  }
  return [...values];
}
