import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLoopbackCa, issueServerCert } from '../../cloud/loopback/loopback-ca.js';
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';
import { dialControl } from './control-client.js';
import { ControlServer, type RemoteShard } from './control-server.js';
import type { ShardPort } from './shard-port.js';

const TOKEN = 'run-token-0123456789abcdef';
const hello = (index: number, of = 2) => ({ index, of, source: 'hostname' as const, host: `twinlab-shard-${index}` });
const silent = (): void => undefined;

let server: ControlServer | undefined;
const ports: ShardPort[] = [];

afterEach(async () => {
  for (const p of ports.splice(0)) await p.close();
  await server?.close();
  server = undefined;
});

function nextMessage<T>(on: (handler: (m: T) => void) => void): Promise<T> {
  return new Promise((resolve) => on(resolve));
}

describe('control channel', () => {
  it('accepts a shard with the run token and carries messages both ways in order', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 2 });
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/twinlab\/v1\/shards$/);
    const accepted = server.nextShard(1, 5_000);
    const port = await dialControl({ url: server.url, token: TOKEN, hello: hello(1), warn: silent });
    ports.push(port);
    const shard = await accepted;
    expect([shard.index, shard.host, shard.source]).toEqual([1, 'twinlab-shard-1', 'hostname']);

    const atShard: ControllerToShard[] = [];
    port.onMessage((m) => atShard.push(m));
    shard.send({ type: 'set-reconnect-jitter', ms: 250 });
    shard.send({ type: 'inventory', id: 7 });
    const atController = nextMessage<ShardToController>((h) => shard.once('message', h));
    port.send({ type: 'inventory', id: 7, index: 1, pods: { 'vn-00001': ['uid-a'] } });
    expect(await atController).toEqual({ type: 'inventory', id: 7, index: 1, pods: { 'vn-00001': ['uid-a'] } });
    await expect.poll(() => atShard).toEqual([{ type: 'set-reconnect-jitter', ms: 250 }, { type: 'inventory', id: 7 }]);
  });

  it('refuses a dial without the right token before any frame, and counts it', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 1 });
    await expect(dialControl({ url: server.url, token: 'wrong', hello: hello(0, 1), warn: silent })).rejects.toThrow(/refused the run token/);
    expect(server.refusals).toHaveLength(1);
    expect(server.refusals[0]).toMatch(/without the run token/);
    expect(server.refusals.join()).not.toContain(TOKEN);
  });

  it('refuses a hello for another shard count, a duplicate index, and names each', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 2 });
    const wrongCount = await dialControl({ url: server.url, token: TOKEN, hello: hello(0, 3), warn: silent });
    await nextMessage<void>((h) => wrongCount.onDisconnect(h));
    expect(server.refusals[0]).toMatch(/shard 0 of 3, and this run has 2 shards/);

    ports.push(await dialControl({ url: server.url, token: TOKEN, hello: hello(0), warn: silent }));
    await server.nextShard(0, 5_000);
    const twin = await dialControl({ url: server.url, token: TOKEN, hello: { ...hello(0), host: 'other' }, warn: silent });
    await nextMessage<void>((h) => twin.onDisconnect(h));
    expect(server.refusals[1]).toMatch(/shard 0 is already connected \(from twinlab-shard-0\)/);
    expect(server.shards().map((s) => s.host)).toEqual(['twinlab-shard-0']);
  });

  it('drops a shard that sends a frame that is not a message, counting it', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 1 });
    const ws = new WebSocket(server.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, ...hello(0, 1) }));
    const shard: RemoteShard = await server.nextShard(0, 5_000);
    const closed = nextMessage<string>((h) => shard.once('close', h));
    ws.send('{"type": "snapshot", trailing garbage');
    expect(await closed).toMatch(/malformed frame \(4002\)/);
    expect(server.malformedFrames).toBe(1);
    expect(server.refusals[0]).toMatch(/shard 0 from 127\.0\.0\.1:\d+ sent a frame that is not a JSON message/);
  });

  it('refuses a first frame that is not a sound hello', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 2 });
    const ws = new WebSocket(server.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, index: 5, of: 2, source: 'hostname', host: 'x' }));
    expect(await closed).toBe(4001);
    expect(server.refusals[0]).toMatch(/"index" 5 is not in 0\.\.1/);
  });

  it('names the shards that never connected', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 3 });
    ports.push(await dialControl({ url: server.url, token: TOKEN, hello: hello(1, 3), warn: silent }));
    await expect(server.waitForShards(300)).rejects.toThrow(/2 of 3 shards never connected .* \(missing: 0, 2\)/);
  });

  it('tells the shard when the controller goes away', async () => {
    server = await ControlServer.open({ token: TOKEN, shards: 1 });
    const port = await dialControl({ url: server.url, token: TOKEN, hello: hello(0, 1), warn: silent });
    await server.nextShard(0, 5_000);
    const gone = nextMessage<void>((h) => port.onDisconnect(h));
    await server.close();
    server = undefined;
    await expect(gone).resolves.toBeUndefined();
  });

  it('serves wss with a certificate, which a shard holding the CA accepts', async () => {
    const ca = await createLoopbackCa();
    const cert = await issueServerCert(ca);
    server = await ControlServer.open({ token: TOKEN, shards: 1, tls: { cert: cert.certPem, key: cert.keyPem } });
    expect(server.url).toMatch(/^wss:\/\//);
    await expect(dialControl({ url: server.url, token: TOKEN, hello: hello(0, 1), warn: silent })).rejects.toThrow(/control channel wss:.*(self.signed|unable to verify|certificate)/i);
    const port = await dialControl({ url: server.url, token: TOKEN, hello: hello(0, 1), ca: ca.certPem, warn: silent });
    ports.push(port);
    const shard = await server.nextShard(0, 5_000);
    const got = nextMessage<ShardToController>((h) => shard.once('message', h));
    port.send({ type: 'fatal', index: 0, code: 'TWL_SHARD_FAILED', message: 'over TLS' });
    expect(await got).toMatchObject({ type: 'fatal', message: 'over TLS' });
  });
});
