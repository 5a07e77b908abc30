/**
 * One Prometheus server process on 127.0.0.1: started through the control plane's supervisor (so
 * a SIGKILLed run leaves none behind) and announced to the run's pid file, its TSDB and log in a
 * directory of the caller's. `stop()` can wait for one more scrape of every target first, so the
 * TSDB ends with the run's last state rather than up to an interval before it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '../cloud/local/free-port.js';
import { waitUntil } from '../cloud/local/readiness.js';
import { SupervisedProcess } from '../cloud/local/supervised-process.js';
import { findSupervisor } from '../cloud/local/supervisor-binary.js';
import { PrometheusApi } from './prometheus-api.js';

export interface PrometheusServerOptions {
  binary: string;
  /** Holds prometheus.yml, prometheus.log and the TSDB (`data/`). */
  dir: string;
  config: string;
  /** The process name in logs and the pid file. Default `prometheus`. */
  name?: string;
  /** Default: a free port. */
  port?: number;
  /** TSDB directory; default `<dir>/data`. */
  tsdbDir?: string;
  /**
   * Keep every block however old: a kept run's TSDB is opened again later, and Prometheus's
   * default 15 d retention would delete an older run's data on open.
   */
  keepForever?: boolean;
  readyTimeoutMs?: number;
}

export class PrometheusServer {
  readonly api: PrometheusApi;

  private constructor(
    readonly url: string,
    readonly dir: string,
    readonly tsdbDir: string,
    private readonly proc: SupervisedProcess,
  ) {
    this.api = new PrometheusApi(url);
  }

  get pid(): number {
    return this.proc.pid;
  }

  get logPath(): string {
    return this.proc.logPath;
  }

  static async start(o: PrometheusServerOptions): Promise<PrometheusServer> {
    mkdirSync(o.dir, { recursive: true });
    const tsdbDir = o.tsdbDir ?? join(o.dir, 'data');
    const configPath = join(o.dir, 'prometheus.yml');
    writeFileSync(configPath, o.config);
    const port = o.port ?? (await freePorts(1))[0]!;
    const found = await findSupervisor();
    const proc = await SupervisedProcess.start({
      name: o.name ?? 'prometheus',
      command: o.binary,
      args: [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${tsdbDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...(o.keepForever ? ['--storage.tsdb.retention.time=100y'] : []),
      ],
      logsDir: o.dir,
      cwd: o.dir,
      ...(found.path !== null ? { supervisor: found.path } : {}),
    });
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, o.dir, tsdbDir, proc);
    try {
      await waitUntil(() => server.api.ready(), { what: `prometheus ${server.url}/-/ready`, timeoutMs: o.readyTimeoutMs ?? 60_000, intervalMs: 200, proc });
    } catch (e) {
      await proc.stop(2_000);
      throw new Error(`${e instanceof Error ? e.message : String(e)}; log ${proc.logPath}: ${proc.logTail(1_500)}`, { cause: e });
    }
    return server;
  }

  /**
   * Waits until every job in `jobs` has an active target scraped after `sinceMs` (or `timeoutMs`
   * passed), and returns the jobs that have not.
   */
  async awaitScrapeAfter(jobs: readonly string[], sinceMs: number, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let late: string[] = [];
    for (;;) {
      try {
        const fresh = new Set((await this.api.targets()).filter((t) => (t.lastScrapeMs ?? 0) > sinceMs).map((t) => t.job));
        late = jobs.filter((j) => !fresh.has(j));
      } catch {
        late = ['(targets unreadable)'];
      }
      if (late.length === 0 || Date.now() >= deadline) return late;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGTERM (Prometheus closes its TSDB cleanly), SIGKILL after the grace. */
  async stop(graceMs = 15_000): Promise<void> {
    await this.proc.stop(graceMs);
  }
}
