/**
 * Samples the evidence for "what held the fleet back" once a second (sim/model/evidence.ts): CPU, RSS and
 * open files of every process the run started, the machine's CPU and memory, the fleet's node
 * states and request latencies, cloudcore's connected count and client throttling, and
 * kube-apiserver's request rate, latency and flow-control rejections from its own /metrics.
 * One timer for everything; the API server is scraped without blocking the tick (the last
 * finished scrape is used), and only the lines of the metrics it needs are parsed.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { ProcessUsageSampler, type TrackedProcess, type UsageSnapshot } from '../cloud/process-usage.js';
import { fetchTargetText, parseSampleLine, type ScrapeTarget } from '../cloud/metrics-scraper.js';
import type { FleetTotals } from '../fleet/controller/aggregate.js';
import { quantile, type HistogramSnapshot } from '../model/bucket-histogram.js';
import type { ApiServerSample, CloudcoreSample, EvidenceSample, ProcessSample } from '../model/evidence.js';

export interface EvidenceSamplerOptions {
  intervalMs?: number;
  requestedNodes: number;
  /** Every process to account for, asked each tick (shards restart with new pids). */
  processes: () => readonly TrackedProcess[];
  fleet: () => FleetTotals | undefined;
  cloudcoreConnected: () => number | null;
  nodeLimit: number | null;
  /** kube-apiserver's /metrics (with its client TLS), when the run has one it may scrape. */
  apiserver?: ScrapeTarget;
  /** cloudcore's log file, read forward for client-side throttling lines. */
  cloudcoreLog?: string;
  onSample: (sample: EvidenceSample) => void;
  procRoot?: string;
}

const APISERVER_PREFIXES = [
  'apiserver_request_total',
  'apiserver_request_duration_seconds_bucket',
  'apiserver_flowcontrol_rejected_requests_total',
  'apiserver_current_inflight_requests',
  'etcd_request_duration_seconds_bucket',
];
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION']);
const READING = new Set(['GET', 'LIST']);
const THROTTLED = /due to client-side throttling/g;
/** cloud/pkg/cloudhub/handler/message_handler.go, HandleConnection: the connection is left unserved. */
const REACH_LIMIT = /reach node limit/g;

/** Cumulative counters of one kube-apiserver scrape. */
interface ApiCounters {
  atMs: number;
  requests: number;
  rejected: number;
  inflight: number;
  /** le → cumulative count, summed over every other label. */
  mutating: Map<number, number>;
  reading: Map<number, number>;
  etcd: Map<number, number>;
}

export class EvidenceSampler {
  private readonly o: EvidenceSamplerOptions;
  private readonly procRoot: string;
  private usage: ProcessUsageSampler | undefined;
  private usageKey = '';
  private lastUsage: UsageSnapshot | undefined;
  private lastCpu: { atMs: number; busy: number; total: number } | undefined;
  private lastRequests: Record<string, HistogramSnapshot> = {};
  private readonly fdLimits = new Map<number, number | null>();
  private api: ApiCounters | undefined;
  private apiPrev: ApiCounters | undefined;
  private apiInFlight = false;
  private apiReportedAt = 0;
  private logOffset = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: EvidenceSamplerOptions) {
    this.o = options;
    this.procRoot = options.procRoot ?? '/proc';
    if (options.cloudcoreLog) this.logOffset = fileSize(options.cloudcoreLog);
  }

  start(): void {
    this.lastCpu = this.machineCpu();
    this.refreshUsage();
    this.timer = setInterval(() => this.tick(), this.o.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Take one sample now (the timer calls this; tests call it directly). */
  tick(): void {
    const atMs = Date.now();
    this.scrapeApiServer();
    const sample: EvidenceSample = {
      atMs,
      machine: this.machine(),
      processes: this.processes(),
      fleet: this.fleet(),
      requests: this.requests(),
      cloudcore: this.cloudcore(),
      apiserver: this.apiServer(),
    };
    this.o.onSample(sample);
  }

  private refreshUsage(): ProcessUsageSampler {
    const list = this.o.processes();
    const key = list.map((p) => `${p.name}:${p.pid}`).join(',');
    if (!this.usage || key !== this.usageKey) {
      // Each process alone: the shards and the peer share the run's process group.
      this.usage = new ProcessUsageSampler(list, { procRoot: this.procRoot, groups: false });
      this.usageKey = key;
      this.lastUsage = this.usage.sample();
    }
    return this.usage;
  }

  private processes(): Record<string, ProcessSample> {
    const before = this.lastUsage;
    const usage = this.refreshUsage();
    const now = usage.sample();
    this.lastUsage = now;
    const out: Record<string, ProcessSample> = {};
    for (const u of Object.values(now)) {
      if (!u.alive) continue;
      const prev = before?.[u.name];
      const dt = prev && prev.pid === u.pid ? (u.atMs - prev.atMs) / 1000 : 0;
      out[u.name] = {
        cpuCores: dt > 0 ? round3(Math.max(0, u.cpuSeconds - prev!.cpuSeconds) / dt) : 0,
        rssBytes: u.rssBytes,
        fds: this.openFiles(u.pid),
        fdLimit: finiteOrNull(this.fdLimit(u.pid)),
      };
    }
    return out;
  }

  private openFiles(pid: number): number | null {
    try {
      return readdirSync(`${this.procRoot}/${pid}/fd`).length;
    } catch {
      return null;
    }
  }

  private fdLimit(pid: number): number | null {
    if (!this.fdLimits.has(pid)) this.fdLimits.set(pid, readFdLimit(`${this.procRoot}/${pid}/limits`));
    return this.fdLimits.get(pid)!;
  }

  private machineCpu(): { atMs: number; busy: number; total: number } | undefined {
    try {
      const line = readFileSync(`${this.procRoot}/stat`, 'utf8').split('\n', 1)[0]!;
      const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
      const total = f.reduce((a, b) => a + b, 0);
      const idle = (f[3] ?? 0) + (f[4] ?? 0);
      return { atMs: Date.now(), busy: total - idle, total };
    } catch {
      return undefined;
    }
  }

  private machine(): EvidenceSample['machine'] {
    const cores = os.availableParallelism();
    const now = this.machineCpu();
    const prev = this.lastCpu;
    this.lastCpu = now;
    const busyCores = now && prev && now.total > prev.total ? round3(((now.busy - prev.busy) / (now.total - prev.total)) * cores) : null;
    return { cores, busyCores, memAvailableBytes: memAvailable(this.procRoot) };
  }

  private fleet(): EvidenceSample['fleet'] {
    const t = this.o.fleet();
    const s = t?.states;
    return {
      requested: this.o.requestedNodes,
      started: t?.started ?? 0,
      connected: t?.connected ?? 0,
      ready: s?.ready ?? 0,
      bootstrapping: s?.bootstrapping ?? 0,
      connecting: s?.connecting ?? 0,
      registering: s?.registering ?? 0,
      reconnecting: s?.reconnecting ?? 0,
      pendingRequests: t?.pendingRequests ?? 0,
      unanswered: t?.unanswered ?? 0,
      connectFailures: t?.connectFailures ?? 0,
      lagP99Ms: t?.eventLoopLagP99Ms ?? 0,
    };
  }

  private requests(): EvidenceSample['requests'] {
    const now = this.o.fleet()?.requestLatencyMs ?? {};
    const out: EvidenceSample['requests'] = {};
    for (const [kind, h] of Object.entries(now)) {
      const d = difference(h, this.lastRequests[kind]);
      out[kind] = { replies: d.count, p99Ms: d.count > 0 ? round3(quantile(d, 0.99)) : null };
    }
    this.lastRequests = now;
    return out;
  }

  private cloudcore(): CloudcoreSample | null {
    if (this.o.nodeLimit === null && this.o.cloudcoreLog === undefined) return null;
    const log = this.newLogText();
    const count = (re: RegExp): number | null => (log === null ? null : (log.match(re)?.length ?? 0));
    return { connected: this.o.cloudcoreConnected(), nodeLimit: this.o.nodeLimit, throttledWaits: count(THROTTLED), limitRejections: count(REACH_LIMIT) };
  }

  /** What cloudcore logged since the last tick (at most 8 MiB of it); null without a log. */
  private newLogText(): string | null {
    const file = this.o.cloudcoreLog;
    if (!file) return null;
    const size = fileSize(file);
    if (size < this.logOffset) this.logOffset = 0; // a new log (cloudcore restarted into a fresh file)
    if (size === this.logOffset) return '';
    const length = Math.min(size - this.logOffset, 8 << 20);
    const buf = Buffer.allocUnsafe(length);
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const n = readSync(fd, buf, 0, length, this.logOffset);
      this.logOffset += n;
      return buf.toString('utf8', 0, n);
    } catch {
      return null;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private scrapeApiServer(): void {
    const target = this.o.apiserver;
    if (!target || this.apiInFlight) return;
    this.apiInFlight = true;
    fetchTargetText(target, 5000)
      .then((text) => {
        this.apiPrev = this.api;
        this.api = parseApiCounters(text, Date.now());
      })
      .catch(() => undefined)
      .finally(() => {
        this.apiInFlight = false;
      });
  }

  private apiServer(): ApiServerSample | null {
    const now = this.api;
    const prev = this.apiPrev;
    // One sample per finished scrape: a scrape slower than the tick must not repeat the last one.
    if (!now || !prev || now.atMs <= prev.atMs || now.atMs === this.apiReportedAt) return null;
    this.apiReportedAt = now.atMs;
    const dt = (now.atMs - prev.atMs) / 1000;
    return {
      requestsPerS: round3(Math.max(0, now.requests - prev.requests) / dt),
      mutatingP99Ms: cumulativeP99Ms(now.mutating, prev.mutating),
      readP99Ms: cumulativeP99Ms(now.reading, prev.reading),
      rejectedPerS: round3(Math.max(0, now.rejected - prev.rejected) / dt),
      inflight: now.inflight,
      etcdP99Ms: cumulativeP99Ms(now.etcd, prev.etcd),
    };
  }
}

/** The counters the rules need from kube-apiserver's exposition; other lines are not parsed. */
export function parseApiCounters(text: string, atMs: number): ApiCounters {
  const c: ApiCounters = { atMs, requests: 0, rejected: 0, inflight: 0, mutating: new Map(), reading: new Map(), etcd: new Map() };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const prefix = APISERVER_PREFIXES.find((p) => line.startsWith(p) && (line[p.length] === '{' || line[p.length] === ' '));
    if (prefix === undefined) continue;
    const s = parseSampleLine(line.trim());
    if (typeof s === 'string') continue;
    switch (prefix) {
      case 'apiserver_request_total':
        c.requests += s.value;
        break;
      case 'apiserver_flowcontrol_rejected_requests_total':
        c.rejected += s.value;
        break;
      case 'apiserver_current_inflight_requests':
        c.inflight += s.value;
        break;
      case 'apiserver_request_duration_seconds_bucket': {
        const verb = s.labels.verb ?? '';
        const into = MUTATING.has(verb) ? c.mutating : READING.has(verb) ? c.reading : undefined;
        if (into) addBucket(into, s.labels.le, s.value);
        break;
      }
      case 'etcd_request_duration_seconds_bucket':
        addBucket(c.etcd, s.labels.le, s.value);
        break;
    }
  }
  return c;
}

function addBucket(into: Map<number, number>, le: string | undefined, value: number): void {
  const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
  if (Number.isNaN(bound)) return;
  into.set(bound, (into.get(bound) ?? 0) + value);
}

/** p99 (ms) of the observations between two cumulative `le` histograms, as Prometheus's histogram_quantile. */
export function cumulativeP99Ms(now: Map<number, number>, prev: Map<number, number>): number | null {
  const bounds = [...now.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => Math.max(0, (now.get(b) ?? 0) - (prev.get(b) ?? 0)));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = 0.99 * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! >= rank) {
      const upper = bounds[i]!;
      if (!Number.isFinite(upper)) return round3((bounds[i - 1] ?? 0) * 1000);
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const below = i === 0 ? 0 : counts[i - 1]!;
      const inBucket = counts[i]! - below;
      const frac = inBucket > 0 ? (rank - below) / inBucket : 1;
      return round3((lower + (upper - lower) * frac) * 1000);
    }
  }
  return null;
}

function difference(now: HistogramSnapshot, prev: HistogramSnapshot | undefined): HistogramSnapshot {
  if (!prev || prev.counts.length !== now.counts.length) return now;
  return {
    bounds: now.bounds,
    counts: now.counts.map((c, i) => Math.max(0, c - (prev.counts[i] ?? 0))),
    sum: Math.max(0, now.sum - prev.sum),
    count: Math.max(0, now.count - prev.count),
  };
}

/** The soft "Max open files" of /proc/<pid>/limits. */
export function readFdLimit(file: string): number | null {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === undefined) return null;
    return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return null;
  }
}

function memAvailable(procRoot: string): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync(`${procRoot}/meminfo`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
