/**
 * Test harness for link faults over real sockets: a TLS WebSocket server on 127.0.0.1 (the same
 * PKI and setup as the transport tests) that records what each connection receives and when, and
 * can echo; a listener standing in for a virtual node; and a shard-like chaos engine on a real
 * timer wheel in front of the lean client.
 */
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeTestPki, type TestPki } from '../cloud/loopback/test-certs.js';
import type { HubLink, HubListener } from '../edge/hub/hub-link.js';
import { dialTlsHub } from '../edge/hub/tls-hub-link.js';
import { TimerWheel } from '../scheduler/timer-wheel.js';
import { ChaosEngine } from './chaos-engine.js';

export const PROJECT_ID = 'e632aba927ea4ac2b575ec1603d56f10';

/** The server side of one connection. */
export class ServerConn {
  readonly messages: string[] = [];
  /** performance.now() at each message's arrival. */
  readonly arrivals: number[] = [];
  closed = false;
  /** Error codes seen on the TLS socket (ECONNRESET after an RST). */
  readonly errors: string[] = [];
  /** The client's FIN arrived. */
  ended = false;
  echo = false;

  constructor(
    readonly ws: WebSocket,
    readonly socket: TLSSocket,
  ) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(data.toString());
      this.arrivals.push(performance.now());
      if (this.echo) ws.send(data.toString());
    });
    ws.on('close', () => (this.closed = true));
    ws.on('error', () => undefined);
    socket.on('error', (e: NodeJS.ErrnoException) => this.errors.push(e.code ?? e.message));
    socket.on('end', () => (this.ended = true));
  }
}

export class EchoHub {
  private onConnection: ((conn: ServerConn) => void) | undefined;

  private constructor(
    readonly pki: TestPki,
    readonly clientContext: SecureContext,
    private readonly server: https.Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      const conn = new ServerConn(ws, req.socket as TLSSocket);
      const cb = this.onConnection;
      this.onConnection = undefined;
      cb?.(conn);
    });
  }

  static async start(): Promise<EchoHub> {
    const pki = await makeTestPki();
    const ctx = tls.createSecureContext({ key: pki.clientKeyPem, cert: pki.clientCertPem, ca: pki.caPem, minVersion: 'TLSv1.2' });
    const server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true });
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new EchoHub(pki, ctx, server, wss, `wss://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  nextConnection(): Promise<ServerConn> {
    return new Promise((resolve) => (this.onConnection = resolve));
  }

  async close(): Promise<void> {
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A node's side of the link: what it was told, in order. */
export class NodeEvents implements HubListener {
  opened = false;
  readonly messages: string[] = [];
  readonly arrivals: number[] = [];
  closed: { opened: boolean; reason: string; at: number } | undefined;

  onHubOpen(): void {
    this.opened = true;
  }

  onHubMessage(_hub: HubLink, data: Buffer): void {
    this.messages.push(data.toString());
    this.arrivals.push(performance.now());
  }

  onHubClosed(_hub: HubLink, opened: boolean, reason: string): void {
    this.closed = { opened, reason, at: performance.now() };
  }
}

/** Poll until `check` holds; fail with `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One shard's chaos layer (nodes vn-0 … vn-3) on a real wheel, dialling the lean client. */
export function shardChaos(): { engine: ChaosEngine; wheel: TimerWheel; dial: ReturnType<ChaosEngine['dialer']> } {
  const wheel = new TimerWheel({ unref: true });
  const engine = new ChaosEngine({ wheel, client: 'lean', firstNode: 0, nodeCount: 4, nameOf: (i) => `vn-${i}` });
  return { engine, wheel, dial: engine.dialer(dialTlsHub) };
}
