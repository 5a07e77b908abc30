/**
 * Link faults on a fleet end to end: 20 virtual nodes in two shard processes against the loopback
 * peer over real TLS, faults applied to groups over IPC. Edge timings are shortened (keepalive
 * 0.5 s, redial sleep 0.5 s) and the peer's keepalive timeout is 1.5 s, so every outage and
 * recovery takes seconds. A harness self-test, not a KubeEdge measurement.
 */
import 'reflect-metadata';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fault } from '../../sim/chaos/link-fault.js';
import { startLoopbackControlPlane, type LoopbackControlPlane } from '../../sim/cloud/loopback/loopback-control-plane.js';
import { DEFAULT_PROJECT_ID } from '../../sim/protocol/kubeedge/message.js';
import { DEFAULT_KUBEEDGE_VERSION } from '../../sim/edge/version-profile.js';
import { FleetController } from '../../sim/fleet/controller/fleet-controller.js';
import type { FaultEvent } from '../../sim/fleet/controller/fleet-faults.js';
import { nodeName } from '../../sim/fleet/ipc-messages.js';
import { done, notYet, waitFor } from './support/wait-for.js';

const NODES = 20;
const PREFIX = 'cf';

let cloud: LoopbackControlPlane;
let fleet: FleetController;
const faultEvents: FaultEvent[] = [];

beforeAll(async () => {
  cloud = await startLoopbackControlPlane({ nodeLimit: 100, kubeedgeVersion: DEFAULT_KUBEEDGE_VERSION, keepaliveTimeoutMs: 1500 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-chaos-'));
  fleet = await FleetController.start({
    nodes: NODES,
    shards: 2,
    rampPerSecond: 200,
    namePrefix: PREFIX,
    cloudhubUrl: cloud.cloudhubUrl,
    certsUrl: cloud.certsUrl,
    token: cloud.token,
    certs: 'shared',
    certCacheDir: path.join(dir, 'certs'),
    dataDir: path.join(dir, 'shards'),
    kubeedgeVersion: DEFAULT_KUBEEDGE_VERSION,
    projectId: DEFAULT_PROJECT_ID,
    podStartupDelayMs: 0,
    reconnectJitterMs: 0,
    snapshotIntervalMs: 200,
    timings: { keepaliveMs: 500, reconnectSleepMs: 500, dialIntervalMs: 200, handshakeTimeoutMs: 2000, leaseMs: 1000, statusSyncMs: 1000 },
  });
  fleet.faults.on('fault', (e) => faultEvents.push(e));
  await allReady('the fleet to join');
}, 60_000);

afterAll(async () => {
  await fleet?.stop(false);
  await cloud?.stop();
});

/** Which nodes the peer has a live session for. */
async function peerConnected(): Promise<Set<string>> {
  const nodes = await cloud.peer.command({ kind: 'nodes' });
  return new Set(nodes.filter((n) => n.connected).map((n) => n.name));
}

function names(indices: number[]): string[] {
  return indices.map((i) => nodeName(PREFIX, i));
}

async function allReady(what: string): Promise<void> {
  await waitFor(
    what,
    async () => {
      const t = fleet.shards.totals();
      const peer = await peerConnected();
      return t.states.ready === NODES && peer.size === NODES ? done(true) : notYet({ ready: t.states.ready, peer: peer.size });
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

describe('link faults on a fleet (loopback peer, two shard processes)', () => {
  it('down: the group disconnects and its redials are refused while the rest stays connected; healed, it comes back Ready', async () => {
    // Nodes 8–12 straddle the two shards (0–9 and 10–19).
    const group = [8, 9, 10, 11, 12];
    const started = await fleet.faults.applyLink('offline', Fault.down({ dial: 'refuse' }), { ranges: [[8, 13]] });
    expect(started).toMatchObject({ id: 'offline', action: 'start', nodes: 5, counts: { nodes: 5, links: 5, resets: 5 } });
    await waitFor(
      'the group to be refused',
      async () => {
        const chaos = fleet.faults.chaosTotals();
        const peer = await peerConnected();
        const t = fleet.shards.totals();
        const groupGone = names(group).every((n) => !peer.has(n));
        return groupGone && peer.size === NODES - 5 && chaos.dialsRefused >= 5 && t.connected === NODES - 5
          ? done(true)
          : notYet({ refused: chaos.dialsRefused, peer: peer.size, connected: t.connected });
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(fleet.faults.chaosTotals()).toMatchObject({ faultsActive: 1, nodesFaulted: 5 });
    expect(fleet.shards.totals().connectFailures).toBeGreaterThanOrEqual(5);

    const ended = await fleet.faults.heal('offline');
    expect(ended).toMatchObject({ id: 'offline', action: 'end', nodes: 5, counts: { downs: 5, ups: 5 } });
    expect(ended!.counts.dialsRefused).toBeGreaterThanOrEqual(5);
    await allReady('the group to come back');
    expect(fleet.faults.chaosTotals()).toMatchObject({ faultsActive: 0, nodesFaulted: 0 });
  });

  it('stall: the peer’s keepalive timeout drops the stalled nodes while their edge sockets stay open; healed, they reconnect', async () => {
    const before = await cloud.peer.stats();
    await fleet.faults.applyLink('blackhole', Fault.blackhole(), { nodes: [0, 19] });
    await waitFor(
      'the peer to time the stalled nodes out',
      async () => {
        const stats = await cloud.peer.stats();
        return stats.keepaliveTimeouts - before.keepaliveTimeouts >= 2 && stats.sessions === NODES - 2
          ? done(true)
          : notYet({ timeouts: stats.keepaliveTimeouts - before.keepaliveTimeouts, sessions: stats.sessions });
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const peer = await peerConnected();
    expect(names([0, 19]).some((n) => peer.has(n))).toBe(false);
    // The edge has noticed nothing: every socket is still open there, and the stalled nodes' keepalives are held.
    await new Promise((r) => setTimeout(r, 400));
    expect(fleet.shards.totals().connected).toBe(NODES);
    expect(fleet.faults.chaosTotals().heldBytesOut).toBeGreaterThan(0);

    const ended = await fleet.faults.heal('blackhole');
    expect(ended?.counts).toMatchObject({ nodes: 2, links: 2 });
    await allReady('the stalled nodes to reconnect');
    expect(fleet.faults.chaosTotals()).toMatchObject({ heldBytesOut: 0, heldBytesIn: 0 });
  });

  it('flap with probability 1 toggles the group every cycle and counts the transitions', async () => {
    await fleet.faults.applyLink('flap', Fault.flap({ downMs: 300, upMs: 700, probability: 1, sync: true }), { ranges: [[2, 6]] });
    await waitFor(
      'two flap cycles',
      () => {
        const f = fleet.faults.chaosTotals().faults.flap;
        return f && f.downs >= 8 && f.ups >= 4 ? done(f) : notYet(f ?? 'no counts yet');
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const ended = await fleet.faults.heal('flap');
    expect(ended!.counts.downs).toBeGreaterThanOrEqual(8);
    // The heal brings down nodes back up: every down has its up.
    expect(ended!.counts.ups).toBe(ended!.counts.downs);
    expect(ended!.counts.resets).toBeGreaterThanOrEqual(4);
    await allReady('the flapped nodes to settle');
  });

  it('storm: a reset of every link starts and ends at once; all nodes come back', async () => {
    const started = await fleet.faults.applyLink('storm', Fault.reset());
    expect(started).toMatchObject({ nodes: NODES, counts: { links: NODES, resets: NODES } });
    expect(faultEvents.filter((e) => e.id === 'storm').map((e) => e.action)).toEqual(['start', 'end']);
    await allReady('the storm to pass');
  });

  it('a shard refusal rejects with its code; the run’s result lists every fault in start order', async () => {
    await expect(fleet.faults.applyLink('bad', { kind: 'delay', ms: -1, jitterMs: 0, direction: 'in' })).rejects.toThrow(/ms/);
    await fleet.faults.applyLink('still-on', Fault.delay({ ms: 5 }), { nodes: [3] });
    const result = await fleet.stop(true);
    expect(result.faults?.map((f) => [f.id, f.detail, f.endedAtMs === null])).toEqual([
      ['offline', 'down, link reset, dials refused', false],
      ['blackhole', 'stall both', false],
      ['flap', 'flap 300 ms down / 700 ms up, p=1, dials refused, in sync', false],
      ['storm', 'reset', false],
      ['still-on', 'delay 5 ms both', true],
    ]);
    expect(faultEvents.map((e) => `${e.id}:${e.action}`)).toEqual([
      'offline:start', 'offline:end', 'blackhole:start', 'blackhole:end', 'flap:start', 'flap:end', 'storm:start', 'storm:end', 'still-on:start',
    ]);
    for (const e of faultEvents) expect(e.atMs).toBeGreaterThan(0);
  });
});
