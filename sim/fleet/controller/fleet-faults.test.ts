import { describe, expect, it } from 'vitest';
import { emptyFaultCounts, type FaultCounts } from '../../chaos/chaos-counters.js';
import { Fault } from '../../chaos/link-fault.js';
import type { ShardConfig } from '../ipc-messages.js';
import { FleetFaults, type FaultEvent, type FaultablePool } from './fleet-faults.js';
import type { FaultReply, ShardQuestion } from './shard-pool.js';

/** Two shards of 5 nodes each, answering fault commands the way shards do, holding pods per node. */
function fakePool(pods: { before: Record<string, string[]>; after: Record<string, string[]> }) {
  const asked: ShardQuestion[] = [];
  const restarted: Array<{ index: number; config: ShardConfig }> = [];
  const jitter: number[] = [];
  let restarts = 0;
  const counts = (nodes: number): FaultCounts => ({ ...emptyFaultCounts(), nodes, links: nodes, downs: nodes });
  const pool: FaultablePool = {
    nodeCount: 10,
    ask: async (command: ShardQuestion): Promise<Array<FaultReply | undefined>> => {
      asked.push(command);
      if (command.type === 'fault-apply') return [0, 1].map((index) => ({ type: 'fault-applied', index, id: command.id, atMs: 0, counts: counts(2) }));
      return [0, 1].map((index) => ({ type: 'fault-healed', index, id: command.id, atMs: 0, counts: { ...emptyFaultCounts(), ups: 2 } }));
    },
    latestSnapshots: () => [],
    shardsHosting: (first, count) => [0, 1].filter((i) => i * 5 < first + count && first < i * 5 + 5),
    inventory: async (index) => {
      const held = restarts > 0 ? pods.after : pods.before;
      return Object.fromEntries(Object.entries(held).filter(([node]) => Number(node.slice(3)) >= index * 5 && Number(node.slice(3)) < index * 5 + 5));
    },
    restartShard: async (index, beforeStart) => {
      restarts++;
      const config = { index, faults: [] } as unknown as ShardConfig;
      restarted.push({ index, config: beforeStart ? beforeStart(config) : config });
    },
    setReconnectJitter: (ms) => void jitter.push(ms),
  };
  return { pool, asked, restarted, jitter };
}

describe('FleetFaults', () => {
  it('puts a link fault on a span of nodes and heals it, with one event each way', async () => {
    const f = fakePool({ before: {}, after: {} });
    const faults = new FleetFaults(f.pool);
    const events: FaultEvent[] = [];
    faults.on('fault', (e) => events.push(e));
    const started = await faults.inject({ kind: 'link', id: 'offline-1', spec: Fault.down({ dial: 'refuse' }), span: { first: 3, count: 4 } });
    expect(f.asked[0]).toMatchObject({ type: 'fault-apply', id: 'offline-1', selector: { ranges: [[3, 7]] } });
    expect(started).toMatchObject({ id: 'offline-1', action: 'start', nodes: 4 });
    expect(faults.activeLinks()).toEqual([{ id: 'offline-1', spec: started.spec, selector: { ranges: [[3, 7]] } }]);
    const ended = await faults.heal('offline-1');
    expect(ended).toMatchObject({ id: 'offline-1', action: 'end', nodes: 4, counts: { nodes: 4, links: 4, ups: 4 } });
    expect(faults.activeLinks()).toEqual([]);
    expect(events.map((e) => e.action)).toEqual(['start', 'end']);
    expect(await faults.heal('offline-1')).toBeUndefined();
  });

  it('refuses a link fault already in force under the same id', async () => {
    const faults = new FleetFaults(fakePool({ before: {}, after: {} }).pool);
    await faults.applyLink('slow', Fault.delay({ ms: 5 }));
    await expect(faults.applyLink('slow', Fault.delay({ ms: 5 }))).rejects.toMatchObject({ code: 'TWL_CONFIG_INVALID' });
  });

  it('ends a one-shot link fault (reset) as soon as it is applied', async () => {
    const faults = new FleetFaults(fakePool({ before: {}, after: {} }).pool);
    const events: FaultEvent[] = [];
    faults.on('fault', (e) => events.push(e));
    await faults.inject({ kind: 'link', id: 'storm-1', spec: Fault.reset(), span: { first: 0, count: 10 } });
    expect(events.map((e) => e.action)).toEqual(['start', 'end']);
    expect(faults.activeLinks()).toEqual([]);
  });

  it('crashes the shards hosting a span, carries the link faults in force into them and counts lost and duplicated pods', async () => {
    const f = fakePool({
      before: { 'vn-0': ['a', 'b'], 'vn-1': ['c'], 'vn-6': ['d'] },
      after: { 'vn-0': ['a', 'b', 'b'], 'vn-1': [], 'vn-6': ['d', 'e'] },
    });
    const faults = new FleetFaults(f.pool);
    await faults.inject({ kind: 'link', id: 'offline-1', spec: Fault.down({ dial: 'refuse' }), span: { first: 0, count: 2 } });
    const check = await faults.inject({ kind: 'shard-crash', span: { first: 4, count: 3 } });
    expect(f.restarted.map((r) => r.index)).toEqual([0, 1]);
    expect(f.restarted[0]!.config.faults).toEqual([expect.objectContaining({ id: 'offline-1' })]);
    // vn-0: b restored twice (1 duplicate); vn-1: c lost; vn-6: e is new (1 duplicate).
    expect(check).toEqual({ nodes: 3, podsBefore: 4, podsAfter: 5, lost: 1, duplicated: 2 });
  });

  it('sets every node’s reconnect jitter', async () => {
    const f = fakePool({ before: {}, after: {} });
    await new FleetFaults(f.pool).inject({ kind: 'reconnect-jitter', ms: 1500 });
    expect(f.jitter).toEqual([1500]);
  });
});
