/**
 * The run's processes planned from the open-files limit before anything starts: how many shards,
 * how many loopback peer processes. A fleet that cannot fit is refused here with
 * TWL_OPEN_FILES_LIMIT, naming the limit, the numbers and what to do.
 */
import { planShardProcesses } from '../fleet/controller/shard-pool.js';
import { planPeerProcesses } from '../cloud/loopback/loopback-control-plane.js';
import { childOpenFilesLimit, ephemeralPortCount, type OpenFilesLimit } from '../util/open-files-limit.js';
import { filesNeeded, SHARD_OPEN_FILES, type ProcessPlan } from '../util/open-files-plan.js';
import type { SimOptions } from './sim-options.js';
import type { ControlPlane } from '../cloud/control-plane.js';
import { checkCloudcoreOpenFiles } from '../cloud/local/cloudcore-open-files.js';

export interface ProcessPlans {
  limit: OpenFilesLimit;
  shards: ProcessPlan;
  /** Only for the loopback peer (the other clouds' processes are not twinlab's to spread). */
  peer: ProcessPlan | undefined;
  /** Limits the run will meet that twinlab cannot plan around (recorded as `warning` events). */
  warnings: PlanWarning[];
}

export interface PlanWarning {
  code: string;
  message: string;
  context: Record<string, number | string>;
}

/**
 * One listening port takes at most as many connections from 127.0.0.1 as there are ephemeral
 * ports: a real cloudcore on this machine has one CloudHub port, so a larger fleet cannot connect.
 */
export function cloudhubPortWarning(nodes: number, cloud: string, ports: number | undefined): PlanWarning | undefined {
  if (cloud !== 'local' || ports === undefined || nodes <= ports) return undefined;
  const n = (v: number): string => v.toLocaleString('en-US');
  return {
    code: 'cloudhub-ephemeral-ports',
    message:
      `${n(nodes)} nodes dial cloudcore's one CloudHub port from 127.0.0.1, which has ${n(ports)} ephemeral ports (net.ipv4.ip_local_port_range): ` +
      `at most ${n(ports)} can be connected at once; widen the range (sysctl net.ipv4.ip_local_port_range) or run fewer nodes.`,
    context: { nodes, ephemeralPorts: ports },
  };
}

/** `--shards` remote shards, as many as asked: their open files are their pods' business. */
function remoteShardPlan(nodes: number, shards: number, limit: OpenFilesLimit): ProcessPlan {
  const perProcess = Math.ceil(nodes / Math.max(1, Math.min(shards, nodes)));
  return { processes: Math.min(shards, nodes), capacity: perProcess, perProcess, filesPerProcess: filesNeeded(SHARD_OPEN_FILES, perProcess), spread: false, limit };
}

export function planRunProcesses(o: SimOptions, cloud: string, log: (line: string) => void, limit: OpenFilesLimit = childOpenFilesLimit()): ProcessPlans {
  // A remote fleet's shards run elsewhere, under their own limits and from their own addresses:
  // this machine plans only what it runs.
  const shards = o.fleet !== 'local' ? remoteShardPlan(o.nodes, o.shards, limit) : planShardProcesses(o.nodes, o.shards, o.explicit.has('shards'), limit);
  const ports = ephemeralPortCount();
  const peer = cloud === 'loopback' ? planPeerProcesses(o.nodes, limit, ports) : undefined;
  const portWarning = o.fleet !== 'local' ? undefined : cloudhubPortWarning(o.nodes, cloud, ports);
  const soft = limit.soft.toLocaleString('en-US');
  if (shards.spread) {
    log(`open files: ${o.nodes.toLocaleString('en-US')} nodes need ${shards.processes} shards, not ${Math.min(o.shards, o.nodes)}: one shard holds at most ${shards.capacity.toLocaleString('en-US')} nodes within its open-files limit of ${soft} (${limit.source})`);
  }
  if (peer && peer.processes > 1) {
    log(`open files: the loopback peer runs as ${peer.processes} processes of up to ${peer.perProcess.toLocaleString('en-US')} nodes each, one port each (one process holds at most ${peer.capacity.toLocaleString('en-US')} within ${soft} files)`);
  }
  return { limit, shards, peer, warnings: portWarning ? [portWarning] : [] };
}

/** The plan's warnings, and for the local provider cloudcore's own open-files limit (read once it runs). */
export function limitWarnings(plans: ProcessPlans, cloud: ControlPlane, nodes: number): PlanWarning[] {
  const out = [...plans.warnings];
  const pid = cloud.provider === 'local' ? cloud.processes.find((p) => p.name === 'cloudcore')?.pid : undefined;
  const w = pid !== undefined ? checkCloudcoreOpenFiles(pid, nodes) : undefined;
  if (w) out.push({ code: w.code, message: w.message, context: { softLimit: w.limit.soft, hardLimit: w.limit.hard, nodes: w.nodes, fits: w.fits } });
  return out;
}
