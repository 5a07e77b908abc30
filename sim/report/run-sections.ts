/**
 * The parts of the result model (summary.json) that scenarios, chaos and the delivery ledger add:
 * the phase timeline, the fault timeline, the ledger's verdicts and the time series the HTML
 * report draws. Every writer (json, markdown, html, junit) reads these types and nothing else.
 */
import type { Percentiles } from './run-summary.js';

/** One phase of a scenario's timeline as it actually ran; times are seconds since the run started. */
export interface PhaseRecord {
  name: string;
  /** Phase kind from the scenario schema: ramp, steady, churn, storm, flap, partition, blackhole, half-open, offline, restart-shards, heal, devices. */
  kind: string;
  startS: number;
  endS: number;
  /** Recovery times measured in this phase (e.g. `allReadyS` after a storm); null when the thing never happened. */
  recovery: Record<string, number | null>;
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
