/**
 * What differs between the KubeEdge releases twinlab speaks (protocol doc §0): the namespace of
 * the edge's own Node resources, whether the edge reads its Node remotely, the Kubernetes
 * version in nodeInfo, and where device status goes.
 */
import { ConfigInvalidError } from '../errors.js';

export interface VersionProfile {
  /** e.g. "v1.23.1". */
  readonly kubeedgeVersion: string;
  /** The Kubernetes version this cloudcore supports (`CurrentSupportK8sVersion`), e.g. "v1.32.10". */
  readonly kubernetesVersion: string;
  /** `nodeInfo.kubeletVersion` as edged reports it: `<k8s>-kubeedge-<kubeedge>`. */
  readonly kubeletVersion: string;
  /** Namespace segment of `<ns>/node/<n>` and `<ns>/nodepatch/<n>`: "null" from 1.23, "default" before. */
  readonly nodeNamespace: 'null' | 'default';
  /** 1.21/1.22 edged reads its own Node with a remote `query` on every status sync. */
  readonly remoteNodeQuery: boolean;
  /** 1.23 pushes the Node down as an ACK-required `update` on every change. */
  readonly nodeEchoRequiresAck: boolean;
  /** Resource device twin reports are merged into: `devices` (status) before 1.23, `devicestatuses` from 1.23. */
  readonly deviceStatusResource: 'devices' | 'devicestatuses';
}

const KUBERNETES_BY_MINOR: Readonly<Record<number, string>> = {
  21: 'v1.30.7',
  22: 'v1.31.12',
  23: 'v1.32.10',
};

export const SUPPORTED_KUBEEDGE_VERSIONS = ['v1.21', 'v1.22', 'v1.23'] as const;
export const DEFAULT_KUBEEDGE_VERSION = 'v1.23.1';

/** Profile for a version like "v1.23.1", "1.22" or "v1.21.0"; unknown minors are a typed error. */
export function profileFor(version: string): VersionProfile {
  const match = /^v?1\.(\d+)(?:\.(\d+))?$/.exec(version.trim());
  const minor = match ? Number(match[1]) : NaN;
  const kubernetesVersion = KUBERNETES_BY_MINOR[minor];
  if (!match || kubernetesVersion === undefined) {
    throw new ConfigInvalidError(
      `--kubeedge-version ${JSON.stringify(version)} is not supported; use one of ${SUPPORTED_KUBEEDGE_VERSIONS.join(', ')} (e.g. v1.23.1)`,
      { option: 'kubeedge-version', value: version },
    );
  }
  const patch = match[2] ?? '0';
  const kubeedgeVersion = `v1.${minor}.${patch}`;
  const modern = minor >= 23;
  return {
    kubeedgeVersion,
    kubernetesVersion,
    kubeletVersion: `${kubernetesVersion}-kubeedge-${kubeedgeVersion}`,
    nodeNamespace: modern ? 'null' : 'default',
    remoteNodeQuery: !modern,
    nodeEchoRequiresAck: modern,
    deviceStatusResource: modern ? 'devicestatuses' : 'devices',
  };
}
