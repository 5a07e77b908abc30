/**
 * `twinlab prometheus <run-dir>`: serve a finished run's kept TSDB (`<run-dir>/prometheus/data`)
 * through Prometheus's HTTP API, print the URL and the run's time range, and stop on SIGINT, SIGTERM
 * or SIGHUP, removing the copy it served. Prometheus has no read-only server mode (it would
 * compact the head and replay the WAL into the directory), so it serves a copy in a temporary
 * directory: the run directory is never written. Nothing is scraped.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigInvalidError, ErrorCodes, ExitCodes, TwinlabError } from '../errors.js';
import { findPrometheus } from './prometheus-binary.js';
import { emptyPrometheusConfig } from './prometheus-config.js';
import { PrometheusServer } from './prometheus-server.js';
import { PROMETHEUS_DIR, readRunInfo } from './run-prometheus.js';

const USAGE = 'usage: twinlab prometheus <run-dir> [--port N]';

export async function runPrometheusCommand(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  until: Promise<void> = signalled(),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { port: { type: 'string' } } });
  } catch (e) {
    throw new ConfigInvalidError(`${e instanceof Error ? e.message : String(e)}; ${USAGE}`, {});
  }
  const runDir = parsed.positionals[0];
  if (!runDir) throw new ConfigInvalidError(USAGE, { option: 'run-dir' });
  const port = parsed.values.port === undefined ? undefined : Number(parsed.values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new ConfigInvalidError(`--port ${parsed.values.port}: must be 1–65535`, { option: '--port' });
  const tsdb = path.join(runDir, PROMETHEUS_DIR, 'data');
  if (!existsSync(tsdb)) {
    throw new ConfigInvalidError(`${tsdb}: no such directory — the run kept no Prometheus data (it ran with --prometheus off, or without a Prometheus binary)`, { file: tsdb });
  }
  const found = findPrometheus();
  if (found.path === null) throw new TwinlabError(ErrorCodes.BinariesUnavailable, found.reason, {});
  const info = readRunInfo(runDir);
  const work = mkdtempSync(path.join(tmpdir(), 'twinlab-prom-serve-'));
  try {
    const copy = path.join(work, 'data');
    cpSync(tsdb, copy, { recursive: true });
    const server = await PrometheusServer.start({
      binary: found.path,
      dir: work,
      tsdbDir: copy,
      config: emptyPrometheusConfig(),
      keepForever: true,
      ...(port !== undefined ? { port } : {}),
    });
    const range = info?.stoppedAtMs ? `${new Date(info.startedAtMs).toISOString()} – ${new Date(info.stoppedAtMs).toISOString()}` : 'unknown range';
    out(`prometheus: ${server.url}\n`);
    out(`run ${info?.runId ?? path.basename(path.resolve(runDir))}: ${range}; series carry run_id="${info?.runId ?? '?'}"\n`);
    out(`${found.source === 'module-build' ? 'HTTP API only (this Prometheus was built without web UI assets); ' : ''}a copy of ${tsdb} is served; Ctrl-C stops\n`);
    // The server process is unref'd (the exit reaper owns it): hold the event loop open until told to stop.
    const hold = setInterval(() => undefined, 1 << 30);
    await until.finally(() => clearInterval(hold));
    await server.stop();
    return ExitCodes.Ok;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Resolves on the first of SIGINT, SIGTERM, SIGHUP. The listeners stay installed: the exit reaper
 * exits the process on a signal nobody else listens to, which would skip removing the copy.
 */
function signalled(): Promise<void> {
  return new Promise((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => resolve());
  });
}
