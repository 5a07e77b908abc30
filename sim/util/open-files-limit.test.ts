import { describe, expect, it } from 'vitest';
import { childOpenFilesLimit, openFileCount, parseOpenFilesLimit, readOpenFilesLimit } from './open-files-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('open-files limit', () => {
  it('reads the soft and hard limit from a /proc/<pid>/limits text', () => {
    expect(parseOpenFilesLimit(LIMITS, '/proc/7/limits')).toEqual({ soft: 1024, hard: 524288, source: '/proc/7/limits' });
    expect(parseOpenFilesLimit(LIMITS.replace('1024     ', 'unlimited'), 'x')?.soft).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseOpenFilesLimit('Max cpu time unlimited unlimited seconds\n', 'x')).toBeUndefined();
  });

  it("reads this process's own limit and open files on Linux", () => {
    const own = readOpenFilesLimit();
    if (process.platform !== 'linux') return expect(own).toBeUndefined();
    expect(own!.soft).toBeGreaterThan(0);
    expect(own!.hard).toBeGreaterThanOrEqual(own!.soft);
    expect(openFileCount()).toBeGreaterThan(2);
    expect(readOpenFilesLimit(2 ** 22 + 1)).toBeUndefined();
  });

  it('takes the test override from TWINLAB_OPEN_FILES_LIMIT and rejects a bad one', () => {
    expect(childOpenFilesLimit({ TWINLAB_OPEN_FILES_LIMIT: '140' })).toEqual({ soft: 140, hard: 140, source: 'TWINLAB_OPEN_FILES_LIMIT' });
    expect(() => childOpenFilesLimit({ TWINLAB_OPEN_FILES_LIMIT: 'lots' })).toThrow(/positive integer/);
  });
});
