import { describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import { resolveShardIdentity } from './shard-identity.js';

function failure(fn: () => unknown): TwinlabError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TwinlabError) return error;
    throw error;
  }
  throw new Error('expected a TwinlabError');
}

describe('resolveShardIdentity', () => {
  it('takes --index when given', () => {
    expect(resolveShardIdentity({ index: '2', of: 4, env: {}, hostname: 'box' })).toEqual({ index: 2, of: 4, source: '--index' });
  });

  it('takes JOB_COMPLETION_INDEX without --index (Indexed Job)', () => {
    expect(resolveShardIdentity({ of: 4, env: { JOB_COMPLETION_INDEX: '3', HOSTNAME: 'twinlab-shard-1-xk2p9' }, hostname: 'box' })).toEqual({
      index: 3,
      of: 4,
      source: 'JOB_COMPLETION_INDEX',
    });
  });

  it('takes the ordinal at the end of HOSTNAME without either (StatefulSet)', () => {
    expect(resolveShardIdentity({ of: 5, env: { HOSTNAME: 'twinlab-shard-3' }, hostname: 'other-0' })).toEqual({ index: 3, of: 5, source: 'hostname' });
  });

  it('falls back to the kernel hostname when HOSTNAME is not exported', () => {
    expect(resolveShardIdentity({ of: 20, env: {}, hostname: 'twinlab-shard-12' })).toEqual({ index: 12, of: 20, source: 'hostname' });
  });

  it('ranks --index over JOB_COMPLETION_INDEX over the hostname', () => {
    const env = { JOB_COMPLETION_INDEX: '1', HOSTNAME: 'twinlab-shard-2' };
    expect(resolveShardIdentity({ index: '0', of: 3, env, hostname: 'x' }).index).toBe(0);
    expect(resolveShardIdentity({ of: 3, env, hostname: 'x' }).index).toBe(1);
    expect(resolveShardIdentity({ of: 3, env: { ...env, JOB_COMPLETION_INDEX: '' }, hostname: 'x' }).index).toBe(2);
  });

  it('makes a lone shard shard 0 whatever the hostname', () => {
    expect(resolveShardIdentity({ of: 1, env: { HOSTNAME: 'laptop' }, hostname: 'laptop' })).toEqual({ index: 0, of: 1, source: 'single shard' });
  });

  it('refuses a hostname without an ordinal when there are several shards', () => {
    const e = failure(() => resolveShardIdentity({ of: 4, env: { HOSTNAME: 'twinlab-shard' }, hostname: 'twinlab-shard' }));
    expect(e.code).toBe(ErrorCodes.ConfigInvalid);
    expect(e.message).toContain('"twinlab-shard" does not end in -<ordinal>');
  });

  it('refuses an index at or above the shard count, naming where it came from', () => {
    const fromHost = failure(() => resolveShardIdentity({ of: 3, env: { HOSTNAME: 'twinlab-shard-3' }, hostname: 'x' }));
    expect(fromHost.code).toBe(ErrorCodes.ConfigInvalid);
    expect(fromHost.message).toBe('shard index 3 (from hostname "twinlab-shard-3") must be below the shard count 3');
    const fromJob = failure(() => resolveShardIdentity({ of: 2, env: { JOB_COMPLETION_INDEX: '7' }, hostname: 'x' }));
    expect(fromJob.message).toBe('shard index 7 (from JOB_COMPLETION_INDEX=7) must be below the shard count 2');
    expect(failure(() => resolveShardIdentity({ index: '1', of: 1, env: {}, hostname: 'x' })).message).toContain('from --index');
  });

  it('refuses an index that is not a whole number', () => {
    expect(failure(() => resolveShardIdentity({ index: '-1', of: 2, env: {}, hostname: 'x' })).code).toBe(ErrorCodes.ConfigInvalid);
    expect(failure(() => resolveShardIdentity({ of: 2, env: { JOB_COMPLETION_INDEX: 'one' }, hostname: 'x' })).message).toContain('"one" from JOB_COMPLETION_INDEX');
  });
});
