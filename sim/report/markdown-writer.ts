/**
 * summary.md: the run for a person or a GitHub job summary. SLO verdicts first (k6's order:
 * thresholds, then totals), then what the scenario did (phases, ledger, faults), then the totals.
 */
import type { ReportWriter } from './report-writer.js';
import type { RunSummary } from '../model/run-summary.js';
import type { CloudRestartRecord, LedgerCounts } from '../model/run-sections.js';
import { count, harnessRow, mib, percentiles, recovery, seconds, notJudged, sloValue, span, value, verdictOf, BEFORE_NODE_CACHED, HARNESS_HEADER, NO_DATA } from './report-format.js';
import { CONFIG_HEADER, configFootnotes, configRows } from './config-section.js';
import { devicesMarkdown } from './devices-markdown.js';

export class MarkdownWriter implements ReportWriter {
  readonly format = 'markdown';
  readonly fileName = 'summary.md';

  render(summary: RunSummary): string {
    return renderSummaryMarkdown(summary);
  }
}

/** A table cell: pipes would end the cell and newlines the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the text (CommonMark: a longer fence). */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function table(header: readonly string[], align: readonly ('l' | 'r' | 'c')[], rows: readonly (readonly string[])[]): string[] {
  const sep = align.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':-:' : '---'));
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${sep.join('|')}|`, ...rows.map(line), ''];
}

export function renderSummaryMarkdown(s: RunSummary): string {
  const lines: string[] = [`# ${s.title}`, ''];
  if (s.cloud.provider === 'loopback') {
    lines.push('> Measured against the loopback test peer: this checks the harness itself and is **not a KubeEdge measurement**.', '');
  }
  // A failed run says so before anything else, and nothing below it may read as a pass.
  if (s.error) lines.push(`**✗ Run failed:** ${code(s.error.code)} — ${s.error.message}`, '');
  if (s.interrupted) lines.push('**Interrupted** before the planned duration; the numbers cover what ran.', '');
  lines.push(...sloLines(s), ...limitsLines(s), ...stageLines(s));
  lines.push(
    `Run ${code(s.runId)} · ${s.startedAt} · ${value(s.durationSeconds)} s · cloud ${code(s.cloud.provider)} (KubeEdge ${s.cloud.kubeedgeVersion}${s.cloud.nodeLimit !== null ? `, nodeLimit ${count(s.cloud.nodeLimit)}` : ''}) · twinlab ${s.twinlabVersion}`,
    '',
  );
  if (typeof s.options.edgecoreSet === 'string') lines.push(`Nodes ran with edgecore intervals changed from its defaults: ${code(s.options.edgecoreSet)}.`, '');
  lines.push(...scenarioLines(s), ...ledgerLines(s), ...faultLines(s), ...(s.devices ? devicesMarkdown(s.devices).split('\n') : []));
  lines.push(...totalsLines(s), ...workloadLines(s), ...controlPlaneLines(s), ...configLines(s), ...harnessLines(s));
  return lines.join('\n');
}

function sloLines(s: RunSummary): string[] {
  if (s.slos.length === 0) return s.error ? [] : ['## SLOs', '', '**✗ no SLO was judged**: a run with nothing to judge has not shown anything.', ''];
  const failed = s.slos.filter((x) => !x.pass);
  const unfinished = notJudged(s);
  const headline = unfinished
    ? `**✗ not passed: ${unfinished}** (${failed.length} of ${s.slos.length} SLOs failed on what it measured)`
    : failed.length === 0
      ? `**✓ all ${s.slos.length} SLOs passed**`
      : `**✗ ${failed.length} of ${s.slos.length} SLOs failed:** ${failed.map((x) => `✗ ${code(x.sli)} ${code(x.threshold)}`).join(' · ')}`;
  const rows = s.slos.map((x) => [code(x.sli) + (x.origin === 'default' ? ' (default)' : ''), code(x.threshold), sloValue(x), verdictOf(x, unfinished !== null)]);
  return ['## SLOs', '', headline, '', ...table(['SLO', 'threshold', 'value', 'verdict'], ['l', 'l', 'r', 'c'], rows)];
}

function limitsLines(s: RunSummary): string[] {
  const l = s.limits;
  if (!l) return [];
  const lines = ['## What held the fleet back', '', `**${l.headline}**`, ''];
  for (const f of l.findings) {
    lines.push(`- t=${f.atS} s · ${f.kind} · ${code(f.rule)}: ${f.text}`);
    for (const e of f.evidence) lines.push(`  - ${e}`);
  }
  if (l.findings.length > 0) lines.push('');
  const procs = Object.entries(l.peaks.processes);
  if (procs.length > 0) {
    lines.push(
      ...table(
        ['process', 'peak CPU (cores)', 'peak RSS', 'open files (peak / limit)'],
        ['l', 'r', 'r', 'r'],
        procs.map(([n, p]) => [n, value(p.cpuCores), mib(p.rssBytes), `${p.fds === null ? NO_DATA : count(p.fds)} / ${p.fdLimit === null ? NO_DATA : count(p.fdLimit)}`]),
      ),
    );
  }
  if (l.meanCpuCores) {
    const m = l.meanCpuCores;
    lines.push(`Mean CPU over ${count(l.samples)} one-second samples: harness ${value(m.harness)}, control plane ${value(m.controlPlane)}${m.testPeer > 0 ? `, loopback test peer ${value(m.testPeer)}` : ''} cores${l.peaks.cores !== null ? ` of ${l.peaks.cores}` : ''}.`, '');
  }
  return lines;
}

function stageLines(s: RunSummary): string[] {
  if (!s.stages || s.stages.length === 0) return [];
  return ['## Stages', '', ...table(['stage', 'from–to', 'duration'], ['l', 'r', 'r'], s.stages.map((st) => [st.name, span(st.startS, st.endS), seconds(Math.round((st.endS - st.startS) * 10) / 10)]))];
}

function scenarioLines(s: RunSummary): string[] {
  const sc = s.scenario;
  if (!sc) return [];
  const rows = sc.phases.map((p) => {
    const rec = Object.entries(p.recovery).map(([k, v]) => recovery(k, v));
    return [p.name, p.kind, span(p.startS, p.endS), seconds(Math.round((p.endS - p.startS) * 1000) / 1000), rec.length > 0 ? rec.join(', ') : NO_DATA];
  });
  return [
    `## Scenario ${code(sc.name)}`,
    '',
    `${sc.description} (${code(sc.source)})`,
    '',
    ...(rows.length > 0 ? table(['phase', 'kind', 'from–to', 'duration', 'recovery'], ['l', 'l', 'r', 'r', 'l'], rows) : ['No phases ran.', '']),
    ...sc.phases.flatMap((p) => (p.cloudRestart ? cloudRestartLines(p.name, p.cloudRestart) : [])),
  ];
}

/** A cloudcore restart: what failed first where, and whether that predicted the Nodes the API turned Unknown. */
function cloudRestartLines(phase: string, r: CloudRestartRecord): string[] {
  const f = r.firstFailedSend;
  const names = (list: readonly string[]): string => (list.length === 0 ? 'none' : list.slice(0, 20).map(code).join(', ') + (list.length > 20 ? ` … (+${list.length - 20})` : ''));
  const lines = [
    `**${phase}** (${r.detail}): first failed send — lease ${f.lease.length}, keepalive ${f.keepalive.length}, other ${f.other.length}, none ${f.none.length}; predicted Unknown ${r.predictedUnknown.length} of ${r.nodes}.`,
  ];
  if (r.unknown && r.agreement) {
    lines.push(
      `Unknown in the API: ${r.unknown.length} of ${r.nodes}; both sets ${r.agreement.both}; Unknown but not predicted: ${names(r.agreement.unknownOnly)}; predicted but not Unknown: ${names(r.agreement.predictedOnly)}.`,
    );
  }
  return [...lines.flatMap((l) => [l, ''])];
}

function countsRow(c: LedgerCounts): string[] {
  return [count(c.expected), count(c.delivered), count(c.lost), count(c.duplicated), count(c.reordered), count(c.resurrected)];
}

const LEDGER_HEADER = ['expected', 'delivered', 'lost', 'duplicated', 'reordered', 'resurrected'];

function ledgerLines(s: RunSummary): string[] {
  const l = s.ledger;
  if (!l) return [];
  const lines = [
    '## Delivery ledger',
    '',
    `What the workload changed against what the nodes saw, after a ${seconds(l.graceSeconds)} grace period. Delivery latency: ${percentiles(l.deliveryLatencyMs)}. Upstream requests never answered: ${count(l.unansweredUpstream)}.`,
    '',
    ...table(LEDGER_HEADER, LEDGER_HEADER.map(() => 'r' as const), [countsRow(l.totals)]),
  ];
  if (l.byPhase.length > 0) {
    lines.push('By phase:', '', ...table(['phase', ...LEDGER_HEADER], ['l', ...LEDGER_HEADER.map(() => 'r' as const)], l.byPhase.map((p) => [p.phase, ...countsRow(p)])));
  }
  if (l.lostObjects.length > 0 || l.lostNotListed > 0) {
    lines.push(
      'Lost objects:',
      '',
      ...table(
        ['node', 'object', 'uid', 'expected', 'last seen', 'phase'],
        ['l', 'l', 'l', 'l', 'l', 'l'],
        l.lostObjects.map((o) => [o.node, `${o.kind} ${o.namespace}/${o.name}`, code(o.uid), o.expected, o.lastSeen, o.phase]),
      ),
    );
    if (l.lostNotListed > 0) lines.push(`…and ${count(l.lostNotListed)} more not listed.`, '');
    if (l.lostBeforeNodeCached) lines.push(`${count(l.lostBeforeNodeCached)} ${BEFORE_NODE_CACHED}`, '');
  }
  return lines;
}

function faultLines(s: RunSummary): string[] {
  if (s.faults.length === 0) return [];
  const rows = s.faults.map((f) => [span(f.startS, f.endS), f.phase, f.kind, f.detail, f.group, count(f.nodes)]);
  return ['## Faults', '', ...table(['when', 'phase', 'kind', 'detail', 'group', 'nodes'], ['r', 'l', 'l', 'l', 'l', 'r'], rows)];
}

function totalsLines(s: RunSummary): string[] {
  const m = s.messages;
  const c = s.connections;
  return [
    '## Nodes',
    '',
    ...table(
      ['requested', 'started', 'connected', 'ready', 'peak connected'],
      ['r', 'r', 'r', 'r', 'r'],
      [[count(s.nodes.requested), count(s.nodes.started), count(s.nodes.connected), count(s.nodes.ready), count(s.nodes.peakConnected)]],
    ),
    '## Latency',
    '',
    ...table(
      ['what', 'value'],
      ['l', 'l'],
      [
        ['join → Ready', percentiles(s.latency.joinToReadyMs)],
        [`pod startup (created → Running${s.cloud.provider === 'loopback' ? ' reported by the node' : ' observed by the API watch'})`, percentiles(s.latency.podStartupMs)],
        ['ACK (receipt → ACK written)', percentiles(s.latency.ackMs)],
        ['bootstrap (certificates)', percentiles(s.latency.bootstrapSeconds, 's')],
      ],
    ),
    '## Messages',
    '',
    ...table(
      ['sent', 'received', 'acked', 'duplicates', 'malformed', 'unanswered', 'pending at stop', 'error replies', 'send failures'],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      [[m.sent, m.received, m.acked, m.duplicates, m.malformed, m.unanswered, m.pendingAtStop, m.errorReplies, m.sendFailures].map(count)],
    ),
    `Connections: ${count(c.connects)} connects, ${count(c.connectFailures)} failed dials, ${count(c.reconnects)} reconnects, ${count(c.disconnects)} disconnects, ${count(c.keepalives)} keepalives.`,
    `Pods: ${count(s.pods.created)} created, ${count(s.pods.running)} reported Running, ${count(s.pods.deleted)} deleted.`,
    '',
  ];
}

function workloadLines(s: RunSummary): string[] {
  const w = s.workload;
  if (!w) return [];
  const b = w.podStartupBreakdownMs;
  const api = w.api;
  return [
    '## Workload (through the API server)',
    '',
    `Pods: ${count(w.pods.created)} created, ${count(w.pods.running)} Running observed, ${count(w.pods.dropped)} dropped by the arrival bound, ${count(w.pods.createFailed)} failed. ConfigMap updates: ${count(w.configMapUpdates)}.`,
    '',
    ...table(
      ['what', 'value'],
      ['l', 'l'],
      [
        ['created → edge receipt', percentiles(b.createToEdgeReceipt)],
        ['edge receipt → Running reported', percentiles(b.edgeReceiptToStatusReported)],
        ['Running reported → Running observed', percentiles(b.statusReportedToRunningObserved)],
        ['API mutating calls', `p50 ${api.mutating.p50Ms.toFixed(1)} ms · p99 ${api.mutating.p99Ms.toFixed(1)} ms (n=${count(api.mutating.count)})`],
        ['API read calls', `p50 ${api.read.p50Ms.toFixed(1)} ms · p99 ${api.read.p99Ms.toFixed(1)} ms (n=${count(api.read.count)})`],
      ],
    ),
    ...(w.errors.length > 0 ? ['Workload errors:', '', ...w.errors.map((e) => `- ${e.replace(/\r?\n/g, ' ')}`), ''] : []),
  ];
}

function controlPlaneLines(s: RunSummary): string[] {
  const cp = s.controlPlane;
  if (!cp) return [];
  const rows = Object.entries(cp).map(([name, u]) => [name, seconds(u.cpuSeconds), mib(u.peakRssBytes)]);
  return ['## Control plane', '', ...table(['process', 'CPU', 'peak RSS'], ['l', 'r', 'r'], rows)];
}

function configLines(s: RunSummary): string[] {
  const c = s.cloud.config;
  if (!c) return [];
  const rows = configRows(c).map((r) => [code(r.key), r.requested, r.overridden ? `**${r.ranWith}**` : r.ranWith, r.note]);
  return ['## Control-plane configuration', '', ...table(CONFIG_HEADER, ['l', 'r', 'r', 'l'], rows), ...configFootnotes(c).flatMap((l) => [l, ''])];
}

function harnessLines(s: RunSummary): string[] {
  return ['## Harness', '', ...table(HARNESS_HEADER, HARNESS_HEADER.map(() => 'r' as const), [harnessRow(s.harness)])];
}
