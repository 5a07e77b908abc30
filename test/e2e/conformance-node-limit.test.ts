/**
 * cloudHub.nodeLimit against the real cloudcore v1.23.1, with the limit at 1: the first node takes
 * the only slot; a second node's WebSocket is accepted and stays open but nothing is ever sent
 * down (its register gets no reply); and at the limit even a second connection under the
 * connected node's own node_id is refused rather than taking over. Own control plane, because the
 * limit is fixed at cloudcore start. Skips visibly when no real control plane can be had.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeShard, firstNodeName, type EdgeShardOptions } from './support/edge-shard.js';
import { Kube, readyCondition } from './support/kube.js';
import { START_TIMEOUT_MS, skipReason, startRealCloud, type RealCloud } from './support/real-control-plane.js';
import { done, holdsFor, notYet, waitFor } from './support/wait-for.js';

if (skipReason) console.warn(`[conformance node-limit e2e] SKIPPED: ${skipReason}`);

const NODE_LIMIT = 1;
const FIRST: EdgeShardOptions = { dir: 'first', namePrefix: 'lim', firstNode: 1 };
const OVER: EdgeShardOptions = { dir: 'over', namePrefix: 'lim', firstNode: 2 };
const FIRST_AGAIN: EdgeShardOptions = { dir: 'first-again', namePrefix: 'lim', firstNode: 1 };
const FIRST_NAME = firstNodeName(FIRST);
const OVER_NAME = firstNodeName(OVER);
/** How long "nothing is sent down" is watched. The cloud answers a served node within ~100 ms. */
const SILENCE_MS = 8_000;

describe.skipIf(skipReason !== '')(
  skipReason ? `conformance: cloudHub.nodeLimit (skipped: ${skipReason})` : `conformance: cloudHub.nodeLimit ${NODE_LIMIT} on real cloudcore v1.23.1`,
  () => {
    let cloud: RealCloud;
    let kube: Kube;
    const shards: EdgeShard[] = [];

    beforeAll(async () => {
      cloud = await startRealCloud('node-limit', NODE_LIMIT);
      kube = new Kube(cloud.cp.kubeconfigPath);
    }, START_TIMEOUT_MS);

    afterAll(async () => {
      for (const s of shards) await s.stop(false).catch(() => undefined);
      await cloud?.stop();
    }, 60_000);

    const start = async (opts: EdgeShardOptions): Promise<EdgeShard> => {
      const s = await EdgeShard.start(cloud, opts);
      shards.push(s);
      return s;
    };

    it(`9a. the first node takes the only slot (nodeLimit ${NODE_LIMIT}) and is Ready`, async () => {
      const first = await start(FIRST);
      await waitFor('the first node to register', () => (first.node.isRegistered ? done(true) : notYet(first.node.state)), { timeoutMs: 30_000 });
      await waitFor(
        `Node ${FIRST_NAME} Ready`,
        async () => {
          const n = await kube.node(FIRST_NAME);
          return readyCondition(n) === 'True' ? done(true) : notYet(n?.status?.conditions ?? 'no Node');
        },
        { timeoutMs: 20_000 },
      );
      expect(await cloud.connectedNodes()).toBe(NODE_LIMIT);
    });

    it('9b. node N+1: the socket is accepted and stays open, but nothing is sent down (its register gets no reply)', async () => {
      const over = await start(OVER);
      await waitFor('the over-limit socket to open', () => (over.node.isConnected ? done(true) : notYet({ state: over.node.state, warnings: over.warnings() })), {
        timeoutMs: 30_000,
      });
      const sentAtOpen = over.counters;
      // It said something the cloud should answer: the register (plus the keepalive).
      expect(sentAtOpen.sent['insert\tnode']).toBe(1);
      expect(sentAtOpen.sent['keepalive\tnode']).toBeGreaterThanOrEqual(1);
      await holdsFor(
        'an open socket with nothing received',
        () => {
          const c = over.counters;
          if (!over.node.isConnected) return `socket closed (disconnects ${c.disconnects})`;
          if (c.bytesReceived !== 0) return `received ${JSON.stringify(c.received)}`;
          return undefined;
        },
        SILENCE_MS,
      );
      expect(over.node.isRegistered).toBe(false);
      expect(over.node.unansweredNow).toBe(1);
      expect(cloud.cloudcoreLog(new RegExp(`Fail to serve node ${OVER_NAME}, reach node limit`)).length).toBe(1);
      expect(await cloud.connectedNodes()).toBe(NODE_LIMIT);
      // cloudcore still reads the refused socket and dispatches what it reads: the register reaches
      // edgecontroller and creates the Node although its reply is never delivered.
      const node = await kube.node(OVER_NAME);
      expect(node?.metadata?.labels?.['node-role.kubernetes.io/edge']).toBe('');
    });

    it('9c. at the limit, a second connection under the connected node_id is refused too (no takeover)', async () => {
      const first = shards[0];
      if (!first) throw new Error('9a did not start the first node');
      const again = await start(FIRST_AGAIN);
      await waitFor('the second socket to open', () => (again.node.isConnected ? done(true) : notYet(again.node.state)), { timeoutMs: 30_000 });
      await holdsFor(
        'the first socket served and the second silent',
        () => {
          if (first.counters.disconnects !== 0 || !first.node.isConnected) return 'the first socket was closed';
          if (again.counters.bytesReceived !== 0) return `the second received ${JSON.stringify(again.counters.received)}`;
          return undefined;
        },
        5_000,
      );
      expect(cloud.cloudcoreLog(new RegExp(`Fail to serve node ${FIRST_NAME}, reach node limit`)).length).toBe(1);
      expect(cloud.cloudcoreLog(/session exists for/).length).toBe(0);
    });
  },
);
