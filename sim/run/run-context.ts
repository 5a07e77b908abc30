/**
 * What every stage of a run is given: the options, where the run writes, how it records and
 * logs, its shared state and the teardown stack each stage pushes its undo onto; and what the
 * teardown collects for the run's last events.
 */
import type { ControlPlane } from '../cloud/control-plane.js';
import type { FleetTotals } from '../model/fleet-totals.js';
import type { FleetResult } from '../fleet/controller/fleet-controller.js';
import type { RunEvent } from '../model/run-events.js';
import type { ControlPlaneUsage } from '../model/run-summary.js';
import type { Sli } from '../model/slo.js';
import type { LoadedScenario } from '../scenario/scenario-loader.js';
import type { ApiWorkloadSection } from '../model/api-workload-section.js';
import type { RunRecorder } from './run-recorder.js';
import type { RunState } from './run-state.js';
import type { SimOptions } from './sim-options.js';
import type { TeardownStack } from './teardown-stack.js';

export type Log = (line: string) => void;

/** What a driver of several runs (the capacity sweep) may hook into; a plain `twinlab sim` passes none. */
export interface RunHooks {
  /** The cloud is up and the fleet about to start: e.g. to scrape its metrics targets alongside the run. */
  onCloud?: (cloud: ControlPlane) => void;
  /** End the run this long after every node is Ready; the fleet's --duration still bounds the whole run. */
  steadyMs?: number;
}

export interface RunContext {
  /** The options with the scenario's applied. */
  readonly o: SimOptions;
  readonly scenario: LoadedScenario | undefined;
  readonly outDir: string;
  readonly startedAtMs: number;
  readonly recorder: RunRecorder;
  readonly record: (e: RunEvent) => void;
  readonly log: Log;
  readonly hooks: RunHooks;
  readonly state: RunState;
  readonly teardown: TeardownStack;
  /** Filled by the teardown steps, read for the final snapshot and `run-end`. */
  readonly outcome: RunOutcome;
}

/** The API workload's results, taken once, while the fleet still runs. */
export interface ApiWorkloadOutcome {
  section: ApiWorkloadSection;
  slis: Record<string, Sli>;
  podStartupMs: number[];
}

/** What the teardown collected; each part stays null (or empty) when its stage never started. */
export interface RunOutcome {
  /** The fleet's totals from the shards' last live snapshots, before they were told to stop. */
  live: FleetTotals | null;
  fleet: FleetResult | null;
  controlPlane: ControlPlaneUsage | null;
  /** cloudcore's connected-nodes gauge over the run: [wall ms, value]. */
  cloudcoreConnected: Array<[number, number]>;
  apiWorkload: ApiWorkloadOutcome | null;
}

export function emptyOutcome(): RunOutcome {
  return { live: null, fleet: null, controlPlane: null, cloudcoreConnected: [], apiWorkload: null };
}
