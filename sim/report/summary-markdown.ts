/** summary.md: the run summary for a person or a CI job summary — what ran, then the totals. */
import type { Percentiles, RunSummary } from './run-summary.js';

function n(v: number): string {
  return v.toLocaleString('en-US');
}

function ms(p: Percentiles, unit = 'ms'): string {
  if (p.count === 0) return '—';
  const parts = [`p50 ${p.p50} ${unit}`, `p90 ${p.p90} ${unit}`, `p99 ${p.p99} ${unit}`];
  if (p.max !== null) parts.push(`max ${p.max} ${unit}`);
  return `${parts.join(' · ')} (n=${n(p.count)})`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export function renderSummaryMarkdown(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`# ${s.title}`, '');
  if (s.cloud.provider === 'loopback') {
    lines.push('> Measured against the loopback test peer: this checks the harness itself and is **not a KubeEdge measurement**.', '');
  }
  if (s.slos.length > 0) {
    lines.push('## SLOs', '');
    for (const slo of s.slos) {
      const mark = slo.pass ? '✓' : '✗';
      lines.push(`- ${mark} \`${slo.sli}\` \`${slo.threshold}\` — ${slo.value === null ? 'no data' : slo.value}`);
    }
    lines.push('');
  }
  if (s.error) lines.push(`**Run failed:** \`${s.error.code}\` — ${s.error.message}`, '');
  if (s.interrupted) lines.push('**Interrupted** before the planned duration; the numbers cover what ran.', '');
  lines.push(
    `Run \`${s.runId}\` · ${s.startedAt} · ${s.durationSeconds} s · cloud \`${s.cloud.provider}\` (KubeEdge ${s.cloud.kubeedgeVersion}${s.cloud.nodeLimit !== null ? `, nodeLimit ${n(s.cloud.nodeLimit)}` : ''}) · twinlab ${s.twinlabVersion}`,
    '',
    '## Nodes',
    '',
    '| requested | started | connected | ready | peak connected |',
    '|---:|---:|---:|---:|---:|',
    `| ${n(s.nodes.requested)} | ${n(s.nodes.started)} | ${n(s.nodes.connected)} | ${n(s.nodes.ready)} | ${n(s.nodes.peakConnected)} |`,
    '',
    '## Latency',
    '',
    '| what | value |',
    '|---|---|',
    `| join → Ready | ${ms(s.latency.joinToReadyMs)} |`,
    `| pod startup (created → Running${s.cloud.provider === 'loopback' ? ' reported by the node' : ' observed by the API watch'}) | ${ms(s.latency.podStartupMs)} |`,
    `| ACK (receipt → ACK written) | ${ms(s.latency.ackMs)} |`,
    `| bootstrap (certificates) | ${ms(s.latency.bootstrapSeconds, 's')} |`,
    '',
    '## Messages',
    '',
    '| sent | received | acked | duplicates | malformed | unanswered | pending at stop | error replies | send failures |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${n(s.messages.sent)} | ${n(s.messages.received)} | ${n(s.messages.acked)} | ${n(s.messages.duplicates)} | ${n(s.messages.malformed)} | ${n(s.messages.unanswered)} | ${n(s.messages.pendingAtStop)} | ${n(s.messages.errorReplies)} | ${n(s.messages.sendFailures)} |`,
    '',
    `Connections: ${n(s.connections.connects)} connects, ${n(s.connections.connectFailures)} failed dials, ${n(s.connections.reconnects)} reconnects, ${n(s.connections.disconnects)} disconnects, ${n(s.connections.keepalives)} keepalives.`,
    `Pods: ${n(s.pods.created)} created, ${n(s.pods.running)} reported Running, ${n(s.pods.deleted)} deleted.`,
    '',
    ...workloadLines(s),
    ...controlPlaneLines(s),
    '## Harness',
    '',
    '| shards | peak RSS | RSS per node (peak RSS / peak connected) | CPU | event-loop lag p99 |',
    '|---:|---:|---:|---:|---:|',
    `| ${s.harness.shards} | ${mib(s.harness.peakRssBytes)} | ${s.harness.rssBytesPerNode === null ? '—' : `${(s.harness.rssBytesPerNode / 1024).toFixed(1)} KiB`} | ${s.harness.cpuSeconds} s | ${s.harness.eventLoopLagP99Ms} ms |`,
    '',
  );
  return lines.join('\n');
}

function workloadLines(s: RunSummary): string[] {
  const w = s.workload;
  if (!w) return [];
  const b = w.podStartupBreakdownMs;
  const api = w.api;
  return [
    '## Workload (through the API server)',
    '',
    `Pods: ${n(w.pods.created)} created, ${n(w.pods.running)} Running observed, ${n(w.pods.dropped)} dropped by the arrival bound, ${n(w.pods.createFailed)} failed. ConfigMap updates: ${n(w.configMapUpdates)}.`,
    '',
    '| what | value |',
    '|---|---|',
    `| created → edge receipt | ${ms(b.createToEdgeReceipt)} |`,
    `| edge receipt → Running reported | ${ms(b.edgeReceiptToStatusReported)} |`,
    `| Running reported → Running observed | ${ms(b.statusReportedToRunningObserved)} |`,
    `| API mutating calls | p50 ${api.mutating.p50Ms.toFixed(1)} ms · p99 ${api.mutating.p99Ms.toFixed(1)} ms (n=${n(api.mutating.count)}) |`,
    `| API read calls | p50 ${api.read.p50Ms.toFixed(1)} ms · p99 ${api.read.p99Ms.toFixed(1)} ms (n=${n(api.read.count)}) |`,
    '',
  ];
}

function controlPlaneLines(s: RunSummary): string[] {
  const cp = s.controlPlane;
  if (!cp) return [];
  const rows = Object.entries(cp).map(([name, u]) => `| ${name} | ${u.cpuSeconds} s | ${mib(u.peakRssBytes)} |`);
  return ['## Control plane', '', '| process | CPU | peak RSS |', '|---|---:|---:|', ...rows, ''];
}
