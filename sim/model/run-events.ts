/**
 * Everything a run records, one JSON object per line of events.jsonl. The summary and every
 * report are built from these events alone (run-reducer.ts), live or after the fact, so a run
 * killed with SIGKILL can still be reported.
 */
import type { FleetTotals, ShardPeak } from './fleet-totals.js';
import type { ShardEvent } from './shard-events.js';
import type { RunSummary, ControlPlaneUsage } from './run-summary.js';
import type { PhaseRecord } from './run-sections.js';
import type { SloSpec, Sli } from './slo.js';
import type { ApiCallSummary, ApiObservation, ApiPodCounts, ApiWorkloadSection } from './api-workload-section.js';
import type { DevicesSetup, FakeDeviceTotals } from './devices-section.js';
import type { EvidenceSample } from './evidence.js';
import type { ControlPlaneSeries } from './control-plane-series.js';

/** A change the workload made: the object's expected final state on `node` is now this. */
export interface Expectation {
  node: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  /** The RV the change produced; null when the change deleted the object. */
  resourceVersion: string | null;
  atMs: number;
  phase: string;
}

/** The run's stages, in order; each `stage` event starts one and ends the one before. */
export type RunStage = 'control-plane' | 'ramp' | 'steady' | 'teardown';

export type RunEvent =
  | {
      t: 'run-start';
      atMs: number;
      runId: string;
      twinlabVersion: string;
      requestedNodes: number;
      options: RunSummary['options'];
      slos: SloSpec[];
      scenario: { name: string; description: string; source: string; graceSeconds: number } | null;
    }
  | { t: 'cloud'; atMs: number; title: string; cloud: RunSummary['cloud'] }
  /** Fleet totals at one instant (about once a second). */
  | { t: 'snapshot'; atMs: number; totals: FleetTotals; cloudcoreConnected: number | null }
  /** What the shards reported: nodes Ready, objects received, links up/down, pods Running. */
  | { t: 'shard'; atMs: number; events: ShardEvent[] }
  /** The workload changed an object bound to a node; the node must end up with this state (null resourceVersion: deleted). */
  | ({ t: 'expect' } & Expectation)
  | { t: 'phase-start'; atMs: number; name: string; kind: string }
  | { t: 'phase-end'; atMs: number; record: PhaseRecord }
  | { t: 'fault-start'; atMs: number; id: string; phase: string; kind: string; detail: string; group: string; nodes: number }
  | { t: 'fault-end'; atMs: number; id: string }
  /** Each node's restored pods matched what it held before its shard was killed (or not). */
  | { t: 'restore-check'; atMs: number; phase: string; nodes: number; podsBefore: number; podsAfter: number; lost: number; duplicated: number }
  /** Samples that only exist at the end of a run: control-plane usage, API workload, shard peaks. */
  | {
      t: 'run-end';
      atMs: number;
      interrupted: boolean;
      error: { code: string; message: string } | null;
      fleet: { totals: FleetTotals; shards: ShardPeak[]; unansweredAtStop: number } | null;
      controlPlane: ControlPlaneUsage | null;
      cloudcoreConnectedNodes: Array<[number, number]>;
      workload: ApiWorkloadSection | null;
      workloadSlis: Record<string, Sli>;
      /** API-observed pod startup samples (real clouds); the loopback's come from the events. */
      apiPodStartupMs: number[] | null;
      extraSlis: Record<string, number | null>;
    }
  /**
   * The API workload's progress (about once a second while it runs, and when the run reads its
   * section): what it observed since the previous `api-workload` event, in order, and its counts
   * and call latencies so far. The first one, with nothing observed yet, says the run has one.
   */
  | {
      t: 'api-workload';
      atMs: number;
      observations: ApiObservation[];
      pods: ApiPodCounts;
      api: { mutating: ApiCallSummary; read: ApiCallSummary };
      /** ConfigMap updates done so far. */
      configMapUpdates: number;
      /** Errors new since the previous event. */
      errors: string[];
    }
  /** Where the run's /metrics is served; `fallbackFrom` is the default port that was taken, when it was. */
  | { t: 'metrics-endpoint'; atMs: number; url: string; requestedPort: number; fallbackFrom: number | null }
  /** The run started a process (a control-plane component, a shard, the loopback peer); also in the run's pids.jsonl. */
  | { t: 'process'; atMs: number; name: string; pid: number; startTime: number }
  /** The run entered a stage: the control plane is starting, the fleet started, every node was Ready, or the run is stopping. */
  | { t: 'stage'; atMs: number; stage: RunStage }
  /** No node became Ready for `windowS` while `pending` nodes were not Ready: the ramp stalled and the run ends. */
  | { t: 'ramp-stalled'; atMs: number; windowS: number; ready: number; pending: number; byState: Record<string, number> }
  /** One second of evidence for "what held the fleet back" (evidence.ts). */
  | ({ t: 'evidence' } & EvidenceSample)
  /**
   * Something the run found that may hold the fleet back, said once, before it bites (e.g.
   * `cloudcore-open-files`: cloudcore's open-files limit is below the node count). `context` holds
   * the numbers the message quotes.
   */
  | { t: 'warning'; atMs: number; code: string; message: string; context: Record<string, number | string> }
  /** The control plane over time, read from the run's own Prometheus at teardown (PromQL range queries). */
  | { t: 'prometheus-series'; atMs: number; series: ControlPlaneSeries }
  /** Control-plane RSS over time (for the soak slope): process name → RSS bytes. */
  | { t: 'cp-usage'; atMs: number; rssBytes: Record<string, number> }
  /** The run started fake devices and is binding them to the nodes. */
  | { t: 'devices-setup'; atMs: number; setup: DevicesSetup }
  /**
   * The device workload's progress (every few seconds and at the end): counts so far, and the
   * latency samples and distinct errors new since the previous `devices` event.
   */
  | {
      t: 'devices';
      atMs: number;
      created: number;
      createFailed: number;
      desiredSet: number;
      desiredWritten: number;
      desiredShown: number;
      /** Device read → value visible in the API (real clouds) or merged by the loopback peer, ms. */
      reportToApiMs: number[];
      desiredToReportedMs: number[];
      desiredToDeviceWriteMs: number[];
      errors: string[];
      fakeDevices: FakeDeviceTotals;
    };

