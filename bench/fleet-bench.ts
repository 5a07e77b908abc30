/**
 * What one virtual node costs the harness: for each fleet size, S shard processes connect N nodes
 * to the loopback peer (its own process, so only shards are measured), then sit a steady window
 * at edgecore's default intervals. Reports RSS per connected node (shard RSS minus a baseline run
 * of the same shards hosting one node each), CPU per node per minute in the steady window,
 * connect rate, event-loop lag and whether every node is Ready. After each size the transport
 * floor (bench/transport-floor/) runs with the same N, S and steady window, and the steady CPU is
 * judged against it (bench-verdict.ts).
 *
 * Run: `pnpm bench -- --sizes 1000,5000,10000 --certs shared --steady 60s`. A loopback self-test,
 * never a KubeEdge measurement.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EnrollMode } from '../sim/edge/bootstrap/enroll.js';
import { FleetController, type FleetResult } from '../sim/fleet/controller/fleet-controller.js';
import type { ShardEvent, ShardSnapshot } from '../sim/fleet/ipc-messages.js';
import { startCertServer, type StartedCertServer } from '../sim/cloud/loopback/cert-server.js';
import { createLoopbackCa, issueJoinToken, issueServerCert, type LoopbackCa, type ServerCertificate } from '../sim/cloud/loopback/loopback-ca.js';
import { startPeerProcess } from '../sim/cloud/loopback/peer-process.js';
import { benchChecks, floorFigures, STEADY_CPU_OVER_FLOOR, type FloorFigures } from './bench-verdict.js';
import { floorChecks, floorResult } from './transport-floor/floor-result.js';
import { measureTransportFloor } from './transport-floor/floor-run.js';

const KB = 1024;
/** The hub link writes frames in pieces of at most this many bytes; the floor writes the same way. */
const HUB_WRITE_CHUNK_BYTES = 950;

interface Options {
  sizes: number[];
  certs: EnrollMode;
  steadyS: number;
  /** Wait after the last node is Ready before the steady window: the join tail (first lease query and insert, 10–20 s after registering) stays out of it. */
  settleS: number;
  shards: number;
  rampPerSecond: number;
  client: 'lean' | 'ws';
  malloc: 'default' | 'mmap16k';
  out: string;
  shardArgs: string[];
  /** The floor's wait between its last connection and its window. */
  floorSettleS: number;
  /** The floor's steady window; default the fleet's. */
  floorSeconds: number;
}

interface SizeResult {
  nodes: number;
  shards: number;
  connected: number;
  ready: number;
  allReady: boolean;
  rampSeconds: number;
  connectRatePerS: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  steadyRssBytes: number;
  peakRssPerNodeKB: number;
  steadyRssPerNodeKB: number;
  steadyHeapPerNodeKB: number;
  steadyCpuSeconds: number;
  steadySeconds: number;
  cpuSecondsPerNodePerMinute: number;
  cpuPctOfCorePer10k: number;
  runLagP99Ms: number;
  steadyLagP99Ms: number;
  reconnects: number;
  connectFailures: number;
  floor: FloorFigures & { seconds: number; connected: number; cpuUsPerFrame: number };
  /** Steady CPU over the floor's. */
  cpuOverFloor: number;
}

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (!m) throw new Error(`bad duration: ${s}`);
  const v = Number(m[1]);
  return m[2] === 'ms' ? v / 1000 : m[2] === 'm' ? v * 60 : v;
}

function options(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      sizes: { type: 'string', default: '1000,5000,10000' },
      certs: { type: 'string', default: 'shared' },
      steady: { type: 'string', default: '60s' },
      settle: { type: 'string', default: '25s' },
      shards: { type: 'string', default: String(os.cpus().length) },
      ramp: { type: 'string', default: '1000' },
      client: { type: 'string', default: 'lean' },
      malloc: { type: 'string', default: 'default' },
      out: { type: 'string' },
      'shard-args': { type: 'string', default: '' },
      'floor-settle': { type: 'string', default: '15s' },
      'floor-seconds': { type: 'string' },
    },
  });
  const certs = values.certs;
  if (certs !== 'shared' && certs !== 'per-node') throw new Error('--certs shared|per-node');
  const client = values.client;
  if (client !== 'lean' && client !== 'ws') throw new Error('--client lean|ws');
  const malloc = values.malloc;
  if (malloc !== 'default' && malloc !== 'mmap16k') throw new Error('--malloc default|mmap16k');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    sizes: values.sizes.split(',').map((s) => Number(s.trim())).filter((n) => n > 0),
    certs,
    steadyS: parseDuration(values.steady),
    settleS: parseDuration(values.settle),
    shards: Number(values.shards),
    rampPerSecond: Number(values.ramp),
    client,
    malloc,
    out: values.out ?? `reports/bench-${stamp}.json`,
    shardArgs: values['shard-args'].split(' ').filter(Boolean),
    floorSettleS: parseDuration(values['floor-settle']),
    floorSeconds: parseDuration(values['floor-seconds'] ?? values.steady),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Cloud {
  ca: LoopbackCa;
  serverCert: ServerCertificate;
  certs: StartedCertServer;
  token: string;
}

interface RunOutcome {
  result: FleetResult;
  /** Snapshots at the start and the end of the steady window, per shard. */
  steadyStart: ShardSnapshot[];
  steadyEnd: ShardSnapshot[];
  steadyLagP99Ms: number;
  ready: number;
  rampSeconds: number;
}

/** One fleet of `nodes` against a fresh peer process; `steadyS` after every node is Ready (or the ramp timed out). */
async function runFleet(o: Options, cloud: Cloud, nodes: number, steadyS: number, workDir: string, certCacheDir: string): Promise<RunOutcome> {
  const peer = await startPeerProcess({
    caPem: cloud.ca.certPem,
    serverCertPem: cloud.serverCert.certPem,
    serverKeyPem: cloud.serverCert.keyPem,
    nodeLimit: nodes + 10,
    keepaliveTimeoutMs: 30_000,
    kubeedgeVersion: 'v1.23.1',
    execArgv: ['--max-old-space-size=8192'],
  });
  const dataDir = mkdtempSync(path.join(workDir, 'data-'));
  const latest = new Map<number, ShardSnapshot>();
  let ready = 0;
  let lastReadyAt = 0;
  const fleet = await FleetController.start({
    nodes,
    shards: o.shards,
    rampPerSecond: o.rampPerSecond,
    namePrefix: 'vn',
    cloudhubUrl: peer.hubUrl,
    certsUrl: cloud.certs.url,
    token: cloud.token,
    certs: o.certs,
    certCacheDir,
    dataDir,
    kubeedgeVersion: 'v1.23.1',
    projectId: 'e632aba927ea4ac2b575ec1603d56f10',
    podStartupDelayMs: 0,
    reconnectJitterMs: 0,
    snapshotIntervalMs: 1000,
    hubClient: o.client,
    execArgv: o.shardArgs,
  });
  // Shards are open (CA fetched, store ready) and have begun their ramp.
  const t0 = Date.now();
  fleet.shards.on('snapshot', (s) => latest.set(s.index, s));
  const onEvents = (events: ShardEvent[]): void => {
    for (const e of events) {
      if (e.kind === 'node-ready') {
        ready++;
        lastReadyAt = Math.max(lastReadyAt, e.atMs);
      }
    }
  };
  fleet.shards.on('events', onEvents);
  onEvents(fleet.shards.takeEarlyEvents());
  try {
    // Ramp: until every node is Ready, or nothing has improved for 30 s.
    let seen = -1;
    let stalledSince = Date.now();
    while (ready < nodes && Date.now() - stalledSince < 30_000) {
      await sleep(250);
      if (ready !== seen) {
        seen = ready;
        stalledSince = Date.now();
      }
    }
    const rampSeconds = ((lastReadyAt || Date.now()) - t0) / 1000;
    await sleep(o.settleS * 1000);
    const steadyStart = [...latest.values()];
    const startAt = Date.now();
    let steadyLagP99Ms = 0;
    const onSnap = (s: ShardSnapshot): void => {
      steadyLagP99Ms = Math.max(steadyLagP99Ms, s.process.eventLoopLagP99Ms);
    };
    fleet.shards.on('snapshot', onSnap);
    while (Date.now() - startAt < steadyS * 1000) await sleep(250);
    fleet.shards.off('snapshot', onSnap);
    const steadyEnd = [...latest.values()];
    const result = await fleet.stop(false);
    return { result, steadyStart, steadyEnd, steadyLagP99Ms, ready, rampSeconds };
  } finally {
    await peer.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** The transport floor for `nodes` connections in the same shape as the fleet just measured. */
async function measureFloor(o: Options, nodes: number): Promise<SizeResult['floor']> {
  const shards = Math.min(o.shards, nodes);
  process.stderr.write(`size ${nodes}: transport floor, ${shards} client process(es), settle ${o.floorSettleS}s, window ${o.floorSeconds}s\n`);
  const run = await measureTransportFloor(
    {
      nodes,
      shards,
      settleS: o.floorSettleS,
      seconds: o.floorSeconds,
      timeScale: 1,
      writeChunkBytes: HUB_WRITE_CHUNK_BYTES,
      connectPerSecond: Math.max(1, Math.round(o.rampPerSecond / shards)),
      out: '',
    },
    (line) => process.stderr.write(`  ${line}\n`),
  );
  const result = floorResult(run);
  return { ...floorFigures(result, floorChecks(result)), seconds: result.seconds, connected: result.connected, cpuUsPerFrame: result.cpuUsPerFrame };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  if (args[0] === 'devices') {
    const { runDevicesBench } = await import('./devices-bench.js');
    await runDevicesBench(args.slice(1));
    return;
  }
  if (args[0] === 'floor') {
    const { runTransportFloor } = await import('./transport-floor.js');
    await runTransportFloor(args.slice(1));
    return;
  }
  const o = options();
  // Shard processes inherit the environment: glibc's malloc settings. The hub client goes in their configuration.
  if (o.malloc === 'mmap16k') process.env.MALLOC_MMAP_THRESHOLD_ = '16384';
  else delete process.env.MALLOC_MMAP_THRESHOLD_;

  const workDir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-bench-'));
  const certCacheDir = path.join(workDir, 'certs');
  mkdirSync(certCacheDir, { recursive: true });
  const ca = await createLoopbackCa();
  const serverCert = await issueServerCert(ca);
  const certs = await startCertServer({ ca, serverCert });
  const cloud: Cloud = { ca, serverCert, certs, token: issueJoinToken(ca) };
  const results: SizeResult[] = [];
  try {
    // Baseline: the same shard processes hosting one node each, after the same settling time.
    process.stderr.write(`baseline: ${o.shards} shards × 1 node\n`);
    const base = await runFleet(o, cloud, o.shards, 10, workDir, certCacheDir);
    const baselineRss = sum(base.steadyEnd.map((s) => s.process.rssBytes));
    const baselineHeap = sum(base.steadyEnd.map((s) => s.process.heapUsedBytes));

    for (const n of o.sizes) {
      process.stderr.write(`size ${n}: ramp at ${o.rampPerSecond}/s, steady ${o.steadyS}s\n`);
      const r = await runFleet(o, cloud, n, o.steadyS, workDir, certCacheDir);
      const endRss = sum(r.steadyEnd.map((s) => s.process.rssBytes));
      const endHeap = sum(r.steadyEnd.map((s) => s.process.heapUsedBytes));
      const peakRss = sum(r.result.shards.map((s) => s.peakRssBytes));
      const cpu = sum(r.steadyEnd.map((s) => s.process.cpuSeconds)) - sum(r.steadyStart.map((s) => s.process.cpuSeconds));
      const seconds = (Math.max(...r.steadyEnd.map((s) => s.atMs)) - Math.max(...r.steadyStart.map((s) => s.atMs))) / 1000;
      const totals = r.result.totals;
      const connected = sum(r.steadyEnd.map((s) => s.counters.connected));
      const readyNow = sum(r.steadyEnd.map((s) => s.counters.states.ready));
      const cpuPctOfCorePer10k = (cpu / seconds / n) * 10_000 * 100;
      const floor = await measureFloor(o, n);
      const res: SizeResult = {
        nodes: n,
        shards: r.result.shards.length,
        connected,
        ready: readyNow,
        allReady: readyNow === n && connected === n,
        rampSeconds: r.rampSeconds,
        connectRatePerS: r.ready / r.rampSeconds,
        baselineRssBytes: baselineRss,
        peakRssBytes: peakRss,
        steadyRssBytes: endRss,
        peakRssPerNodeKB: (peakRss - baselineRss) / n / KB,
        steadyRssPerNodeKB: (endRss - baselineRss) / n / KB,
        steadyHeapPerNodeKB: (endHeap - baselineHeap) / n / KB,
        steadyCpuSeconds: cpu,
        steadySeconds: seconds,
        cpuSecondsPerNodePerMinute: cpu / n / (seconds / 60),
        cpuPctOfCorePer10k,
        runLagP99Ms: Math.max(...r.result.shards.map((s) => s.runEventLoopLagP99Ms)),
        steadyLagP99Ms: r.steadyLagP99Ms,
        reconnects: totals.reconnects,
        connectFailures: totals.connectFailures,
        floor,
        cpuOverFloor: cpuPctOfCorePer10k / floor.cpuPctOfCorePer10k,
      };
      results.push(res);
      printRow(res);
    }
  } finally {
    await certs.close();
    rmSync(workDir, { recursive: true, force: true });
  }

  const report = {
    title: 'twinlab fleet bench — harness self-test against the loopback peer (not a KubeEdge measurement)',
    date: new Date().toISOString(),
    command: `pnpm bench -- ${process.argv.slice(2).filter((a) => a !== '--').join(' ')}`.trim(),
    machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memGiB: Math.round(os.totalmem() / 2 ** 30) },
    config: { ...o, keepaliveTimeoutMs: 30_000, timings: 'edgecore defaults (keepalive 15 s, lease 10 s, status 10 s / report 5 min)' },
    method: {
      rss: 'per node = (sum of shard RSS − baseline) / N; baseline = the same shard count hosting one node each, after the same settling; peak = per-shard peak over 1 s snapshots',
      cpu: 'sum of shard user+system CPU over the steady window / N / minutes',
      floor: `after each size, \`pnpm bench floor\` with the same N, shard count and steady window (${o.floorSeconds} s, settle ${o.floorSettleS} s), frames written in ${HUB_WRITE_CHUNK_BYTES}-byte pieces as the hub link writes them; steady CPU must be ≤ ${STEADY_CPU_OVER_FLOOR}× its CPU. The floor has no client certificate: a one-time handshake cost, so --certs does not change its steady figure`,
      connectRate: 'nodes Ready / seconds from the shards being open (ramp start) to the last node-ready',
      note: `the loopback peer runs in its own process and shares the machine's ${os.cpus().length} cores with the shards`,
    },
    thresholds: benchChecks(results),
    results,
  };
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log('');
  for (const t of report.thresholds) console.log(`${t.pass ? '✓' : '✗'} ${t.name}: ${t.value}`);
  console.log('');
  console.log(table(results));
  console.log(`\n${report.method.note}; client=${o.client}, certs=${o.certs}, malloc=${o.malloc}. JSON: ${o.out}`);
}

const HEAD = ['nodes', 'shards', 'ready', 'connect/s', 'RSS/node steady', 'RSS/node peak', 'heap/node', 'CPU s/node/min', '% core/10k', 'floor % core/10k', '× floor', 'lag p99 run', 'lag p99 steady'];

function cells(r: SizeResult): string[] {
  return [
    String(r.nodes),
    String(r.shards),
    `${r.ready}/${r.nodes}`,
    r.connectRatePerS.toFixed(0),
    `${r.steadyRssPerNodeKB.toFixed(1)} KB`,
    `${r.peakRssPerNodeKB.toFixed(1)} KB`,
    `${r.steadyHeapPerNodeKB.toFixed(1)} KB`,
    r.cpuSecondsPerNodePerMinute.toExponential(2),
    `${r.cpuPctOfCorePer10k.toFixed(2)} %`,
    `${r.floor.cpuPctOfCorePer10k.toFixed(2)} %`,
    `${r.cpuOverFloor.toFixed(2)}×`,
    `${r.runLagP99Ms.toFixed(1)} ms`,
    `${r.steadyLagP99Ms.toFixed(1)} ms`,
  ];
}

function table(rs: SizeResult[]): string {
  const rows = [HEAD, ...rs.map(cells)];
  return rows.map((row) => `| ${row.join(' | ')} |`).join('\n').replace(/\n/, `\n|${HEAD.map(() => '---').join('|')}|\n`);
}

function printRow(r: SizeResult): void {
  process.stderr.write(`  ${HEAD.map((h, i) => `${h}=${cells(r)[i]}`).join('  ')}\n`);
}

await main();
