/**
 * The control plane over time for the reports: CPU (share of a core) and RSS per process,
 * cloudcore's goroutines and open files, kube-apiserver's request rate and latency, etcd latency.
 * A run with its own Prometheus records them from PromQL range queries (sim/prometheus/run-series.ts);
 * without one they come from the harness's own 1 s evidence samples, with what those lack left out.
 */
import type { EvidenceSample } from './evidence.js';
import { processRole } from './evidence.js';

export interface SeriesLine {
  name: string;
  /** One per x; null where there was no sample. */
  values: Array<number | null>;
}

export interface SeriesChart {
  /** Stable id: cp-cpu, cp-rss, cloudcore-goroutines, cloudcore-open-files, apiserver-rps, apiserver-latency, etcd-latency. */
  key: string;
  title: string;
  unit: string;
  /** Seconds since the run started. */
  xs: number[];
  lines: SeriesLine[];
}

export interface ControlPlaneSeries {
  /** `prometheus`: PromQL range queries over the run's own Prometheus; `harness`: the evidence samples. */
  source: 'prometheus' | 'harness';
  stepS: number;
  charts: SeriesChart[];
}

/** Points [seconds since start, value] per line name → one chart on the union of their instants. */
export function alignChart(key: string, title: string, unit: string, lines: ReadonlyArray<{ name: string; points: ReadonlyArray<readonly [number, number]> }>): SeriesChart {
  const xs = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return {
    key,
    title,
    unit,
    xs,
    lines: lines.map((l) => {
      const values: Array<number | null> = xs.map(() => null);
      for (const [x, v] of l.points) values[index.get(x)!] = Number.isFinite(v) ? v : null;
      return { name: l.name, values };
    }),
  };
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** The fallback: the same charts from the evidence samples (no goroutines: /proc does not count them). */
export function seriesFromEvidence(samples: readonly EvidenceSample[], runStartMs: number): ControlPlaneSeries | null {
  if (samples.length === 0) return null;
  const at = (s: EvidenceSample): number => r3((s.atMs - runStartMs) / 1000);
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.processes)))].filter((n) => processRole(n) === 'control-plane').sort();
  const perProcess = (read: (p: EvidenceSample['processes'][string]) => number | null) =>
    names.map((name) => ({
      name,
      points: samples.flatMap((s): Array<[number, number]> => {
        const p = s.processes[name];
        const v = p ? read(p) : null;
        return v === null ? [] : [[at(s), v]];
      }),
    }));
  const charts: SeriesChart[] = [];
  if (names.length > 0) {
    charts.push(alignChart('cp-cpu', 'Control-plane CPU', 'cores', perProcess((p) => r3(p.cpuCores))));
    charts.push(alignChart('cp-rss', 'Control-plane RSS', 'MiB', perProcess((p) => r3(p.rssBytes / 1048576))));
  }
  if (names.includes('cloudcore')) {
    charts.push(alignChart('cloudcore-open-files', 'cloudcore open files', 'fds', [{ name: 'cloudcore', points: perProcess((p) => p.fds).find((l) => l.name === 'cloudcore')!.points }]));
  }
  const api = samples.filter((s) => s.apiserver !== null);
  if (api.length > 0) {
    const pts = (read: (a: NonNullable<EvidenceSample['apiserver']>) => number | null): Array<[number, number]> =>
      api.flatMap((s): Array<[number, number]> => {
        const v = read(s.apiserver!);
        return v === null ? [] : [[at(s), v]];
      });
    charts.push(alignChart('apiserver-rps', 'kube-apiserver requests', 'req/s', [{ name: 'requests', points: pts((a) => a.requestsPerS) }]));
    charts.push(
      alignChart('apiserver-latency', 'kube-apiserver request latency p99', 'ms', [
        { name: 'read p99', points: pts((a) => a.readP99Ms) },
        { name: 'mutating p99', points: pts((a) => a.mutatingP99Ms) },
      ]),
    );
    charts.push(alignChart('etcd-latency', 'etcd request latency p99 (kube-apiserver\'s view)', 'ms', [{ name: 'etcd p99', points: pts((a) => a.etcdP99Ms) }]));
  }
  return charts.length > 0 ? { source: 'harness', stepS: 1, charts } : null;
}
