import { describe, expect, it } from 'vitest';
import { checkCloudcoreOpenFiles, cloudcoreOpenFilesWarning } from './cloudcore-open-files.js';

describe("cloudcore's open-files limit against the node count", () => {
  it('warns when the nodes and cloudcore\'s own files exceed its soft limit, with the numbers and the way out', () => {
    const w = cloudcoreOpenFilesWarning(100_000, { soft: 20_000, hard: 20_000, source: '/proc/4242/limits' });
    expect(w?.code).toBe('cloudcore-open-files');
    expect(w?.fits).toBe(19_800);
    expect(w?.message).toContain("cloudcore's open-files limit is 20,000 (/proc/4242/limits)");
    expect(w?.message).toContain('about 19,800 of the 100,000 nodes can connect');
    expect(w?.message).toContain('raise the hard limit (20,000)');
    expect(cloudcoreOpenFilesWarning(30_000, { soft: 1_024, hard: 65_536, source: 'x' })?.message).toContain('`ulimit -n 65,536`');
  });

  it('says nothing when the fleet fits or the limit is unknown', () => {
    expect(cloudcoreOpenFilesWarning(10_000, { soft: 20_000, hard: 20_000, source: 'x' })).toBeUndefined();
    expect(cloudcoreOpenFilesWarning(19_800, { soft: 20_000, hard: 20_000, source: 'x' })).toBeUndefined();
    expect(cloudcoreOpenFilesWarning(19_801, { soft: 20_000, hard: 20_000, source: 'x' })).toBeDefined();
    expect(cloudcoreOpenFilesWarning(1_000_000, undefined)).toBeUndefined();
  });

  it('reads a running process\'s limit from /proc', () => {
    if (process.platform !== 'linux') return;
    const w = checkCloudcoreOpenFiles(process.pid, Number.MAX_SAFE_INTEGER - 1_000);
    expect(w?.limit.source).toBe(`/proc/${process.pid}/limits`);
  });
});
