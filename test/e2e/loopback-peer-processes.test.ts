/**
 * The loopback peer spread over several processes because one would run out of files: with the
 * open-files budget forced down to 150 (TWINLAB_OPEN_FILES_LIMIT), 40 nodes need two peer
 * processes and three shards. Every node must reach Ready, each peer process must hold only its
 * own nodes' sockets, and a command for a node must reach the process holding it. A harness
 * self-test over real TLS and real child processes, not a KubeEdge measurement.
 */
import 'reflect-metadata';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPeerProcesses, startLoopbackControlPlane, type LoopbackControlPlane } from '../../sim/cloud/loopback/loopback-control-plane.js';
import { DEFAULT_PROJECT_ID } from '../../sim/protocol/kubeedge/message.js';
import { DEFAULT_KUBEEDGE_VERSION } from '../../sim/edge/version-profile.js';
import { Fault } from '../../sim/chaos/link-fault.js';
import { FleetController } from '../../sim/fleet/controller/fleet-controller.js';
import { planShardProcesses } from '../../sim/fleet/controller/shard-pool.js';
import { nodeName } from '../../sim/fleet/ipc-messages.js';
import { childOpenFilesLimit, OPEN_FILES_LIMIT_ENV } from '../../sim/util/open-files-limit.js';
import { hubSpreadIndex } from '../../sim/util/hub-spread.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { done, notYet, waitFor } from './support/wait-for.js';

const NODES = 40;
const PREFIX = 'mp';
const FORCED_LIMIT = '150';

describe('loopback peer over several processes (open-files budget forced to 150)', () => {
  let cloud: LoopbackControlPlane;
  let fleet: FleetController;
  const limit = childOpenFilesLimit({ [OPEN_FILES_LIMIT_ENV]: FORCED_LIMIT });
  const peerPlan = planPeerProcesses(NODES, limit, undefined);
  const shardPlan = planShardProcesses(NODES, 1, false, limit);

  beforeAll(async () => {
    cloud = await startLoopbackControlPlane({ nodeLimit: 100, kubeedgeVersion: DEFAULT_KUBEEDGE_VERSION, processes: peerPlan.processes, forwardEvents: true, keepaliveTimeoutMs: 1500 });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-peers-'));
    fleet = await FleetController.start({
      nodes: NODES,
      shards: shardPlan.processes,
      rampPerSecond: 200,
      namePrefix: PREFIX,
      cloudhubUrl: cloud.cloudhubUrl,
      cloudhubUrls: [...cloud.hubUrls],
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
      // Short edge timings so that a reconnect takes a second, not edgehub's 30 s sleep.
      timings: { keepaliveMs: 500, reconnectSleepMs: 500, dialIntervalMs: 200, handshakeTimeoutMs: 2000, leaseMs: 1000, statusSyncMs: 1000 },
    });
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop(false);
    await cloud?.stop();
  });

  it('plans two peer processes and three shards for 40 nodes', () => {
    expect(peerPlan).toMatchObject({ processes: 2, capacity: 36, perProcess: 20 });
    expect(shardPlan).toMatchObject({ processes: 3, capacity: 14, spread: true });
    expect(fleet.shards.shardCount).toBe(3);
    expect(cloud.hubUrls).toHaveLength(2);
    expect(new Set(cloud.hubUrls).size).toBe(2);
    expect(cloud.processes.map((p) => p.name)).toEqual(['loopback-peer-0', 'loopback-peer-1']);
    expect(new Set(cloud.peer.pids).size).toBe(2);
  });

  it('brings every node to Ready, each on the peer process its name maps to', async () => {
    const nodes = await waitFor(
      'all 40 nodes Ready on the peer',
      async () => {
        const all = await cloud.peer.command({ kind: 'nodes' });
        const ready = all.filter((n) => n.ready && n.connected).length;
        return ready === NODES && fleet.shards.totals().states.ready === NODES ? done(all) : notYet({ peerReady: ready, fleetReady: fleet.shards.totals().states.ready });
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(nodes.map((n) => n.name).sort()).toEqual(Array.from({ length: NODES }, (_, i) => nodeName(PREFIX, i)));
    const each = await cloud.peer.statsEach();
    // Each process holds its own half of the sockets, and only those.
    expect(each.map((s) => s.sessions)).toEqual([20, 20]);
    expect(each.map((s) => s.connections)).toEqual([20, 20]);
    const sum = await cloud.peer.stats();
    expect(sum.sessions).toBe(NODES);
    // Counters only grow and RSS moves between the two reads, so the sum is checked as a sum, not to the byte.
    expect(sum.messagesUp.insert).toBeGreaterThanOrEqual(each[0]!.messagesUp.insert! + each[1]!.messagesUp.insert!);
    expect(sum.memory.rss).toBeGreaterThan(Math.max(each[0]!.memory.rss, each[1]!.memory.rss) * 1.5);
  }, 40_000);

  it('delivers a command for a node to the process that holds it, in each process', async () => {
    const targets = [0, 1].map((k) => Array.from({ length: NODES }, (_, i) => nodeName(PREFIX, i)).find((n) => hubSpreadIndex(n, 2) === k)!);
    const running = new Set<string>();
    cloud.peer.onEvent('pod-running', (p) => running.add(`${p.node}/${p.name}`));
    for (const [k, node] of targets.entries()) {
      await cloud.peer.command({ kind: 'createPod', node, pod: { metadata: { name: `pod-${k}` }, spec: { containers: [{ name: 'c', image: 'pause' }] } } });
    }
    await waitFor(
      'both pods Running',
      () => (running.size === 2 ? done(true) : notYet([...running])),
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect([...running].sort()).toEqual([`${targets[0]}/pod-0`, `${targets[1]}/pod-1`]);
    // The pod lives only where its node is; a change to it is routed there.
    expect(await cloud.peer.command({ kind: 'updatePod', namespace: 'default', name: 'pod-1', change: { metadata: { labels: { a: 'b' } } } })).not.toBeNull();
    expect(await cloud.peer.command({ kind: 'updatePod', namespace: 'default', name: 'no-such-pod', change: {} })).toBeNull();
    const each = await cloud.peer.statsEach();
    expect(each.map((s) => s.messagesDown.insert ?? 0).every((n) => n >= 1)).toBe(true);
  }, 30_000);

  it('after every link is reset, each node reconnects to the process that holds its state', async () => {
    const before = await cloud.peer.statsEach();
    await fleet.faults.applyLink('storm', Fault.reset());
    const nodes = await waitFor(
      'all 40 nodes back',
      async () => {
        const all = await cloud.peer.command({ kind: 'nodes' });
        const back = all.filter((n) => n.ready && n.connected).length;
        const each = await cloud.peer.statsEach();
        const redialled = each.every((s, k) => s.connectionsTotal >= before[k]!.connectionsTotal + 20);
        return back === NODES && redialled && fleet.shards.totals().states.ready === NODES ? done(all) : notYet({ back, fleetReady: fleet.shards.totals().states.ready });
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // A node that landed on the other process would show there as connected but unregistered,
    // and here as registered but gone: every name appears once, registered, Ready and connected.
    expect(nodes).toHaveLength(NODES);
    expect(nodes.every((n) => n.registered && n.ready && n.connected)).toBe(true);
    const after = await cloud.peer.statsEach();
    expect(after.map((s) => s.sessions)).toEqual([20, 20]);
    // The pods are still where their nodes are.
    expect(await cloud.peer.command({ kind: 'updatePod', namespace: 'default', name: 'pod-0', change: { metadata: { labels: { after: 'storm' } } } })).not.toBeNull();
  }, 30_000);
});

describe('pnpm sim --cloud loopback with the open-files budget forced to 150', () => {
  it('spreads 40 nodes over two peer processes and three shards, and runs a pod on every node', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-peers-run-'));
    const lines: string[] = [];
    const before = process.env[OPEN_FILES_LIMIT_ENV];
    process.env[OPEN_FILES_LIMIT_ENV] = FORCED_LIMIT;
    try {
      const options = parseSimOptions([
        '--cloud', 'loopback',
        '--nodes', String(NODES),
        '--duration', '12s',
        '--ramp', '200',
        '--certs', 'shared',
        '--pods-per-node', '1',
        '--pod-rate', '100',
        // The spread is under test, not the pod latency of a shared machine: a looser bound than the 5 s default.
        '--slo', 'pod_startup_ms: p(99)<=30000',
        '--metrics-port', '0',
        '--progress', 'off',
        '--cert-cache', path.join(dir, 'certs'),
        '--out', path.join(dir, 'run'),
      ]);
      const result = await runSim(options, (l) => lines.push(l));
      const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
      expect(result.exitCode).toBe(0);
      expect(lines.join('\n')).toMatch(/the loopback peer runs as 2 processes of up to 20 nodes each/);
      expect(lines.join('\n')).toMatch(/40 nodes need 3 shards/);
      expect(s.harness.shards).toBe(3);
      expect(s.nodes.ready).toBe(NODES);
      expect(s.pods.created).toBe(NODES);
      expect(s.pods.running).toBe(NODES);
      expect(s.messages.unanswered).toBe(0);
    } finally {
      if (before === undefined) delete process.env[OPEN_FILES_LIMIT_ENV];
      else process.env[OPEN_FILES_LIMIT_ENV] = before;
    }
  }, 90_000);

  it('refuses an explicit --shards that the budget cannot hold, before anything starts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-peers-refuse-'));
    const before = process.env[OPEN_FILES_LIMIT_ENV];
    process.env[OPEN_FILES_LIMIT_ENV] = FORCED_LIMIT;
    try {
      const options = parseSimOptions(['--cloud', 'loopback', '--nodes', String(NODES), '--shards', '2', '--duration', '5s', '--metrics-port', '0', '--progress', 'off', '--out', path.join(dir, 'run')]);
      const result = await runSim(options, () => undefined);
      const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
      expect(result.exitCode).toBe(1);
      expect(s.error?.code).toBe('TWL_OPEN_FILES_LIMIT');
      expect(s.error?.message).toContain('--shards 2 cannot hold 40 nodes');
      expect(s.error?.message).toContain('pass --shards 3');
      expect(s.nodes.connected).toBe(0);
    } finally {
      if (before === undefined) delete process.env[OPEN_FILES_LIMIT_ENV];
      else process.env[OPEN_FILES_LIMIT_ENV] = before;
    }
  }, 30_000);
});
