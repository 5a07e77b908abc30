import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoopbackCa, issueJoinToken, issueServerCert, type LoopbackCa } from '../../cloud/loopback/loopback-ca.js';
import { startCertServer, type StartedCertServer } from '../../cloud/loopback/cert-server.js';
import { BootstrapCaMismatchError, BootstrapRejectedError, CloudUnreachableError, ErrorCodes } from '../../errors.js';
import { enrollNodes, openEnroller, SHARED_CERT_NODE_NAME, type NodeCredentials } from './enroll.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let ca: LoopbackCa;
let server: StartedCertServer;
const dirs: string[] = [];

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinlab-enroll-'));
  dirs.push(dir);
  return dir;
}

function expectNodeCert(creds: NodeCredentials, certNodeName: string): void {
  const cert = new X509Certificate(creds.certPem);
  expect(cert.subject).toBe(`O=system:nodes\nCN=system:node:${certNodeName}`);
  expect(cert.issuer).toBe('CN=KubeEdge');
  expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
  expect(cert.verify(new X509Certificate(ca.certDer).publicKey)).toBe(true);
  // The key we keep is the one the certificate was issued for.
  const ours = createPublicKey(createPrivateKey(creds.keyPem)).export({ type: 'spki', format: 'der' });
  expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(ours)).toBe(true);
}

beforeAll(async () => {
  ca = await createLoopbackCa();
  server = await startCertServer({ ca });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('enrollNodes against the loopback :10002', () => {
  it('enrolls each node once (per-node), then serves a second run from the cache with no request at all', async () => {
    const dir = cacheDir();
    const nodeNames = ['vn-1', 'vn-2', 'vn-3'];
    const before = { ...server.counters };
    const first = await enrollNodes({ certsUrl: server.url, token: issueJoinToken(ca), nodeNames, mode: 'per-node', cacheDir: dir, concurrency: 2 });
    expect(first.stats).toMatchObject({ enrolled: 3, cached: 0, reused: 0, caFetched: true });
    expect(first.stats.enrollDurationsMs).toHaveLength(3);
    expect(server.counters.enrolled - before.enrolled).toBe(3);
    expect(server.counters.caServed - before.caServed).toBe(1);
    expect(Buffer.from(first.caDer).equals(Buffer.from(ca.certDer))).toBe(true);
    expect(first.caPem).toBe(new X509Certificate(ca.certDer).toString());
    for (const name of nodeNames) {
      const creds = first.nodes.get(name);
      expect(creds?.source).toBe('enrolled');
      expectNodeCert(creds as NodeCredentials, name);
    }

    const afterFirst = { ...server.counters };
    const second = await enrollNodes({ certsUrl: server.url, token: issueJoinToken(ca), nodeNames, mode: 'per-node', cacheDir: dir, concurrency: 2 });
    expect(second.stats).toMatchObject({ enrolled: 0, cached: 3, caFetched: false });
    expect(server.counters).toEqual(afterFirst);
    for (const name of nodeNames) {
      expect(second.nodes.get(name)?.source).toBe('cache');
      expect(second.nodes.get(name)?.keyPem).toBe(first.nodes.get(name)?.keyPem);
    }
  });

  it('enrolls one certificate for all nodes in shared mode', async () => {
    const before = server.counters.enrolled;
    const nodeNames = ['vn-1', 'vn-2', 'vn-3', 'vn-4', 'vn-5'];
    const result = await enrollNodes({ certsUrl: server.url, token: issueJoinToken(ca), nodeNames, mode: 'shared', cacheDir: cacheDir(), concurrency: 4 });
    expect(server.counters.enrolled - before).toBe(1);
    expect(result.stats).toMatchObject({ enrolled: 1, reused: 4 });
    const certs = new Set([...result.nodes.values()].map((c) => c.certPem));
    expect(certs.size).toBe(1);
    const one = result.nodes.get('vn-3') as NodeCredentials;
    expect(one.certNodeName).toBe(SHARED_CERT_NODE_NAME);
    expectNodeCert(one, SHARED_CERT_NODE_NAME);
  });

  it('lets a node enroll itself lazily; concurrent calls for one node make one request', async () => {
    const enroller = await openEnroller({ certsUrl: server.url, token: issueJoinToken(ca), cacheDir: cacheDir() });
    const before = server.counters.enrolled;
    const [a, b] = await Promise.all([enroller.enrollNode('lazy-1'), enroller.enrollNode('lazy-1')]);
    await enroller.close();
    expect(server.counters.enrolled - before).toBe(1);
    expect(a.certPem).toBe(b.certPem);
    expect([a.source, b.source].sort()).toEqual(['enrolled', 'reused']);
  });

  it('refuses a CA that does not hash to the token part 0, naming 8 characters of each hash', async () => {
    const other = await createLoopbackCa();
    const error = await enrollNodes({ certsUrl: server.url, token: issueJoinToken(other), nodeNames: ['vn-1'], cacheDir: cacheDir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootstrapCaMismatchError);
    const message = (error as BootstrapCaMismatchError).message;
    expect(message).toContain(ca.hash.slice(0, 8));
    expect(message).toContain(other.hash.slice(0, 8));
    expect(message).not.toContain(ca.hash.slice(0, 9));
    expect(message).not.toContain(other.hash.slice(0, 9));
  });

  it('reports a 401 for a JWT not made with the CA key, without the token', async () => {
    const other = await createLoopbackCa();
    const forged = `${ca.hash}.${issueJoinToken(other).split('.').slice(1).join('.')}`;
    const error = await enrollNodes({ certsUrl: server.url, token: forged, nodeNames: ['vn-1'], cacheDir: cacheDir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootstrapRejectedError);
    const rejected = error as BootstrapRejectedError;
    expect(rejected.code).toBe(ErrorCodes.BootstrapRejected);
    expect(rejected.status).toBe(401);
    expect(rejected.message).toMatch(/401 token validation failure: signature is invalid/);
    for (const part of forged.split('.').slice(1)) expect(rejected.message).not.toContain(part.slice(0, 10));
  });

  it('reports a 401 for an expired JWT and says when it expired', async () => {
    const token = issueJoinToken(ca, -2);
    const error = await enrollNodes({ certsUrl: server.url, token, nodeNames: ['vn-1'], cacheDir: cacheDir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootstrapRejectedError);
    expect((error as BootstrapRejectedError).status).toBe(401);
    expect((error as Error).message).toMatch(/token is expired .*the join token expired at \d{4}-/);
  });

  it('refuses a :10002 whose TLS certificate is not from the CA', async () => {
    const stranger = await createLoopbackCa();
    const impostor = await startCertServer({ ca, serverCert: await issueServerCert(stranger) });
    try {
      const error = await enrollNodes({ certsUrl: impostor.url, token: issueJoinToken(ca), nodeNames: ['vn-1'], cacheDir: cacheDir() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BootstrapCaMismatchError);
      expect(impostor.counters.enrolled).toBe(0);
    } finally {
      await impostor.close();
    }
  });
});

describe('enrollNodes against an unreachable cloud', () => {
  it('fails with CloudUnreachableError naming the URL when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `https://127.0.0.1:${port}`;
    const error = await enrollNodes({ certsUrl: url, token: issueJoinToken(ca), nodeNames: ['vn-1'], cacheDir: cacheDir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudUnreachableError);
    expect((error as CloudUnreachableError).message).toContain(`${url}/ca.crt`);
    expect((error as CloudUnreachableError).context).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives up within the timeout when the cloud accepts but never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const started = performance.now();
    try {
      const error = await enrollNodes({
        certsUrl: `https://127.0.0.1:${port}`,
        token: issueJoinToken(ca),
        nodeNames: ['vn-1'],
        cacheDir: cacheDir(),
        timeoutMs: 300,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CloudUnreachableError);
      expect((error as Error).message).toMatch(/within 300 ms/);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
