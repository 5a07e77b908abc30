import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { isTwinlabError } from '../errors.js';
import { startRunMetricsEndpoint, type RunMetricsEndpoint } from './run-metrics-endpoint.js';

const held: Server[] = [];
const started: RunMetricsEndpoint[] = [];

/** A port some other process holds, as a second run finds 9464. */
async function takenPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  held.push(srv);
  const addr = srv.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no port');
  return addr.port;
}

afterEach(async () => {
  for (const e of started.splice(0)) await e.server.close();
  for (const s of held.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

describe('the run’s metrics endpoint', () => {
  it('falls back to a free port when the default port is taken, and says which', async () => {
    const port = await takenPort();
    const lines: string[] = [];
    const e = await startRunMetricsEndpoint({ host: '127.0.0.1', port, explicit: false }, new Registry(), (l) => lines.push(l));
    started.push(e);
    expect(e.fallbackFrom).toBe(port);
    expect(e.server.port).not.toBe(port);
    expect(e.server.url).toBe(`http://127.0.0.1:${e.server.port}/metrics`);
    expect(lines).toEqual([`metrics: the default port ${port} on 127.0.0.1 is taken (another run?); serving on port ${e.server.port} instead: ${e.server.url}`]);
    const res = await fetch(e.server.url);
    expect(res.status).toBe(200);
  });

  it('takes the port it asks for when it is free, without a word', async () => {
    const port = await takenPort();
    await new Promise<void>((r) => held.pop()!.close(() => r()));
    const lines: string[] = [];
    const e = await startRunMetricsEndpoint({ host: '127.0.0.1', port, explicit: false }, new Registry(), (l) => lines.push(l));
    started.push(e);
    expect(e).toMatchObject({ fallbackFrom: null, server: { port } });
    expect(lines).toEqual([]);
  });

  it('fails with TWL_CONFIG_INVALID naming --metrics-port when a port given on the command line is taken', async () => {
    const port = await takenPort();
    const lines: string[] = [];
    const err = await startRunMetricsEndpoint({ host: '127.0.0.1', port, explicit: true }, new Registry(), (l) => lines.push(l)).then(
      () => null,
      (x: unknown) => x,
    );
    expect(isTwinlabError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'TWL_CONFIG_INVALID', context: { option: '--metrics-port' } });
    expect((err as Error).message).toMatch(new RegExp(`^--metrics-port ${port}: cannot listen on 127\\.0\\.0\\.1:${port} \\(.*EADDRINUSE.*\\); pick another port or 0$`));
    expect(lines).toEqual([]);
  });
});
