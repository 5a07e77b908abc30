import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetMetrics } from './fleet-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';

const open: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(registry: Pick<Registry, 'metrics' | 'contentType'>, port = 0): Promise<MetricsServer> {
  const s = await startMetricsServer({ port, registry });
  open.push(s);
  return s;
}

/** Resolves true when a plain TCP listener can bind the port on 127.0.0.1. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('startMetricsServer', () => {
  it('serves the registry on GET /metrics over 127.0.0.1 with its content type', async () => {
    const metrics = new FleetMetrics({ processMetrics: false });
    const server = await start(metrics.registry);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);
    expect(server.port).toBeGreaterThan(0);

    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    expect(body.split('\n')).toContain('# TYPE twinlab_connects_total counter');
    expect(body.split('\n')).toContain('twinlab_connects_total 0');

    const withQuery = await fetch(`${server.url}?x=1`);
    expect(withQuery.status).toBe(200);
    await withQuery.text();
  });

  it('answers 404 for any other path and 405 for other methods on /metrics', async () => {
    const server = await start(new Registry());
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of ['/', '/metric', '/metrics/', '/metricsx', '/health', '/healthz/x']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(404);
      await res.text();
    }
    const post = await fetch(server.url, { method: 'POST', body: '' });
    expect(post.status).toBe(405);
    await post.text();
  });

  it('answers /healthz always and /readyz as the ready callback says, for a pod\'s probes', async () => {
    let ready = false;
    const server = await startMetricsServer({ port: 0, registry: new Registry(), ready: () => ready });
    open.push(server);
    const base = `http://127.0.0.1:${server.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('not ready\n');
    ready = true;
    const nowReady = await fetch(`${base}/readyz`);
    expect(nowReady.status).toBe(200);
    await nowReady.text();
  });

  it('answers 500 when collecting fails', async () => {
    const failing: Pick<Registry, 'metrics' | 'contentType'> = {
      contentType: Registry.PROMETHEUS_CONTENT_TYPE,
      metrics: () => Promise.reject(new Error('bad histogram')),
    };
    const server = await start(failing);
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('bad histogram');
  });

  it('frees the port on close, even after a keep-alive scrape', async () => {
    const server = await start(new Registry());
    const res = await fetch(server.url, { headers: { connection: 'keep-alive' } });
    await res.text();
    expect(await portIsFree(server.port)).toBe(false);
    await server.close();
    await server.close();
    expect(await portIsFree(server.port)).toBe(true);
    await expect(fetch(server.url)).rejects.toThrow();
    const again = await start(new Registry(), server.port);
    expect(again.port).toBe(server.port);
  });
});
