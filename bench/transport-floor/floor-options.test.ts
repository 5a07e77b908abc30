import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../sim/errors.js';
import { parseFloorOptions } from './floor-options.js';

const NOW = new Date('2026-01-02T03:04:05.678Z');

function rejection(argv: string[]): ConfigInvalidError {
  try {
    parseFloorOptions(argv, NOW, 2);
  } catch (e) {
    if (e instanceof ConfigInvalidError) return e;
    throw e;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('parseFloorOptions', () => {
  it('defaults to 10k nodes over one client process per core, 15 s settle, 60 s window, real periods', () => {
    expect(parseFloorOptions([], NOW, 2)).toEqual({
      nodes: 10_000,
      shards: 2,
      settleS: 15,
      seconds: 60,
      timeScale: 1,
      writeChunkBytes: 0,
      connectPerSecond: 500,
      out: 'reports/bench-floor-2026-01-02T03-04-05-678Z.json',
    });
  });

  it('reads durations with and without units', () => {
    const o = parseFloorOptions(['--settle', '500ms', '--seconds', '1.5m', '--time-scale', '0.05', '--write-chunk', '950'], NOW, 2);
    expect([o.settleS, o.seconds, o.timeScale, o.writeChunkBytes]).toEqual([0.5, 90, 0.05, 950]);
  });

  it.each([
    [['--nodes', '0'], 'nodes'],
    [['--nodes', '1e3'], 'nodes'],
    [['--nodes', '10', '--shards', '11'], 'shards'],
    [['--shards', '-1'], 'shards'],
    [['--settle', 'soon'], 'settle'],
    [['--seconds', '0'], 'seconds'],
    [['--time-scale', '0.01'], 'time-scale'],
    [['--time-scale', 'fast'], 'time-scale'],
    [['--write-chunk', '10'], 'write-chunk'],
    [['--connect-rate', '0'], 'connect-rate'],
    [['--node', '5'], 'node'],
    [['--nodes'], 'nodes'],
    [['10000'], '10000'],
  ])('rejects %j naming --%s', (argv, flag) => {
    const e = rejection(argv);
    expect(e.code).toBe('TWL_CONFIG_INVALID');
    expect(e.message).toContain(flag === '10000' ? "'10000'" : `--${flag}`);
  });
});
