/**
 * The run's Prometheus endpoint: the port asked for, or — when the default port is taken, e.g. by
 * a second run on the same machine — any free port, said in a log line and in the run's events.
 * A port given with --metrics-port is a promise to whoever scrapes it: when it is taken the run
 * fails instead.
 */
import type { Registry } from 'prom-client';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { startMetricsServer, type MetricsServer } from '../metrics/metrics-server.js';

export interface RunMetricsEndpointOptions {
  host: string;
  port: number;
  /** The port came from --metrics-port: never fall back. */
  explicit: boolean;
}

export interface RunMetricsEndpoint {
  server: MetricsServer;
  /** The port that was taken when the run fell back to another one; null when it got the port it asked for. */
  fallbackFrom: number | null;
}

function isAddressInUse(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

export async function startRunMetricsEndpoint(
  o: RunMetricsEndpointOptions,
  registry: Pick<Registry, 'metrics' | 'contentType'>,
  log: (line: string) => void,
): Promise<RunMetricsEndpoint> {
  const fail = (e: unknown): never => {
    throw new TwinlabError(
      ErrorCodes.ConfigInvalid,
      `--metrics-port ${o.port}: cannot listen on ${o.host}:${o.port} (${e instanceof Error ? e.message : String(e)}); pick another port or 0`,
      { option: '--metrics-port' },
    );
  };
  try {
    return { server: await startMetricsServer({ host: o.host, port: o.port, registry }), fallbackFrom: null };
  } catch (e) {
    if (o.explicit || o.port === 0 || !isAddressInUse(e)) return fail(e);
  }
  const server = await startMetricsServer({ host: o.host, port: 0, registry }).catch(fail);
  log(`metrics: the default port ${o.port} on ${o.host} is taken (another run?); serving on port ${server.port} instead: ${server.url}`);
  return { server, fallbackFrom: o.port };
}
