/**
 * The two HTTPS calls edgecore makes to cloudcore's :10002 before it can dial the hub: `GET /ca.crt`
 * (no server verification) and `GET /edge.crt` with the DER CSR as a GET body (server verified
 * against that CA). Requests carry Go's header names, values and order as seen in the v1.23.1 trace,
 * and nothing else.
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { BootstrapCaMismatchError, BootstrapRejectedError, CloudUnreachableError, TwinlabError } from '../../errors.js';

/** edgecore's http client timeout for both calls (`edge/pkg/edgehub/certificate/http/http.go`). */
export const CERT_REQUEST_TIMEOUT_MS = 30_000;
/** edgecore reads at most this much of a :10002 body. */
export const MAX_CERT_BODY_BYTES = 1 << 20;

const GO_USER_AGENT = 'Go-http-client/1.1';
const MAX_ERROR_TEXT = 512;

// Node's codes for "the server's certificate does not verify": a CA problem, not an unreachable cloud.
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface ClientCertificate {
  keyPem: string;
  certPem: string;
}

export interface CertAgentOptions {
  /** The CA the server certificate must chain to. */
  caDer: Uint8Array;
  /** Connections kept to the server at most; requests beyond it queue in the agent. */
  maxSockets?: number;
  /** Present this certificate (rotation over mTLS). Such an agent is for that one node. */
  clientCert?: ClientCertificate;
  /** Replace node's host-name check, e.g. to accept a certificate whose SANs miss the address dialled. */
  checkServerIdentity?: typeof import('node:tls').checkServerIdentity;
}

/**
 * A keep-alive agent that verifies the server against the cluster CA. Share one per cloud so that
 * enrolling thousands of nodes reuses a handful of TLS connections.
 */
export function createCertAgent(options: CertAgentOptions): https.Agent {
  const agentOptions: https.AgentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 16,
    ca: new X509Certificate(options.caDer).toString(),
    rejectUnauthorized: true,
  };
  if (options.clientCert) {
    agentOptions.key = options.clientCert.keyPem;
    agentOptions.cert = options.clientCert.certPem;
  }
  if (options.checkServerIdentity) agentOptions.checkServerIdentity = options.checkServerIdentity;
  return new https.Agent(agentOptions);
}

/** `https://host:10002` (with or without a trailing slash or path) plus the endpoint path. */
export function certsEndpoint(certsUrl: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(certsUrl);
  } catch (cause) {
    throw new CloudUnreachableError(`certs URL "${certsUrl}" is not a URL`, { url: certsUrl }, { cause });
  }
  if (base.protocol !== 'https:') {
    throw new CloudUnreachableError(`certs URL "${certsUrl}" is not https (cloudcore serves :10002 over TLS only)`, { url: certsUrl });
  }
  return new URL(path, base);
}

export interface FetchCaOptions {
  timeoutMs?: number;
  /** An agent without CA verification; by default one is made for this call and closed after. */
  agent?: https.Agent;
}

/** `GET /ca.crt`. The body is the CA's raw DER; the server is not verified (there is no CA yet). */
export async function fetchCa(certsUrl: string, options: FetchCaOptions = {}): Promise<Uint8Array> {
  const url = certsEndpoint(certsUrl, '/ca.crt');
  const ownAgent = options.agent === undefined;
  const agent = options.agent ?? new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  try {
    const reply = await exchange({
      url,
      agent,
      headers: [
        ['Host', url.host],
        ['User-Agent', GO_USER_AGENT],
        ['Accept-Encoding', 'gzip'],
      ],
      timeoutMs: options.timeoutMs ?? CERT_REQUEST_TIMEOUT_MS,
    });
    if (reply.status !== 200) {
      throw new BootstrapRejectedError(`GET ${url.href} answered ${reply.status}: ${errorText(reply.body)}`, {
        url: url.href,
        status: reply.status,
      });
    }
    return reply.body;
  } finally {
    if (ownAgent) agent.destroy();
  }
}

export interface EdgeCertRequest {
  certsUrl: string;
  nodeName: string;
  csrDer: Uint8Array;
  /** Bearer JWT (join token parts 1–3). Omit when rotating with `agent` carrying a client certificate. */
  jwt?: string;
  /** Used to explain a 401. */
  tokenExpiresAt?: Date;
  /** From createCertAgent: verifies the server against the CA (and may carry a client certificate). */
  agent: https.Agent;
  timeoutMs?: number;
}

/** `GET /edge.crt` with the CSR as body. Resolves to the issued certificate's DER. */
export async function requestEdgeCert(request: EdgeCertRequest): Promise<Uint8Array> {
  const url = certsEndpoint(request.certsUrl, '/edge.crt');
  // Go writes Host and User-Agent, then Content-Length, then the header map sorted by name, then the
  // transport's Accept-Encoding; `NodeName` goes out canonicalised as `Nodename`.
  const headers: Array<[string, string]> = [
    ['Host', url.host],
    ['User-Agent', GO_USER_AGENT],
    ['Content-Length', String(request.csrDer.byteLength)],
  ];
  if (request.jwt !== undefined) headers.push(['Authorization', `Bearer ${request.jwt}`]);
  headers.push(['Nodename', request.nodeName], ['Accept-Encoding', 'gzip']);

  const reply = await exchange({
    url,
    agent: request.agent,
    headers,
    body: request.csrDer,
    timeoutMs: request.timeoutMs ?? CERT_REQUEST_TIMEOUT_MS,
    nodeName: request.nodeName,
  });
  if (reply.status === 200) return reply.body;

  let text = errorText(reply.body);
  if (request.jwt !== undefined) text = text.split(request.jwt).join('<redacted-token>');
  let message = `cloudcore refused a certificate for node "${request.nodeName}": ${reply.status} ${text}`;
  if (reply.status === 401 && request.tokenExpiresAt && request.tokenExpiresAt.getTime() <= Date.now()) {
    message += ` (the join token expired at ${request.tokenExpiresAt.toISOString()})`;
  }
  throw new BootstrapRejectedError(message, { url: url.href, status: reply.status, nodeName: request.nodeName });
}

interface Exchange {
  url: URL;
  agent: https.Agent;
  headers: Array<[string, string]>;
  body?: Uint8Array;
  timeoutMs: number;
  nodeName?: string;
}

interface Reply {
  status: number;
  body: Uint8Array;
}

function exchange(ex: Exchange): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    const fail = (error: TwinlabError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const context = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      url: ex.url.href,
      ...(ex.nodeName === undefined ? {} : { nodeName: ex.nodeName }),
      ...extra,
    });

    const req = https.request(ex.url, {
      method: 'GET',
      agent: ex.agent,
      // An IP literal gets no SNI from node, as from Go; names keep node's default (the host).
      headers: Object.fromEntries(ex.headers),
    });
    // Go's client sends no `Connection` header; node adds one unless it is removed. Keep-alive is
    // still decided by the agent.
    req.removeHeader('Connection');
    const timer = setTimeout(() => {
      fail(new CloudUnreachableError(`no answer from ${ex.url.href} within ${ex.timeoutMs} ms`, context({ timeoutMs: ex.timeoutMs })));
    }, ex.timeoutMs);

    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN';
      if (TLS_VERIFY_CODES.has(code)) {
        fail(
          new BootstrapCaMismatchError(`server certificate of ${ex.url.href} does not verify against the cluster CA (${code})`, context({ code }), {
            cause: error,
          }),
        );
      } else {
        fail(new CloudUnreachableError(`cannot reach ${ex.url.href}: ${code} ${error.message}`, context({ code }), { cause: error }));
      }
    });

    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_CERT_BODY_BYTES) {
          fail(
            new BootstrapRejectedError(`${ex.url.href} sent more than ${MAX_CERT_BODY_BYTES} bytes`, context({ status: res.statusCode ?? 0 })),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (error: NodeJS.ErrnoException) => {
        fail(new CloudUnreachableError(`connection to ${ex.url.href} broke mid-reply: ${error.message}`, context({ code: error.code }), { cause: error }));
      });
      res.on('end', () => {
        if (settled) return;
        let body: Buffer = Buffer.concat(chunks);
        if (res.headers['content-encoding'] === 'gzip') {
          try {
            body = gunzipSync(body, { maxOutputLength: MAX_CERT_BODY_BYTES });
          } catch (cause) {
            fail(new BootstrapRejectedError(`${ex.url.href} sent a bad gzip body`, context({ status: res.statusCode ?? 0 }), { cause }));
            return;
          }
        }
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) });
      });
    });

    if (ex.body) req.end(ex.body);
    else req.end();
  });
}

/** A server's error body as one printable, bounded line. */
function errorText(body: Uint8Array): string {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    .toString('utf8')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…` : text || '(empty body)';
}
