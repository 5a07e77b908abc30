/**
 * A scripted stand-in for kube-apiserver, for the workload driver's unit tests: plain HTTP, the
 * handful of core/v1 paths the driver calls, LIST and chunked WATCH of pods and nodes. Tests push
 * watch events themselves, and can hold a POST's answer to order it against a watch event.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Obj = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Obj | undefined;
}

type Collection = 'pods' | 'nodes';

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  readonly objects: Record<Collection, Map<string, Obj>> = { pods: new Map(), nodes: new Map() };
  /** Answer the next N watches of a collection with an ERROR 410 event (too old resourceVersion). */
  readonly goneWatches: Record<Collection, number> = { pods: 0, nodes: 0 };
  /** Called with the created pod before the POST is answered; may await (e.g. push a watch event first). */
  beforePodCreated: (pod: Obj) => Promise<void> | void = () => undefined;
  /** Paths whose requests are never answered (to test deadlines). */
  readonly silentPaths = new Set<string>();
  kubeconfigPath = '';
  /** TCP connections accepted so far. */
  connections = 0;
  private readonly watchers: Record<Collection, Set<ServerResponse>> = { pods: new Set(), nodes: new Set() };
  private rv = 100;
  private uid = 0;
  private server: Server | undefined;
  private dir = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', () => (this.connections += 1));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const port = (this.server.address() as AddressInfo).port;
    this.dir = mkdtempSync(join(tmpdir(), 'twinlab-fake-api-'));
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    writeFileSync(
      this.kubeconfigPath,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: fake, cluster: {server: "http://127.0.0.1:' + port + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: fake, user: {token: test-token}}]',
        'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
        'current-context: fake',
        '',
      ].join('\n'),
    );
  }

  async stop(): Promise<void> {
    for (const set of Object.values(this.watchers)) for (const w of set) w.end();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  watchCount(c: Collection): number {
    return this.watchers[c].size;
  }

  /** Store the object (new resourceVersion) and send the event to every open watch of its collection. */
  push(c: Collection, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj): Obj {
    const meta = (obj.metadata ?? {}) as Obj;
    const stored: Obj = { ...obj, metadata: { ...meta, resourceVersion: String(++this.rv) } };
    const key = String(meta.uid);
    if (type === 'DELETED') this.objects[c].delete(key);
    else this.objects[c].set(key, stored);
    for (const w of this.watchers[c]) w.write(`${JSON.stringify({ type, object: stored })}\n`);
    return stored;
  }

  /** Remove an object without telling any watch (as if the event was missed). */
  forget(c: Collection, uid: string): void {
    this.objects[c].delete(uid);
    this.rv += 1;
  }

  /** End every open watch of a collection (the server's timeoutSeconds, or a restart). */
  endWatches(c: Collection): void {
    for (const w of this.watchers[c]) w.end();
    this.watchers[c].clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? (JSON.parse(text) as Obj) : undefined;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    if (this.silentPaths.has(url.pathname)) return;
    const p = url.pathname.split('/').filter(Boolean); // api v1 ...
    const send = (status: number, o: Obj): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    };
    const collection: Collection | undefined = url.pathname === '/api/v1/pods' ? 'pods' : url.pathname === '/api/v1/nodes' ? 'nodes' : undefined;
    if (collection && method === 'GET') {
      if (url.searchParams.get('watch') === 'true') return this.openWatch(collection, res);
      return send(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...this.objects[collection].values()] });
    }
    if (p[2] === 'namespaces' && p.length === 4 && method === 'GET') return send(200, { metadata: { name: p[3] }, status: { phase: 'Active' } });
    if (p[4] === 'serviceaccounts') return send(200, { metadata: { name: 'default', namespace: p[3] } });
    if (p[4] === 'pods' && method === 'POST' && body) {
      const pod: Obj = { ...body, metadata: { ...(body.metadata as Obj), uid: `uid-${++this.uid}` }, status: { phase: 'Pending' } };
      await this.beforePodCreated(pod);
      const stored = this.push('pods', 'ADDED', pod);
      return send(201, stored);
    }
    if ((p[4] === 'configmaps' || p[4] === 'secrets') && method === 'POST' && body) {
      return send(201, { ...body, metadata: { ...(body.metadata as Obj), uid: `uid-${++this.uid}`, resourceVersion: String(++this.rv) } });
    }
    if (p[4] === 'configmaps' && method === 'PUT' && body) {
      return send(200, { ...body, metadata: { ...(body.metadata as Obj), resourceVersion: String(++this.rv) } });
    }
    if (method === 'DELETE') return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
    send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `${method} ${url.pathname}` });
  }

  private openWatch(c: Collection, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (this.goneWatches[c] > 0) {
      this.goneWatches[c] -= 1;
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`);
      return;
    }
    res.flushHeaders();
    this.watchers[c].add(res);
    res.on('close', () => this.watchers[c].delete(res));
  }
}

export function pod(uid: string, name: string, node: string, phase: string, namespace = 'ns'): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { uid, name, namespace }, spec: { nodeName: node }, status: { phase } };
}

export function node(name: string, ready: 'True' | 'False' | 'Unknown'): Obj {
  return { apiVersion: 'v1', kind: 'Node', metadata: { uid: `node-${name}`, name }, status: { conditions: [{ type: 'Ready', status: ready }] } };
}
