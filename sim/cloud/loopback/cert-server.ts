/**
 * A stand-in for cloudcore's :10002 HTTPS server (`cloud/pkg/cloudhub/servers/httpserver`):
 * `GET /ca.crt`, `GET /edge.crt` (join-token JWT or, for rotation, a node client certificate) and
 * `GET /node/{name}`, bound to loopback. It counts what it served so tests and metrics can tell a
 * cached bootstrap from a real one.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { isTwinlabError } from '../../errors.js';
import {
  GO_EXT_KEY_USAGES,
  issueServerCert,
  signEdgeCsr,
  verifyJoinJwt,
  type ExtKeyUsageName,
  type LoopbackCa,
  type ServerCertificate,
} from './loopback-ca.js';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const MAX_CSR_BYTES = 64 * 1024;

export interface CertServerOptions {
  ca: LoopbackCa;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: a fresh certificate for IP 127.0.0.1 and DNS localhost. */
  serverCert?: ServerCertificate;
  /** Answers `GET /node/{name}`; without it every node is unknown (404). */
  nodeExists?: (nodeName: string) => boolean | Promise<boolean>;
  /** Lifetime of issued certificates (cloudcore's `edgeCertSigningDuration`). Default 365. */
  validityDays?: number;
  /** Clock for JWT expiry and certificate validity; tests move it. */
  now?: () => Date;
}

export interface CertServerCounters {
  caServed: number;
  /** Certificates issued against a join token. */
  enrolled: number;
  /** Certificates issued against a node client certificate. */
  rotated: number;
  /** 401s. */
  rejected: number;
  /** 500s: CSRs that could not be signed. */
  failed: number;
  nodeQueries: number;
}

export interface StartedCertServer {
  /** `https://127.0.0.1:<port>`, the edge's `httpServer` setting. */
  readonly url: string;
  readonly port: number;
  readonly counters: Readonly<CertServerCounters>;
  /** Stops listening and drops idle keep-alive connections, freeing the port. */
  close(): Promise<void>;
}

type Verdict = { ok: true; via: 'token' | 'cert' } | { ok: false; reason: string };

/** cloudcore's order: a presented client certificate decides; only without one is the token read. */
function authorize(req: IncomingMessage, ca: LoopbackCa, now: Date): Verdict {
  const socket = req.socket as TLSSocket;
  const peer: PeerCertificate = socket.getPeerCertificate();
  if (peer && Object.keys(peer).length > 0) {
    if (!socket.authorized) return { ok: false, reason: `client certificate not trusted: ${String(socket.authorizationError)}` };
    if (!(peer.ext_key_usage ?? []).includes(CLIENT_AUTH_OID)) return { ok: false, reason: 'client certificate lacks ExtKeyUsage clientAuth' };
    const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    const organization = first(peer.subject.O);
    const commonName = first(peer.subject.CN);
    const nodeName = req.headers['nodename'];
    const legacy = organization === 'KubeEdge' && commonName === 'kubeedge.io';
    if (!legacy && (organization !== 'system:nodes' || commonName !== `system:node:${String(nodeName)}`)) {
      return { ok: false, reason: 'client certificate subject does not match the node name' };
    }
    return { ok: true, via: 'cert' };
  }
  const parts = (req.headers.authorization ?? '').split(' ');
  // cloudcore only counts the parts; requiring the word Bearer as well makes this peer the stricter one.
  if (parts.length !== 2 || parts[0] !== 'Bearer') return { ok: false, reason: 'Invalid authorization token' };
  const verdict = verifyJoinJwt(ca, parts[1] as string, now);
  return verdict.valid ? { ok: true, via: 'token' } : { ok: false, reason: `token validation failure: ${verdict.reason}` };
}

function parseExtKeyUsages(header: string | string[] | undefined): ExtKeyUsageName[] | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const value: unknown = JSON.parse(header);
  if (!Array.isArray(value)) throw new Error('ExtKeyUsages is not a JSON array');
  return value.map((n: unknown) => {
    const usage = typeof n === 'number' ? GO_EXT_KEY_USAGES[n] : undefined;
    if (usage === undefined) throw new Error(`unsupported ExtKeyUsage ${String(n)}`);
    return usage;
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** Replies with Go net/http's headers in its order (Date, Content-Length, Content-Type) and no `Connection`. */
function send(res: ServerResponse, status: number, body: Uint8Array | string, contentType: string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.sendDate = false;
  res.removeHeader('Connection');
  res.writeHead(status, { Date: new Date().toUTCString(), 'Content-Length': String(bytes.byteLength), 'Content-Type': contentType });
  res.end(bytes);
}

export async function startCertServer(options: CertServerOptions): Promise<StartedCertServer> {
  const { ca } = options;
  const now = options.now ?? (() => new Date());
  const serverCert = options.serverCert ?? (await issueServerCert(ca));
  const counters: CertServerCounters = { caServed: 0, enrolled: 0, rotated: 0, rejected: 0, failed: 0, nodeQueries: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'https://loopback').pathname;
    if (req.method !== 'GET') {
      send(res, 405, 'method not allowed\n', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/ca.crt') {
      counters.caServed++;
      send(res, 200, ca.certDer, 'application/octet-stream');
      return;
    }
    if (path === '/edge.crt') {
      const body = await readBody(req, MAX_CSR_BYTES);
      const verdict = authorize(req, ca, now());
      if (!verdict.ok) {
        counters.rejected++;
        send(res, 401, verdict.reason, 'text/plain; charset=utf-8');
        return;
      }
      try {
        if (body === undefined) throw new Error(`CSR larger than ${MAX_CSR_BYTES} bytes`);
        const extKeyUsages = parseExtKeyUsages(req.headers['extkeyusages']);
        const signOptions = { now: now(), validityDays: options.validityDays ?? 365 };
        const cert = await signEdgeCsr(ca, body, extKeyUsages ? { ...signOptions, extKeyUsages } : signOptions);
        if (verdict.via === 'token') counters.enrolled++;
        else counters.rotated++;
        send(res, 200, cert, 'application/octet-stream');
      } catch (error) {
        counters.failed++;
        send(res, 500, `failed to sign the certificate: ${error instanceof Error ? error.message : String(error)}`, 'text/plain; charset=utf-8');
      }
      return;
    }
    const node = /^\/node\/([^/]+)$/.exec(path);
    if (node) {
      counters.nodeQueries++;
      const exists = options.nodeExists ? await options.nodeExists(decodeURIComponent(node[1] as string)) : false;
      if (exists) send(res, 200, '', 'text/plain; charset=utf-8');
      else send(res, 404, 'node not found\n', 'text/plain; charset=utf-8');
      return;
    }
    send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8');
  };

  const server = https.createServer(
    {
      key: serverCert.keyPem,
      cert: serverCert.certPem,
      ca: ca.certPem,
      // Go's tls.RequestClientCert: ask for a certificate, judge it in the handler.
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        counters.failed++;
        if (!res.headersSent) send(res, 500, isTwinlabError(error) ? error.message : 'internal error', 'text/plain; charset=utf-8');
        else res.destroy();
      });
    },
  );

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `https://${urlHost}:${port}`,
    port,
    counters,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
