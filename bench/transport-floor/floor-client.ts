/**
 * Entry point of one transport-floor client process: opens its share of the connections at a
 * bounded rate, then keeps each one's lease and keepalive going on edgecore's schedule from a
 * single 100 ms timer. Reports its CPU, memory and frame counts when the parent asks.
 */
import tls from 'node:tls';
import { phaseOffset } from '../../sim/scheduler/timer-wheel.js';
import { FloorLink, type LinkTally } from './floor-link.js';
import type { ClientConfig, ClientSample, ClientToParent, ParentToClient } from './ipc-messages.js';
import { KEEPALIVE_TEXT, LEASE_TEXT } from './node-traffic.js';
import { PhaseRing } from './phase-ring.js';

const tally: LinkTally & { leaseWrites: number; keepaliveWrites: number } = {
  open: 0,
  failed: 0,
  dropped: 0,
  socketErrors: 0,
  leaseWrites: 0,
  keepaliveWrites: 0,
  ackWrites: 0,
  socketWrites: 0,
  replyReads: 0,
  readCallbacks: 0,
};
const links: FloorLink[] = [];
let timer: NodeJS.Timeout | undefined;
let baselineRssBytes = 0;
let maxTickLagMs = 0;

function post(m: ClientToParent): void {
  process.send?.(m);
}

function start(config: ClientConfig): void {
  const n = config.connections;
  const secureContext = tls.createSecureContext({ ca: config.caPem });
  const phases = (period: number): number[] => Array.from({ length: n }, (_, i) => phaseOffset(config.firstSeed + i, period));
  const leases = new PhaseRing(phases(config.leasePeriodMs), config.leasePeriodMs);
  const keepalives = new PhaseRing(phases(config.keepalivePeriodMs), config.keepalivePeriodMs);
  const fireLease = (i: number): void => {
    const link = links[i];
    if (link?.isUp) {
      tally.leaseWrites++;
      link.sendText(LEASE_TEXT);
    }
  };
  const fireKeepalive = (i: number): void => {
    const link = links[i];
    if (link?.isUp) {
      tally.keepaliveWrites++;
      link.sendText(KEEPALIVE_TEXT);
    }
  };

  // A tick's share of the connect rate: a burst that small finishes its handshakes within the tick.
  const dialsPerTick = Math.max(1, Math.round((config.connectPerSecond * config.tickMs) / 1000));
  const origin = performance.now();
  let settled = 0;
  const onSettled = (): void => {
    if (++settled < n) return;
    const seconds = (performance.now() - origin) / 1000;
    const negotiated = links.find((l) => l.isUp)?.negotiated();
    post({ type: 'connected', open: tally.open, failed: tally.failed, seconds, tls: negotiated });
  };
  baselineRssBytes = process.memoryUsage().rss;
  let lastTickAt = origin;
  const tick = (): void => {
    const now = performance.now();
    maxTickLagMs = Math.max(maxTickLagMs, now - lastTickAt - config.tickMs);
    lastTickAt = now;
    for (let k = 0; k < dialsPerTick && links.length < n; k++) {
      links.push(
        new FloorLink({
          port: config.port,
          secureContext,
          handshakeTimeoutMs: config.handshakeTimeoutMs,
          writeChunkBytes: config.writeChunkBytes,
          tally,
          onSettled,
        }),
      );
    }
    // Only the frames due by now: a connection not up yet lets its turn pass.
    const elapsed = now - origin;
    leases.advance(elapsed, fireLease);
    keepalives.advance(elapsed, fireKeepalive);
  };
  timer = setInterval(tick, config.tickMs);
  if (n === 0) post({ type: 'connected', open: 0, failed: 0, seconds: 0, tls: undefined });
}

function sample(): ClientSample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const { failed: _failed, ...counts } = tally;
  const s: ClientSample = {
    atMs: performance.now(),
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    baselineRssBytes,
    ...counts,
    maxTickLagMs: Math.max(0, maxTickLagMs),
  };
  maxTickLagMs = 0;
  return s;
}

function stop(): never {
  if (timer !== undefined) clearInterval(timer);
  for (const link of links) link.close();
  process.exit(0);
}

process.on('message', (m: ParentToClient) => {
  switch (m.type) {
    case 'start':
      try {
        start(m.config);
      } catch (e) {
        post({ type: 'fatal', error: e instanceof Error ? e.message : String(e) });
        process.exit(1);
      }
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
