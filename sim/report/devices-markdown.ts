/** The devices section as Markdown, for the report writers that show it. */
import type { DevicesSection } from '../model/devices-section.js';
import { readErrorsText } from '../model/devices-section.js';
import type { Percentiles } from '../model/percentiles.js';

/** The section as Markdown lines, for report writers that show it. */
export function devicesMarkdown(d: DevicesSection): string {
  const p = (x: Percentiles): string => (x.count === 0 ? '—' : `p50 ${x.p50} · p90 ${x.p90} · p99 ${x.p99} (n=${x.count})`);
  const errs = readErrorsText(d.reads.errors);
  const setup = d.setup ? [`| fake devices | ${d.setup.devices} ${d.setup.protocol} (${d.setup.perNode} per node), created through the ${d.setup.via === 'api' ? 'API server' : 'loopback peer'} |`] : [];
  const fake = d.fakeDevices ? [`| fake devices served / fault answers / drops | ${d.fakeDevices.requests} / ${d.fakeDevices.faultAnswers} / ${d.fakeDevices.drops} |`] : [];
  const phases =
    d.byPhase.length > 0
      ? [
          'By phase:',
          '',
          '| phase | reads | read errors | error ratio | skipped | twin reports | confirmed |',
          '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
          ...d.byPhase.map((r) => `| ${r.phase} | ${r.reads} | ${readErrorsText(r.readErrors)} | ${r.errorRatio ?? '—'} | ${r.skipped} | ${r.twinReports} | ${r.confirmed} |`),
          '',
        ]
      : [];
  return [
    '## Devices',
    '',
    '| | |',
    '| --- | --- |',
    ...setup,
    `| devices on nodes (online) | ${d.devices.onNodes} (${d.devices.online})${d.devices.created !== null ? ` of ${d.devices.created} created` : ''} |`,
    `| reads | ${d.reads.total} (${d.reads.perSecond}/s) |`,
    `| read errors | ${errs} |`,
    `| writes | ${d.writes.total} |`,
    `| reports twin / state / confirmed | ${d.reports.twin} / ${d.reports.state} / ${d.reports.confirmed} |`,
    `| reports rate-limited / dropped offline | ${d.reports.rateLimited} / ${d.reports.droppedOffline} |`,
    `| read round trip, ms | ${p(d.reads.latencyMs)} |`,
    `| device read → ${d.setup?.via === 'loopback' ? 'merged by the peer' : 'API'}, ms | ${p(d.latency.reportToApiMs)} |`,
    `| desired → reported, ms | ${p(d.latency.desiredToReportedMs)} |`,
    `| desired set / written / shown | ${d.desired.set} / ${d.desired.written} / ${d.desired.shown} |`,
    ...fake,
    '',
    ...phases,
  ].join('\n');
}
