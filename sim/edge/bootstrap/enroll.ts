/**
 * Gets every virtual node a key and a cloudcore-issued certificate, as edgecore's first start does
 * (token → `/ca.crt` → hash check → CSR → `/edge.crt`), through an on-disk cache so later runs make
 * no request at all. `shared` mode enrolls one certificate that all nodes present, which cloudcore
 * accepts while its `authorization` is off (the default): it then checks only that the client
 * certificate chains to its CA.
 */
import type https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { BootstrapCaMismatchError, BootstrapRejectedError } from '../../errors.js';
import { parseJoinToken, type JoinToken } from './join-token.js';
import { assertNodeName, createNodeCsr, nodeCommonName } from './node-csr.js';
import { createCertAgent, fetchCa, requestEdgeCert, CERT_REQUEST_TIMEOUT_MS } from './cert-client.js';
import { CertCache, describeCertificate, sha256Hex, type CachedNodeCert } from './cert-cache.js';

export type EnrollMode = 'per-node' | 'shared';

export const SHARED_CERT_NODE_NAME = 'twinlab-shared';
const DEFAULT_CONCURRENCY = 8;
/** A cached certificate with less life left than this is re-enrolled rather than handed out. */
const DEFAULT_MIN_REMAINING_MS = 60 * 60 * 1000;

export interface EnrollerOptions {
  /** cloudcore's :10002 base, e.g. `https://127.0.0.1:10002`. */
  certsUrl: string;
  /** The join token from Secret `kubeedge/tokensecret`. */
  token: string;
  cacheDir: string;
  mode?: EnrollMode;
  /** Requests to `/edge.crt` in flight at once (also the agent's connection limit). Default 8. */
  concurrency?: number;
  timeoutMs?: number;
  /** The name enrolled in `shared` mode. Default `twinlab-shared`. */
  sharedNodeName?: string;
  minRemainingMs?: number;
  /** Passed to the TLS agent, for a cloud whose :10002 certificate lacks the dialled address. */
  checkServerIdentity?: typeof import('node:tls').checkServerIdentity;
}

/** Where a node's certificate came from in this run. */
export type CredentialSource = 'enrolled' | 'cache' | 'reused';

export interface NodeCredentials {
  nodeName: string;
  /** The name in the certificate's CN: the node itself, or the shared name. */
  certNodeName: string;
  /** PEM `EC PRIVATE KEY`, as edgecore's `server.key`. */
  keyPem: string;
  certPem: string;
  notBefore: Date;
  notAfter: Date;
  source: CredentialSource;
  /** Time this node waited for its credentials, for the bootstrap-duration histogram. */
  durationMs: number;
}

export interface EnrollStats {
  /** Certificates obtained from cloudcore. */
  enrolled: number;
  /** Certificates taken from the on-disk cache. */
  cached: number;
  /** Nodes handed a certificate already obtained in this run (every node but one in `shared` mode). */
  reused: number;
  /** Whether `/ca.crt` was fetched (false when the cache held the CA). */
  caFetched: boolean;
  /** Per enrolled certificate: CSR, request and store, excluding time queued behind the concurrency limit. */
  enrollDurationsMs: number[];
}

/** Runs at most `limit` tasks at once, in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

interface CertOutcome {
  cert: CachedNodeCert;
  source: 'enrolled' | 'cache';
}

/**
 * An enroller that holds a verified CA: everything a virtual node needs to get its credentials
 * lazily with `enrollNode`. Made by `openEnroller`; `close` frees its connections and cache.
 */
export class Enroller {
  readonly caDer: Uint8Array;
  readonly caPem: string;
  readonly caHash: string;
  readonly mode: EnrollMode;
  readonly stats: EnrollStats;
  private readonly certs = new Map<string, Promise<CertOutcome>>();
  private readonly semaphore: Semaphore;

  /** @internal use openEnroller */
  constructor(
    private readonly options: Required<Pick<EnrollerOptions, 'certsUrl' | 'timeoutMs' | 'sharedNodeName' | 'minRemainingMs'>>,
    private readonly token: JoinToken,
    private readonly cache: CertCache,
    private readonly agent: https.Agent,
    ca: { der: Uint8Array; fetched: boolean },
    mode: EnrollMode,
    concurrency: number,
  ) {
    this.caDer = ca.der;
    this.caPem = new X509Certificate(ca.der).toString();
    this.caHash = token.caHash;
    this.mode = mode;
    this.semaphore = new Semaphore(concurrency);
    this.stats = { enrolled: 0, cached: 0, reused: 0, caFetched: ca.fetched, enrollDurationsMs: [] };
  }

  /** Credentials for one node: from this run, the cache, or a new enrollment. */
  async enrollNode(nodeName: string): Promise<NodeCredentials> {
    const started = performance.now();
    assertNodeName(nodeName);
    const certNodeName = this.mode === 'shared' ? this.options.sharedNodeName : nodeName;
    let pending = this.certs.get(certNodeName);
    let reused = true;
    if (pending === undefined) {
      reused = false;
      pending = this.obtain(certNodeName);
      this.certs.set(certNodeName, pending);
      // A failed attempt must not poison later calls for the same name.
      pending.catch(() => this.certs.delete(certNodeName));
    }
    const { cert, source } = await pending;
    if (reused) this.stats.reused++;
    return {
      nodeName,
      certNodeName,
      keyPem: cert.keyPem,
      certPem: cert.certPem,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      source: reused ? 'reused' : source,
      durationMs: performance.now() - started,
    };
  }

  private async obtain(certNodeName: string): Promise<CertOutcome> {
    const expectedCommonName = nodeCommonName(certNodeName);
    const hit = this.cache.get(certNodeName, { expectedCommonName, minRemainingMs: this.options.minRemainingMs });
    if (hit) {
      this.stats.cached++;
      return { cert: hit, source: 'cache' };
    }
    return this.semaphore.run(async () => {
      const started = performance.now();
      const { keyPem, csrDer } = await createNodeCsr(certNodeName);
      const request = {
        certsUrl: this.options.certsUrl,
        nodeName: certNodeName,
        csrDer,
        jwt: this.token.jwt,
        agent: this.agent,
        timeoutMs: this.options.timeoutMs,
      };
      const certDer = await requestEdgeCert(this.token.expiresAt ? { ...request, tokenExpiresAt: this.token.expiresAt } : request);
      const stored = this.storeIssued(certNodeName, expectedCommonName, keyPem, certDer);
      this.stats.enrolled++;
      this.stats.enrollDurationsMs.push(performance.now() - started);
      return { cert: stored, source: 'enrolled' as const };
    });
  }

  private storeIssued(certNodeName: string, expectedCommonName: string, keyPem: string, certDer: Uint8Array): CachedNodeCert {
    let described: ReturnType<typeof describeCertificate>;
    try {
      described = describeCertificate(certDer);
    } catch (cause) {
      throw new BootstrapRejectedError(
        `cloudcore answered node "${certNodeName}" with a body that is not a DER certificate`,
        { nodeName: certNodeName, status: 200 },
        { cause },
      );
    }
    if (described.commonName !== expectedCommonName) {
      throw new BootstrapRejectedError(
        `cloudcore issued CN "${described.commonName}" for node "${certNodeName}", expected "${expectedCommonName}"`,
        { nodeName: certNodeName, status: 200 },
      );
    }
    const cert: CachedNodeCert = {
      certNodeName,
      keyPem,
      certPem: described.pem,
      notBefore: described.notBefore,
      notAfter: described.notAfter,
    };
    this.cache.putRows([{ ...cert, commonName: described.commonName }]);
    return cert;
  }

  async close(): Promise<void> {
    // Let in-flight enrollments finish writing before the cache closes.
    await Promise.allSettled(this.certs.values());
    this.agent.destroy();
    this.cache.close();
  }
}

/**
 * Parses the token, gets the CA (from the cache, else `GET /ca.crt`) and checks it against the
 * token's hash. Throws BootstrapTokenInvalidError, BootstrapCaMismatchError or CloudUnreachableError.
 */
export async function openEnroller(options: EnrollerOptions): Promise<Enroller> {
  const token = parseJoinToken(options.token);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const timeoutMs = options.timeoutMs ?? CERT_REQUEST_TIMEOUT_MS;
  const mode = options.mode ?? 'per-node';
  const sharedNodeName = options.sharedNodeName ?? SHARED_CERT_NODE_NAME;
  assertNodeName(sharedNodeName);

  const cache = CertCache.open(options.cacheDir, token.caHash);
  try {
    let der = cache.readCa();
    const fetched = der === undefined;
    if (der === undefined) {
      der = await fetchCa(options.certsUrl, { timeoutMs });
      const servedHash = sha256Hex(der);
      if (servedHash !== token.caHash) {
        throw new BootstrapCaMismatchError(
          `the CA served by ${options.certsUrl} hashes to ${servedHash.slice(0, 8)}…, the join token expects ${token.caHash.slice(0, 8)}…`,
          { url: options.certsUrl, servedHash: servedHash.slice(0, 8), tokenHash: token.caHash.slice(0, 8) },
        );
      }
      cache.writeCa(der);
    }
    const agentOptions: Parameters<typeof createCertAgent>[0] = { caDer: der, maxSockets: concurrency };
    if (options.checkServerIdentity) agentOptions.checkServerIdentity = options.checkServerIdentity;
    const agent = createCertAgent(agentOptions);
    return new Enroller(
      { certsUrl: options.certsUrl, timeoutMs, sharedNodeName, minRemainingMs: options.minRemainingMs ?? DEFAULT_MIN_REMAINING_MS },
      token,
      cache,
      agent,
      { der, fetched },
      mode,
      concurrency,
    );
  } catch (error) {
    cache.close();
    throw error;
  }
}

export interface EnrollNodesOptions extends EnrollerOptions {
  nodeNames: readonly string[];
}

export interface EnrollResult {
  caDer: Uint8Array;
  caPem: string;
  caHash: string;
  nodes: Map<string, NodeCredentials>;
  stats: EnrollStats;
  totalMs: number;
}

/**
 * Credentials for every node. The first failure stops further enrollments (a refused token or a
 * dead cloud fails them all alike) and is thrown once the requests in flight have ended.
 */
export async function enrollNodes(options: EnrollNodesOptions): Promise<EnrollResult> {
  const started = performance.now();
  const enroller = await openEnroller(options);
  const nodes = new Map<string, NodeCredentials>();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < options.nodeNames.length) {
      const nodeName = options.nodeNames[next++] as string;
      try {
        nodes.set(nodeName, await enroller.enrollNode(nodeName));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  try {
    // Cache hits are synchronous reads, so more workers than the request limit keep the limit busy.
    const workers = Math.min(options.nodeNames.length, Math.max(1, (options.concurrency ?? DEFAULT_CONCURRENCY) * 2));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await enroller.close();
  }
  if (failure !== undefined) throw failure.error;
  return {
    caDer: enroller.caDer,
    caPem: enroller.caPem,
    caHash: enroller.caHash,
    nodes,
    stats: enroller.stats,
    totalMs: performance.now() - started,
  };
}
