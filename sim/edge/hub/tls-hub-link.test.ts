import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls, { type SecureContext } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { makeTestPki, type TestPki } from '../../cloud/loopback/test-certs.js';
import type { HubDialer, HubLink, HubListener } from './hub-link.js';
import { dialTlsHub } from './tls-hub-link.js';
import { dialWsHub } from './ws-hub-link.js';

let pki: TestPki;
let ctx: SecureContext;
let server: https.Server;
let wss: WebSocketServer;
let url: string;
let onConnection: (ws: WebSocket, req: IncomingMessage) => void = () => undefined;
let allowUpgrade = true;
const links: HubLink[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
  ctx = tls.createSecureContext({ key: pki.clientKeyPem, cert: pki.clientCertPem, ca: pki.caPem, minVersion: 'TLSv1.2' });
  server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true });
  wss = new WebSocketServer({ server, perMessageDeflate: false, verifyClient: () => allowUpgrade });
  wss.on('connection', (ws, req) => onConnection(ws, req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const l of links.splice(0)) l.terminate();
  onConnection = () => undefined;
  allowUpgrade = true;
});

afterAll(async () => {
  wss.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

class Events implements HubListener {
  opened = false;
  readonly messages: string[] = [];
  closed: { opened: boolean; reason: string } | undefined;
  private waiters: Array<() => void> = [];
  onHubOpen(): void {
    this.opened = true;
    this.wake();
  }
  onHubMessage(_hub: HubLink, data: Buffer): void {
    this.messages.push(data.toString());
    this.wake();
  }
  onHubClosed(_hub: HubLink, opened: boolean, reason: string): void {
    this.closed = { opened, reason };
    this.wake();
  }
  async until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

function dial(dialer: HubDialer, events: Events, nodeName = 'vn-00001', handshakeTimeoutMs = 5000): HubLink {
  const link = dialer({ cloudhubUrl: url, projectId: 'e632aba927ea4ac2b575ec1603d56f10', nodeName, secureContext: ctx, handshakeTimeoutMs }, events);
  links.push(link);
  return link;
}

function nextConnection(): Promise<{ ws: WebSocket; req: IncomingMessage }> {
  return new Promise((resolve) => {
    onConnection = (ws, req) => resolve({ ws, req });
  });
}

describe('TlsHubLink', () => {
  it('sends the same upgrade request as the ws client, but for the key', async () => {
    const heads: string[][] = [];
    for (const dialer of [dialWsHub, dialTlsHub]) {
      const conn = nextConnection();
      const events = new Events();
      dial(dialer, events);
      const { req } = await conn;
      await events.until(() => events.opened);
      heads.push([req.method ?? '', req.url ?? '', ...req.rawHeaders.map((h, i) => (req.rawHeaders[i - 1] === 'Sec-WebSocket-Key' ? 'KEY' : h))]);
    }
    expect(heads[1]).toEqual(heads[0]);
    expect(heads[1]).toContain('Connectionuse');
    expect(heads[1]?.[1]).toBe('/e632aba927ea4ac2b575ec1603d56f10/vn-00001/events');
  });

  it('exchanges messages both ways: large ones in pieces, fragmented ones reassembled, pings answered', async () => {
    const conn = nextConnection();
    const events = new Events();
    const link = dial(dialTlsHub, events);
    const { ws } = await conn;
    await events.until(() => events.opened);
    expect(link.isOpen).toBe(true);

    const received: string[] = [];
    ws.on('message', (data: Buffer) => received.push(data.toString()));
    const big = `{"content":"${'b'.repeat(5000)}"}\n`;
    expect(link.send('{"small":1}\n')).toBe(true);
    expect(link.send(big)).toBe(true);
    await events.until(() => received.length === 2);
    expect(received).toEqual(['{"small":1}\n', big]);

    // cloudcore's writer: a FIN=0 text frame of 4082 bytes, then continuations.
    const down = 'd'.repeat(4082 * 2 + 10);
    ws.send(down.slice(0, 4082), { fin: false });
    ws.send(down.slice(4082, 8164), { fin: false });
    ws.send(down.slice(8164), { fin: true });
    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping('rtt');
    await events.until(() => events.messages.length === 1);
    expect(events.messages[0]).toBe(down);
    expect((await pong).toString()).toBe('rtt');
  });

  it('answers a close frame with the same code and reports its reason', async () => {
    const conn = nextConnection();
    const events = new Events();
    dial(dialTlsHub, events);
    const { ws } = await conn;
    await events.until(() => events.opened);
    const echoed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.close(4001, 'going away');
    await events.until(() => events.closed !== undefined);
    expect(events.closed).toEqual({ opened: true, reason: 'going away' });
    expect(await echoed).toBe(4001);
  });

  it('reports a refused upgrade as ws does, without opening', async () => {
    allowUpgrade = false;
    for (const dialer of [dialWsHub, dialTlsHub]) {
      const events = new Events();
      dial(dialer, events);
      await events.until(() => events.closed !== undefined);
      expect(events.closed).toEqual({ opened: false, reason: 'Unexpected server response: 401' });
    }
  });

  it('times out a handshake the server never answers', async () => {
    const silent = tls.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caPem, requestCert: true }, (s) => s.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const events = new Events();
      const link = dialTlsHub(
        { cloudhubUrl: `wss://127.0.0.1:${(silent.address() as AddressInfo).port}`, projectId: 'p', nodeName: 'n', secureContext: ctx, handshakeTimeoutMs: 300 },
        events,
      );
      links.push(link);
      await events.until(() => events.closed !== undefined);
      expect(events.closed).toEqual({ opened: false, reason: 'Opening handshake has timed out' });
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a server whose certificate is not from the pinned CA', async () => {
    const other = await makeTestPki();
    const events = new Events();
    const link = dialTlsHub(
      {
        cloudhubUrl: url,
        projectId: 'p',
        nodeName: 'n',
        secureContext: tls.createSecureContext({ key: pki.clientKeyPem, cert: pki.clientCertPem, ca: other.caPem }),
        handshakeTimeoutMs: 5000,
      },
      events,
    );
    links.push(link);
    await events.until(() => events.closed !== undefined);
    expect(events.closed?.opened).toBe(false);
    expect(link.send('x')).toBe(false);
  });

  it('terminate closes without a close frame', async () => {
    const conn = nextConnection();
    const events = new Events();
    const link = dial(dialTlsHub, events);
    const { ws } = await conn;
    await events.until(() => events.opened);
    const code = new Promise<number>((resolve) => ws.once('close', (c: number) => resolve(c)));
    link.terminate();
    expect(await code).toBe(1006);
    await events.until(() => events.closed !== undefined);
    expect(events.closed).toEqual({ opened: true, reason: 'closed (1006)' });
    expect(link.isOpen).toBe(false);
  });
});
