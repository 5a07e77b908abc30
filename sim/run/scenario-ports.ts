/**
 * Binds a scenario runner to one run: the fleet (faults, shard restarts, readiness), the cloud
 * (its connected-nodes count), the API's view of node readiness, and the recorder.
 */
import type { ControlPlane } from '../cloud/control-plane.js';
import type { LoopbackControlPlane } from '../cloud/loopback/loopback-control-plane.js';
import type { MetricsScraper } from '../cloud/metrics-scraper.js';
import type { FleetController } from '../fleet/controller/fleet-controller.js';
import { nodeName } from '../fleet/ipc-messages.js';
import type { RunEvent } from '../model/run-events.js';
import type { RunReducer } from '../record/run-reducer.js';
import type { ApiNodeTracker } from '../scenario/api-node-tracker.js';
import type { LinkTracker } from '../scenario/link-tracker.js';
import type { NodeRange } from '../scenario/scenario-loader.js';
import type { ScenarioPorts } from '../scenario/scenario-runner.js';
import type { ScenarioWorkload } from '../scenario/scenario-workload.js';
import type { SimOptions } from './sim-options.js';
import { FleetFaults } from './scenario-faults.js';
import type { RunDevices } from './run-devices.js';
import type { FleetDeviceCounters } from '../scenario/device-phase.js';

export interface ScenarioBinding {
  runStartedAtMs: number;
  options: SimOptions;
  fleet: FleetController;
  cloud: ControlPlane;
  scraper: MetricsScraper | undefined;
  workload: ScenarioWorkload | undefined;
  devices: RunDevices | undefined;
  links: LinkTracker;
  apiNodes: ApiNodeTracker | undefined;
  reducer: RunReducer;
  record(event: RunEvent): void;
  interrupted(): boolean;
  log(line: string): void;
}

export function bindScenarioPorts(b: ScenarioBinding): ScenarioPorts {
  const faults = new FleetFaults(b.fleet);
  return {
    runStartedAtMs: b.runStartedAtMs,
    nodeName: (i) => nodeName(b.options.namePrefix, i),
    workload: b.workload,
    devices: b.devices?.port(() => fleetDeviceCounters(b.fleet)),
    links: b.links,
    applyFault: (id, fault, range) => faults.apply(id, fault, range),
    healFault: (id) => faults.heal(id),
    restartShards: (range) => restartShards(b.fleet, faults, range),
    setReconnectJitter: async (ms) => b.fleet.setReconnectJitter(ms),
    readyNodes: () => b.fleet.totals().states.ready,
    pendingDeliveries: () => b.reducer.pendingDeliveries(),
    cloudConnected: () => cloudConnected(b),
    apiNotReady: (range, since) => b.apiNodes?.notReadySince(range, since) ?? null,
    apiReadyAgain: (range) => (b.apiNodes ? range.count - b.apiNodes.notReadyNow(range) : null),
    cloudRestart: b.cloud.cloudRestart,
    apiNotReadySpans: (range, since) => b.apiNodes?.notReadySpans(range, since) ?? null,
    firstFailedSends: (since) => b.reducer.firstFailedSends.since(since),
    resentObjects: () => b.reducer.resentObjects(),
    phaseDeliveries: (phase) => b.reducer.phaseDeliveries(phase),
    record: b.record,
    interrupted: b.interrupted,
    log: b.log,
  };
}

/** The fleet's device counters with the span of the shard snapshots they sum. */
function fleetDeviceCounters(fleet: FleetController): FleetDeviceCounters | undefined {
  const snapshots = fleet.latestSnapshots();
  const counters = fleet.totals().devices;
  if (!counters || snapshots.length === 0) return undefined;
  const at = snapshots.map((s) => s.atMs);
  return { counters, oldestMs: Math.min(...at), newestMs: Math.max(...at) };
}

/** cloudcore's connected-nodes gauge (scraped each second during scenarios), or the loopback peer's session count. */
async function cloudConnected(b: ScenarioBinding): Promise<number | null> {
  if (b.cloud.provider === 'loopback') {
    const stats = await (b.cloud as LoopbackControlPlane).peer.stats().catch(() => undefined);
    return stats ? stats.sessions : null;
  }
  return b.scraper?.latest('cloudcore', 'KubeEdge_CloudHub_connected_nodes') ?? null;
}

/**
 * Kill the shards hosting `range` and start them again, carrying the link faults still active so
 * offline nodes stay offline; compare each node's pods before the kill with what it restored.
 */
async function restartShards(fleet: FleetController, faults: FleetFaults, range: NodeRange): Promise<{ nodes: number; podsBefore: number; podsAfter: number; lost: number; duplicated: number }> {
  const shards = fleet.shardsHosting(range.first, range.count);
  const before: Record<string, string[]> = {};
  for (const i of shards) Object.assign(before, await fleet.inventory(i));
  for (const i of shards) await fleet.restartShard(i, (config) => faults.carryInto(config));
  const after: Record<string, string[]> = {};
  for (const i of shards) Object.assign(after, await fleet.inventory(i));
  let podsBefore = 0;
  let podsAfter = 0;
  let lost = 0;
  let duplicated = 0;
  for (const [node, held] of Object.entries(before)) {
    const restored = after[node] ?? [];
    podsBefore += held.length;
    podsAfter += restored.length;
    const restoredSet = new Set(restored);
    for (const uid of held) if (!restoredSet.has(uid)) lost++;
    // A uid restored twice, or a pod the node did not hold before the kill, is a duplicate.
    duplicated += restored.length - restoredSet.size;
    const heldSet = new Set(held);
    for (const uid of restoredSet) if (!heldSet.has(uid)) duplicated++;
  }
  return { nodes: Object.keys(before).length, podsBefore, podsAfter, lost, duplicated };
}
