/**
 * The run's workload stage, once the fleet runs: a scenario's timeline (its faults healed on the
 * way out), or the API workload's pods against a real cloud, or pods made directly on the
 * loopback peer; and a plain run's devices bound once the fleet is Ready.
 */
import type { ControlPlane, DirectWorkload } from '../cloud/control-plane.js';
import type { FleetController } from '../fleet/controller/fleet-controller.js';
import type { ShardPool } from '../fleet/controller/shard-pool.js';
import { nodeName } from '../fleet/ipc-messages.js';
import type { ApiNodeTracker } from '../scenario/api-node-tracker.js';
import type { LinkTracker } from '../scenario/link-tracker.js';
import { ScenarioRunner } from '../scenario/scenario-runner.js';
import { ApiScenarioWorkload, LoopbackScenarioWorkload, type ScenarioWorkload } from '../scenario/scenario-workload.js';
import type { ApiWorkload } from './api-workload.js';
import { expectationsFromDriver } from './driver-expectations.js';
import type { RunContext } from './run-context.js';
import type { RunDevices } from './run-devices.js';
import type { RunMeasurements } from './run-measurements.js';
import { bindScenarioPorts } from './scenario-ports.js';
import type { SimOptions } from './sim-options.js';

export interface WorkloadInputs {
  cloud: ControlPlane;
  fleet: FleetController;
  fleetStartedAtMs: number;
  apiWorkload: ApiWorkload | undefined;
  devices: RunDevices | undefined;
  measurements: RunMeasurements;
  links: LinkTracker;
  apiNodes: ApiNodeTracker;
}

/** A started workload: settles when it has done what it was asked (resolved at once when there is none). */
export interface StartedWorkload {
  done: Promise<void>;
  /** A plain run's devices bound to their nodes. */
  devicesBound: Promise<void>;
}

export async function startWorkload(run: RunContext, w: WorkloadInputs): Promise<StartedWorkload> {
  const { o, scenario, state, record, recorder } = run;
  const { cloud, fleet, apiWorkload, devices } = w;
  const deadline = w.fleetStartedAtMs + o.durationMs;
  if (apiWorkload) {
    const driver = apiWorkload.driver;
    driver.on((e) => w.apiNodes.onWorkload(e));
    if (!scenario) driver.on(expectationsFromDriver(record, () => recorder.reducer.phase));
  }
  let done: Promise<void> = Promise.resolve();
  if (scenario) {
    if (apiWorkload) await apiWorkload.driver.ensureNamespace('twinlab');
    const direct = cloud.workload;
    const port: ScenarioWorkload | undefined = apiWorkload
      ? new ApiScenarioWorkload(apiWorkload.driver, 'twinlab')
      : direct
        ? new LoopbackScenarioWorkload((command) => direct.command(command))
        : undefined;
    const runner = new ScenarioRunner(
      scenario,
      bindScenarioPorts({
        runStartedAtMs: run.startedAtMs,
        options: o,
        fleet,
        cloud,
        scraper: w.measurements.scraper,
        workload: port,
        devices,
        links: w.links,
        apiNodes: apiWorkload ? w.apiNodes : undefined,
        reducer: recorder.reducer,
        record,
        interrupted: () => state.interrupted || state.error !== null || state.stalled,
        log: run.log,
      }),
    );
    run.teardown.push('scenario faults', () => runner.healAll().catch(() => undefined));
    // After the last phase, wait for the shards' next snapshots so the end state is current.
    done = runner.run().then(
      async () => {
        await new Promise((r) => setTimeout(r, 1200));
        state.wake();
      },
      (error: unknown) => {
        // A scenario has no deadline: a failed phase must end the wait, or the run waits for SIGINT.
        state.wake();
        throw error;
      },
    );
  } else if (apiWorkload) {
    done = apiWorkload.run(w.fleetStartedAtMs + o.durationMs / 2, deadline, () => state.interrupted || state.steadyDone);
  } else if (o.podsPerNode > 0 && cloud.workload) {
    const direct = cloud.workload;
    // Start the workload once every node is Ready (or a third of the run has passed).
    const readyBy = w.fleetStartedAtMs + o.durationMs / 3;
    done = (async () => {
      while (!state.interrupted && Date.now() < readyBy && fleet.shards.totals().states.ready < o.nodes) await new Promise((r) => setTimeout(r, 250));
      if (!state.interrupted) {
        const onCreated = (node: string, name: string, uid: string, resourceVersion: string, sentAt: number): void =>
          record({ t: 'expect', atMs: sentAt, node, kind: 'pod', namespace: 'default', name, uid, resourceVersion, phase: recorder.reducer.phase });
        await driveLoopbackPods(direct, o, onCreated, () => state.interrupted || Date.now() >= deadline);
      }
    })();
  }
  // A plain run binds its devices once every node is Ready (or a third of the run has passed); a scenario after its ramp.
  const devicesBound = devices && !scenario ? bindWhenReady(devices, fleet.shards, o.nodes, w.fleetStartedAtMs + o.durationMs / 3, () => state.interrupted) : Promise.resolve();
  return { done, devicesBound };
}

/** Create pods on the loopback peer at `podRate`/s: the harness self-test's workload. */
async function driveLoopbackPods(
  cloud: DirectWorkload,
  o: SimOptions,
  onCreated: (node: string, name: string, uid: string, resourceVersion: string, sentAt: number) => void,
  stopped: () => boolean,
): Promise<void> {
  const total = o.nodes * o.podsPerNode;
  const intervalMs = 1000 / o.podRate;
  let next = Date.now();
  for (let i = 0; i < total && !stopped(); i++) {
    const node = nodeName(o.namePrefix, i % o.nodes);
    const pod = {
      metadata: { name: `twinlab-${i}`, namespace: 'default', labels: { app: 'twinlab' } },
      spec: {
        containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }],
        tolerations: [{ operator: 'Exists' }],
      },
    };
    const sentAt = Date.now();
    const result = await cloud.command({ kind: 'createPod', node, pod });
    onCreated(node, pod.metadata.name, result.uid, result.resourceVersion, sentAt);
    next += intervalMs;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

async function bindWhenReady(devices: RunDevices, fleet: ShardPool, nodes: number, readyBy: number, stopped: () => boolean): Promise<void> {
  while (!stopped() && Date.now() < readyBy && fleet.totals().states.ready < nodes) await new Promise((r) => setTimeout(r, 250));
  if (!stopped()) await devices.bind();
}
