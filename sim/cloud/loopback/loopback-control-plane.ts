/**
 * The loopback test peer as a control-plane provider: its own CA and join token, the :10002
 * certificate server in this process and the CloudHub side in a process of its own (so a run
 * measures only the shard processes). Everything it produces is a harness self-test, never a
 * KubeEdge measurement, and reports say so.
 */
import 'reflect-metadata';
import type { ControlPlane, DirectWorkload } from '../control-plane.js';
import { createLoopbackCa, issueJoinToken, issueServerCert } from './loopback-ca.js';
import { startCertServer } from './cert-server.js';
import { startPeerFleet, type PeerFleetHandle } from './peer-fleet.js';
import type { AckLaneConfig } from './ack-lane.js';
import { PEER_OPEN_FILES, planProcesses, type ProcessPlan } from '../../util/open-files-plan.js';
import type { OpenFilesLimit } from '../../util/open-files-limit.js';

export const LOOPBACK_TITLE = 'harness self-test (loopback peer)';

export interface LoopbackOptions {
  nodeLimit: number;
  kubeedgeVersion: string;
  keepaliveTimeoutMs?: number;
  ackLane?: Partial<AckLaneConfig>;
  reconcileIntervalMs?: number;
  /** Forward peer events (pod-running, acks…) to this process. */
  forwardEvents?: boolean;
  /** Peer processes (planPeerProcesses); default 1. Each one's node limit is `nodeLimit`. */
  processes?: number;
}

export interface LoopbackControlPlane extends ControlPlane {
  readonly provider: 'loopback';
  readonly peer: PeerFleetHandle;
  /** One hub URL per peer process; the fleet dials node N at `hubUrls[hubSpreadIndex(N, …)]`. */
  readonly hubUrls: readonly string[];
  readonly workload: DirectWorkload;
  connectedNodes(): Promise<number | null>;
}

/**
 * Peer processes for `nodes` nodes: one per open-files budget, and no more nodes on one listening
 * port than 127.0.0.1 has ephemeral ports to dial it from (90 % of them; the rest are for the
 * sockets still closing).
 */
export function planPeerProcesses(nodes: number, limit: OpenFilesLimit, ephemeralPorts: number | undefined): ProcessPlan {
  return planProcesses({
    cost: PEER_OPEN_FILES,
    nodes,
    requested: 1,
    explicit: false,
    limit,
    ...(ephemeralPorts !== undefined
      ? { cap: { nodes: Math.floor(ephemeralPorts * 0.9), why: `no more than ${Math.floor(ephemeralPorts * 0.9).toLocaleString('en-US')} connections can reach one port from 127.0.0.1 (90 % of the ${ephemeralPorts.toLocaleString('en-US')} ephemeral ports)` } }
      : {}),
  });
}

export async function startLoopbackControlPlane(options: LoopbackOptions): Promise<LoopbackControlPlane> {
  const ca = await createLoopbackCa();
  const serverCert = await issueServerCert(ca);
  const certs = await startCertServer({ ca, serverCert });
  let peer: PeerFleetHandle;
  try {
    peer = await startPeerFleet({
      processes: options.processes ?? 1,
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
    processes: peer.pids.length === 1 ? [{ name: 'loopback-peer', pid: peer.pid }] : peer.pids.map((pid, i) => ({ name: `loopback-peer-${i}`, pid })),
    peer,
    hubUrls: peer.hubUrls,
    workload: { command: (command) => peer.command(command) },
    connectedNodes: async () => {
      const stats = await peer.stats().catch(() => undefined);
      return stats ? stats.sessions : null;
    },
    async stop() {
      await Promise.allSettled([peer.stop(), certs.close()]);
    },
  };
}
