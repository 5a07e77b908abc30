/**
 * The transport floor's figures, from the samples at both ends of the steady window. Each client
 * process's rates are taken over its own clock, then summed, so a process sampled a few ms later
 * than another does not skew the total.
 */
import { expectedRates } from './node-traffic.js';
import type { FloorRun } from './floor-run.js';

const KB = 1024;
/** How far measured rates may stray from the schedule before the check fails. */
export const RATE_TOLERANCE = 0.1;
/** How far the server's count of received frames may stray from the clients' count of written ones (samples are not simultaneous). */
export const DELIVERY_TOLERANCE = 0.02;

export interface Rate {
  measured: number;
  expected: number;
}

export interface FloorResult {
  nodes: number;
  shards: number;
  /** Connections up at the end of the steady window. */
  connected: number;
  connectFailures: number;
  /** Connections that closed after being up, over the whole run. */
  dropped: number;
  socketErrors: number;
  /** Slowest client process's ramp, from its first dial to its last connection settling. */
  connectSeconds: number;
  /** Steady window, mean over client processes. */
  seconds: number;
  cpuSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  /** Σ CPU/seconds over client processes / connections × 10k × 100. */
  cpuPctOfCorePer10k: number;
  /** Client CPU / (frames written + frames read). */
  cpuUsPerFrame: number;
  /** Client CPU / (socket writes + onread callbacks). */
  cpuUsPerSocketOp: number;
  writesPerS: Rate;
  readsPerS: Rate;
  frames: {
    leaseWrites: number;
    ackWrites: number;
    keepaliveWrites: number;
    replyReads: number;
    socketWrites: number;
    readCallbacks: number;
  };
  rss: {
    /** Σ client RSS before the first connection. */
    baselineBytes: number;
    /** Σ client RSS at the end of the steady window. */
    endBytes: number;
    /** (end − baseline) / connections: everything a connection brings into a client process. */
    perConnectionKB: number;
  };
  maxTickLagMs: number;
  server: {
    cpuSeconds: number;
    cpuPctOfCore: number;
    leasesIn: number;
    acksIn: number;
    keepalivesIn: number;
    otherIn: number;
    repliesOut: number;
    socketErrors: number;
  };
}

export interface Check {
  name: string;
  value: string;
  pass: boolean;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

export function floorResult(run: FloorRun): FloorResult {
  const pairs = run.clientStart.map((start, i) => ({ start, end: run.clientEnd[i]! }));
  const per = pairs.map(({ start, end }) => {
    const seconds = (end.atMs - start.atMs) / 1000;
    const d = (k: 'leaseWrites' | 'ackWrites' | 'keepaliveWrites' | 'replyReads' | 'socketWrites' | 'readCallbacks' | 'cpuUserUs' | 'cpuSystemUs'): number =>
      end[k] - start[k];
    const writes = d('leaseWrites') + d('ackWrites') + d('keepaliveWrites');
    return {
      seconds,
      user: d('cpuUserUs') / 1e6,
      system: d('cpuSystemUs') / 1e6,
      writes,
      reads: d('replyReads'),
      lease: d('leaseWrites'),
      ack: d('ackWrites'),
      keepalive: d('keepaliveWrites'),
      socketWrites: d('socketWrites'),
      readCallbacks: d('readCallbacks'),
    };
  });
  const connected = sum(run.clientEnd.map((s) => s.open));
  const cpuUser = sum(per.map((p) => p.user));
  const cpuSystem = sum(per.map((p) => p.system));
  const cpu = cpuUser + cpuSystem;
  const cores = sum(per.map((p) => (p.user + p.system) / p.seconds));
  const frames = sum(per.map((p) => p.writes + p.reads));
  const socketOps = sum(per.map((p) => p.socketWrites + p.readCallbacks));
  const expected = expectedRates(connected, run.leasePeriodMs, run.keepalivePeriodMs);
  const rssEnd = sum(run.clientEnd.map((s) => s.rssBytes));
  const rssBase = sum(run.clientEnd.map((s) => s.baselineRssBytes));
  const serverSeconds = (run.serverEnd.atMs - run.serverStart.atMs) / 1000;
  const serverCpu = (run.serverEnd.cpuUserUs + run.serverEnd.cpuSystemUs - run.serverStart.cpuUserUs - run.serverStart.cpuSystemUs) / 1e6;
  const serverDelta = (k: 'leasesIn' | 'acksIn' | 'keepalivesIn' | 'otherIn' | 'repliesOut'): number => run.serverEnd[k] - run.serverStart[k];
  return {
    nodes: run.options.nodes,
    shards: run.shares.length,
    connected,
    connectFailures: sum(run.connect.map((c) => c.failed)),
    dropped: sum(run.clientEnd.map((s) => s.dropped)),
    socketErrors: sum(run.clientEnd.map((s) => s.socketErrors)),
    connectSeconds: Math.max(...run.connect.map((c) => c.seconds)),
    seconds: sum(per.map((p) => p.seconds)) / per.length,
    cpuSeconds: cpu,
    cpuUserSeconds: cpuUser,
    cpuSystemSeconds: cpuSystem,
    cpuPctOfCorePer10k: connected > 0 ? (cores / connected) * 10_000 * 100 : Number.NaN,
    cpuUsPerFrame: frames > 0 ? (cpu / frames) * 1e6 : Number.NaN,
    cpuUsPerSocketOp: socketOps > 0 ? (cpu / socketOps) * 1e6 : Number.NaN,
    writesPerS: { measured: sum(per.map((p) => p.writes / p.seconds)), expected: expected.writesPerS },
    readsPerS: { measured: sum(per.map((p) => p.reads / p.seconds)), expected: expected.readsPerS },
    frames: {
      leaseWrites: sum(per.map((p) => p.lease)),
      ackWrites: sum(per.map((p) => p.ack)),
      keepaliveWrites: sum(per.map((p) => p.keepalive)),
      replyReads: sum(per.map((p) => p.reads)),
      socketWrites: sum(per.map((p) => p.socketWrites)),
      readCallbacks: sum(per.map((p) => p.readCallbacks)),
    },
    rss: {
      baselineBytes: rssBase,
      endBytes: rssEnd,
      perConnectionKB: connected > 0 ? (rssEnd - rssBase) / connected / KB : Number.NaN,
    },
    maxTickLagMs: Math.max(...run.clientEnd.map((s) => s.maxTickLagMs)),
    server: {
      cpuSeconds: serverCpu,
      cpuPctOfCore: (serverCpu / serverSeconds) * 100,
      leasesIn: serverDelta('leasesIn'),
      acksIn: serverDelta('acksIn'),
      keepalivesIn: serverDelta('keepalivesIn'),
      otherIn: serverDelta('otherIn'),
      repliesOut: serverDelta('repliesOut'),
      socketErrors: run.serverEnd.socketErrors,
    },
  };
}

const within = (r: Rate, tolerance: number): boolean => Math.abs(r.measured - r.expected) <= tolerance * r.expected;
const pct = (measured: number, expected: number): string => `${measured.toFixed(1)} vs ${expected.toFixed(1)} expected`;

/** What must hold for the figures to mean anything: everything up, the schedule kept, the frames delivered. */
export function floorChecks(r: FloorResult): Check[] {
  const written = r.frames.leaseWrites + r.frames.ackWrites + r.frames.keepaliveWrites;
  const received = r.server.leasesIn + r.server.acksIn + r.server.keepalivesIn + r.server.otherIn;
  return [
    { name: 'all connections up', value: `${r.connected}/${r.nodes} (${r.connectFailures} failed)`, pass: r.connected === r.nodes },
    { name: 'no connection dropped or errored', value: `${r.dropped} dropped, ${r.socketErrors} errors`, pass: r.dropped === 0 && r.socketErrors === 0 },
    { name: `writes/s on schedule (±${RATE_TOLERANCE * 100} %)`, value: pct(r.writesPerS.measured, r.writesPerS.expected), pass: within(r.writesPerS, RATE_TOLERANCE) },
    { name: `reads/s on schedule (±${RATE_TOLERANCE * 100} %)`, value: pct(r.readsPerS.measured, r.readsPerS.expected), pass: within(r.readsPerS, RATE_TOLERANCE) },
    { name: 'one ACK per reply', value: `${r.frames.ackWrites} ACKs, ${r.frames.replyReads} replies`, pass: r.frames.ackWrites === r.frames.replyReads },
    {
      name: `server received what the clients wrote (±${DELIVERY_TOLERANCE * 100} %)`,
      value: `${received} of ${written}, ${r.server.otherIn} unexpected sizes`,
      pass: Math.abs(received - written) <= DELIVERY_TOLERANCE * written && r.server.otherIn === 0,
    },
  ];
}
