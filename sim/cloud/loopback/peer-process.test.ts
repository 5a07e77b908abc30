import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPeerProcess, type PeerProcessHandle } from './peer-process.js';
import { RawEdgeClient, registerContent } from './raw-edge-client.js';
import { makeTestPki, type TestPki } from './test-certs.js';

let pki: TestPki;
let handle: PeerProcessHandle | undefined;
const clients: RawEdgeClient[] = [];

beforeAll(async () => {
  pki = await makeTestPki();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await handle?.stop();
  handle = undefined;
});

describe('peer process', () => {
  it('starts in its own process, serves the hub, answers commands and stats, stops', async () => {
    handle = await startPeerProcess({
      caPem: pki.caPem,
      serverCertPem: pki.serverCertPem,
      serverKeyPem: pki.serverKeyPem,
      forwardEvents: true,
    });
    expect(handle.pid).not.toBe(process.pid);
    expect(handle.hubUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const registered = new Promise<{ node: string }>((r) => handle!.onEvent('node-registered', r));

    const c = await RawEdgeClient.connect({ url: handle.hubUrl, pki, nodeId: 'vn-1' });
    clients.push(c);
    c.keepalive();
    const req = c.send({ source: 'edged', group: 'meta', operation: 'insert', resource: 'null/node/vn-1' }, registerContent('vn-1'));
    await c.waitFor((m) => m.header.parent_msg_id === req.header.msg_id);
    c.ack(await c.waitFor((m) => m.route.operation === 'update'));
    expect(await registered).toEqual({ node: 'vn-1' });

    const created = await handle.command({ kind: 'createPod', node: 'vn-1', pod: { metadata: { name: 'p' }, spec: { containers: [] } } });
    const ins = await c.waitFor((m) => m.route.resource === 'default/pod/p');
    expect(ins.header.resourceversion).toBe(created.resourceVersion);
    c.ack(ins);

    const nodes = await handle.command({ kind: 'nodes' });
    expect(nodes).toEqual([{ name: 'vn-1', registered: true, ready: true, connected: true }]);
    await expect(handle.command({ kind: 'createPod', node: 'vn-1', pod: { metadata: { name: 'p' } } })).rejects.toThrow(/already exists/);

    await new Promise((r) => setTimeout(r, 50));
    const stats = await handle.stats();
    expect(stats.sessions).toBe(1);
    expect(stats.acks).toBe(2);
    expect(stats.messagesUp.insert).toBe(1);
    expect(stats.memory.rss).toBeGreaterThan(0);

    await handle.stop();
    await expect(handle.stats()).rejects.toThrow();
    handle = undefined;
  });
});
