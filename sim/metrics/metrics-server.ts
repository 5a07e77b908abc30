/**
 * A bare HTTP endpoint for Prometheus: GET /metrics renders a prom-client registry, /healthz and
 * /readyz answer a pod's probes, everything else is 404. Binds to loopback unless told otherwise;
 * port 0 picks a free port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 for an ephemeral port. */
  port: number;
  registry: Pick<Registry, 'metrics' | 'contentType'>;
  /**
   * /readyz answers 200 while this returns true, else 503; default always ready. /healthz answers
   * 200 whenever the process can serve a request at all: a liveness probe that fails only on a
   * wedged event loop, never on a slow cloud.
   */
  ready?: () => boolean;
}

export interface MetricsServer {
  /** Scrape URL, e.g. http://127.0.0.1:9464/metrics. */
  readonly url: string;
  readonly port: number;
  /** Stop listening, drop idle keep-alive sockets, and resolve once the port is free. Idempotent. */
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const { registry } = options;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' || (options.ready?.() ?? true);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(ok ? 'ok\n' : 'not ready\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      // A failed scrape must show up as one (Prometheus marks the target down), not as stale data.
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics collection failed: ${message}\n`);
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/metrics`,
    port,
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      })),
  };
}
