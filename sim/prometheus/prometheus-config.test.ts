import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emptyPrometheusConfig, prometheusConfig } from './prometheus-config.js';

interface Job {
  job_name: string;
  scheme: string;
  metrics_path: string;
  scrape_interval: string;
  tls_config?: Record<string, unknown>;
  static_configs: Array<{ targets: string[]; labels: Record<string, string> }>;
}

const targets = [
  { job: 'twinlab', url: 'http://127.0.0.1:9464/metrics' },
  { job: 'cloudcore', url: 'http://127.0.0.1:40001/metrics' },
  { job: 'kube-apiserver', url: 'https://127.0.0.1:40002/metrics', tls: { caFile: '/r/pki/ca.crt', certFile: '/r/pki/admin.crt', keyFile: '/r/pki/admin.key' } },
  { job: 'kube-controller-manager', url: 'https://127.0.0.1:40003/metrics', tls: { certFile: '/r/pki/admin.crt', keyFile: '/r/pki/admin.key', insecureSkipVerify: true } },
];

describe('prometheusConfig', () => {
  it('writes one job per target, every one labelled with the run id', () => {
    const c = parse(prometheusConfig({ runId: 'run-1', intervalSeconds: 2, targets })) as { scrape_configs: Job[]; global: Record<string, unknown> };
    expect(c.scrape_configs.map((j) => j.job_name)).toEqual(['twinlab', 'cloudcore', 'kube-apiserver', 'kube-controller-manager']);
    for (const j of c.scrape_configs) {
      expect(j.static_configs[0]!.labels).toEqual({ run_id: 'run-1' });
      expect(j.scrape_interval).toBe('2s');
      expect(j.metrics_path).toBe('/metrics');
    }
    expect(c.global.external_labels).toEqual({ run_id: 'run-1' });
    expect(c.scrape_configs[1]!.static_configs[0]!.targets).toEqual(['127.0.0.1:40001']);
  });

  it('scrapes https targets with the client certificate, and skips verification only where asked', () => {
    const c = parse(prometheusConfig({ runId: 'r', intervalSeconds: 1, targets })) as { scrape_configs: Job[] };
    const api = c.scrape_configs.find((j) => j.job_name === 'kube-apiserver')!;
    expect(api.scheme).toBe('https');
    expect(api.tls_config).toEqual({ ca_file: '/r/pki/ca.crt', cert_file: '/r/pki/admin.crt', key_file: '/r/pki/admin.key' });
    const kcm = c.scrape_configs.find((j) => j.job_name === 'kube-controller-manager')!;
    expect(kcm.tls_config).toEqual({ cert_file: '/r/pki/admin.crt', key_file: '/r/pki/admin.key', insecure_skip_verify: true });
    expect(c.scrape_configs.find((j) => j.job_name === 'twinlab')!.tls_config).toBeUndefined();
  });

  it('adds remote_write only when given a URL', () => {
    const without = parse(prometheusConfig({ runId: 'r', intervalSeconds: 5, targets })) as Record<string, unknown>;
    expect(without.remote_write).toBeUndefined();
    const withRw = parse(prometheusConfig({ runId: 'r', intervalSeconds: 5, targets, remoteWriteUrl: 'https://mimir.example/api/v1/push' })) as Record<string, unknown>;
    expect(withRw.remote_write).toEqual([{ url: 'https://mimir.example/api/v1/push' }]);
  });

  it('refuses intervals outside 1–5 s and a job given twice', () => {
    expect(() => prometheusConfig({ runId: 'r', intervalSeconds: 0, targets })).toThrow(/1 to 5/);
    expect(() => prometheusConfig({ runId: 'r', intervalSeconds: 6, targets })).toThrow(/1 to 5/);
    expect(() => prometheusConfig({ runId: 'r', intervalSeconds: 1.5, targets })).toThrow(/1 to 5/);
    expect(() => prometheusConfig({ runId: 'r', intervalSeconds: 2, targets: [...targets, targets[0]!] })).toThrow(/twinlab given twice/);
  });

  it('serves a kept TSDB with no scrape jobs', () => {
    expect((parse(emptyPrometheusConfig()) as { scrape_configs: unknown[] }).scrape_configs).toEqual([]);
  });
});
