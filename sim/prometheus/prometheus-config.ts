/**
 * The prometheus.yml a run's Prometheus starts with: one scrape job per target (the controller's
 * twinlab_* metrics, cloudcore's monitor server, kube-apiserver, kube-controller-manager, etcd),
 * every series labelled with the run's id, and an optional remote_write to a user's Prometheus,
 * Mimir or Thanos. Pure: the same input always gives the same text.
 */
import { stringify } from 'yaml';

export interface ScrapeTargetTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** For a loopback server with a self-signed serving certificate (kube-controller-manager's). */
  insecureSkipVerify?: boolean;
}

export interface PrometheusScrapeTarget {
  /** The job label: `twinlab`, `cloudcore`, `kube-apiserver`, `kube-controller-manager`, `etcd`. */
  job: string;
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  tls?: ScrapeTargetTls;
}

export interface PrometheusConfigInput {
  runId: string;
  /** Scrape interval, whole seconds from 1 to 5. */
  intervalSeconds: number;
  targets: readonly PrometheusScrapeTarget[];
  /** remote_write endpoint, e.g. https://mimir.example/api/v1/push. */
  remoteWriteUrl?: string;
}

/** `run_id` is a target label on every job, so every scraped series carries it; external_labels add it to remote writes too. */
export const RUN_ID_LABEL = 'run_id';

function scrapeConfig(t: PrometheusScrapeTarget, runId: string, intervalSeconds: number): Record<string, unknown> {
  const u = new URL(t.url);
  const scheme = u.protocol.replace(/:$/, '');
  const tls = t.tls
    ? {
        tls_config: {
          ...(t.tls.caFile ? { ca_file: t.tls.caFile } : {}),
          ...(t.tls.certFile ? { cert_file: t.tls.certFile } : {}),
          ...(t.tls.keyFile ? { key_file: t.tls.keyFile } : {}),
          ...(t.tls.insecureSkipVerify ? { insecure_skip_verify: true } : {}),
        },
      }
    : {};
  return {
    job_name: t.job,
    scrape_interval: `${intervalSeconds}s`,
    scrape_timeout: `${intervalSeconds}s`,
    scheme,
    metrics_path: u.pathname === '' ? '/metrics' : u.pathname,
    ...tls,
    static_configs: [{ targets: [u.host], labels: { [RUN_ID_LABEL]: runId } }],
  };
}

export function prometheusConfig(input: PrometheusConfigInput): string {
  if (!Number.isInteger(input.intervalSeconds) || input.intervalSeconds < 1 || input.intervalSeconds > 5) {
    throw new RangeError(`scrape interval ${input.intervalSeconds} s: must be a whole number of seconds from 1 to 5`);
  }
  const jobs = input.targets.map((t) => t.job);
  const duplicate = jobs.find((j, i) => jobs.indexOf(j) !== i);
  if (duplicate !== undefined) throw new RangeError(`scrape job ${duplicate} given twice`);
  const config = {
    global: {
      scrape_interval: `${input.intervalSeconds}s`,
      evaluation_interval: `${input.intervalSeconds}s`,
      external_labels: { [RUN_ID_LABEL]: input.runId },
    },
    scrape_configs: input.targets.map((t) => scrapeConfig(t, input.runId, input.intervalSeconds)),
    ...(input.remoteWriteUrl ? { remote_write: [{ url: input.remoteWriteUrl }] } : {}),
  };
  return stringify(config);
}

/** A configuration that scrapes nothing: for serving a kept TSDB. */
export function emptyPrometheusConfig(): string {
  return stringify({ global: { scrape_interval: '5s' }, scrape_configs: [] });
}
