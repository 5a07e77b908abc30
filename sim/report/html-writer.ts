/**
 * report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that a
 * person opens from a CI artifact. SLO verdicts first, then the run drawn over time with the
 * fault timeline on top, latency histograms, then the scenario, ledger and totals as tables.
 */
import { escapeMarkup as e } from './markup-escape.js';
import type { ReportWriter } from './report-writer.js';
import type { RunSummary } from '../model/run-summary.js';
import type { LedgerCounts } from '../model/run-sections.js';
import { count, harnessRow, mib, notJudged, percentiles, recovery, seconds, sloValue, span, value, BEFORE_NODE_CACHED, HARNESS_HEADER, NO_DATA } from './report-format.js';
import { histogramSvg, timeChartSvg, type LineSeries, type TimeBand, type TimeMarker } from './svg-chart.js';
import { readErrorsText } from '../model/devices-section.js';
import { CONFIG_HEADER, configFootnotes, configRows } from './config-section.js';
import { BASE_CSS } from './report-css.js';
import type { Percentiles } from '../model/percentiles.js';

export class HtmlWriter implements ReportWriter {
  readonly format = 'html';
  readonly fileName = 'report.html';

  render(summary: RunSummary): string {
    return renderReportHtml(summary);
  }
}

/** Text is escaped; `{ html }` is markup this module built. */
type Cell = string | { html: string };

const COLORS = {
  connected: '#2563eb',
  ready: '#16a34a',
  reconnecting: '#ea580c',
  sent: '#7c3aed',
  received: '#0891b2',
  cloudcore: '#db2777',
  deviceReads: '#0d9488',
  deviceReadErrors: '#dc2626',
};

const CSS = `${BASE_CSS}.meta { color: #4b5563; margin: 0 0 12px; }
.banner { background: #fef3c7; border: 1px solid #f59e0b; padding: 8px 12px; border-radius: 4px; }
.alert { background: #fee2e2; border: 1px solid #dc2626; padding: 8px 12px; border-radius: 4px; }
.headline { font-weight: 600; }
.headline.fail, .fail { color: #b91c1c; }
.headline.pass, .pass { color: #15803d; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.no-data { color: #6b7280; font-style: italic; }
svg.chart { display: block; max-width: 100%; height: auto; }
footer { margin-top: 32px; color: #6b7280; font-size: 12px; }
`;

function cellHtml(c: Cell): string {
  return typeof c === 'string' ? e(c) : c.html;
}

function table(header: readonly string[], rows: readonly (readonly Cell[])[], numeric: readonly number[] = []): string {
  const cls = (i: number): string => (numeric.includes(i) ? ' class="num"' : '');
  return [
    '<table>',
    `<thead><tr>${header.map((h, i) => `<th${cls(i)}>${e(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${cellHtml(c)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

function codeCell(text: string): Cell {
  return { html: `<code>${e(text)}</code>` };
}

function noData(why: string): string {
  return `<p class="no-data">no data: ${e(why)}</p>`;
}

function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${e(id)}"` : ''}>\n<h2>${e(title)}</h2>\n${body}\n</section>`;
}

export function renderReportHtml(s: RunSummary): string {
  const body = [
    header(s),
    ...notices(s),
    sloSection(s),
    limitsSection(s),
    stagesSection(s),
    ...chartSections(s),
    scenarioSection(s),
    faultSection(s),
    ledgerSection(s),
    ...devicesSection(s),
    totalsSection(s),
    `<footer>twinlab ${e(s.twinlabVersion)} · run ${e(s.runId)} · generated from summary.json</footer>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(s.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(s: RunSummary): string {
  const limit = s.cloud.nodeLimit !== null ? `, nodeLimit ${count(s.cloud.nodeLimit)}` : '';
  return [
    '<header>',
    `<h1>${e(s.title)}</h1>`,
    s.cloud.provider === 'loopback'
      ? '<p class="banner">Measured against the loopback test peer: this checks the harness itself and is <strong>not a KubeEdge measurement</strong>.</p>'
      : '',
    `<p class="meta">Run <code>${e(s.runId)}</code> · ${e(s.startedAt)} → ${e(s.endedAt)} · ${e(value(s.durationSeconds))} s · cloud <code>${e(s.cloud.provider)}</code> (KubeEdge ${e(s.cloud.kubeedgeVersion)}${e(limit)}) · twinlab ${e(s.twinlabVersion)}</p>`,
    typeof s.options.edgecoreSet === 'string' ? `<p class="meta">Nodes ran with edgecore intervals changed from its defaults: <code>${e(s.options.edgecoreSet)}</code>.</p>` : '',
    '</header>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

function sloSection(s: RunSummary): string {
  if (s.slos.length === 0) return section('SLOs', '<p class="headline fail">✗ no SLO was judged: a run with nothing to judge has not shown anything</p>', 'slos');
  const failed = s.slos.filter((x) => !x.pass);
  const unfinished = notJudged(s);
  const headline = unfinished
    ? `<p class="headline fail">✗ not passed: ${unfinished} (${failed.length} of ${s.slos.length} SLOs failed on what it measured)</p>`
    : failed.length === 0
      ? `<p class="headline pass">✓ all ${s.slos.length} SLOs passed</p>`
      : `<p class="headline fail">✗ ${failed.length} of ${s.slos.length} SLOs failed</p>`;
  const rows = s.slos.map((x): Cell[] => [
    { html: `<code>${e(x.sli)}</code>${x.origin === 'default' ? ' <small>(default)</small>' : ''}` },
    codeCell(x.threshold),
    sloValue(x),
    { html: x.pass ? `<span class="pass">${unfinished ? 'held' : `✓ pass${x.value === null ? ' (no data, optional)' : ''}`}</span>` : '<span class="fail">✗ fail</span>' },
  ]);
  return section('SLOs', `${headline}\n${table(['SLO', 'threshold', 'value', 'verdict'], rows, [2])}`, 'slos');
}

function limitsSection(s: RunSummary): string {
  const l = s.limits;
  const parts = [`<p class="headline ${l.verdict === 'limit' ? 'fail' : ''}">${e(l.headline)}</p>`];
  if (l.findings.length > 0) {
    parts.push(
      table(
        ['t', 'kind', 'rule', 'finding'],
        l.findings.map((f): Cell[] => [`${value(f.atS)} s`, f.kind, codeCell(f.rule), { html: `${e(f.text)}${f.evidence.length ? `<ul>${f.evidence.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : ''}` }]),
        [0],
      ),
    );
  }
  const procs = Object.entries(l.peaks.processes);
  if (procs.length > 0) {
    parts.push(
      table(
        ['process', 'peak CPU (cores)', 'peak RSS', 'open files (peak / limit)'],
        procs.map(([n, p]) => [n, value(p.cpuCores), mib(p.rssBytes), `${p.fds === null ? '—' : count(p.fds)} / ${p.fdLimit === null ? '—' : count(p.fdLimit)}`]),
        [1, 2, 3],
      ),
    );
  }
  return section('What held the fleet back', parts.join('\n'), 'limits');
}

function stagesSection(s: RunSummary): string {
  if (s.stages.length === 0) return '';
  return section('Stages', table(['stage', 'from–to', 'duration'], s.stages.map((st) => [st.name, span(st.startS, st.endS), seconds(Math.round((st.endS - st.startS) * 10) / 10)]), [1, 2]), 'stages');
}

function notices(s: RunSummary): string[] {
  const out: string[] = [];
  if (s.error) out.push(`<p class="alert"><strong>✗ Run failed:</strong> <code>${e(s.error.code)}</code> — ${e(s.error.message)}</p>`);
  if (s.interrupted) out.push('<p class="alert"><strong>Interrupted</strong> before the planned duration; the numbers cover what ran.</p>');
  return out;
}

function faultBands(s: RunSummary): TimeBand[] {
  return s.faults.map((f) => ({
    label: `${f.kind} · ${f.group}`,
    detail: `${f.id} ${f.kind} on ${f.group} (${count(f.nodes)} nodes), ${span(f.startS, f.endS)}: ${f.detail}`,
    startS: f.startS,
    endS: f.endS,
  }));
}

function phaseMarkers(s: RunSummary): TimeMarker[] {
  return (s.scenario?.phases ?? []).map((p) => ({ label: p.name, atS: p.startS }));
}

function chartSections(s: RunSummary): string[] {
  const ts = s.timeseries;
  const bands = faultBands(s);
  const markers = phaseMarkers(s);
  const noSeries = noData('the run produced no per-second snapshots');
  const out: string[] = [];

  out.push(
    section(
      'Nodes over time',
      ts && ts.atS.length > 0
        ? timeChartSvg({
            label: `Nodes connected, Ready and reconnecting per second over ${value(ts.atS.length)} s, with ${bands.length} link faults shaded and ${markers.length} phase starts marked`,
            xs: ts.atS,
            yUnit: 'nodes',
            series: [
              { name: 'connected', key: 'connected', color: COLORS.connected, values: ts.connected },
              { name: 'Ready', key: 'ready', color: COLORS.ready, values: ts.ready },
              { name: 'reconnecting', key: 'reconnecting', color: COLORS.reconnecting, values: ts.reconnecting },
            ],
            bands,
            markers,
            xEnd: s.durationSeconds,
          })
        : noSeries,
      'chart-nodes',
    ),
  );

  out.push(
    section(
      'Messages per second',
      ts && ts.atS.length > 0
        ? timeChartSvg({
            label: `Messages sent and received by the fleet per second over ${value(ts.atS.length)} s, with link faults shaded and phase starts marked`,
            xs: ts.atS,
            yUnit: 'msg/s',
            series: [
              { name: 'sent', key: 'sent', color: COLORS.sent, values: ts.sentPerS },
              { name: 'received', key: 'received', color: COLORS.received, values: ts.receivedPerS },
            ],
            bands,
            markers,
            xEnd: s.durationSeconds,
          })
        : noSeries,
      'chart-messages',
    ),
  );

  const cloudcore = cloudcoreSeries(s);
  out.push(
    section(
      'cloudcore connected nodes',
      cloudcore
        ? `<p class="meta">cloudcore's own <code>KubeEdge_CloudHub_connected_nodes</code> beside the sockets twinlab had open.</p>\n${timeChartSvg({
            label: `cloudcore's KubeEdge_CloudHub_connected_nodes against twinlab's connected nodes over the run, with link faults shaded`,
            xs: cloudcore.xs,
            yUnit: 'nodes',
            series: cloudcore.series,
            bands,
            markers,
            xEnd: s.durationSeconds,
          })}`
        : noData("cloudcore's KubeEdge_CloudHub_connected_nodes was not scraped in this run"),
      'chart-cloudcore',
    ),
  );

  out.push(controlPlaneSection(s, bands, markers));

  const dists = Object.entries(s.distributions);
  if (dists.length === 0) out.push(section('Latency histograms', noData('no latency distributions were recorded'), 'chart-latency'));
  for (const [name, d] of dists) {
    const total = d.counts.reduce((a, b) => a + b, 0);
    const sli = s.slis[name];
    const summaryLine = sli && 'count' in sli ? `<p class="meta">${e(percentiles(sli, d.unit))}</p>\n` : '';
    out.push(
      section(
        `Latency: ${name}`,
        total > 0
          ? `${summaryLine}${histogramSvg({ label: `Histogram of ${name}: ${count(total)} samples in ${d.counts.length} buckets (${d.unit})`, unit: d.unit, bounds: d.bounds, counts: d.counts })}`
          : noData(`no samples of ${name}`),
        `chart-${name}`,
      ),
    );
  }
  return out;
}

const LINE_COLORS = ['#2563eb', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#db2777', '#ca8a04', '#4b5563'];

/** CPU, RSS, cloudcore, kube-apiserver and etcd over the run, from the run's Prometheus or the harness's samples. */
function controlPlaneSection(s: RunSummary, bands: TimeBand[], markers: TimeMarker[]): string {
  const cp = s.controlPlaneSeries;
  if (!cp || cp.charts.length === 0) return section('Control plane over time', noData('neither a Prometheus nor the harness sampled the control plane in this run'), 'chart-control-plane');
  const from =
    cp.source === 'prometheus'
      ? `PromQL range queries over the run's own Prometheus (step ${value(cp.stepS)} s; TSDB kept in <code>prometheus/</code>, serve it with <code>twinlab prometheus &lt;run-dir&gt;</code>)`
      : `the harness's own 1 s samples (the run had no Prometheus)`;
  const charts = cp.charts.map((c) => {
    const series: LineSeries[] = c.lines.map((l, i) => ({ name: l.name, key: `${c.key}-${i}`, color: LINE_COLORS[i % LINE_COLORS.length]!, values: l.values }));
    return `<h3 id="chart-${e(c.key)}">${e(c.title)}</h3>\n${timeChartSvg({
      label: `${c.title} (${c.unit}) over ${value(c.xs.length)} samples, with ${bands.length} faults shaded and ${markers.length} phase starts marked`,
      xs: c.xs,
      yUnit: c.unit,
      series,
      bands,
      markers,
      xEnd: s.durationSeconds,
    })}`;
  });
  return section('Control plane over time', `<p class="meta">From ${from}.</p>\n${charts.join('\n')}`, 'chart-control-plane');
}

/** cloudcore's series at the time series' instants, or from its own scrape times when only those exist. */
function cloudcoreSeries(s: RunSummary): { xs: number[]; series: LineSeries[] } | null {
  const ts = s.timeseries;
  if (ts && ts.cloudcoreConnected.some((v) => v !== null)) {
    return {
      xs: ts.atS,
      series: [
        { name: 'cloudcore connected_nodes', key: 'cloudcore', color: COLORS.cloudcore, values: ts.cloudcoreConnected },
        { name: 'twinlab connected', key: 'connected', color: COLORS.connected, values: ts.connected },
      ],
    };
  }
  if (s.cloudcoreConnectedNodes.length === 0) return null;
  const startMs = Date.parse(s.startedAt);
  return {
    xs: s.cloudcoreConnectedNodes.map(([ms]) => Math.round((ms - startMs) / 100) / 10),
    series: [{ name: 'cloudcore connected_nodes', key: 'cloudcore', color: COLORS.cloudcore, values: s.cloudcoreConnectedNodes.map(([, v]) => v) }],
  };
}

function scenarioSection(s: RunSummary): string {
  const sc = s.scenario;
  if (!sc) return section('Scenario', noData('a plain run, no scenario'), 'scenario');
  const rows = sc.phases.map((p): Cell[] => {
    const rec = Object.entries(p.recovery).map(([k, v]) => recovery(k, v));
    return [p.name, p.kind, span(p.startS, p.endS), seconds(Math.round((p.endS - p.startS) * 1000) / 1000), rec.length > 0 ? rec.join(', ') : NO_DATA];
  });
  return section(
    `Scenario: ${sc.name}`,
    `<p>${e(sc.description)} <span class="meta">(<code>${e(sc.source)}</code>)</span></p>\n${rows.length > 0 ? table(['phase', 'kind', 'from–to', 'duration', 'recovery'], rows, [2, 3]) : noData('no phases ran')}`,
    'scenario',
  );
}

function faultSection(s: RunSummary): string {
  if (s.faults.length === 0) return section('Faults', '<p class="no-data">No link faults were applied.</p>', 'faults');
  const rows = s.faults.map((f): Cell[] => [span(f.startS, f.endS), f.phase, f.kind, f.detail, f.group, count(f.nodes)]);
  return section('Faults', table(['when', 'phase', 'kind', 'detail', 'group', 'nodes'], rows, [0, 5]), 'faults');
}

const LEDGER_HEADER = ['expected', 'delivered', 'lost', 'duplicated', 'reordered', 'resurrected'];

function countsCells(c: LedgerCounts): Cell[] {
  return [count(c.expected), count(c.delivered), { html: `<span class="${c.lost > 0 ? 'fail' : 'pass'}">${e(count(c.lost))}</span>` }, count(c.duplicated), count(c.reordered), count(c.resurrected)];
}

function ledgerSection(s: RunSummary): string {
  const l = s.ledger;
  if (!l) return section('Delivery ledger', noData('nothing was tracked'), 'ledger');
  const parts = [
    `<p>What the workload changed against what the nodes saw, after a ${e(seconds(l.graceSeconds))} grace period. Delivery latency: ${e(percentiles(l.deliveryLatencyMs))}. Upstream requests never answered: ${e(count(l.unansweredUpstream))}.</p>`,
    table(LEDGER_HEADER, [countsCells(l.totals)], [0, 1, 2, 3, 4, 5]),
    '<h3>By phase</h3>',
    l.byPhase.length > 0 ? table(['phase', ...LEDGER_HEADER], l.byPhase.map((p) => [p.phase, ...countsCells(p)]), [1, 2, 3, 4, 5, 6]) : noData('no phases'),
    '<h3>Lost objects</h3>',
  ];
  if (l.lostObjects.length === 0 && l.lostNotListed === 0) parts.push('<p class="pass">None lost.</p>');
  else {
    parts.push(
      table(
        ['node', 'object', 'uid', 'expected', 'last seen', 'phase'],
        l.lostObjects.map((o): Cell[] => [o.node, `${o.kind} ${o.namespace}/${o.name}`, codeCell(o.uid), o.expected, o.lastSeen, o.phase]),
      ),
    );
    if (l.lostNotListed > 0) parts.push(`<p>…and ${e(count(l.lostNotListed))} more not listed.</p>`);
    if (l.lostBeforeNodeCached) parts.push(`<p>${e(`${count(l.lostBeforeNodeCached)} ${BEFORE_NODE_CACHED}`)}</p>`);
  }
  return section('Delivery ledger', parts.join('\n'), 'ledger');
}

/** The devices section; nothing at all for a run without devices. */
function devicesSection(s: RunSummary): string[] {
  const d = s.devices;
  if (!d) return [];
  const rows: Cell[][] = [];
  if (d.setup) rows.push(['fake devices', `${count(d.setup.devices)} ${d.setup.protocol} (${count(d.setup.perNode)} per node), created through the ${d.setup.via === 'api' ? 'API server' : 'loopback peer'}`]);
  rows.push(
    ['devices on nodes (online) · members', `${count(d.devices.onNodes)} (${count(d.devices.online)})${d.devices.created !== null ? ` of ${count(d.devices.created)} created${d.devices.createFailed > 0 ? `, ${count(d.devices.createFailed)} failed` : ''}` : ''} · ${count(d.devices.members)}`],
    ['reads', `${count(d.reads.total)} (${value(d.reads.perSecond)}/s), ${count(d.reads.skipped)} ticks skipped`],
    [
      'read errors',
      { html: `<span class="${d.reads.errorRatio ? 'fail' : 'pass'}">${e(readErrorsText(d.reads.errors))}</span>${d.reads.errorRatio !== null ? ` (ratio ${e(value(d.reads.errorRatio))})` : ''}` },
    ],
    ['writes · write errors', `${count(d.writes.total)} · ${readErrorsText(d.writes.errors)}`],
    ['reports twin / state / confirmed / re-sent', [d.reports.twin, d.reports.state, d.reports.confirmed, d.reports.resent].map(count).join(' / ')],
    ['reports refused by the DMI limit / dropped offline / not member / unconfirmed at the end', [d.reports.rateLimited, d.reports.droppedOffline, d.reports.notMember, d.reports.unconfirmedAtEnd].map(count).join(' / ')],
    latencyRow('device round trip of a read', d.reads.latencyMs),
    latencyRow('report → the cloud\'s "OK"', d.reports.confirmLatencyMs),
    latencyRow(`device read → ${s.cloud.provider === 'loopback' ? 'merged by the peer' : 'visible in the API'}`, d.latency.reportToApiMs),
    latencyRow('desired set → written to the device', d.latency.desiredToDeviceWriteMs),
    latencyRow('desired set → shown in a report', d.latency.desiredToReportedMs),
    ['desired set / written / shown', [d.desired.set, d.desired.written, d.desired.shown].map(count).join(' / ')],
  );
  if (d.fakeDevices) rows.push(['fake devices: requests served / fault answers / drops', [d.fakeDevices.requests, d.fakeDevices.faultAnswers, d.fakeDevices.drops].map(count).join(' / ')]);
  const parts = [table(['what', 'value'], rows)];
  const ts = d.series;
  if (ts && ts.atS.length > 0) {
    const bands = faultBands(s);
    const markers = phaseMarkers(s);
    parts.push(
      timeChartSvg({
        label: `Device reads and read errors per second over ${value(ts.atS.length)} s, with ${bands.length} faults shaded and ${markers.length} phase starts marked`,
        xs: ts.atS,
        yUnit: 'reads/s',
        series: [
          { name: 'reads', key: 'device-reads', color: COLORS.deviceReads, values: ts.readsPerS },
          { name: 'read errors', key: 'device-read-errors', color: COLORS.deviceReadErrors, values: ts.readErrorsPerS },
        ],
        bands,
        bandLegend: 'fault (link or device)',
        markers,
        xEnd: s.durationSeconds,
      }),
    );
  }
  if (d.byPhase.length > 0) {
    parts.push(
      '<h3>By phase</h3>',
      table(
        ['phase', 'reads', 'read errors', 'error ratio', 'ticks skipped', 'twin reports', 'confirmed'],
        d.byPhase.map((p): Cell[] => [
          p.phase, count(p.reads), readErrorsText(p.readErrors), p.errorRatio === null ? NO_DATA : value(p.errorRatio),
          count(p.skipped), count(p.twinReports), count(p.confirmed),
        ]),
        [1, 3, 4, 5, 6],
      ),
    );
  }
  if (d.errors.length > 0) parts.push(`<ul>${d.errors.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`);
  return [section('Devices', parts.join('\n'), 'devices')];
}

function latencyRow(label: string, p: Percentiles, unit = 'ms'): Cell[] {
  return [label, percentiles(p, unit)];
}

function totalsSection(s: RunSummary): string {
  const m = s.messages;
  const c = s.connections;
  const h = s.harness;
  const parts = [
    '<h3>Nodes</h3>',
    table(['requested', 'started', 'connected', 'ready', 'peak connected'], [[s.nodes.requested, s.nodes.started, s.nodes.connected, s.nodes.ready, s.nodes.peakConnected].map(count)], [0, 1, 2, 3, 4]),
    '<h3>Latency</h3>',
    table(
      ['what', 'value'],
      [
        latencyRow('join → Ready', s.latency.joinToReadyMs),
        latencyRow(`pod startup (created → Running${s.cloud.provider === 'loopback' ? ' reported by the node' : ' observed by the API watch'})`, s.latency.podStartupMs),
        latencyRow('ACK (receipt → ACK written)', s.latency.ackMs),
        latencyRow('bootstrap (certificates)', s.latency.bootstrapSeconds, 's'),
      ],
    ),
    '<h3>Messages</h3>',
    table(
      ['sent', 'received', 'acked', 'duplicates', 'malformed', 'unanswered', 'pending at stop', 'error replies', 'send failures'],
      [[m.sent, m.received, m.acked, m.duplicates, m.malformed, m.unanswered, m.pendingAtStop, m.errorReplies, m.sendFailures].map(count)],
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    ),
    `<p>Connections: ${e(count(c.connects))} connects, ${e(count(c.connectFailures))} failed dials, ${e(count(c.reconnects))} reconnects, ${e(count(c.disconnects))} disconnects, ${e(count(c.keepalives))} keepalives. Pods: ${e(count(s.pods.created))} created, ${e(count(s.pods.running))} reported Running, ${e(count(s.pods.deleted))} deleted.</p>`,
  ];
  const w = s.workload;
  if (w) {
    const b = w.podStartupBreakdownMs;
    parts.push(
      '<h3>Workload (through the API server)</h3>',
      `<p>Pods: ${e(count(w.pods.created))} created, ${e(count(w.pods.running))} Running observed, ${e(count(w.pods.dropped))} dropped by the arrival bound, ${e(count(w.pods.createFailed))} failed. ConfigMap updates: ${e(count(w.configMapUpdates))}.</p>`,
      table(
        ['what', 'value'],
        [
          latencyRow('created → edge receipt', b.createToEdgeReceipt),
          latencyRow('edge receipt → Running reported', b.edgeReceiptToStatusReported),
          latencyRow('Running reported → Running observed', b.statusReportedToRunningObserved),
          ['API mutating calls', `p50 ${w.api.mutating.p50Ms.toFixed(1)} ms · p99 ${w.api.mutating.p99Ms.toFixed(1)} ms (n=${count(w.api.mutating.count)})`],
          ['API read calls', `p50 ${w.api.read.p50Ms.toFixed(1)} ms · p99 ${w.api.read.p99Ms.toFixed(1)} ms (n=${count(w.api.read.count)})`],
        ],
      ),
    );
    if (w.errors.length > 0) parts.push(`<ul>${w.errors.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`);
  }
  if (s.controlPlane) {
    parts.push('<h3>Control plane</h3>', table(['process', 'CPU', 'peak RSS'], Object.entries(s.controlPlane).map(([name, u]) => [name, seconds(u.cpuSeconds), mib(u.peakRssBytes)]), [1, 2]));
  }
  if (s.cloud.config) {
    const rows = configRows(s.cloud.config).map((r): Cell[] => [codeCell(r.key), r.requested, r.overridden ? { html: `<strong>${e(r.ranWith)}</strong>` } : r.ranWith, r.note]);
    parts.push('<h3>Control-plane configuration</h3>', table(CONFIG_HEADER, rows, [1, 2]), ...configFootnotes(s.cloud.config).map((l) => `<p class="meta">${e(l)}</p>`));
  }
  parts.push(
    '<h3>Harness</h3>',
    table(HARNESS_HEADER, [harnessRow(h)], [0, 1, 4, 5]),
  );
  return section('Totals', parts.join('\n'), 'totals');
}
