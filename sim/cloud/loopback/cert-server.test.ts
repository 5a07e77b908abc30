import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import net from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createLoopbackCa, issueJoinToken, type LoopbackCa } from './loopback-ca.js';
import { startCertServer, type StartedCertServer } from './cert-server.js';
import { createNodeCsr } from '../../edge/bootstrap/node-csr.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  headerNames: string[];
  body: Buffer;
}

function get(
  server: StartedCertServer,
  ca: LoopbackCa,
  path: string,
  options: { headers?: Record<string, string>; body?: Uint8Array; cert?: string; key?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${server.url}${path}`, {
      method: 'GET',
      ca: ca.certPem,
      agent: false,
      headers: { ...options.headers, ...(options.body ? { 'Content-Length': String(options.body.byteLength) } : {}) },
      ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          headerNames: res.rawHeaders.filter((_, i) => i % 2 === 0),
          body: Buffer.concat(chunks),
        }));
    });
    req.end(options.body);
  });
}

const jwtOf = (token: string): string => token.split('.').slice(1).join('.');

describe('cert server', () => {
  let ca: LoopbackCa;
  let server: StartedCertServer;

  beforeAll(async () => {
    ca = await createLoopbackCa();
    server = await startCertServer({ ca, nodeExists: (name) => name === 'known-node' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the CA as raw DER, application/octet-stream', async () => {
    const reply = await get(server, ca, '/ca.crt');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    // join.jsonl t=0.233: Go's reply headers, in this order, and no others.
    expect(reply.headerNames).toEqual(['Date', 'Content-Length', 'Content-Type']);
    expect(reply.body.equals(Buffer.from(ca.certDer))).toBe(true);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('issues a certificate for a CSR sent as a GET body with a bearer JWT', async () => {
    const before = server.counters.enrolled;
    const { csrDer } = await createNodeCsr('vn-7');
    const reply = await get(server, ca, '/edge.crt', {
      headers: { Authorization: `Bearer ${jwtOf(issueJoinToken(ca))}`, Nodename: 'vn-7' },
      body: csrDer,
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    const cert = new X509Certificate(reply.body);
    expect(cert.subject).toBe('O=system:nodes\nCN=system:node:vn-7');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(server.counters.enrolled).toBe(before + 1);
  });

  const refused: Array<[string, (ca: LoopbackCa) => Record<string, string>]> = [
    ['no Authorization', () => ({ Nodename: 'vn-7' })],
    ['the whole 4-part token', (c) => ({ Authorization: `Bearer ${issueJoinToken(c)}`, Nodename: 'vn-7' })],
    ['three space-separated parts', (c) => ({ Authorization: `Bearer ${jwtOf(issueJoinToken(c))} x`, Nodename: 'vn-7' })],
    ['an expired JWT', (c) => ({ Authorization: `Bearer ${jwtOf(issueJoinToken(c, -1))}`, Nodename: 'vn-7' })],
    ['a tampered JWT', (c) => ({ Authorization: `Bearer ${jwtOf(issueJoinToken(c)).slice(0, -2)}AA`, Nodename: 'vn-7' })],
  ];
  it.each(refused)('answers 401 with text for %s', async (_label, headers) => {
    const before = server.counters.rejected;
    const { csrDer } = await createNodeCsr('vn-7');
    const reply = await get(server, ca, '/edge.crt', { headers: headers(ca), body: csrDer });
    expect(reply.status).toBe(401);
    expect(reply.body.toString().length).toBeGreaterThan(0);
    expect(server.counters.rejected).toBe(before + 1);
  });

  it('rotates over mTLS with a node certificate whose CN matches Nodename, without Authorization', async () => {
    const first = await createNodeCsr('vn-8');
    const issued = await get(server, ca, '/edge.crt', {
      headers: { Authorization: `Bearer ${jwtOf(issueJoinToken(ca))}`, Nodename: 'vn-8' },
      body: first.csrDer,
    });
    const certPem = new X509Certificate(issued.body).toString();
    const next = await createNodeCsr('vn-8');
    const before = server.counters.rotated;
    const rotated = await get(server, ca, '/edge.crt', { headers: { Nodename: 'vn-8' }, body: next.csrDer, cert: certPem, key: first.keyPem });
    expect(rotated.status).toBe(200);
    expect(server.counters.rotated).toBe(before + 1);
    const wrongNode = await get(server, ca, '/edge.crt', { headers: { Nodename: 'vn-9' }, body: next.csrDer, cert: certPem, key: first.keyPem });
    expect(wrongNode.status).toBe(401);
  });

  it('answers 500 for a body that is not a CSR', async () => {
    const reply = await get(server, ca, '/edge.crt', {
      headers: { Authorization: `Bearer ${jwtOf(issueJoinToken(ca))}`, Nodename: 'vn-7' },
      body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]),
    });
    expect(reply.status).toBe(500);
  });

  it('answers GET /node/{name} from the callback', async () => {
    expect((await get(server, ca, '/node/known-node')).status).toBe(200);
    expect((await get(server, ca, '/node/other')).status).toBe(404);
  });
});

describe('cert server close', () => {
  it('frees its port even with a keep-alive connection open', async () => {
    const ca = await createLoopbackCa();
    const server = await startCertServer({ ca });
    const agent = new https.Agent({ keepAlive: true, ca: ca.certPem });
    await new Promise<void>((resolve, reject) => {
      https.get(`${server.url}/ca.crt`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    await server.close();
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(server.port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => again.close(() => resolve()));
    agent.destroy();
  });
});
