/**
 * The HTTP layer under the workload driver's Kubernetes clients: one keep-alive agent for every
 * call (the client library's default builds a new agent, so a new TLS handshake, per request),
 * a deadline on every call, and each call's latency recorded as mutating or read.
 */
import http from 'node:http';
import https from 'node:https';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  wrapHttpLibrary,
  type PromiseHttpLibrary,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { CloudUnreachableError } from '../errors.js';
import type { ApiLatency } from './api-latency.js';

export interface KubeHttpOptions {
  /** Deadline for one call, request to last byte of the answer. */
  callTimeoutMs: number;
  /** Sockets kept open to the API server. */
  maxSockets: number;
}

/** A finished HTTP exchange, body fully read. */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class KubeHttp {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  /** CRDs (devices.kubeedge.io) over the same agent, deadline and latency accounting. */
  readonly custom: CustomObjectsApi;
  readonly server: string;
  private readonly agent: http.Agent;
  private closed = false;

  private constructor(kc: KubeConfig, server: string, agent: http.Agent, latency: ApiLatency, private readonly opts: KubeHttpOptions) {
    this.kubeConfig = kc;
    this.server = server;
    this.agent = agent;
    const library: PromiseHttpLibrary = { send: (req) => this.send(req, latency) };
    // Headers (bearer tokens, exec plugins) still come from the kubeconfig on every call; only the
    // agent it builds per call is ignored in favour of the shared one.
    const auth: SecurityAuthentication = {
      getName: () => 'kubeconfig (shared agent)',
      applySecurityAuthentication: (ctx) => kc.applySecurityAuthentication(ctx),
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(server, {}),
      authMethods: { default: auth },
      httpApi: wrapHttpLibrary(library),
    });
    this.core = new CoreV1Api(configuration);
    this.custom = new CustomObjectsApi(configuration);
  }

  static async open(kubeconfigPath: string, latency: ApiLatency, opts: KubeHttpOptions): Promise<KubeHttp> {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new CloudUnreachableError(`kubeconfig ${kubeconfigPath} has no current cluster`, { kubeconfigPath });
    const tlsOpts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tlsOpts);
    const agent = cluster.server.startsWith('https:')
      ? new https.Agent({
          keepAlive: true,
          maxSockets: opts.maxSockets,
          ca: tlsOpts.ca,
          cert: tlsOpts.cert,
          key: tlsOpts.key,
          pfx: tlsOpts.pfx,
          passphrase: tlsOpts.passphrase,
          rejectUnauthorized: tlsOpts.rejectUnauthorized,
          servername: tlsOpts.servername,
        })
      : new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets });
    return new KubeHttp(kc, cluster.server, agent, latency, opts);
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private async send(req: RequestContext, latency: ApiLatency): Promise<ResponseContext> {
    const method = req.getHttpMethod().toString();
    if (this.closed) throw new CloudUnreachableError(`${method} ${pathOf(req.getUrl())}: the workload driver is stopped`);
    const started = performance.now();
    let res: RawResponse;
    try {
      res = await this.exchange(method, req);
    } catch (error) {
      latency.transportError(method);
      throw error;
    }
    latency.observe(method, res.status, performance.now() - started);
    const body = res.body;
    return new ResponseContext(res.status, res.headers, {
      text: () => Promise.resolve(body.toString('utf8')),
      binary: () => Promise.resolve(body),
    });
  }

  private exchange(method: string, req: RequestContext): Promise<RawResponse> {
    const url = new URL(req.getUrl());
    const body = req.getBody();
    if (body !== undefined && typeof body !== 'string') {
      return Promise.reject(new TypeError(`${method} ${url.pathname}: only string bodies are supported`));
    }
    const requestFn = url.protocol === 'https:' ? https.request : http.request;
    const timeoutMs = this.opts.callTimeoutMs;
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: RawResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value!);
      };
      const r = requestFn(url, { method, headers: req.getHeaders(), agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => finish(e));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          finish(undefined, { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      });
      const timer = setTimeout(() => {
        const e = new CloudUnreachableError(`${method} ${url.pathname} got no complete answer within ${timeoutMs} ms`, {
          method,
          path: url.pathname,
          timeoutMs,
        });
        r.destroy(e);
        finish(e);
      }, timeoutMs);
      r.on('error', (e) => finish(e));
      if (body !== undefined) r.write(body);
      r.end();
    });
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
