import { describe, expect, it } from 'vitest';
import { describeDifference, setupDifferences, setupOf } from './compare-setup.js';
import { sampleSummary } from './fixtures/sample-summary.js';
import type { RunSummary } from '../model/run-summary.js';

function variant(edit: (s: RunSummary) => void): RunSummary {
  const s = structuredClone(sampleSummary);
  edit(s);
  return s;
}

describe('compare: the runs’ setups', () => {
  it('reads node count, provider, KubeEdge version, scenario name and certs from a summary', () => {
    expect(setupOf(sampleSummary)).toEqual({ nodes: sampleSummary.nodes.requested, provider: 'local', kubeedgeVersion: 'v1.23.1', scenario: 'reconnect-storm', certs: 'shared', edgeIntervals: "edgecore's defaults" });
    expect(setupOf(variant((s) => { s.scenario = null; delete s.options.scenario; })).scenario).toBe('none');
  });

  it('finds no difference between two runs of one setup, whatever their results', () => {
    expect(setupDifferences(sampleSummary, variant((s) => { s.nodes.ready = 1; s.runId = 'other'; }))).toEqual([]);
  });

  it('lists every field that differs, baseline then current', () => {
    const other = variant((s) => {
      s.nodes.requested = 10_000;
      s.cloud.provider = 'loopback';
      s.cloud.kubeedgeVersion = 'v1.22.1';
      s.scenario = null;
      delete s.options.scenario;
      s.options.certs = 'per-node';
      s.options.edgecoreSet = 'modules.edgeHub.heartbeat=25';
    });
    const diffs = setupDifferences(sampleSummary, other);
    expect(diffs.map((d) => d.field)).toEqual(['nodes', 'provider', 'kubeedgeVersion', 'scenario', 'certs', 'edgeIntervals']);
    expect(diffs.map(describeDifference)).toEqual([
      `node count (--nodes): ${sampleSummary.nodes.requested.toLocaleString('en-US')} → 10,000`,
      'cloud provider (--cloud): local → loopback',
      'KubeEdge version (--kubeedge-version): v1.23.1 → v1.22.1',
      'scenario (--scenario): reconnect-storm → none',
      'certificates (--certs): shared → per-node',
      "edgecore intervals (--edgecore-set): edgecore's defaults → modules.edgeHub.heartbeat=25",
    ]);
  });

  it('counts a field one summary lacks as a difference', () => {
    const older = variant((s) => {
      delete (s.options as Record<string, unknown>).certs;
    });
    expect(setupDifferences(sampleSummary, older)).toEqual([{ field: 'certs', label: 'certificates (--certs)', baseline: 'shared', current: null }]);
    expect(describeDifference(setupDifferences(sampleSummary, older)[0]!)).toBe('certificates (--certs): shared → not recorded');
  });
});
