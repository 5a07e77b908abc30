/**
 * A minimal Kubernetes API client over HTTPS with the admin client certificate: just what starting
 * the local control plane needs (readiness, creating CRDs and a namespace, reading a secret).
 * Responses are `unknown` until the caller parses them.
 */
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { pick } from '../../util/json-pick.js';
export { pick };

export interface ApiResponse {
  status: number;
  text: string;
}

export interface AdminApiCredentials {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export class AdminApi {
  readonly server: string;
  private readonly agent: Agent;

  constructor(creds: AdminApiCredentials) {
    this.server = creds.server;
    this.agent = new Agent({
      ca: readFileSync(creds.caFile),
      cert: readFileSync(creds.certFile),
      key: readFileSync(creds.keyFile),
      keepAlive: true,
      maxSockets: 8,
    });
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.server),
        {
          method,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async getJson(path: string): Promise<{ status: number; body: unknown }> {
    const r = await this.request('GET', path);
    return { status: r.status, body: parseJson(r.text) };
  }

  /** Create, treating "already exists" as success. Throws with the API's message otherwise. */
  async createIfAbsent(collectionPath: string, object: unknown): Promise<'created' | 'exists'> {
    const r = await this.request('POST', collectionPath, object);
    if (r.status === 201 || r.status === 200) return 'created';
    if (r.status === 409) return 'exists';
    throw new Error(`POST ${collectionPath}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `obj.a.b.c` when each step is an object, else undefined. */
