import { describe, expect, it } from 'vitest';
import { compareSummaries, flattenMetrics, sliDirection, sliUnit, type ComparableSummary, type ComparisonRow } from './compare.js';
import { sampleSummary } from './fixtures/sample-summary.js';
import type { RunSummary } from '../model/run-summary.js';

function clone(s: RunSummary): RunSummary {
  return structuredClone(s);
}

function rowOf(rows: ComparisonRow[], metric: string): ComparisonRow {
  const r = rows.find((x) => x.metric === metric);
  if (!r) throw new Error(`no row ${metric}; have ${rows.map((x) => x.metric).join(', ')}`);
  return r;
}

describe('compare: which way is worse', () => {
  it('knows the SLIs twinlab emits and classifies others by name', () => {
    expect(sliDirection('pod_startup_ms')).toBe('lower-is-better');
    expect(sliDirection('nodes_not_ready')).toBe('lower-is-better');
    expect(sliDirection('ledger_delivered')).toBe('higher-is-better');
    expect(sliDirection('ledger_expected')).toBe('neutral');
    expect(sliDirection('cloudcore_rss_slope_mib_per_h')).toBe('lower-is-better');
    // Recovery SLIs the run reducer names <phase>_<metric>.
    expect(sliDirection('storm_allReadyS')).toBe('lower-is-better');
    expect(sliUnit('storm_allReadyS')).toBe('s');
    expect(sliDirection('flap_west_reconnectP99Ms')).toBe('lower-is-better');
    expect(sliUnit('flap_west_reconnectP99Ms')).toBe('ms');
    expect(sliDirection('messages_per_s')).toBe('higher-is-better');
    expect(sliDirection('restore_pods_dropped')).toBe('lower-is-better');
    expect(sliDirection('nodes_connected')).toBe('higher-is-better');
    expect(sliDirection('scenario_seed')).toBe('neutral');
  });

  it('flattens SLO verdicts, every SLI percentile or value, then the totals, without repeating an SLI as a total', () => {
    const names = flattenMetrics(sampleSummary).map((m) => m.metric);
    expect(names.slice(0, 7)).toEqual(sampleSummary.slos.map((s) => `SLO ${s.name}`));
    expect(names).toContain('pod_startup_ms p50');
    expect(names).toContain('pod_startup_ms max');
    expect(names).toContain('nodes_not_ready');
    expect(names).toContain('harness.peakRssBytes');
    expect(names).toContain('controlPlane.cloudcore.cpuSeconds');
    expect(names).toContain('ledger.delivered');
    expect(names).not.toContain('ledger.lost'); // the ledger_lost SLI carries it
    expect(names).not.toContain('messages.unanswered');
  });
});

describe('compare: verdicts', () => {
  it('finds nothing in a run compared with itself', () => {
    const c = compareSummaries(sampleSummary, clone(sampleSummary));
    expect(c.regressions).toBe(0);
    expect(new Set(c.rows.map((r) => r.verdict))).toEqual(new Set(['unchanged', 'no data']));
  });

  it('flags a latency beyond the bound, not one within it', () => {
    const cur = clone(sampleSummary);
    (cur.slis.pod_startup_ms as { p99: number }).p99 = 4_600; // +12.6 %
    (cur.slis.pod_startup_ms as { p90: number }).p90 = 2_900; // +5.4 %
    const c = compareSummaries(sampleSummary, cur, { maxRegressionPct: 10, minDeltaMs: 5 });
    expect(rowOf(c.rows, 'pod_startup_ms p99')).toMatchObject({ verdict: 'regression', baseline: 4_087, current: 4_600 });
    expect(rowOf(c.rows, 'pod_startup_ms p99').changePct).toBeCloseTo(12.55, 2);
    expect(rowOf(c.rows, 'pod_startup_ms p90').verdict).toBe('within bound');
    expect(c.regressions).toBe(1);
    expect(compareSummaries(sampleSummary, cur, { maxRegressionPct: 15, minDeltaMs: 5 }).regressions).toBe(0);
  });

  it('ignores a large relative change of a few milliseconds, unless the floor is lowered', () => {
    const cur = clone(sampleSummary);
    cur.latency.ackMs.p99 = 9; // 6.35 → 9 ms: +42 %, 2.65 ms
    expect(rowOf(compareSummaries(sampleSummary, cur).rows, 'latency.ackMs.p99').verdict).toBe('below floor');
    expect(rowOf(compareSummaries(sampleSummary, cur, { maxRegressionPct: 10, minDeltaMs: 1 }).rows, 'latency.ackMs.p99').verdict).toBe('regression');
  });

  it('treats fewer Ready nodes and less throughput as worse, more as better', () => {
    const worse = clone(sampleSummary);
    worse.nodes.ready = 800;
    worse.messages.received = 10_000;
    const c = compareSummaries(sampleSummary, worse);
    expect(rowOf(c.rows, 'nodes.ready').verdict).toBe('regression');
    expect(rowOf(c.rows, 'throughput.receivedPerS').verdict).toBe('regression');
    const better = compareSummaries(worse, sampleSummary);
    expect(rowOf(better.rows, 'nodes.ready').verdict).toBe('improvement');
    expect(better.regressions).toBe(0);
  });

  it('calls anything lost against a clean baseline a regression, however few', () => {
    const clean = clone(sampleSummary);
    clean.slis.ledger_lost = { value: 0 };
    const c = compareSummaries(clean, sampleSummary);
    expect(rowOf(c.rows, 'ledger_lost')).toMatchObject({ verdict: 'regression', changePct: Infinity });
  });

  it('flags an SLO that passed and now fails, and credits the reverse', () => {
    const cur = clone(sampleSummary);
    cur.slos[0]!.pass = false;
    cur.slos[2]!.pass = true;
    const c = compareSummaries(sampleSummary, cur);
    expect(rowOf(c.rows, 'SLO pod_startup_ms p(99)<=5000')).toMatchObject({ verdict: 'regression', baseline: 1, current: 0 });
    expect(rowOf(c.rows, 'SLO nodes_not_ready value==0').verdict).toBe('improvement');
  });

  it('reports metrics only one run has, and missing data, without flagging them', () => {
    const cur = clone(sampleSummary);
    cur.slis.new_thing_ms = { value: 3 };
    delete cur.slis.api_read_ms;
    (cur.slis.join_to_ready_ms as { p99: number | null }).p99 = null;
    const c = compareSummaries(sampleSummary, cur);
    expect(rowOf(c.rows, 'new_thing_ms').verdict).toBe('added');
    expect(rowOf(c.rows, 'api_read_ms p99').verdict).toBe('removed');
    expect(rowOf(c.rows, 'join_to_ready_ms p99').verdict).toBe('no data');
    expect(c.regressions).toBe(0);
  });

  it('never flags a neutral metric', () => {
    const base: ComparableSummary = { ...sampleSummary, slis: { ledger_expected: { value: 100 } }, slos: [] };
    const c = compareSummaries(base, { ...base, slis: { ledger_expected: { value: 1_000 } } });
    expect(rowOf(c.rows, 'ledger_expected').verdict).toBe('info');
  });
});
