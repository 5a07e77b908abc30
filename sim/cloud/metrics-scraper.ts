/**
 * Scrapes Prometheus text exposition from the control plane's metrics targets (cloudcore's
 * monitor server, kube-apiserver, etcd) on one timer, keeps a bounded time series of the metrics
 * asked for and the last full text of each target. The parser is small and strict about samples,
 * tolerant about everything else: comments, blank lines and `# EOF` are skipped, a malformed line
 * is reported with its number and skipped, never fatal.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { MetricsTarget } from './control-plane.js';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carried one. */
  timestampMs?: number;
}

export interface ParseProblem {
  /** 1-based line number. */
  line: number;
  text: string;
  reason: string;
}

export interface ParsedExposition {
  samples: PromSample[];
  problems: ParseProblem[];
}

/** Parse Prometheus text format 0.0.4 (and the sample lines of OpenMetrics). */
export function parsePrometheusText(text: string): ParsedExposition {
  const samples: PromSample[] = [];
  const problems: ParseProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const r = parseSampleLine(line);
    if (typeof r === 'string') problems.push({ line: i + 1, text: raw.slice(0, 200), reason: r });
    else samples.push(r);
  }
  return { samples, problems };
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

/** One sample line, or why it is not one. */
export function parseSampleLine(line: string): PromSample | string {
  let pos = 0;
  const skipSpace = (): void => {
    while (pos < line.length && (line[pos] === ' ' || line[pos] === '\t')) pos++;
  };
  if (!NAME_START.test(line[0] ?? '')) return 'metric name expected';
  while (pos < line.length && NAME_CHAR.test(line[pos]!)) pos++;
  const name = line.slice(0, pos);
  const labels: Record<string, string> = {};
  skipSpace();
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipSpace();
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const start = pos;
      if (!LABEL_START.test(line[pos] ?? '')) return `label name expected at column ${pos + 1}`;
      while (pos < line.length && LABEL_CHAR.test(line[pos]!)) pos++;
      const label = line.slice(start, pos);
      skipSpace();
      if (line[pos] !== '=') return `'=' expected after label ${label}`;
      pos++;
      skipSpace();
      if (line[pos] !== '"') return `'"' expected for label ${label}`;
      pos++;
      let value = '';
      for (;;) {
        const c = line[pos];
        if (c === undefined) return `unterminated value of label ${label}`;
        pos++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[pos++];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else return `bad escape \\${e ?? ''} in label ${label}`;
        } else value += c;
      }
      labels[label] = value;
      skipSpace();
      if (line[pos] === ',') {
        pos++;
        continue;
      }
      if (line[pos] === '}') {
        pos++;
        break;
      }
      return `',' or '}' expected after label ${label}`;
    }
  }
  const rest = line.slice(pos).trim().split(/[ \t]+/);
  if (rest.length < 1 || rest[0] === '') return 'value expected';
  if (rest.length > 2) return 'trailing text after value and timestamp';
  const value = parseValue(rest[0]!);
  if (value === undefined) return `bad value '${rest[0]}'`;
  const sample: PromSample = { name, labels, value };
  if (rest.length === 2) {
    const ts = Number(rest[1]);
    if (!Number.isFinite(ts)) return `bad timestamp '${rest[1]}'`;
    sample.timestampMs = ts;
  }
  return sample;
}

function parseValue(s: string): number | undefined {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) && !/^[-+]?0[xX][0-9a-fA-F]+$/.test(s)) return undefined;
  return Number(s);
}

/** Stable key of a label set: sorted `k="v"` pairs. */
export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

export interface SeriesPoint {
  atMs: number;
  value: number;
}

export type ScrapeTarget = MetricsTarget;

export interface TargetStats {
  scrapes: number;
  failures: number;
  lastError: string | undefined;
  /** Malformed lines in the last scrape. */
  lastProblems: number;
  lastScrapeMs: number | undefined;
}

/** Fetches a target's text; injectable for tests. */
export type FetchText = (target: ScrapeTarget, timeoutMs: number) => Promise<string>;

export interface MetricsScraperOptions {
  targets: readonly ScrapeTarget[];
  /** Metric names whose series are kept (every label set of each). */
  metrics: readonly string[];
  /** Default 5000 ms. */
  intervalMs?: number;
  /** Per-scrape deadline. Default 4000 ms. */
  timeoutMs?: number;
  /** Points kept per series; the oldest are dropped past this. Default 10,000. */
  maxPoints?: number;
  fetchText?: FetchText;
}

interface Series {
  name: string;
  labels: Record<string, string>;
  points: SeriesPoint[];
  dropped: number;
}

export class MetricsScraper {
  private readonly targets: readonly ScrapeTarget[];
  private readonly wanted: ReadonlySet<string>;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly maxPoints: number;
  private readonly fetchText: FetchText;
  /** target → metric → labelKey → series. */
  private readonly series = new Map<string, Map<string, Map<string, Series>>>();
  private readonly texts = new Map<string, string>();
  private readonly statsByTarget = new Map<string, TargetStats>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(opts: MetricsScraperOptions) {
    this.targets = opts.targets;
    this.wanted = new Set(opts.metrics);
    this.intervalMs = opts.intervalMs ?? 5000;
    this.timeoutMs = opts.timeoutMs ?? 4000;
    this.maxPoints = opts.maxPoints ?? 10_000;
    this.fetchText = opts.fetchText ?? fetchTargetText;
    for (const t of this.targets) {
      this.series.set(t.name, new Map());
      this.statsByTarget.set(t.name, { scrapes: 0, failures: 0, lastError: undefined, lastProblems: 0, lastScrapeMs: undefined });
    }
  }

  /** Scrape now and then every interval (a scrape still running is not overlapped). */
  start(): void {
    if (this.timer) return;
    void this.scrapeOnce();
    this.timer = setInterval(() => void this.scrapeOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop the timer and wait for a scrape in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Scrape every target once (concurrently); failures are counted per target, never thrown. */
  scrapeOnce(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = Promise.all(this.targets.map((t) => this.scrapeTarget(t))).then(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Points of one series; `labels` must match exactly (default: the series without labels, or the only one). */
  seriesOf(target: string, metric: string, labels?: Record<string, string>): SeriesPoint[] {
    const byLabels = this.series.get(target)?.get(metric);
    if (!byLabels) return [];
    if (labels) return [...(byLabels.get(labelKey(labels))?.points ?? [])];
    const only = byLabels.get('') ?? (byLabels.size === 1 ? [...byLabels.values()][0] : undefined);
    return [...(only?.points ?? [])];
  }

  /** Every kept series of a metric on a target. */
  allSeries(target: string, metric: string): { labels: Record<string, string>; points: SeriesPoint[]; dropped: number }[] {
    const byLabels = this.series.get(target)?.get(metric);
    return byLabels ? [...byLabels.values()].map((s) => ({ labels: { ...s.labels }, points: [...s.points], dropped: s.dropped })) : [];
  }

  /** The last value of a series, if any. */
  latest(target: string, metric: string, labels?: Record<string, string>): number | undefined {
    const points = this.seriesOf(target, metric, labels);
    return points[points.length - 1]?.value;
  }

  /** The last full exposition text of a target. */
  lastText(target: string): string | undefined {
    return this.texts.get(target);
  }

  stats(target: string): TargetStats | undefined {
    const s = this.statsByTarget.get(target);
    return s ? { ...s } : undefined;
  }

  private async scrapeTarget(t: ScrapeTarget): Promise<void> {
    const stats = this.statsByTarget.get(t.name)!;
    const atMs = Date.now();
    let text: string;
    try {
      text = await this.fetchText(t, this.timeoutMs);
    } catch (error) {
      stats.failures += 1;
      stats.lastError = error instanceof Error ? error.message : String(error);
      return;
    }
    stats.scrapes += 1;
    stats.lastScrapeMs = Date.now() - atMs;
    this.texts.set(t.name, text);
    const parsed = parsePrometheusText(text);
    stats.lastProblems = parsed.problems.length;
    const byMetric = this.series.get(t.name)!;
    for (const s of parsed.samples) {
      if (!this.wanted.has(s.name)) continue;
      let byLabels = byMetric.get(s.name);
      if (!byLabels) byMetric.set(s.name, (byLabels = new Map()));
      const key = labelKey(s.labels);
      let series = byLabels.get(key);
      if (!series) byLabels.set(key, (series = { name: s.name, labels: s.labels, points: [], dropped: 0 }));
      series.points.push({ atMs, value: s.value });
      if (series.points.length > this.maxPoints) {
        series.points.splice(0, series.points.length - this.maxPoints);
        series.dropped += 1;
      }
    }
  }
}

/** GET the target URL over http or https (with the target's client TLS), bounded by `timeoutMs`. */
export function fetchTargetText(target: ScrapeTarget, timeoutMs: number): Promise<string> {
  const url = new URL(target.url);
  const isHttps = url.protocol === 'https:';
  const read = (f: string | undefined): Buffer | undefined => (f ? readFileSync(f) : undefined);
  const options: https.RequestOptions = {
    method: 'GET',
    headers: { Accept: 'text/plain;version=0.0.4' },
    ...(isHttps && target.tls ? { ca: read(target.tls.caFile), cert: read(target.tls.certFile), key: read(target.tls.keyFile) } : {}),
  };
  return new Promise<string>((resolve, reject) => {
    const req = (isHttps ? https.request : http.request)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        if (res.statusCode !== 200) reject(new Error(`${target.name} ${url.href}: HTTP ${res.statusCode ?? '?'}`));
        else resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`${target.name} ${url.href}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}
