/**
 * junit.xml: the run's SLO verdicts as JUnit test cases, for CI test-report widgets (as
 * clusterloader2 does). One test case per SLO; a run error is an `<error>` test case. Nothing
 * here decides a verdict: the ledger's totals go in as properties, and a ledger check shows up
 * as a test case only when the run had it as an SLO.
 */
import { escapeMarkup as x } from './markup-escape.js';
import type { ReportWriter } from './report-writer.js';
import type { RunSummary } from '../model/run-summary.js';
import type { SloResult } from '../model/slo.js';

export class JunitWriter implements ReportWriter {
  readonly format = 'junit';
  readonly fileName = 'junit.xml';

  render(summary: RunSummary): string {
    return renderJunitXml(summary);
  }
}

export const JUNIT_SUITE_NAME = 'twinlab SLOs';

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${x(v)}"`)
    .join('');
}

function sloCase(slo: SloResult): string[] {
  const head = `    <testcase${attrs({ classname: 'slo', name: `${slo.sli} ${slo.threshold}`, time: 0 })}`;
  if (slo.value === null && slo.pass) return [`${head}>`, `      <skipped${attrs({ message: `no data for ${slo.sli} (optional SLO)` })}/>`, '    </testcase>'];
  if (slo.pass) return [`${head}/>`];
  if (slo.value === null) {
    const why = slo.reason ?? 'no data';
    return [`${head}>`, `      <failure${attrs({ message: `${slo.sli}: ${why}`, type: 'NoData' })}>${x(`${slo.sli} has no value (${why}); the SLO requires ${slo.threshold}`)}</failure>`, '    </testcase>'];
  }
  const message = `${slo.sli} = ${slo.value}, threshold ${slo.threshold}`;
  return [`${head}>`, `      <failure${attrs({ message, type: 'SloBreach' })}>${x(`${slo.sli} measured ${slo.value}; the SLO requires ${slo.threshold}`)}</failure>`, '    </testcase>'];
}

export function renderJunitXml(s: RunSummary): string {
  const failures = s.slos.filter((o) => !o.pass).length;
  const skipped = s.slos.filter((o) => o.value === null && o.pass).length;
  // A run stopped early did not do what it was asked: an error case, even when its SLOs held.
  const runError = s.error ?? (s.interrupted ? { code: 'TWL_INTERRUPTED', message: 'the run was interrupted before its planned end' } : null);
  const errors = runError ? 1 : 0;
  const tests = s.slos.length + errors;
  const counts = { tests, failures, errors, skipped, time: s.durationSeconds };
  const properties: Array<[string, string | number | boolean]> = [
    ['runId', s.runId],
    ['title', s.title],
    ['cloud', s.cloud.provider],
    ['kubeedgeVersion', s.cloud.kubeedgeVersion],
    ['twinlabVersion', s.twinlabVersion],
    ['nodes.requested', s.nodes.requested],
    ['nodes.ready', s.nodes.ready],
    ['interrupted', s.interrupted],
  ];
  if (s.scenario) properties.push(['scenario', s.scenario.name]);
  if (s.ledger) {
    for (const [k, v] of Object.entries(s.ledger.totals)) properties.push([`ledger.${k}`, v]);
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'twinlab', ...counts })}>`,
    `  <testsuite${attrs({ name: JUNIT_SUITE_NAME, ...counts, timestamp: s.startedAt.replace(/(\.\d+)?Z$/, '') })}>`,
    '    <properties>',
    ...properties.map(([name, v]) => `      <property${attrs({ name, value: String(v) })}/>`),
    '    </properties>',
    ...s.slos.flatMap(sloCase),
  ];
  if (runError) {
    lines.push(
      `    <testcase${attrs({ classname: 'run', name: 'run error', time: 0 })}>`,
      `      <error${attrs({ message: runError.message, type: runError.code })}>${x(`${runError.code}: ${runError.message}`)}</error>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
