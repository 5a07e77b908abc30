import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { emptySummary, sampleSummary } from './fixtures/sample-summary.js';
import { JunitWriter } from './junit-writer.js';
import type { RunSummary } from '../model/run-summary.js';

const render = (s: RunSummary): string => new JunitWriter().render(s);

interface Case {
  '@_classname': string;
  '@_name': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  error?: { '@_type': string; '@_message': string };
  skipped?: { '@_message': string };
}

function parse(xml: string): { suite: Record<string, string>; cases: Case[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: false, isArray: (name) => name === 'testcase' || name === 'testsuite' }).parse(xml);
  const suites = doc.testsuites.testsuite as Array<Record<string, string> & { testcase?: Case[] }>;
  expect(suites).toHaveLength(1);
  return { suite: suites[0]!, cases: suites[0]!.testcase ?? [] };
}

describe('junit writer', () => {
  const xml = render(sampleSummary);

  it('renders the fixed run, pinned by a snapshot', async () => {
    await expect(xml).toMatchFileSnapshot('./__snapshots__/sample-junit.xml');
  });

  it('has one suite with a test case per SLO and a failure for each failing one', () => {
    const { suite, cases } = parse(xml);
    expect(suite['@_name']).toBe('twinlab SLOs');
    expect(cases.map((c) => c['@_name'])).toEqual(sampleSummary.slos.map((o) => `${o.sli} ${o.threshold}`));
    expect(cases.every((c) => c['@_classname'] === 'slo')).toBe(true);
    const failing = sampleSummary.slos.filter((o) => !o.pass);
    expect(cases.filter((c) => c.failure)).toHaveLength(failing.length);
    expect(Number(suite['@_failures'])).toBe(failing.length);
    expect(Number(suite['@_tests'])).toBe(sampleSummary.slos.length);
    expect(cases.find((c) => c['@_name'] === 'ledger_lost value==0')!.failure!['@_message']).toBe('ledger_lost = 3, threshold value==0');
  });

  it('fails an SLO without data with its reason, and skips only an optional one', () => {
    const { suite, cases } = parse(xml);
    const never = cases.find((c) => c['@_name'] === 'storm_all_ready_s value<=30')!;
    expect(never.failure!['@_type']).toBe('NoData');
    expect(never.failure!['@_message']).toBe('storm_all_ready_s: not within 180 s');
    expect(never.skipped).toBeUndefined();
    const optional = cases.find((c) => c['@_name'] === 'device_desired_roundtrip_ms p(99)<=30000')!;
    expect(optional.skipped!['@_message']).toBe('no data for device_desired_roundtrip_ms (optional SLO)');
    expect(optional.failure).toBeUndefined();
    expect(suite['@_skipped']).toBe('1');
  });

  it('reports a run error as an error test case and adds no verdicts of its own', () => {
    const { suite, cases } = parse(render(emptySummary));
    expect(cases).toHaveLength(1);
    expect(cases[0]!['@_classname']).toBe('run');
    expect(cases[0]!.error!['@_type']).toBe('TWL_CLOUD_UNREACHABLE');
    expect(suite['@_errors']).toBe('1');
    const stopped = parse(render({ ...sampleSummary, interrupted: true }));
    expect(stopped.cases.at(-1)!.error!['@_type']).toBe('TWL_INTERRUPTED');
    expect(stopped.suite['@_errors']).toBe('1');
    // The ledger is a property set, not a test case, unless the run had a ledger SLO.
    const withoutLedgerSlo = parse(render({ ...sampleSummary, slos: sampleSummary.slos.filter((o) => !o.sli.startsWith('ledger')) }));
    expect(withoutLedgerSlo.cases.some((c) => c['@_name'].includes('ledger'))).toBe(false);
    expect(xml).toContain('<property name="ledger.lost" value="3"/>');
  });

  it('escapes <&" and drops characters XML cannot carry', () => {
    const nasty = 'a<b & "c" \u0001';
    const out = render({
      ...sampleSummary,
      slos: [{ name: 'x', sli: nasty, threshold: 'value==0', value: 1, pass: false }],
      error: { code: 'TWL_SHARD_FAILED', message: `shard 1 died: ${nasty}` },
    });
    const { cases } = parse(out);
    // The parser decodes the entities back: the name survives the round trip.
    expect(cases[0]!['@_name']).toBe('a<b & "c" \uFFFD value==0');
    expect(out).toContain('name="a&lt;b &amp; &quot;c&quot; \uFFFD value==0"');
    expect(out).not.toContain('\u0001');
    expect(cases[1]!.error!['@_message']).toContain('shard 1 died');
  });
});
