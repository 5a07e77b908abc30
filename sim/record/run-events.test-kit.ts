/** Building blocks of event logs for reducer tests. */
import type { RunEvent } from '../model/run-events.js';
import type { SloSpec } from '../model/slo.js';

export const T0 = 1_800_000_000_000;

/** A run-start of a two-node scenario run with the given SLOs. */
export function runStart(scenario: string, slos: SloSpec[], graceSeconds = 0): RunEvent {
  return {
    t: 'run-start',
    atMs: T0,
    runId: 'r1',
    twinlabVersion: '0.1.0',
    requestedNodes: 2,
    options: { nodes: 2 },
    slos,
    scenario: { name: scenario, description: 'd', source: `built-in:${scenario}`, graceSeconds },
  };
}
