/**
 * One run of the transport floor, from the parent: a loopback CA and server certificate, the
 * server process, S client processes opening N/S connections each, a settle wait, and client and
 * server samples at both ends of the steady window. Whatever happens, every child is gone when it
 * returns or throws; on SIGINT/SIGTERM they are killed and the process exits 130.
 */
import { createLoopbackCa, issueServerCert } from '../../sim/cloud/loopback/loopback-ca.js';
import { ExitCodes } from '../../sim/errors.js';
import { FloorChild } from './floor-child.js';
import { TICK_MS, type FloorOptions } from './floor-options.js';
import type { ClientSample, ClientToParent, NegotiatedTls, ParentToClient, ParentToServer, ServerSample, ServerToParent } from './ipc-messages.js';
import { KEEPALIVE_PERIOD_MS, LEASE_PERIOD_MS } from './node-traffic.js';

const SERVER_START_TIMEOUT_MS = 20_000;
const SAMPLE_TIMEOUT_MS = 10_000;
const HANDSHAKE_TIMEOUT_MS = 30_000;

type ServerChild = FloorChild<ParentToServer, ServerToParent>;
type ClientChild = FloorChild<ParentToClient, ClientToParent>;

export interface ClientConnect {
  open: number;
  failed: number;
  seconds: number;
}

export interface FloorRun {
  options: FloorOptions;
  leasePeriodMs: number;
  keepalivePeriodMs: number;
  handshakeTimeoutMs: number;
  /** Connections per client process. */
  shares: number[];
  connect: ClientConnect[];
  tls: NegotiatedTls | undefined;
  clientStart: ClientSample[];
  clientEnd: ClientSample[];
  serverStart: ServerSample;
  serverEnd: ServerSample;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** N connections over S processes as evenly as whole numbers allow. */
export function shareOut(nodes: number, shards: number): number[] {
  return Array.from({ length: shards }, (_, i) => Math.floor(nodes / shards) + (i < nodes % shards ? 1 : 0));
}

let nextSampleId = 1;

async function sampleClient(c: ClientChild): Promise<ClientSample> {
  const id = nextSampleId++;
  // Waiters are registered right after sending: replies come in a later turn of the event loop.
  c.send({ type: 'sample', id });
  return (await c.next((m): m is Extract<ClientToParent, { type: 'sample' }> => m.type === 'sample' && m.id === id, SAMPLE_TIMEOUT_MS, 'sample')).sample;
}

async function sampleServer(s: ServerChild): Promise<ServerSample> {
  const id = nextSampleId++;
  s.send({ type: 'sample', id });
  return (await s.next((m): m is Extract<ServerToParent, { type: 'sample' }> => m.type === 'sample' && m.id === id, SAMPLE_TIMEOUT_MS, 'sample')).sample;
}

async function sampleAll(clients: ClientChild[], server: ServerChild): Promise<{ clients: ClientSample[]; server: ServerSample }> {
  const [server_, ...clients_] = await Promise.all([sampleServer(server), ...clients.map(sampleClient)]);
  return { clients: clients_ as ClientSample[], server: server_ as ServerSample };
}

export async function measureTransportFloor(o: FloorOptions, log: (line: string) => void): Promise<FloorRun> {
  const leasePeriodMs = LEASE_PERIOD_MS * o.timeScale;
  const keepalivePeriodMs = KEEPALIVE_PERIOD_MS * o.timeScale;
  const ca = await createLoopbackCa();
  const cert = await issueServerCert(ca);

  let server: ServerChild | undefined;
  let clients: ClientChild[] = [];
  const interrupt = (): void => {
    server?.kill();
    for (const c of clients) c.kill();
    process.stderr.write('transport floor: interrupted, child processes killed\n');
    process.exit(ExitCodes.Interrupted);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    server = new FloorChild('floor-server', 'floor server process');
    server.send({ type: 'start', config: { certPem: cert.certPem, keyPem: cert.keyPem } });
    const { port } = await server.next((m): m is Extract<ServerToParent, { type: 'ready' }> => m.type === 'ready', SERVER_START_TIMEOUT_MS, 'ready message');

    const shares = shareOut(o.nodes, o.shards);
    clients = shares.map((_, i) => new FloorChild<ParentToClient, ClientToParent>('floor-client', `client process ${i}`));
    // Bounded: the ramp at the configured rate, one handshake timeout for the stragglers, and slack for startup.
    const rampBudgetMs = (Math.max(...shares) / o.connectPerSecond) * 1000 + HANDSHAKE_TIMEOUT_MS + 30_000;
    let firstSeed = 0;
    clients.forEach((c, shard) => {
      const connections = shares[shard]!;
      c.send({
        type: 'start',
        config: {
          shard,
          connections,
          firstSeed,
          port,
          caPem: ca.certPem,
          leasePeriodMs,
          keepalivePeriodMs,
          tickMs: TICK_MS,
          connectPerSecond: o.connectPerSecond,
          handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
          writeChunkBytes: o.writeChunkBytes,
        },
      });
      firstSeed += connections;
    });
    const ramps = clients.map((c) =>
      c.next((m): m is Extract<ClientToParent, { type: 'connected' }> => m.type === 'connected', rampBudgetMs, 'end of its connect ramp'),
    );
    log(`transport floor: ${o.nodes} TLS connections from ${o.shards} client process(es), ${o.connectPerSecond}/s each`);
    const connected = await Promise.all(ramps);
    const open = connected.reduce((a, c) => a + c.open, 0);
    const failed = connected.reduce((a, c) => a + c.failed, 0);
    log(`transport floor: ${open} up, ${failed} failed in ${Math.max(...connected.map((c) => c.seconds)).toFixed(1)} s; settling ${o.settleS} s`);

    await sleep(o.settleS * 1000);
    const start = await sampleAll(clients, server);
    log(`transport floor: steady window ${o.seconds} s`);
    await sleep(o.seconds * 1000);
    const end = await sampleAll(clients, server);
    return {
      options: o,
      leasePeriodMs,
      keepalivePeriodMs,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      shares,
      connect: connected.map(({ open: up, failed: down, seconds }) => ({ open: up, failed: down, seconds })),
      tls: connected.find((c) => c.tls !== undefined)?.tls,
      clientStart: start.clients,
      clientEnd: end.clients,
      serverStart: start.server,
      serverEnd: end.server,
    };
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await Promise.all([...clients.map((c) => c.stop({ type: 'stop' })), server?.stop({ type: 'stop' })]);
  }
}
