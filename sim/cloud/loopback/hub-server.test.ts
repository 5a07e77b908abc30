import { randomBytes } from 'node:crypto';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackPeerKit, registerNode } from './loopback-peer.test-kit.js';
import { sleep, type RawEdgeClient } from './raw-edge-client.js';

const kit = loopbackPeerKit({ reconcileIntervalMs: 0 });
const sockets: TLSSocket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

/** A raw client that sends nothing on its own: these tests watch keepalives and unread connections. */
function client(nodeId: string, opts: { connectionUse?: boolean } = {}): Promise<RawEdgeClient> {
  return kit.connect(nodeId, { ...opts, keepalive: false });
}

interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** A WebSocket client on a bare TLS socket, to see frames as the wire carries them. */
async function rawFrames(nodeId: string): Promise<{ frames: Frame[]; socket: TLSSocket }> {
  const port = kit.hubPort;
  const socket = tlsConnect({ host: '127.0.0.1', port, ca: kit.pki.caPem, cert: kit.pki.clientCertPem, key: kit.pki.clientKeyPem });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  socket.write(
    `GET /e632aba927ea4ac2b575ec1603d56f10/${nodeId}/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
      `Connectionuse: msg\r\nNode_id: ${nodeId}\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      `Sec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n\r\n`,
  );
  const frames: Frame[] = [];
  let buf = Buffer.alloc(0);
  let upgraded = false;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (!upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      buf = buf.subarray(end + 4);
    }
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) return;
      frames.push({ fin: (buf[0]! & 0x80) !== 0, opcode: buf[0]! & 0x0f, payload: buf.subarray(off, off + len) });
      buf = buf.subarray(off + len);
    }
  });
  await new Promise((r) => setTimeout(r, 100));
  return { frames, socket };
}

describe('hub server', () => {
  it('requires a CA-signed client certificate', async () => {
    await kit.start();
    await expect(kit.connect('vn-1', { clientCert: false, keepalive: false })).rejects.toThrow();
    expect(kit.peer.stats().connectionsTotal).toBe(0);
  });

  it('never reads a socket without `ConnectionUse: msg`; it dies at the keepalive timeout', async () => {
    await kit.start({ keepaliveTimeoutMs: 300 });
    const c = await client('vn-1', { connectionUse: false });
    c.keepalive();
    const req = registerNode(c);
    await sleep(150);
    expect(c.messages().find((m) => m.header.parent_msg_id === req.header.msg_id)).toBeUndefined();
    expect(kit.peer.stats().messagesUp).toEqual({});
    expect(kit.peer.stats().unreadConnections).toBe(1);
    expect(await c.waitClosed(1000)).toBe(true);
    expect(kit.peer.stats().keepaliveTimeouts).toBe(1);
  });

  it('a second connection with the same node_id replaces the first (old socket closed)', async () => {
    await kit.start();
    const c1 = await client('vn-1');
    const c2 = await client('vn-1');
    expect(await c1.waitClosed(1000)).toBe(true);
    expect(c2.closed).toBe(false);
    const req = registerNode(c2);
    await c2.waitFor((m) => m.header.parent_msg_id === req.header.msg_id);
    const s = kit.peer.stats();
    expect(s.sessionsReplaced).toBe(1);
    expect(s.sessions).toBe(1);
  });

  it('at nodeLimit: leaves the socket open, reads upstream, never sends anything down', async () => {
    const logs: string[] = [];
    await kit.start({ nodeLimit: 1, keepaliveTimeoutMs: 200, log: (l) => logs.push(l) });
    const c1 = await client('vn-1');
    c1.keepalive();
    const c2 = await client('vn-2');
    const c3 = await client('vn-3');
    c2.keepalive();
    const req = registerNode(c2);
    c2.send({ source: 'websocket', group: 'resource', operation: 'ping', resource: 'node' }, 'ping');
    await sleep(400);
    expect(c2.received).toHaveLength(0);
    expect(c2.closed).toBe(false);
    expect(c3.closed).toBe(false);
    expect(c2.messages().find((m) => m.header.parent_msg_id === req.header.msg_id)).toBeUndefined();
    const s = kit.peer.stats();
    expect(s.limitRejected).toBe(2);
    expect(s.limitRejectedMessages).toBe(3);
    expect(s.sessions).toBe(0); // vn-1 timed out meanwhile (one keepalive only)
    expect(logs.filter((l) => l.includes('reach node limit'))).toHaveLength(1);
    // Closing the peer also drops the sockets it never made sessions for.
    await kit.peer.close();
    expect(await c2.waitClosed(1000)).toBe(true);
  });

  it('only keepalives reset the timeout; without them the socket is closed', async () => {
    await kit.start({ keepaliveTimeoutMs: 250 });
    const c = await client('vn-1');
    const other = await client('vn-2');
    for (let i = 0; i < 5; i++) {
      c.keepalive();
      other.send({ source: 'websocket', group: 'resource', operation: 'ping', resource: 'node' }, 'ping');
      await sleep(100);
    }
    expect(c.closed).toBe(false);
    expect(other.closed).toBe(true); // pings kept coming, but they are not keepalives
    expect(await c.waitClosed(1000)).toBe(true);
    expect(kit.peer.stats().keepaliveTimeouts).toBe(2);
  });

  it('counts malformed frames and carries on', async () => {
    await kit.start();
    const c = await client('vn-1');
    c.sendRaw('not json');
    c.sendRaw('{"header":1,"route":{}}');
    c.sendRaw('[1,2]');
    const ping = c.send({ source: 'websocket', group: 'resource', operation: 'ping', resource: 'node' }, 'ping');
    await c.waitFor((m) => m.header.parent_msg_id === ping.header.msg_id);
    expect(kit.peer.stats().malformed).toBe(3);
  });

  it('sends messages over 4082 bytes as a FIN=0 text frame of 4082 bytes plus continuation frames', async () => {
    await kit.start();
    const { frames } = await rawFrames('vn-frag');
    kit.peer.createPod('vn-frag', {
      metadata: { name: 'big', annotations: { pad: 'x'.repeat(9000) } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await sleep(200);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(frames[0]).toMatchObject({ fin: false, opcode: 1 });
    expect(frames[0]!.payload.length).toBe(4082);
    expect(frames[1]).toMatchObject({ fin: false, opcode: 0 });
    expect(frames[2]).toMatchObject({ fin: true, opcode: 0 });
    const text = Buffer.concat(frames.slice(0, 3).map((f) => f.payload)).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const m = JSON.parse(text) as { route: { operation: string; resource: string } };
    expect(m.route).toMatchObject({ operation: 'insert', resource: 'default/pod/big' });
    expect(kit.peer.stats().fragmentedDown).toBe(1);
  });

  it('sends a small message as one text frame', async () => {
    await kit.start();
    const { frames } = await rawFrames('vn-small');
    kit.peer.createPod('vn-small', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await sleep(150);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ fin: true, opcode: 1 });
  });
});
