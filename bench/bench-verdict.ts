/**
 * `pnpm bench`'s verdict for one fleet size: RSS per node, all Ready, event-loop lag, and steady
 * CPU judged against the transport floor measured in the same run (same node count, shard count and
 * steady window) — a fixed CPU target would sit below what this machine's TLS sockets cost on their
 * own, and a check that always fails teaches people to ignore it.
 */
import type { Check, FloorResult } from './transport-floor/floor-result.js';

const KB = 1024;
export const TARGET_RSS_PER_NODE_BYTES = 64 * KB;
export const TARGET_LAG_P99_MS = 50;
/** Steady CPU may be at most this multiple of the floor: what the node model and the shard may add to bare TLS. */
export const STEADY_CPU_OVER_FLOOR = 1.25;

export interface FloorFigures {
  cpuPctOfCorePer10k: number;
  /** The floor's own checks (connections up, schedule kept, frames delivered); a floor that failed one is not a measure. */
  checks: Check[];
}

export interface SizeFigures {
  nodes: number;
  ready: number;
  allReady: boolean;
  steadyRssPerNodeKB: number;
  runLagP99Ms: number;
  cpuPctOfCorePer10k: number;
  floor: FloorFigures;
}

/** The floor's figures for the verdict, from its result and checks. */
export function floorFigures(result: Pick<FloorResult, 'cpuPctOfCorePer10k'>, checks: Check[]): FloorFigures {
  return { cpuPctOfCorePer10k: result.cpuPctOfCorePer10k, checks };
}

function cpuCheck(r: SizeFigures): Check {
  const name = `${r.nodes} nodes: steady CPU ≤ ${STEADY_CPU_OVER_FLOOR}× the transport floor measured in this run`;
  const failed = r.floor.checks.filter((c) => !c.pass).map((c) => c.name);
  const floor = r.floor.cpuPctOfCorePer10k;
  if (failed.length > 0 || !Number.isFinite(floor) || floor <= 0) {
    const why = failed.length > 0 ? `its checks failed: ${failed.join('; ')}` : `no figure (${floor})`;
    return { name, value: `${r.cpuPctOfCorePer10k.toFixed(2)} % of a core per 10k; the floor is not a measure, ${why}`, pass: false };
  }
  const ratio = r.cpuPctOfCorePer10k / floor;
  return {
    name,
    value: `${r.cpuPctOfCorePer10k.toFixed(2)} % vs floor ${floor.toFixed(2)} % of a core per 10k = ${ratio.toFixed(2)}×`,
    pass: ratio <= STEADY_CPU_OVER_FLOOR,
  };
}

export function benchChecks(rs: readonly SizeFigures[]): Check[] {
  const out: Check[] = [];
  for (const r of rs) {
    out.push({ name: `${r.nodes} nodes: RSS ≤ 64 KB/node (steady)`, value: `${r.steadyRssPerNodeKB.toFixed(1)} KB`, pass: r.steadyRssPerNodeKB * KB <= TARGET_RSS_PER_NODE_BYTES });
    out.push({ name: `${r.nodes} nodes: all Ready`, value: `${r.ready}/${r.nodes}`, pass: r.allReady });
    out.push({ name: `${r.nodes} nodes: event-loop lag p99 < ${TARGET_LAG_P99_MS} ms (whole run)`, value: `${r.runLagP99Ms.toFixed(1)} ms`, pass: r.runLagP99Ms < TARGET_LAG_P99_MS });
    out.push(cpuCheck(r));
  }
  return out;
}
