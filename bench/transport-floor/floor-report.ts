/**
 * The transport floor's report: the JSON document written under reports/ and the short text
 * printed at the end, checks first, then the figures.
 */
import os from 'node:os';
import { floorChecks, type Check, type FloorResult } from './floor-result.js';
import { TICK_MS, type FloorOptions } from './floor-options.js';
import type { FloorRun } from './floor-run.js';
import type { NegotiatedTls } from './ipc-messages.js';
import { ACK_PAYLOAD_BYTES, KEEPALIVE_PAYLOAD_BYTES, LEASE_PAYLOAD_BYTES, REPLY_PAYLOAD_BYTES } from './node-traffic.js';

export interface FloorReport {
  title: string;
  date: string;
  command: string;
  machine: { node: string; cpus: number; cpuModel: string; memGiB: number; loadAvg1m: number };
  config: FloorOptions & {
    leasePeriodMs: number;
    keepalivePeriodMs: number;
    tickMs: number;
    handshakeTimeoutMs: number;
    connectionsPerShard: number[];
    tls: NegotiatedTls | null;
    payloadBytes: { lease: number; reply: number; ack: number; keepalive: number };
  };
  method: Record<string, string>;
  checks: Check[];
  results: FloorResult;
}

export function floorReport(run: FloorRun, result: FloorResult, command: string, loadAvg1m: number): FloorReport {
  const o = run.options;
  return {
    title: "twinlab transport floor — harness self-test of Node's TLS transport on this machine: bare TLS client sockets carrying one virtual node's steady frames each, no node model (not a KubeEdge measurement)",
    date: new Date().toISOString(),
    command,
    machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memGiB: Math.round(os.totalmem() / 2 ** 30), loadAvg1m },
    config: {
      ...o,
      leasePeriodMs: run.leasePeriodMs,
      keepalivePeriodMs: run.keepalivePeriodMs,
      tickMs: TICK_MS,
      handshakeTimeoutMs: run.handshakeTimeoutMs,
      connectionsPerShard: run.shares,
      tls: run.tls ?? null,
      payloadBytes: { lease: LEASE_PAYLOAD_BYTES, reply: REPLY_PAYLOAD_BYTES, ack: ACK_PAYLOAD_BYTES, keepalive: KEEPALIVE_PAYLOAD_BYTES },
    },
    method: {
      traffic:
        'per connection, as one virtual node at edgecore defaults: every lease period a masked lease frame up, one unmasked reply down, and an ACK frame written from inside the read callback; every keepalive period a masked keepalive frame up, unanswered',
      transport:
        "tls.connect to 127.0.0.1 with the loopback CA pinned, setNoDelay; net's onread into one shared 64 KiB buffer per process; frames masked by encodeClientFrame; raw frames inside TLS (no WebSocket upgrade, no client certificate: one-time costs)",
      schedule: 'one 100 ms timer per client process; lease and keepalive phases spread over their periods by golden-ratio offsets over the whole fleet',
      cpu: 'client processes only: Σ user+system CPU over the steady window; % of one core per 10k = Σ(CPU / window) / connections × 10,000 × 100',
      perFrame: 'client CPU / (frames written + frames read); per socket op: / (socket writes + onread callbacks)',
      rss: 'Σ client RSS at the end of the window − Σ client RSS before the first connection, / connections',
      note: `the server runs in its own process and shares the machine's ${os.cpus().length} cores with the clients; its CPU is reported, not counted`,
    },
    checks: floorChecks(result),
    results: result,
  };
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function floorText(report: FloorReport): string {
  const r = report.results;
  const lines: string[] = [];
  for (const c of report.checks) lines.push(`${c.pass ? '✓' : '✗'} ${c.name}: ${c.value}`);
  lines.push('');
  const head = ['nodes', 'shards', 'window', 'client CPU', '% of a core per 10k', 'µs CPU per frame', 'writes/s (expected)', 'reads/s (expected)', 'RSS/conn', 'tick lag max'];
  lines.push(row(head));
  lines.push(`|${head.map(() => '---').join('|')}|`);
  lines.push(
    row([
      String(r.nodes),
      String(r.shards),
      `${r.seconds.toFixed(1)} s`,
      `${r.cpuSeconds.toFixed(2)} s (user ${r.cpuUserSeconds.toFixed(2)}, sys ${r.cpuSystemSeconds.toFixed(2)})`,
      `${r.cpuPctOfCorePer10k.toFixed(2)} %`,
      r.cpuUsPerFrame.toFixed(1),
      `${r.writesPerS.measured.toFixed(0)} (${r.writesPerS.expected.toFixed(0)})`,
      `${r.readsPerS.measured.toFixed(0)} (${r.readsPerS.expected.toFixed(0)})`,
      `${r.rss.perConnectionKB.toFixed(1)} KB`,
      `${r.maxTickLagMs.toFixed(1)} ms`,
    ]),
  );
  lines.push('');
  lines.push(
    `per socket op (write or onread): ${r.cpuUsPerSocketOp.toFixed(1)} µs; server process: ${r.server.cpuPctOfCore.toFixed(1)} % of a core (not counted); ` +
      `${report.config.tls ? `${report.config.tls.protocol} ${report.config.tls.cipher}` : 'TLS unknown'}; ` +
      `${report.config.writeChunkBytes === 0 ? 'one socket write per frame' : `frames written in ≤ ${report.config.writeChunkBytes}-byte pieces`}`,
  );
  return lines.join('\n');
}
