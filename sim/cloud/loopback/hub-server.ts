/**
 * The loopback peer's CloudHub endpoint: WSS on any path with a required, CA-verified client
 * certificate, `node_id` as the only identity and `ConnectionUse: msg` required for the socket to
 * be read (pkg/viaduct/pkg/conn/ws.go, cloud/pkg/cloudhub/handler/message_handler.go). Holds the
 * sessions keyed by node_id, the node limit and the keepalive timeouts.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { KeepaliveWatch } from './keepalive-watch.js';
import { NodeSession, type SessionCloseReason, type SessionContext } from './node-session.js';

export interface HubServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  nodeLimit: number;
  keepaliveTimeoutMs: number;
  log: (line: string) => void;
}

export interface HubHooks {
  onSessionOpen(session: NodeSession): void;
  onSessionClosed(session: NodeSession, reason: SessionCloseReason): void;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class HubServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, NodeSession>();
  /** Sockets above the node limit: no session, so tracked here only to be closed with the hub. */
  private readonly limited = new Set<WebSocket>();
  private readonly keepalive: KeepaliveWatch<NodeSession>;
  private limitLogged = false;

  constructor(
    private readonly opts: HubServerOptions,
    private readonly ctx: SessionContext,
    private readonly hooks: HubHooks,
  ) {
    this.keepalive = new KeepaliveWatch(ctx.timers, opts.keepaliveTimeoutMs, (s) => {
      ctx.counters.keepaliveTimeouts++;
      opts.log(`timeout to receive keepalive for node ${s.nodeId}`);
      this.endSession(s, 'keepalive-timeout');
    });
    this.server = createServer({
      ca: opts.caPem,
      cert: opts.serverCertPem,
      key: opts.serverKeyPem,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      // No subprotocol is ever selected, whatever the client offers.
      handleProtocols: () => false,
    });
    this.server.on('request', (_req, res) => {
      res.statusCode = 400;
      res.end('Bad Request\n');
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  session(nodeId: string): NodeSession | undefined {
    return this.sessions.get(nodeId);
  }

  allSessions(): IterableIterator<NodeSession> {
    return this.sessions.values();
  }

  /** Reset `session`'s keepalive timeout (only keepalive messages do this). */
  touch(session: NodeSession): void {
    if (this.sessions.get(session.nodeId) === session) this.keepalive.touch(session);
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions.values()]) this.endSession(s, 'peer-closed');
    for (const ws of this.limited) ws.terminate();
    this.limited.clear();
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const origin = header(req, 'origin');
    if (origin !== undefined) {
      // Go's websocket upgrader: Origin must be absent or name the Host.
      let ok = false;
      try {
        ok = new URL(origin).host === header(req, 'host');
      } catch {
        ok = false;
      }
      if (!ok) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
        return;
      }
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const counters = this.ctx.counters;
    counters.connections++;
    counters.connectionsTotal++;
    ws.once('close', () => {
      counters.connections--;
    });
    ws.on('error', () => {
      // A reset socket; 'close' follows.
    });
    const nodeId = header(req, 'node_id') ?? '';
    const readable = header(req, 'connectionuse') === 'msg';

    if (this.sessions.size >= this.opts.nodeLimit) {
      // cloudcore: log `reach node limit`, leave the socket open, read and drop, never write.
      counters.limitRejected++;
      if (!this.limitLogged) {
        this.limitLogged = true;
        this.opts.log(`fail to serve node ${nodeId}, reach node limit`);
      }
      if (readable) ws.on('message', () => counters.limitRejectedMessages++);
      else ws.pause();
      this.limited.add(ws);
      ws.once('close', () => this.limited.delete(ws));
      return;
    }

    const session = new NodeSession(nodeId, ws, this.ctx, readable);
    const old = this.sessions.get(nodeId);
    if (old) {
      counters.sessionsReplaced++;
      this.endSession(old, 'replaced');
    }
    this.sessions.set(nodeId, session);
    if (readable) {
      ws.on('message', (data) => session.onFrame(data));
    } else {
      counters.unreadConnections++;
      ws.pause();
    }
    ws.once('close', () => this.endSession(session, 'socket-closed'));
    this.keepalive.touch(session);
    this.hooks.onSessionOpen(session);
  }

  private endSession(session: NodeSession, reason: SessionCloseReason): void {
    if (session.closed) return;
    session.close(reason);
    this.keepalive.remove(session);
    if (this.sessions.get(session.nodeId) === session) this.sessions.delete(session.nodeId);
    this.hooks.onSessionClosed(session, reason);
  }
}
