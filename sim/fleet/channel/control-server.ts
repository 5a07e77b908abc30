/**
 * The controller's end of the network control channel: a WebSocket server that shards in pods (or
 * any process started the way a pod starts it) dial with the run's token. Each accepted shard is a
 * RemoteShard carrying the same messages a forked shard's IPC channel carries. Plain `ws://` on
 * loopback, `wss://` with a certificate for anything else. Every refusal and every malformed frame
 * is counted and named.
 */
import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';
import { CONTROL_MAX_FRAME_BYTES, CONTROL_PATH, helloProblem, tokenMatches, type ShardHello } from './control-protocol.js';

export interface ControlServerOptions {
  /** Address to listen on; 127.0.0.1 unless told otherwise (a pod IP or 0.0.0.0 in a cluster). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The run's token. A secret: never logged. */
  token: string;
  /** PEM certificate and key: serve `wss://`. Without them, `ws://`. */
  tls?: { cert: string; key: string };
  /** The run's shard count: a hello naming another count is refused. */
  shards: number;
  /** Ping period; a shard that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
}

/** Close codes the server uses (4000–4999: application-defined). */
export const CLOSE_REFUSED = 4001;
export const CLOSE_MALFORMED = 4002;

interface RemoteShardEvents {
  message: [ShardToController];
  /** The shard's channel closed; `reason` names why; `clean` when the shard closed it itself after stopping. */
  close: [string, boolean];
}

/** One shard on the other end of the channel. */
export class RemoteShard extends EventEmitter<RemoteShardEvents> {
  readonly index: number;
  readonly host: string;
  readonly source: string;
  alive = true;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    hello: ShardHello,
  ) {
    super();
    this.index = hello.index;
    this.host = hello.host;
    this.source = hello.source;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(message: ControllerToShard): void {
    if (!this.closed) this.ws.send(JSON.stringify(message));
  }

  /** Close the channel; the shard treats it as its controller going away. */
  close(code = 1000, reason = 'run over'): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** @internal the server's frame handler */
  receive(message: ShardToController): void {
    this.emit('message', message);
  }

  /** @internal */
  closedWith(reason: string, clean = false): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', reason, clean);
  }
}

interface ControlServerEvents {
  /** A shard said hello and was accepted. */
  shard: [RemoteShard];
  /** A connection was refused or dropped for what it sent; the reason names it. */
  refused: [string];
}

export class ControlServer extends EventEmitter<ControlServerEvents> {
  /** Every refusal, in order: what was wrong and from where. */
  readonly refusals: string[] = [];
  /** Frames after the hello that were not a JSON message. */
  malformedFrames = 0;
  private readonly connected = new Map<number, RemoteShard>();
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly options: ControlServerOptions,
    readonly url: string,
  ) {
    super();
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    wss.on('connection', (ws, req) => this.accept(ws, req));
  }

  static async open(options: ControlServerOptions): Promise<ControlServer> {
    if (!Number.isInteger(options.shards) || options.shards < 1) {
      throw new TwinlabError(ErrorCodes.ConfigInvalid, `the control channel needs a shard count ≥ 1, not ${options.shards}`, {});
    }
    const host = options.host ?? '127.0.0.1';
    const server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }) : createHttpServer();
    const wss = new WebSocketServer({
      server,
      path: CONTROL_PATH,
      maxPayload: CONTROL_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      // The token is checked before the upgrade: a dial without it gets a plain 401 and no socket.
      verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) =>
        tokenMatches(info.req.headers.authorization, options.token) ? done(true) : done(false, 401, 'the run token is missing or wrong'),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new TwinlabError(ErrorCodes.ControlChannel, `control channel: cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { host, port: options.port ?? 0 })),
      );
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const bracketed = host.includes(':') ? `[${host}]` : host;
    const control = new ControlServer(server, wss, options, `${options.tls ? 'wss' : 'ws'}://${bracketed}:${port}${CONTROL_PATH}`);
    // Refusals at the upgrade (a wrong token) never reach 'connection': count them from the HTTP side.
    server.on('upgrade', (req: IncomingMessage) => {
      if (!tokenMatches(req.headers.authorization, options.token)) control.refuse(`a dial from ${req.socket.remoteAddress ?? '?'} without the run token`);
    });
    return control;
  }

  /** The shards connected now, by index. */
  shards(): RemoteShard[] {
    return [...this.connected.values()].sort((a, b) => a.index - b.index);
  }

  /** Shard `index` once it says hello (at once when it is connected now). */
  nextShard(index: number, timeoutMs: number): Promise<RemoteShard> {
    const now = this.connected.get(index);
    if (now?.isOpen) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onShard = (s: RemoteShard): void => {
        if (s.index !== index) return;
        clearTimeout(timer);
        this.off('shard', onShard);
        resolve(s);
      };
      const timer = setTimeout(() => {
        this.off('shard', onShard);
        reject(new TwinlabError(ErrorCodes.ControlChannel, `control channel: shard ${index} did not connect to ${this.url} within ${timeoutMs} ms`, { shard: index }));
      }, timeoutMs);
      this.on('shard', onShard);
    });
  }

  /** Every shard 0..shards-1, or an error naming those that never said hello. */
  async waitForShards(timeoutMs: number): Promise<RemoteShard[]> {
    const deadline = Date.now() + timeoutMs;
    const all = Array.from({ length: this.options.shards }, (_, i) => i);
    const results = await Promise.allSettled(all.map((i) => this.nextShard(i, Math.max(0, deadline - Date.now()))));
    const missing = all.filter((i) => results[i]!.status === 'rejected');
    if (missing.length > 0) {
      const refused = this.refusals.length > 0 ? `; refused: ${this.refusals.slice(-3).join('; ')}` : '';
      throw new TwinlabError(
        ErrorCodes.ControlChannel,
        `control channel: ${missing.length} of ${this.options.shards} shards never connected to ${this.url} within ${timeoutMs} ms (missing: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})${refused}`,
        { missing: missing.length },
      );
    }
    return results.map((r) => (r as PromiseFulfilledResult<RemoteShard>).value);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const s of this.connected.values()) s.close(1001, 'controller closing');
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private refuse(reason: string): void {
    this.refusals.push(reason);
    this.emit('refused', reason);
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const from = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    let shard: RemoteShard | undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let value: unknown;
      try {
        if (isBinary) throw new Error('a binary frame');
        value = JSON.parse(data.toString('utf8'));
      } catch (error) {
        this.malformedFrames++;
        const what = `${shard ? `shard ${shard.index}` : 'a dial'} from ${from} sent a frame that is not a JSON message (${data.length} bytes: ${error instanceof Error ? error.message : String(error)})`;
        this.refuse(what);
        ws.close(CLOSE_MALFORMED, 'malformed frame');
        return;
      }
      if (shard) {
        if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
          this.malformedFrames++;
          this.refuse(`shard ${shard.index} from ${from} sent a message without a "type"`);
          ws.close(CLOSE_MALFORMED, 'message without a type');
          return;
        }
        shard.receive(value as ShardToController);
        return;
      }
      const problem = helloProblem(value);
      const hello = value as ShardHello;
      const refusal =
        problem ??
        (hello.of !== this.options.shards ? `it is shard ${hello.index} of ${hello.of}, and this run has ${this.options.shards} shards` : undefined) ??
        (this.connected.get(hello.index)?.isOpen ? `shard ${hello.index} is already connected (from ${this.connected.get(hello.index)!.host})` : undefined);
      if (refusal !== undefined) {
        this.refuse(`a hello from ${from} was refused: ${refusal}`);
        ws.close(CLOSE_REFUSED, refusal.slice(0, 120));
        return;
      }
      shard = new RemoteShard(ws, hello);
      this.connected.set(hello.index, shard);
      this.emit('shard', shard);
    });
    ws.on('pong', () => {
      if (shard) shard.alive = true;
    });
    ws.on('error', () => undefined);
    ws.on('close', (code: number, reason: Buffer) => {
      shard?.closedWith(reason.length > 0 ? `${reason.toString()} (${code})` : `closed (${code})`, code === 1000);
    });
  }

  /** One timer for every connection: drop shards that missed the last ping, ping the rest. */
  private ping(): void {
    for (const s of this.connected.values()) {
      if (!s.isOpen) continue;
      if (!s.alive) {
        s.terminate();
        s.closedWith(`no answer to a ping within ${this.options.heartbeatMs ?? 15_000} ms`);
        continue;
      }
      s.alive = false;
    }
    for (const ws of this.wss.clients) ws.ping();
  }
}
