/**
 * What the reports draw of the control plane, read back from the run's Prometheus with PromQL
 * range queries at the end of the run: CPU (share of a core) and RSS per process, cloudcore's
 * goroutines and open files, kube-apiserver's request rate and p99 latency, etcd latency (both
 * kube-apiserver's view of it and etcd's own WAL fsync).
 */
import { alignChart, type ControlPlaneSeries, type SeriesChart } from '../model/control-plane-series.js';
import type { PrometheusApi, PromSeries } from './prometheus-api.js';

export interface SeriesQuery {
  key: string;
  title: string;
  unit: string;
  /** PromQL; `$sel` is replaced by the run's selector, `$w` by the rate window. */
  lines: ReadonlyArray<{ query: string; name: (labels: Record<string, string>) => string; scale?: number }>;
}

const byJob = (l: Record<string, string>): string => l.job ?? '?';

/** The control-plane jobs: every scrape job but the harness's own. */
const CP = '$sel,job!="twinlab"';

export const RUN_SERIES_QUERIES: readonly SeriesQuery[] = [
  { key: 'cp-cpu', title: 'Control-plane CPU', unit: 'cores', lines: [{ query: `sum by (job) (rate(process_cpu_seconds_total{${CP}}[$w]))`, name: byJob }] },
  { key: 'cp-rss', title: 'Control-plane RSS', unit: 'MiB', lines: [{ query: `sum by (job) (process_resident_memory_bytes{${CP}})`, name: byJob, scale: 1 / 1048576 }] },
  { key: 'cloudcore-goroutines', title: 'cloudcore goroutines', unit: 'goroutines', lines: [{ query: 'go_goroutines{$sel,job="cloudcore"}', name: () => 'goroutines' }] },
  { key: 'cloudcore-open-files', title: 'cloudcore open files', unit: 'fds', lines: [{ query: 'process_open_fds{$sel,job="cloudcore"}', name: () => 'cloudcore' }] },
  {
    key: 'apiserver-rps',
    title: 'kube-apiserver requests',
    unit: 'req/s',
    lines: [{ query: 'sum by (verb) (rate(apiserver_request_total{$sel,job="kube-apiserver"}[$w]))', name: (l) => l.verb ?? '?' }],
  },
  {
    key: 'apiserver-latency',
    title: 'kube-apiserver request latency p99',
    unit: 'ms',
    lines: [
      {
        query: 'histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket{$sel,job="kube-apiserver",verb=~"GET|LIST"}[$w])))',
        name: () => 'read p99',
        scale: 1000,
      },
      {
        query: 'histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket{$sel,job="kube-apiserver",verb=~"POST|PUT|PATCH|DELETE"}[$w])))',
        name: () => 'mutating p99',
        scale: 1000,
      },
    ],
  },
  {
    key: 'etcd-latency',
    title: 'etcd latency p99',
    unit: 'ms',
    lines: [
      { query: 'histogram_quantile(0.99, sum by (le) (rate(etcd_request_duration_seconds_bucket{$sel,job="kube-apiserver"}[$w])))', name: () => 'request (kube-apiserver\'s view)', scale: 1000 },
      { query: 'histogram_quantile(0.99, sum by (le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket{$sel,job="etcd"}[$w])))', name: () => 'WAL fsync (etcd)', scale: 1000 },
    ],
  },
];

export function expandQuery(query: string, runId: string, windowS: number): string {
  return query.replaceAll('$sel', `run_id="${runId}"`).replaceAll('$w', `${windowS}s`);
}

/** A rate window that holds at least four scrapes. */
export function rateWindowS(intervalSeconds: number): number {
  return Math.max(5, intervalSeconds * 4);
}

export interface RunSeriesInput {
  api: PrometheusApi;
  runId: string;
  runStartMs: number;
  fromMs: number;
  toMs: number;
  stepS: number;
  intervalSeconds: number;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export async function readRunSeries(o: RunSeriesInput): Promise<ControlPlaneSeries> {
  const w = rateWindowS(o.intervalSeconds);
  const charts: SeriesChart[] = [];
  for (const q of RUN_SERIES_QUERIES) {
    const lines: Array<{ name: string; points: Array<[number, number]> }> = [];
    for (const line of q.lines) {
      const result: PromSeries[] = await o.api.queryRange(expandQuery(line.query, o.runId, w), o.fromMs / 1000, o.toMs / 1000, o.stepS);
      for (const s of result) {
        lines.push({
          name: line.name(s.labels),
          points: s.points.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => [r3(t - o.runStartMs / 1000), r3(v * (line.scale ?? 1))]),
        });
      }
    }
    if (lines.some((l) => l.points.length > 0)) charts.push(alignChart(q.key, q.title, q.unit, lines.sort((a, b) => a.name.localeCompare(b.name))));
  }
  return { source: 'prometheus', stepS: o.stepS, charts };
}
