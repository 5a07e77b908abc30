/**
 * Entry point of the transport floor's server process: a TLS server on 127.0.0.1 that answers
 * each lease frame with one Lease-sized reply frame and reads everything else without answering.
 * Raw WebSocket frames inside TLS, no upgrade: the upgrade is a one-time cost outside the steady
 * window. It runs in its own process so the client processes' CPU is the transport's alone.
 */
import tls, { type TLSSocket } from 'node:tls';
import { ClientFrameScanner } from './client-frame-scanner.js';
import type { ParentToServer, ServerConfig, ServerSample, ServerToParent } from './ipc-messages.js';
import { ACK_PAYLOAD_BYTES, KEEPALIVE_PAYLOAD_BYTES, REPLY_THRESHOLD_BYTES, replyFrame } from './node-traffic.js';

const REPLY = replyFrame();

const counts = { connections: 0, leasesIn: 0, acksIn: 0, keepalivesIn: 0, otherIn: 0, repliesOut: 0, socketErrors: 0 };
const sockets = new Set<TLSSocket>();
let server: tls.Server | undefined;

function post(m: ServerToParent): void {
  process.send?.(m);
}

function serve(socket: TLSSocket): void {
  counts.connections++;
  sockets.add(socket);
  socket.setNoDelay(true);
  const scanner = new ClientFrameScanner((length) => {
    if (length >= REPLY_THRESHOLD_BYTES) {
      counts.leasesIn++;
      counts.repliesOut++;
      socket.write(REPLY);
    } else if (length === ACK_PAYLOAD_BYTES) counts.acksIn++;
    else if (length === KEEPALIVE_PAYLOAD_BYTES) counts.keepalivesIn++;
    else counts.otherIn++;
  });
  socket.on('data', (chunk: Buffer) => scanner.push(chunk));
  socket.on('error', () => counts.socketErrors++);
  socket.once('close', () => {
    counts.connections--;
    sockets.delete(socket);
  });
}

function start(config: ServerConfig): void {
  const s = tls.createServer({ cert: config.certPem, key: config.keyPem }, serve);
  server = s;
  // A failed handshake is a client's problem to count; the server goes on.
  s.on('tlsClientError', () => counts.socketErrors++);
  s.once('error', (e: Error) => {
    post({ type: 'fatal', error: e.message });
    process.exit(1);
  });
  // A backlog above the default 511: clients open connections in bursts of one tick's share.
  s.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
    const address = s.address();
    if (address === null || typeof address === 'string') {
      post({ type: 'fatal', error: 'server has no TCP address' });
      process.exit(1);
    }
    post({ type: 'ready', port: address.port });
  });
}

function sample(): ServerSample {
  const cpu = process.cpuUsage();
  return { atMs: performance.now(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system, ...counts };
}

function stop(): never {
  server?.close();
  for (const s of sockets) s.destroy();
  process.exit(0);
}

process.on('message', (m: ParentToServer) => {
  switch (m.type) {
    case 'start':
      start(m.config);
      return;
    case 'sample':
      post({ type: 'sample', id: m.id, sample: sample() });
      return;
    case 'stop':
      stop();
  }
});
// The parent is gone: nobody will ever stop us otherwise.
process.on('disconnect', stop);
