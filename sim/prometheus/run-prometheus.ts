/**
 * A run's own Prometheus: started once the cloud is up, beside it on 127.0.0.1, scraping the
 * controller's twinlab_* metrics and every control-plane component the provider exposes (for the
 * local provider also kube-controller-manager), with its TSDB in `<out>/prometheus/data` so the
 * run can be explored later (`twinlab prometheus <run-dir>`). Stopped at teardown after one more
 * scrape of every target. `--prometheus off` turns it off; by default it runs with the local
 * control plane, and with any cloud when a remote_write URL is given.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ControlPlane } from '../cloud/control-plane.js';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { buildPrometheus, findPrometheus, type PrometheusSource } from './prometheus-binary.js';
import { prometheusConfig, type PrometheusScrapeTarget } from './prometheus-config.js';
import { PrometheusServer } from './prometheus-server.js';
import { readRunSeries } from './run-series.js';
import type { ControlPlaneSeries } from '../model/control-plane-series.js';

export type PrometheusMode = 'auto' | 'on' | 'off';

/** What `<out>/prometheus/run.json` holds: enough to serve and query the kept TSDB later. */
export interface PrometheusRunInfo {
  runId: string;
  binary: string;
  source: PrometheusSource;
  version: string | null;
  /** False for the module build: it has no web UI assets, only the HTTP API. */
  webUi: boolean;
  intervalSeconds: number;
  jobs: string[];
  startedAtMs: number;
  stoppedAtMs: number | null;
  /** Jobs not scraped again between the stop request and the stop. */
  missedFinalScrape: string[];
  remoteWrite: boolean;
}

export interface RunPrometheusOptions {
  mode: PrometheusMode;
  intervalSeconds: number;
  remoteWriteUrl?: string;
  outDir: string;
  runId: string;
  /** The controller's /metrics URL. */
  controllerMetricsUrl?: string;
  cloud: ControlPlane;
  log: (line: string) => void;
}

export const PROMETHEUS_DIR = 'prometheus';
export const RUN_INFO_FILE = 'run.json';

/** Whether this run gets a Prometheus: `auto` means with the local control plane, or when its data goes to a remote_write. */
export function prometheusWanted(mode: PrometheusMode, provider: ControlPlane['provider'], remoteWrite: boolean): boolean {
  if (mode === 'off') return false;
  if (mode === 'on') return true;
  return provider === 'local' || remoteWrite;
}

/** The scrape jobs for a started cloud; the controller's URL is rewritten to loopback when it listens on every address. */
export function scrapeTargets(cloud: ControlPlane, controllerMetricsUrl: string | undefined): PrometheusScrapeTarget[] {
  const out: PrometheusScrapeTarget[] = [];
  if (controllerMetricsUrl) {
    const u = new URL(controllerMetricsUrl);
    if (u.hostname === '0.0.0.0' || u.hostname === '::' || u.hostname === '[::]') u.hostname = '127.0.0.1';
    out.push({ job: 'twinlab', url: u.toString() });
  }
  for (const t of cloud.metricsTargets) out.push({ job: t.name, url: t.url, ...(t.tls ? { tls: t.tls } : {}) });
  if (cloud.controllerManagerMetricsUrl) {
    const api = cloud.metricsTargets.find((t) => t.name === 'kube-apiserver')?.tls;
    // kube-controller-manager serves /metrics on its secure port behind delegated authn/authz: the
    // admin client certificate passes both; its serving certificate is self-signed at start.
    if (api?.certFile && api.keyFile) {
      out.push({
        job: 'kube-controller-manager',
        url: cloud.controllerManagerMetricsUrl,
        tls: { certFile: api.certFile, keyFile: api.keyFile, insecureSkipVerify: true },
      });
    }
  }
  return out;
}

export class RunPrometheus {
  private stopping: Promise<{ info: PrometheusRunInfo; series: ControlPlaneSeries | null }> | null = null;

  private constructor(
    readonly server: PrometheusServer,
    readonly info: PrometheusRunInfo,
    private readonly infoPath: string,
  ) {}

  get url(): string {
    return this.server.url;
  }

  /** undefined when the run has no Prometheus (off, not wanted, or no binary with `auto`). */
  static async start(o: RunPrometheusOptions): Promise<RunPrometheus | undefined> {
    if (!prometheusWanted(o.mode, o.cloud.provider, o.remoteWriteUrl !== undefined)) return undefined;
    let found = findPrometheus();
    // Like the control plane: a first run builds what is missing, when Go can.
    if (found.path === null && (await buildPrometheus(o.log))) found = findPrometheus();
    if (found.path === null) {
      if (o.mode === 'on') throw new TwinlabError(ErrorCodes.BinariesUnavailable, `--prometheus on: ${found.reason}`, {});
      o.log(`prometheus: off for this run (${found.reason}); the report falls back to the harness's own samples`);
      return undefined;
    }
    const targets = scrapeTargets(o.cloud, o.controllerMetricsUrl);
    const dir = path.join(o.outDir, PROMETHEUS_DIR);
    const config = prometheusConfig({ runId: o.runId, intervalSeconds: o.intervalSeconds, targets, ...(o.remoteWriteUrl ? { remoteWriteUrl: o.remoteWriteUrl } : {}) });
    let server: PrometheusServer;
    try {
      server = await PrometheusServer.start({ binary: found.path, dir, config, keepForever: true });
    } catch (e) {
      const message = `prometheus did not start: ${e instanceof Error ? e.message : String(e)}`;
      if (o.mode === 'on') throw new TwinlabError(ErrorCodes.ControlPlaneStart, message, { component: 'prometheus' }, { cause: e });
      o.log(`${message}; continuing without it`);
      return undefined;
    }
    // Prometheus hands new targets to its scrapers at most every 5 s: wait for the first scrape of
    // every target, so the TSDB holds the fleet's ramp from its first second.
    const unscraped = await server.awaitScrapeAfter(targets.map((t) => t.job), 0, 20_000);
    if (unscraped.length > 0) o.log(`prometheus: not scraped yet after 20 s: ${unscraped.join(', ')}`);
    const info: PrometheusRunInfo = {
      runId: o.runId,
      binary: found.path,
      source: found.source,
      version: found.version,
      webUi: found.source !== 'module-build',
      intervalSeconds: o.intervalSeconds,
      jobs: targets.map((t) => t.job),
      startedAtMs: Date.now(),
      stoppedAtMs: null,
      missedFinalScrape: [],
      remoteWrite: o.remoteWriteUrl !== undefined,
    };
    const infoPath = path.join(dir, RUN_INFO_FILE);
    writeFileSync(infoPath, `${JSON.stringify(info, null, 2)}\n`);
    o.log(
      `prometheus ${found.version ?? '?'} (${found.source}${info.webUi ? '' : ', HTTP API only: built without web UI assets'}): ${server.url}, ` +
        `scraping ${info.jobs.join(', ')} every ${o.intervalSeconds} s; TSDB in ${server.tsdbDir}`,
    );
    return new RunPrometheus(server, info, infoPath);
  }

  /**
   * One more scrape of every target, the control plane's series read back for the reports
   * (null when the queries failed: the report then uses the harness's samples), then stop. Idempotent.
   */
  stop(runStartMs: number, log: (line: string) => void = () => undefined): Promise<{ info: PrometheusRunInfo; series: ControlPlaneSeries | null }> {
    this.stopping ??= (async () => {
      const asked = Date.now();
      this.info.missedFinalScrape = await this.server.awaitScrapeAfter(this.info.jobs, asked, this.info.intervalSeconds * 2_000 + 3_000);
      let series: ControlPlaneSeries | null = null;
      try {
        series = await readRunSeries({
          api: this.server.api,
          runId: this.info.runId,
          runStartMs,
          fromMs: this.info.startedAtMs,
          toMs: Date.now(),
          stepS: this.info.intervalSeconds,
          intervalSeconds: this.info.intervalSeconds,
        });
      } catch (e) {
        log(`prometheus: reading the run's series failed (${e instanceof Error ? e.message : String(e)}); the report uses the harness's samples`);
      }
      await this.server.stop();
      this.info.stoppedAtMs = Date.now();
      writeFileSync(this.infoPath, `${JSON.stringify(this.info, null, 2)}\n`);
      return { info: this.info, series };
    })();
    return this.stopping;
  }
}

/** `<run-dir>/prometheus/run.json`, or null when the run kept no Prometheus data. */
export function readRunInfo(runDir: string): PrometheusRunInfo | null {
  try {
    const v = JSON.parse(readFileSync(path.join(runDir, PROMETHEUS_DIR, RUN_INFO_FILE), 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || typeof (v as { runId?: unknown }).runId !== 'string') return null;
    return v as PrometheusRunInfo;
  } catch {
    return null;
  }
}
