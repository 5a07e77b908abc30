/**
 * The parts of the result model (summary.json) that scenarios, chaos and the delivery ledger add:
 * the phase timeline, the fault timeline, the ledger's verdicts and the time series the HTML
 * report draws. Every writer (json, markdown, html, junit) reads these types and nothing else.
 */
import type { Percentiles } from './percentiles.js';

/** One phase of a scenario's timeline as it actually ran; times are seconds since the run started. */
export interface PhaseRecord {
  name: string;
  /** Phase kind from the scenario schema: ramp, steady, churn, storm, flap, partition, blackhole, half-open, offline, restart-shards, heal, devices. */
  kind: string;
  startS: number;
  endS: number;
  /** Recovery times measured in this phase (e.g. `allReadyS` after a storm); null when the thing never happened. */
  recovery: Record<string, number | null>;
  /** How long the phase waited for its recoveries (its `timeout`), seconds; absent for phases that wait for nothing. */
  timeoutS?: number;
  /** A restart-cloud phase's node-by-node account. */
  cloudRestart?: CloudRestartRecord;
}

/**
 * A cloudcore restart node by node: which send failed first on each node, the nodes that prediction
 * says turn Unknown (lease lost or unanswered), the Nodes the API showed Unknown (after how long,
 * for how long), and how the two sets agree.
 */
export interface CloudRestartRecord {
  signal: string;
  /** How it was done, e.g. `SIGTERM pid 4711 → pid 4790`. */
  detail: string;
  /** Seconds since the run's start: the stop, and cloudcore serving CloudHub again. */
  stoppedS: number;
  readyS: number;
  nodes: number;
  firstFailedSend: { lease: string[]; keepalive: string[]; other: string[]; none: string[] };
  predictedUnknown: string[];
  /** null without an API server to watch. `afterS` from the stop; `forS` null when not Ready again by the phase's end. */
  unknown: Array<{ node: string; afterS: number; forS: number | null }> | null;
  agreement: { both: number; unknownOnly: string[]; predictedOnly: string[] } | null;
}

export interface ScenarioSection {
  name: string;
  description: string;
  /** Source file, or `built-in:<name>`. */
  source: string;
  phases: PhaseRecord[];
}

/** A link fault as it ran: which nodes, what, from when to when (seconds since start; endS null if still active at the end). */
export interface FaultRecord {
  id: string;
  phase: string;
  kind: string;
  /** Human-readable fault parameters, e.g. `delay 200±50 ms both`. */
  detail: string;
  group: string;
  nodes: number;
  startS: number;
  endS: number | null;
}

export interface LedgerCounts {
  /** Objects with an expected final state on a node (changes the workload made, collapsed per object). */
  expected: number;
  /** Expected final states the node saw by the end of the grace period. */
  delivered: number;
  /** Expected, never seen by the end of the grace period. */
  lost: number;
  /** Deliveries of a msg_id or UID+resourceVersion the node had already seen. */
  duplicated: number;
  /** An older resourceVersion delivered after a newer one of the same object. */
  reordered: number;
  /** A non-delete delivery of an object after its deletion had been delivered. */
  resurrected: number;
}

export interface LostObject {
  node: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  /** `rv <resourceVersion>` or `deleted`. */
  expected: string;
  /** What the node last saw: `rv <resourceVersion>`, `deleted`, or `nothing`. */
  lastSeen: string;
  phase: string;
}

export interface LedgerSection {
  graceSeconds: number;
  totals: LedgerCounts;
  byPhase: Array<{ phase: string } & LedgerCounts>;
  /** Workload change → first node receipt of that state, ms. */
  deliveryLatencyMs: Percentiles;
  /** Lost objects, at most `lostListLimit` of them; `lostNotListed` counts the rest. */
  lostObjects: LostObject[];
  lostNotListed: number;
  /** Upstream requests the nodes sent and never got a reply for (timeouts + pending at stop). */
  unansweredUpstream: number;
  /**
   * Lost pods created before cloudcore had sent their node its first Node update. cloudcore's
   * edgecontroller skips, for good, a pod whose node it has not cached yet
   * (cloud/pkg/edgecontroller/controller/downstream.go, `IsEdgeNode`). Present only when some were.
   */
  lostBeforeNodeCached?: number;
}

/** Per-second series over the run (index i = second i since start) for the HTML charts. */
export interface TimeSeries {
  atS: number[];
  connected: number[];
  ready: number[];
  reconnecting: number[];
  sentPerS: number[];
  receivedPerS: number[];
  /** cloudcore's KubeEdge_CloudHub_connected_nodes at the same instants (null where not scraped). */
  cloudcoreConnected: Array<number | null>;
}

/** A latency distribution for the HTML histograms: counts per bucket with upper bounds (ms). */
export interface Distribution {
  unit: string;
  bounds: number[];
  counts: number[];
}

/** One limit or symptom a rule found in the run's evidence (record/limit-rules.ts). */
export interface LimitFinding {
  /** Stable rule id: `machine-cpu`, `process-cpu`, `open-files`, `node-limit`, `apiserver-rejections`, `apiserver-latency`, `cloudcore-throttled`, `memory`, `harness-lag`, `ramp-stalled`. */
  rule: string;
  /** `limit`: a resource or setting ran out; `symptom`: what the fleet showed because of one. */
  kind: 'limit' | 'symptom';
  /** Seconds since the run started when the condition began. */
  atS: number;
  /** One sentence naming the limit, with its numbers. */
  text: string;
  /** The figures behind it, one line each. */
  evidence: string[];
}

/** "What held the fleet back": the first limit hit, everything the rules found, and the peaks they read. */
export interface LimitsSection {
  /** `limit`: at least one limit was hit; `none`: evidence was recorded and nothing saturated; `no-evidence`: nothing was sampled. */
  verdict: 'limit' | 'none' | 'no-evidence';
  /** The sentence a person reads first. */
  headline: string;
  first: LimitFinding | null;
  findings: LimitFinding[];
  samples: number;
  peaks: {
    machineBusyCores: number | null;
    cores: number | null;
    /** Process → highest CPU (cores), highest RSS, most open files and its limit. */
    processes: Record<string, { cpuCores: number; rssBytes: number; fds: number | null; fdLimit: number | null }>;
  };
  /** Mean CPU by role over the run's samples, in cores. */
  meanCpuCores: { harness: number; controlPlane: number; testPeer: number } | null;
}

/** The run's clock: when each stage began, seconds since the command started, and how long it lasted. */
export interface StageRecord {
  /** `control-plane` (build and start), `ramp` (fleet start → every node Ready, or a stall), `steady`, `teardown`. */
  name: string;
  startS: number;
  endS: number;
}
