import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAvailable, dockerHostCandidates } from './docker-available.js';

const scratch = mkdtempSync(join(tmpdir(), 'twinlab-docker-'));
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  rmSync(scratch, { recursive: true, force: true });
});

async function fakeEngine(socketPath: string, answer: 'ok' | 'error' | 'silent'): Promise<void> {
  const s = createServer((req, res) => {
    if (answer === 'silent') return;
    if (req.url === '/_ping' && answer === 'ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    else res.writeHead(500).end('boom');
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(socketPath, r));
}

describe('dockerAvailable (fast probe)', () => {
  it('looks at DOCKER_HOST only when it is set, else testcontainers.properties and the usual sockets', () => {
    expect(dockerHostCandidates({ DOCKER_HOST: 'tcp://10.0.0.1:2375' }, '/home/u')).toEqual(['tcp://10.0.0.1:2375']);
    const home = mkdtempSync(join(scratch, 'home-'));
    writeFileSync(join(home, '.testcontainers.properties'), 'ryuk.disabled=true\ndocker.host=unix:///custom/docker.sock\n');
    expect(dockerHostCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, home)).toEqual([
      'unix:///custom/docker.sock',
      'unix:///var/run/docker.sock',
      'unix:///run/user/1000/docker.sock',
      `unix://${home}/.docker/run/docker.sock`,
      `unix://${home}/.docker/desktop/docker.sock`,
      'unix:///run/user/1000/podman/podman.sock',
    ]);
  });

  it('says available when the engine socket answers /_ping with OK', async () => {
    const sock = join(scratch, 'ok.sock');
    await fakeEngine(sock, 'ok');
    const p = await dockerAvailable({ env: { DOCKER_HOST: `unix://${sock}` } });
    expect(p).toEqual({ available: true, host: `unix://${sock}`, reason: `Docker engine at unix://${sock} answered /_ping` });
  });

  it('says why not: no socket, an error answer, or no answer in time', async () => {
    const missing = await dockerAvailable({ env: { DOCKER_HOST: `unix://${join(scratch, 'none.sock')}` } });
    expect(missing.available).toBe(false);
    expect(missing.reason).toContain('no socket at');

    const bad = join(scratch, 'bad.sock');
    await fakeEngine(bad, 'error');
    expect((await dockerAvailable({ env: { DOCKER_HOST: `unix://${bad}` } })).reason).toContain('HTTP 500');

    const silent = join(scratch, 'silent.sock');
    await fakeEngine(silent, 'silent');
    const t0 = Date.now();
    const slow = await dockerAvailable({ env: { DOCKER_HOST: `unix://${silent}` }, timeoutMs: 200 });
    expect(slow.available).toBe(false);
    expect(slow.reason).toContain('no answer to /_ping within 200 ms');
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
