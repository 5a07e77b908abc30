import { describe, expect, it } from 'vitest';
import { TwinlabError } from '../errors.js';
import { filesNeeded, nodesWithin, planProcesses, PEER_OPEN_FILES, SHARD_OPEN_FILES } from './open-files-plan.js';
import type { OpenFilesLimit } from './open-files-limit.js';

const limit = (soft: number, hard = soft): OpenFilesLimit => ({ soft, hard, source: '/proc/self/limits' });

function refusal(f: () => unknown): TwinlabError {
  try {
    f();
  } catch (e) {
    if (e instanceof TwinlabError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('open-files budget of one process', () => {
  it('counts one file per node plus its own files and the reconnect share', () => {
    expect(SHARD_OPEN_FILES.fixed).toBe(135);
    expect(filesNeeded(SHARD_OPEN_FILES, 10_000)).toBe(135 + 10_200);
    expect(filesNeeded(PEER_OPEN_FILES, 0)).toBe(113);
  });

  it('fits as many nodes as the soft limit allows and not one more', () => {
    const fit = nodesWithin(SHARD_OPEN_FILES, 20_000);
    expect(fit).toBe(19_475);
    expect(filesNeeded(SHARD_OPEN_FILES, fit)).toBeLessThanOrEqual(20_000);
    expect(filesNeeded(SHARD_OPEN_FILES, fit + 1)).toBeGreaterThan(20_000);
    expect(nodesWithin(SHARD_OPEN_FILES, 135)).toBe(0);
  });
});

describe('planProcesses', () => {
  it('keeps the requested processes when the fleet fits (10,000 nodes in 2 shards under 20,000 files)', () => {
    const plan = planProcesses({ cost: SHARD_OPEN_FILES, nodes: 10_000, requested: 2, explicit: false, limit: limit(20_000) });
    expect(plan).toMatchObject({ processes: 2, perProcess: 5_000, filesPerProcess: 135 + 5_100, spread: false, capacity: 19_475 });
  });

  it('spreads 100,000 nodes over 6 shards when 2 was only the default', () => {
    const plan = planProcesses({ cost: SHARD_OPEN_FILES, nodes: 100_000, requested: 2, explicit: false, limit: limit(20_000) });
    expect(plan.processes).toBe(6);
    expect(plan.perProcess).toBe(16_667);
    expect(plan.filesPerProcess).toBeLessThanOrEqual(20_000);
    expect(plan.spread).toBe(true);
  });

  it('never plans more processes than nodes, and at least one', () => {
    expect(planProcesses({ cost: SHARD_OPEN_FILES, nodes: 3, requested: 8, explicit: false, limit: limit(20_000) }).processes).toBe(3);
    expect(planProcesses({ cost: PEER_OPEN_FILES, nodes: 0, requested: 1, explicit: false, limit: limit(20_000) }).processes).toBe(1);
  });

  it('refuses an explicit --shards that cannot hold the fleet, naming the limit, the numbers and the way out', () => {
    const e = refusal(() => planProcesses({ cost: SHARD_OPEN_FILES, nodes: 100_000, requested: 2, explicit: true, flag: '--shards', limit: limit(20_000) }));
    expect(e.code).toBe('TWL_OPEN_FILES_LIMIT');
    expect(e.message).toContain('--shards 2 cannot hold 100,000 nodes');
    expect(e.message).toContain('19,475 nodes fit in its open-files limit of 20,000');
    expect(e.message).toContain('need at least 6');
    expect(e.message).toContain('pass --shards 6');
    expect(e.message).toContain('raise the hard limit (20,000');
    expect(e.context).toMatchObject({ nodes: 100_000, requested: 2, needed: 6, capacity: 19_475, softLimit: 20_000 });
  });

  it('suggests ulimit -n up to the hard limit when the soft one is lower', () => {
    const e = refusal(() => planProcesses({ cost: SHARD_OPEN_FILES, nodes: 5_000, requested: 1, explicit: true, flag: '--shards', limit: limit(1_024, 65_536) }));
    expect(e.message).toContain('`ulimit -n 65,536`');
    expect(e.context).toMatchObject({ needed: 6, capacity: 871 });
  });

  it('refuses a limit that leaves no room for a single node', () => {
    const e = refusal(() => planProcesses({ cost: PEER_OPEN_FILES, nodes: 10, requested: 1, explicit: false, limit: limit(100) }));
    expect(e.code).toBe('TWL_OPEN_FILES_LIMIT');
    expect(e.message).toMatch(/open-files limit \(100, from \/proc\/self\/limits\) leaves no room for a node in a loopback peer process: it needs 113 files of its own/);
  });

  it('refuses a plan of more than 256 processes', () => {
    const e = refusal(() => planProcesses({ cost: SHARD_OPEN_FILES, nodes: 1_000_000, requested: 2, explicit: false, limit: limit(1_024) }));
    expect(e.message).toContain('would need 1,149 shards');
    expect(e.message).toContain('at most 256');
  });

  it('honours a tighter per-process cap and says which one bit', () => {
    const cap = { nodes: 25_408, why: 'no more than 25,408 connections can reach one port' };
    const plan = planProcesses({ cost: PEER_OPEN_FILES, nodes: 100_000, requested: 1, explicit: false, limit: limit(1_000_000), cap });
    expect(plan.processes).toBe(4);
    expect(plan.capacity).toBe(25_408);
    const e = refusal(() => planProcesses({ cost: PEER_OPEN_FILES, nodes: 100_000, requested: 2, explicit: true, flag: '--peer', limit: limit(1_000_000), cap }));
    expect(e.message).toContain('no more than 25,408 connections can reach one port');
  });
});
