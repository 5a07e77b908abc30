/**
 * Binds a scenario runner to one run: the fleet (faults, shard restarts, readiness), the cloud
 * (its connected-nodes count), the API's view of node readiness, and the recorder.
 */
import type { ControlPlane } from '../cloud/control-plane.js';
import type { MetricsScraper } from '../cloud/metrics-scraper.js';
import type { FleetController } from '../fleet/controller/fleet-controller.js';
import type { ShardPool } from '../fleet/controller/shard-pool.js';
import { nodeName } from '../fleet/ipc-messages.js';
import type { RunEvent } from '../model/run-events.js';
import type { RunReducer } from '../record/run-reducer.js';
import type { ApiNodeTracker } from '../scenario/api-node-tracker.js';
import type { LinkTracker } from '../scenario/link-tracker.js';
import type { ScenarioPorts } from '../scenario/scenario-runner.js';
import type { ScenarioWorkload } from '../scenario/scenario-workload.js';
import type { SimOptions } from './sim-options.js';
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
  const { shards, faults } = b.fleet;
  return {
    runStartedAtMs: b.runStartedAtMs,
    nodeName: (i) => nodeName(b.options.namePrefix, i),
    workload: b.workload,
    devices: b.devices?.port(() => fleetDeviceCounters(shards)),
    links: b.links,
    injectFault: (fault) => faults.inject(fault),
    healFault: async (id) => {
      await faults.heal(id);
    },
    readyNodes: () => shards.totals().states.ready,
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
function fleetDeviceCounters(fleet: ShardPool): FleetDeviceCounters | undefined {
  const snapshots = fleet.latestSnapshots();
  const counters = fleet.totals().devices;
  if (!counters || snapshots.length === 0) return undefined;
  const at = snapshots.map((s) => s.atMs);
  return { counters, oldestMs: Math.min(...at), newestMs: Math.max(...at) };
}

/** cloudcore's connected-nodes gauge (scraped each second during scenarios), or the loopback peer's session count. */
async function cloudConnected(b: ScenarioBinding): Promise<number | null> {
  if (b.cloud.connectedNodes) return b.cloud.connectedNodes();
  return b.scraper?.latest('cloudcore', 'KubeEdge_CloudHub_connected_nodes') ?? null;
}
