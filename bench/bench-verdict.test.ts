import { describe, expect, it } from 'vitest';
import { benchChecks, STEADY_CPU_OVER_FLOOR, type SizeFigures } from './bench-verdict.js';

const floorOk = [
  { name: 'all connections up', value: '10000/10000 (0 failed)', pass: true },
  { name: 'writes/s on schedule (±10 %)', value: '2666.0 vs 2666.7 expected', pass: true },
];

function size(cpu: number, floor: number, edit: Partial<SizeFigures> = {}): SizeFigures {
  return { nodes: 10_000, ready: 10_000, allReady: true, steadyRssPerNodeKB: 55.7, runLagP99Ms: 29.2, cpuPctOfCorePer10k: cpu, floor: { cpuPctOfCorePer10k: floor, checks: floorOk }, ...edit };
}

const cpuCheck = (s: SizeFigures) => benchChecks([s]).find((c) => c.name.includes('steady CPU'))!;

describe('pnpm bench verdict', () => {
  it('judges steady CPU against the floor of the same run, at most 1.25×', () => {
    expect(STEADY_CPU_OVER_FLOOR).toBe(1.25);
    const at = cpuCheck(size(15, 12));
    expect(at).toEqual({ name: '10000 nodes: steady CPU ≤ 1.25× the transport floor measured in this run', value: '15.00 % vs floor 12.00 % of a core per 10k = 1.25×', pass: true });
    // The figures measured before this verdict: 18.6 % over a floor of 12.0 % is 1.55×.
    const then = cpuCheck(size(18.6, 12));
    expect(then.pass).toBe(false);
    expect(then.value).toBe('18.60 % vs floor 12.00 % of a core per 10k = 1.55×');
    expect(cpuCheck(size(15.01, 12)).pass).toBe(false);
  });

  it('passes 18 % on a machine whose floor is 15 %, and fails 11 % where the floor is 8 %: no fixed target', () => {
    expect(cpuCheck(size(18, 15)).pass).toBe(true);
    expect(cpuCheck(size(11, 8)).pass).toBe(false);
  });

  it('fails the CPU check when the floor is not a measure, and says why', () => {
    const broken = size(10, 12, { floor: { cpuPctOfCorePer10k: 12, checks: [...floorOk, { name: 'no connection dropped or errored', value: '3 dropped, 0 errors', pass: false }] } });
    expect(cpuCheck(broken)).toMatchObject({ pass: false, value: '10.00 % of a core per 10k; the floor is not a measure, its checks failed: no connection dropped or errored' });
    expect(cpuCheck(size(10, Number.NaN)).pass).toBe(false);
    expect(cpuCheck(size(10, 0)).value).toContain('no figure (0)');
  });

  it('keeps the other checks: RSS per node, all Ready, event-loop lag, one set per size', () => {
    const checks = benchChecks([size(14, 12), size(14, 12, { nodes: 1000, ready: 999, allReady: false, steadyRssPerNodeKB: 70, runLagP99Ms: 50 })]);
    expect(checks.map((c) => [c.name, c.pass])).toEqual([
      ['10000 nodes: RSS ≤ 64 KB/node (steady)', true],
      ['10000 nodes: all Ready', true],
      ['10000 nodes: event-loop lag p99 < 50 ms (whole run)', true],
      ['10000 nodes: steady CPU ≤ 1.25× the transport floor measured in this run', true],
      ['1000 nodes: RSS ≤ 64 KB/node (steady)', false],
      ['1000 nodes: all Ready', false],
      ['1000 nodes: event-loop lag p99 < 50 ms (whole run)', false],
      ['1000 nodes: steady CPU ≤ 1.25× the transport floor measured in this run', true],
    ]);
  });
});
