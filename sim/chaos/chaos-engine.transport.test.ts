/**
 * Link faults on the lean client over real TLS on 127.0.0.1: what the cloud's side of the socket
 * sees (nothing, late, slowly, an RST, a FIN) and what the node sees.
 */
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubLink } from '../edge/hub/hub-link.js';
import { acceptFor } from '../edge/hub/upgrade-handshake.js';
import { TlsHubLink } from '../edge/hub/tls-hub-link.js';
import type { ChaosEngine } from './chaos-engine.js';
import { EchoHub, NodeEvents, PROJECT_ID, shardChaos, sleep, until, type ServerConn } from './hub-echo.test-kit.js';
import { Fault } from './link-fault.js';

let hub: EchoHub;
let engine: ChaosEngine;
let dial: ReturnType<typeof shardChaos>['dial'];
let stopWheel: () => void = () => undefined;
const links: HubLink[] = [];

beforeAll(async () => {
  hub = await EchoHub.start();
});

afterAll(async () => {
  await hub.close();
});

afterEach(() => {
  for (const l of links.splice(0)) l.terminate();
  stopWheel();
});

function freshShard(): void {
  const s = shardChaos();
  engine = s.engine;
  dial = s.dial;
  stopWheel = () => s.wheel.stop();
}

function dialNode(node: number, url = hub.url, handshakeTimeoutMs = 5000): { link: HubLink; events: NodeEvents } {
  const events = new NodeEvents();
  const link = dial({ cloudhubUrl: url, projectId: PROJECT_ID, nodeName: `vn-${node}`, secureContext: hub.clientContext, handshakeTimeoutMs }, events);
  links.push(link);
  return { link, events };
}

async function connect(node = 0): Promise<{ link: HubLink; events: NodeEvents; server: ServerConn }> {
  const conn = hub.nextConnection();
  const { link, events } = dialNode(node);
  const server = await conn;
  await until('open', () => events.opened);
  return { link, events, server };
}

const only = (node: number) => ({ nodes: [node] });

describe('link faults on a real socket', () => {
  it('without a fault the link is the plain lean client, before and after a heal', async () => {
    freshShard();
    const { link, events, server } = await connect();
    expect((link as TlsHubLink).chaos).toBeUndefined();
    const big = `{"content":"${'b'.repeat(5000)}"}\n`;
    link.send('{"a":1}\n');
    link.send(big);
    server.ws.send('down-1');
    await until('both ways', () => server.messages.length === 2 && events.messages.length === 1);
    expect(server.messages).toEqual(['{"a":1}\n', big]);

    engine.apply('d', Fault.delay({ ms: 20 }), only(0));
    expect((link as TlsHubLink).chaos).toBeDefined();
    engine.heal('d');
    expect((link as TlsHubLink).chaos).toBeUndefined();
    link.send('{"b":2}\n');
    await until('after heal', () => server.messages.length === 3);
    expect(server.messages[2]).toBe('{"b":2}\n');
    expect(engine.snapshot()).toMatchObject({ faultsActive: 0, nodesFaulted: 0, heldBytesOut: 0, heldBytesIn: 0, registeredNodes: 1 });
  });

  it('delay holds every message at least the delay and keeps order, in both directions', async () => {
    freshShard();
    const { link, events, server } = await connect();
    server.echo = true;
    engine.apply('d', Fault.delay({ ms: 120, direction: 'out' }), only(0));
    const sentAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      sentAt.push(performance.now());
      link.send(`m${i}\n`);
      await sleep(15);
    }
    await until('5 delayed', () => server.messages.length === 5);
    expect(server.messages).toEqual(['m0\n', 'm1\n', 'm2\n', 'm3\n', 'm4\n']);
    server.arrivals.forEach((at, i) => expect(at - sentAt[i]!).toBeGreaterThanOrEqual(119));
    await until('5 echoes', () => events.messages.length === 5);
    engine.heal('d');

    // Jitter of ±90 ms on 100 ms would reorder 30 messages 5 ms apart if order were not kept.
    engine.apply('j', Fault.delay({ ms: 100, jitterMs: 90, direction: 'both' }), only(0));
    const sent = Array.from({ length: 30 }, (_, i) => `j${i}\n`);
    const before = events.messages.length;
    const t0 = performance.now();
    for (const m of sent) {
      link.send(m);
      await sleep(5);
    }
    await until('30 echoed', () => events.messages.length === before + 30, 10_000);
    expect(server.messages.slice(5)).toEqual(sent);
    expect(events.messages.slice(before)).toEqual(sent);
    // Out and back: at least 2 × (100 − 90) ms for the first.
    expect(events.arrivals[before]! - t0).toBeGreaterThanOrEqual(19);
    expect(engine.snapshot().bytesHeld).toBeGreaterThan(0);
  });

  it('a stall holds both directions with the socket open; the heal delivers everything in order, intact', async () => {
    freshShard();
    const { link, events, server } = await connect();
    engine.apply('s', Fault.stall({ direction: 'both' }), only(0));
    const big = `{"content":"${'x'.repeat(5000)}"}\n`;
    expect(link.send('{"up":1}\n')).toBe(true);
    expect(link.send(big)).toBe(true);
    expect(link.send('{"up":3}\n')).toBe(true);
    server.ws.send('down-1');
    server.ws.send('d'.repeat(9000));
    await sleep(400);
    expect(server.messages).toEqual([]);
    expect(events.messages).toEqual([]);
    expect(server.closed).toBe(false);
    expect(server.ended).toBe(false);
    expect(link.isOpen).toBe(true);
    expect(events.closed).toBeUndefined();
    expect(engine.snapshot().heldBytesOut).toBeGreaterThan(5000);

    const counts = engine.heal('s');
    expect(counts).toMatchObject({ nodes: 1, links: 1 });
    await until('held bytes delivered', () => server.messages.length === 3 && events.messages.length === 2);
    expect(server.messages).toEqual(['{"up":1}\n', big, '{"up":3}\n']);
    expect(events.messages).toEqual(['down-1', 'd'.repeat(9000)]);
    expect(engine.snapshot()).toMatchObject({ heldBytesOut: 0, heldBytesIn: 0 });
  });

  it('a stalled link does not notice the server dropping it until the heal, as with a lost FIN', async () => {
    freshShard();
    const { link, events, server } = await connect();
    engine.apply('s', Fault.stall({ direction: 'both' }), only(0));
    server.ws.terminate();
    await until('server side closed', () => server.closed);
    await sleep(300);
    expect(events.closed).toBeUndefined();
    expect(link.isOpen).toBe(true);
    engine.heal('s');
    await until('noticed after the heal', () => events.closed !== undefined);
    expect(events.closed?.opened).toBe(true);
  });

  it('an inbound stall stops reading the socket; outbound still flows', async () => {
    freshShard();
    const { link, events, server } = await connect();
    engine.apply('in', Fault.stall({ direction: 'in' }), only(0));
    server.ws.send('held');
    link.send('{"up":1}\n');
    await until('upstream passes', () => server.messages.length === 1);
    await sleep(150);
    expect(events.messages).toEqual([]);
    engine.heal('in');
    await until('downstream after heal', () => events.messages.length === 1);
    expect(events.messages).toEqual(['held']);
  });

  it('reset destroys the socket with an RST: the server reads ECONNRESET', async () => {
    freshShard();
    const { events, server } = await connect();
    const applied = engine.apply('r', Fault.reset(), only(0));
    expect(applied).toMatchObject({ nodes: 1, links: 1 });
    await until('server error', () => server.errors.length > 0);
    expect(server.errors).toContain('ECONNRESET');
    await until('node told', () => events.closed !== undefined);
    expect(events.closed?.opened).toBe(true);
    expect(engine.snapshot()).toMatchObject({ resets: 1, resetFallbacks: 0, faultsActive: 0 });
  });

  it('a bandwidth cap bounds throughput in each direction', async () => {
    freshShard();
    const { link, events, server } = await connect();
    engine.apply('bw', Fault.bandwidth({ bytesPerSecond: 10_000, direction: 'both' }), only(0));
    const piece = 'u'.repeat(4000);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) link.send(piece);
    await until('20 KB up', () => server.messages.length === 5, 10_000);
    const upMs = performance.now() - t0;
    // 20 KB at 10 KB/s after a 1 KB burst: ≥ 1.9 s (a little slack for the wheel's tick).
    expect(upMs).toBeGreaterThanOrEqual(1800);
    expect(upMs).toBeLessThan(8000);
    expect(server.messages.every((m) => m === piece)).toBe(true);

    const t1 = performance.now();
    for (let i = 0; i < 5; i++) server.ws.send(piece);
    await until('20 KB down', () => events.messages.length === 5, 10_000);
    expect(performance.now() - t1).toBeGreaterThanOrEqual(1800);
    expect(events.messages.every((m) => m === piece)).toBe(true);
  });

  it('down resets the live link and refuses dials until healed; the node only sees closes', async () => {
    freshShard();
    const { events, server } = await connect();
    engine.apply('off', Fault.down({ dial: 'refuse' }), only(0));
    await until('server reset', () => server.errors.includes('ECONNRESET'));
    await until('node told', () => events.closed !== undefined);

    const t0 = performance.now();
    const refused = dialNode(0);
    // Reported through the wheel, after the dial has returned.
    expect(refused.events.closed).toBeUndefined();
    await until('refused', () => refused.events.closed !== undefined);
    expect(refused.events.closed).toMatchObject({ opened: false });
    expect(refused.events.closed!.reason).toMatch(/ECONNREFUSED/);
    // At the next wheel tick, far from the 5 s handshake timeout.
    expect(refused.events.closed!.at - t0).toBeLessThan(1000);
    expect(refused.link.isOpen).toBe(false);
    expect(refused.link.send('x')).toBe(false);

    const counts = engine.heal('off');
    expect(counts).toMatchObject({ nodes: 1, links: 1, downs: 1, ups: 1, dialsRefused: 1, resets: 1 });
    const again = await connect(0);
    expect(again.link.isOpen).toBe(true);
  });

  it('a partition leaves the live link open and silent and makes new dials hang until the handshake timeout', async () => {
    freshShard();
    const { link, events, server } = await connect();
    engine.apply('p', Fault.partition(), only(0));
    link.send('{"lost":0}\n');
    await sleep(200);
    expect(server.messages).toEqual([]);
    expect(server.errors).toEqual([]);
    expect(events.closed).toBeUndefined();

    const t0 = performance.now();
    const hung = dialNode(0, hub.url, 300);
    await until('timed out', () => hung.events.closed !== undefined);
    expect(hung.events.closed!.at - t0).toBeGreaterThanOrEqual(295);
    expect(hung.events.closed).toMatchObject({ opened: false, reason: 'Opening handshake has timed out' });
    expect(engine.heal('p')).toMatchObject({ dialsTimedOut: 1, resets: 0 });
    await until('held byte delivered', () => server.messages.length === 1);
  });
});

describe('slow close', () => {
  /** A hand-written WebSocket server that keeps writing after the client's FIN. */
  async function halfOpenServer(): Promise<{ url: string; fins: number; close(): Promise<void> }> {
    const state = { fins: 0 };
    const sockets = new Set<tls.TLSSocket>();
    const server = tls.createServer(
      { cert: hub.pki.serverCertPem, key: hub.pki.serverKeyPem, ca: hub.pki.caPem, requestCert: true, allowHalfOpen: true },
      (socket) => {
        sockets.add(socket);
        let head = '';
        socket.on('data', (chunk: Buffer) => {
          if (head.endsWith('\r\n\r\n')) return;
          head += chunk.toString('latin1');
          const key = /Sec-WebSocket-Key: (.+)\r\n/.exec(head)?.[1];
          if (!head.endsWith('\r\n\r\n') || !key) return;
          socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
        });
        socket.on('end', () => {
          state.fins++;
          const payload = Buffer.from('after-fin');
          socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
        });
        socket.on('error', () => undefined);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `wss://127.0.0.1:${(server.address() as AddressInfo).port}`,
      get fins() {
        return state.fins;
      },
      close: () => {
        for (const s of sockets) s.destroy();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it('sends FIN, fails the node’s sends, keeps reading, and destroys the socket afterMs later', async () => {
    freshShard();
    const raw = await halfOpenServer();
    try {
      const { link, events } = dialNode(1, raw.url);
      await until('open', () => events.opened);
      const t0 = performance.now();
      expect(engine.apply('sc', Fault.slowClose({ afterMs: 400 }), only(1))).toMatchObject({ links: 1 });
      expect(link.isOpen).toBe(false);
      expect(link.send('{"after":1}\n')).toBe(false);
      await until('FIN seen', () => raw.fins === 1);
      await until('read after FIN', () => events.messages.length === 1);
      expect(events.messages).toEqual(['after-fin']);
      expect(events.closed).toBeUndefined();
      await until('destroyed', () => events.closed !== undefined);
      expect(events.closed!.at - t0).toBeGreaterThanOrEqual(395);
      expect(events.closed!.opened).toBe(true);
      expect(engine.snapshot()).toMatchObject({ slowCloses: 1, faultsActive: 0 });
    } finally {
      await raw.close();
    }
  });
});
