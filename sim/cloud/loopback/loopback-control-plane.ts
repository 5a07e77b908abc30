/**
 * The loopback test peer as a control-plane provider: its own CA and join token, the :10002
 * certificate server in this process and the CloudHub side in a process of its own (so a run
 * measures only the shard processes). Everything it produces is a harness self-test, never a
 * KubeEdge measurement, and reports say so.
 */
import 'reflect-metadata';
import type { ControlPlane } from '../control-plane.js';
import { createLoopbackCa, issueJoinToken, issueServerCert } from './loopback-ca.js';
import { startCertServer } from './cert-server.js';
import { startPeerProcess, type PeerProcessHandle } from './peer-process.js';
import type { AckLaneConfig } from './ack-lane.js';

export const LOOPBACK_TITLE = 'harness self-test (loopback peer)';

export interface LoopbackOptions {
  nodeLimit: number;
  kubeedgeVersion: string;
  keepaliveTimeoutMs?: number;
  ackLane?: Partial<AckLaneConfig>;
  reconcileIntervalMs?: number;
  /** Forward peer events (pod-running, acks…) to this process. */
  forwardEvents?: boolean;
}

export interface LoopbackControlPlane extends ControlPlane {
  readonly provider: 'loopback';
  readonly peer: PeerProcessHandle;
}

export async function startLoopbackControlPlane(options: LoopbackOptions): Promise<LoopbackControlPlane> {
  const ca = await createLoopbackCa();
  const serverCert = await issueServerCert(ca);
  const certs = await startCertServer({ ca, serverCert });
  let peer: PeerProcessHandle;
  try {
    peer = await startPeerProcess({
      caPem: ca.certPem,
      serverCertPem: serverCert.certPem,
      serverKeyPem: serverCert.keyPem,
      nodeLimit: options.nodeLimit,
      kubeedgeVersion: options.kubeedgeVersion,
      forwardEvents: options.forwardEvents ?? false,
      ...(options.keepaliveTimeoutMs !== undefined ? { keepaliveTimeoutMs: options.keepaliveTimeoutMs } : {}),
      ...(options.ackLane ? { ackLane: options.ackLane } : {}),
      ...(options.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: options.reconcileIntervalMs } : {}),
      execArgv: ['--max-old-space-size=8192'],
    });
  } catch (error) {
    await certs.close();
    throw error;
  }
  return {
    provider: 'loopback',
    kubeedgeVersion: options.kubeedgeVersion,
    cloudhubUrl: peer.hubUrl,
    certsUrl: certs.url,
    token: issueJoinToken(ca),
    nodeLimit: options.nodeLimit,
    metricsTargets: [],
    processes: [{ name: 'loopback-peer', pid: peer.pid }],
    peer,
    async stop() {
      await Promise.allSettled([peer.stop(), certs.close()]);
    },
  };
}
