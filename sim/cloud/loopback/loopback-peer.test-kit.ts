/**
 * Test harness for the loopback peer on the wire: a test PKI made once per file, a peer started by
 * each test and closed after it together with every raw edge client the test opened, and the edge
 * moves the tests repeat (register a node, ACK pushes as metamanager does).
 */
import { afterEach, beforeAll } from 'vitest';
import type { Message } from '../../protocol/kubeedge/message.js';
import { LoopbackPeer, type LoopbackPeerOptions } from './loopback-peer.js';
import { RawEdgeClient, registerContent, type RawEdgeClientOptions } from './raw-edge-client.js';
import { makeTestPki, type TestPki } from './test-certs.js';

/** Peer options besides the certificates, which come from the test PKI. */
export type PeerOptions = Partial<Omit<LoopbackPeerOptions, 'caPem' | 'serverCertPem' | 'serverKeyPem'>>;

export interface ConnectOptions extends Pick<RawEdgeClientOptions, 'connectionUse' | 'clientCert'> {
  /** Send one keepalive right after connecting, as edgecore does (default true). */
  keepalive?: boolean;
}

export interface LoopbackPeerKit {
  readonly pki: TestPki;
  /** The peer the running test started. */
  readonly peer: LoopbackPeer;
  readonly hubUrl: string;
  readonly hubPort: number;
  /** Start this test's peer: the file's defaults, then `options`. */
  start(options?: PeerOptions): Promise<LoopbackPeer>;
  /** A raw edge client connected to this test's peer. */
  connect(nodeId: string, options?: ConnectOptions): Promise<RawEdgeClient>;
}

/** Installs the hooks in the calling test file; `defaults` apply to every peer it starts. */
export function loopbackPeerKit(defaults: PeerOptions = {}): LoopbackPeerKit {
  let pki: TestPki | undefined;
  let started: { peer: LoopbackPeer; hubUrl: string; hubPort: number } | undefined;
  const clients: RawEdgeClient[] = [];

  beforeAll(async () => {
    pki = await makeTestPki();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    const peer = started?.peer;
    started = undefined;
    await peer?.close();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what}: the loopback peer kit has none yet`);
    return value;
  };

  return {
    get pki() {
      return ready(pki, 'pki');
    },
    get peer() {
      return ready(started, 'peer').peer;
    },
    get hubUrl() {
      return ready(started, 'hubUrl').hubUrl;
    },
    get hubPort() {
      return ready(started, 'hubPort').hubPort;
    },
    async start(options: PeerOptions = {}): Promise<LoopbackPeer> {
      const certs = ready(pki, 'pki');
      const peer = new LoopbackPeer();
      // Set before start resolves, so afterEach closes a peer whose start failed halfway.
      started = { peer, hubUrl: '', hubPort: 0 };
      const { hubUrl, hubPort } = await peer.start({ caPem: certs.caPem, serverCertPem: certs.serverCertPem, serverKeyPem: certs.serverKeyPem, ...defaults, ...options });
      started = { peer, hubUrl, hubPort };
      return peer;
    },
    async connect(nodeId: string, options: ConnectOptions = {}): Promise<RawEdgeClient> {
      const { keepalive = true, ...rest } = options;
      const c = await RawEdgeClient.connect({ url: ready(started, 'hubUrl').hubUrl, pki: ready(pki, 'pki'), nodeId, ...rest });
      clients.push(c);
      if (keepalive) c.keepalive();
      return c;
    },
  };
}

/** The node's register request (`insert null/node/<nodeId>`). */
export function registerNode(c: RawEdgeClient): Message {
  return c.send({ source: 'edged', group: 'meta', operation: 'insert', resource: `null/node/${c.nodeId}` }, registerContent(c.nodeId));
}

/** ACK every insert, update and delete pushed down (those `only` accepts), at once, as metamanager does. */
export function ackPushes(c: RawEdgeClient, only: (m: Message) => boolean = () => true): void {
  c.ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString()) as Message;
    if (['insert', 'update', 'delete'].includes(m.route.operation ?? '') && only(m)) c.ack(m);
  });
}
