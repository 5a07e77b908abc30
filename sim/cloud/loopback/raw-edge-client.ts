/**
 * Test-only: a bare WebSocket client speaking just enough of the edge side to poke the loopback
 * peer (send raw messages, collect what comes down, ACK by hand). Not a virtual node.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { DEFAULT_PROJECT_ID, type Message } from '../../protocol/kubeedge/message.js';
import type { TestPki } from './test-certs.js';

export interface RawEdgeClientOptions {
  url: string;
  pki: TestPki;
  nodeId: string;
  /** Send `ConnectionUse: msg` (default true). */
  connectionUse?: boolean;
  /** Present the client certificate (default true). */
  clientCert?: boolean;
}

export interface Received {
  message: Message;
  /** Raw text as it arrived (reassembled). */
  text: string;
  at: number;
}

export class RawEdgeClient {
  readonly received: Received[] = [];
  /** Frame count per received message is not visible through ws; the socket's raw bytes are. */
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket, readonly nodeId: string) {
    ws.on('message', (data: WebSocket.RawData) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const text = buf.toString('utf8');
      this.received.push({ message: JSON.parse(text) as Message, text, at: Date.now() });
      this.wake();
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  static connect(opts: RawEdgeClientOptions): Promise<RawEdgeClient> {
    const headers: Record<string, string> = { node_id: opts.nodeId, project_id: DEFAULT_PROJECT_ID };
    if (opts.connectionUse ?? true) headers.ConnectionUse = 'msg';
    const ws = new WebSocket(`${opts.url}/${DEFAULT_PROJECT_ID}/${opts.nodeId}/events`, {
      headers,
      ca: opts.pki.caPem,
      ...(opts.clientCert ?? true ? { cert: opts.pki.clientCertPem, key: opts.pki.clientKeyPem } : {}),
      perMessageDeflate: false,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawEdgeClient(ws, opts.nodeId)));
      ws.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(route: Message['route'], content: unknown, header: Partial<Message['header']> = {}): Message {
    const m: Message = { header: { msg_id: randomUUID(), timestamp: Date.now(), ...header }, route, content };
    this.ws.send(JSON.stringify(m) + '\n');
    return m;
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  keepalive(): Message {
    return this.send({ source: 'websocket', group: 'resource', operation: 'keepalive', resource: 'node' }, 'ping');
  }

  /** ACK a downstream message as metamanager does. */
  ack(m: Message): Message {
    return this.send(
      { source: m.route.source, group: m.route.group, operation: 'response', resource: m.route.resource },
      'OK',
      { parent_msg_id: m.header.msg_id },
    );
  }

  /** Wait until a received message (from index `from`) matches; resolves with it. */
  async waitFor(pred: (m: Message) => boolean, timeoutMs = 3000, from = 0): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.received.length; i++) {
        const r = this.received[i]!;
        if (pred(r.message)) return r.message;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a message on ${this.nodeId}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait until the socket closes; resolves false on timeout. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  messages(): Message[] {
    return this.received.map((r) => r.message);
  }

  close(): void {
    this.ws.terminate();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The register request as in the protocol doc §13 step 5 (labels incl. node-role.kubernetes.io/edge). */
export function registerContent(name: string, ready = true): Record<string, unknown> {
  return {
    metadata: {
      name,
      creationTimestamp: null,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/edge': '',
        'node-role.kubernetes.io/agent': '',
      },
    },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastHeartbeatTime: '2025-01-01T00:00:00Z',
          lastTransitionTime: '2025-01-01T00:00:00Z',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.10-kubeedge-v1.23.1' },
    },
  };
}
