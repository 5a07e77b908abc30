import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createLoopbackCa, issueServerCert, type LoopbackCa, type ServerCertificate } from '../../cloud/loopback/loopback-ca.js';
import { BootstrapRejectedError } from '../../errors.js';
import { createCertAgent, fetchCa, MAX_CERT_BODY_BYTES, requestEdgeCert } from './cert-client.js';

/** One request as it arrived on the wire: request line, headers in order, body. */
interface WireRequest {
  requestLine: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

/**
 * A TLS server that records raw request bytes and answers with a canned reply, so the test sees
 * exactly what the client wrote rather than what an HTTP server library parsed.
 */
async function rawServer(
  pki: ServerCertificate,
  reply: Buffer,
): Promise<{ url: string; requests: WireRequest[]; connections: () => number; close(): Promise<void> }> {
  const requests: WireRequest[] = [];
  let connections = 0;
  const server = tls.createServer({ key: pki.keyPem, cert: pki.certPem }, (socket) => {
    connections++;
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [requestLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]);
      const length = Number(headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      requests.push({ requestLine, headers, body: buffered.subarray(end + 4, end + 4 + length) });
      buffered = buffered.subarray(end + 4 + length);
      socket.write(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function httpReply(status: string, headers: Array<[string, string]>, body: Buffer): Buffer {
  const head = [`HTTP/1.1 ${status}`, ...headers.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${body.length}`, '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head), body]);
}

const namesOf = (r: WireRequest): string[] => r.headers.map(([n]) => n);

let ca: LoopbackCa;
let pki: ServerCertificate;
beforeAll(async () => {
  ca = await createLoopbackCa();
  pki = await issueServerCert(ca);
});

describe('fetchCa on the wire', () => {
  let server: Awaited<ReturnType<typeof rawServer>>;
  beforeAll(async () => {
    server = await rawServer(pki, httpReply('200 OK', [['Content-Type', 'application/octet-stream']], Buffer.from(ca.certDer)));
  });
  afterAll(() => server.close());

  it("sends edgecore's GET /ca.crt: Host, User-Agent, Accept-Encoding, no body", async () => {
    const der = await fetchCa(server.url);
    expect(Buffer.from(der).equals(Buffer.from(ca.certDer))).toBe(true);
    const [request] = server.requests;
    expect(request?.requestLine).toBe('GET /ca.crt HTTP/1.1');
    // join.jsonl t=0.232
    expect(namesOf(request as WireRequest)).toEqual(['Host', 'User-Agent', 'Accept-Encoding']);
    expect(request?.headers).toContainEqual(['Host', server.url.slice('https://'.length)]);
    expect(request?.headers).toContainEqual(['User-Agent', 'Go-http-client/1.1']);
    expect(request?.headers).toContainEqual(['Accept-Encoding', 'gzip']);
    expect(request?.body.length).toBe(0);
  });
});

describe('requestEdgeCert on the wire', () => {
  it("sends edgecore's GET /edge.crt with a body and headers in Go's order", async () => {
    const certDer = Buffer.from([0x30, 0x01, 0x00]);
    const server = await rawServer(pki, httpReply('200 OK', [['Content-Type', 'application/octet-stream']], certDer));
    const agent = createCertAgent({ caDer: ca.certDer });
    const csrDer = new Uint8Array(298).fill(7);
    try {
      const got = await requestEdgeCert({ certsUrl: server.url, nodeName: 'trace-0001', csrDer, jwt: 'h.p.s', agent });
      expect(Buffer.from(got).equals(certDer)).toBe(true);
      const [request] = server.requests;
      expect(request?.requestLine).toBe('GET /edge.crt HTTP/1.1');
      // join.jsonl t=0.251
      expect(namesOf(request as WireRequest)).toEqual(['Host', 'User-Agent', 'Content-Length', 'Authorization', 'Nodename', 'Accept-Encoding']);
      expect(request?.headers).toContainEqual(['Content-Length', '298']);
      expect(request?.headers).toContainEqual(['Authorization', 'Bearer h.p.s']);
      expect(request?.headers).toContainEqual(['Nodename', 'trace-0001']);
      expect(request?.body.equals(Buffer.from(csrDer))).toBe(true);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('reuses one keep-alive connection for many requests', async () => {
    const server = await rawServer(pki, httpReply('200 OK', [], Buffer.from([0x30, 0x00])));
    const agent = createCertAgent({ caDer: ca.certDer, maxSockets: 1 });
    try {
      for (let i = 0; i < 5; i++) {
        await requestEdgeCert({ certsUrl: server.url, nodeName: `vn-${i}`, csrDer: new Uint8Array(10), jwt: 'h.p.s', agent });
      }
      expect(server.requests).toHaveLength(5);
      expect(server.connections()).toBe(1);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('undoes gzip, as Go does for the Accept-Encoding it adds', async () => {
    const body = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);
    const server = await rawServer(pki, httpReply('200 OK', [['Content-Encoding', 'gzip']], gzipSync(body)));
    const agent = createCertAgent({ caDer: ca.certDer });
    try {
      const got = await requestEdgeCert({ certsUrl: server.url, nodeName: 'vn-1', csrDer: new Uint8Array(4), jwt: 'h.p.s', agent });
      expect(Buffer.from(got).equals(body)).toBe(true);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('turns a 401 into BootstrapRejectedError with the status and server text, never the JWT', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl';
    const server = await rawServer(pki, httpReply('401 Unauthorized', [], Buffer.from(`token validation failure for ${jwt}`)));
    const agent = createCertAgent({ caDer: ca.certDer });
    try {
      const error = await requestEdgeCert({ certsUrl: server.url, nodeName: 'vn-1', csrDer: new Uint8Array(4), jwt, agent }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BootstrapRejectedError);
      expect((error as BootstrapRejectedError).status).toBe(401);
      expect((error as Error).message).toContain('401 token validation failure');
      expect((error as Error).message).not.toContain(jwt);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('stops reading a body over 1 MiB', async () => {
    const server = await rawServer(pki, httpReply('200 OK', [], Buffer.alloc(MAX_CERT_BODY_BYTES + 1)));
    try {
      await expect(fetchCa(server.url)).rejects.toThrow(/more than 1048576 bytes/);
    } finally {
      await server.close();
    }
  });
});
