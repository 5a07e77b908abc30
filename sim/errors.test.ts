import { describe, expect, it } from 'vitest';
import {
  BinariesUnavailableError,
  ConfigInvalidError,
  ControlPlaneStartError,
  ErrorCodes,
  ExitCodes,
  ScenarioInvalidError,
  TwinlabError,
  asTwinlabError,
  exitCodeFor,
} from './errors.js';

describe('exitCodeFor', () => {
  it('gives 2 for input the run cannot use, thrown or recorded', () => {
    expect(exitCodeFor(new ConfigInvalidError('bad --nodes'))).toBe(ExitCodes.InvalidInput);
    expect(exitCodeFor(new ScenarioInvalidError('s.yaml:3:5: bad phase', { file: 's.yaml' }))).toBe(ExitCodes.InvalidInput);
    expect(exitCodeFor({ code: ErrorCodes.ConfigInvalid, message: 'recorded' })).toBe(ExitCodes.InvalidInput);
    expect(exitCodeFor({ code: 'TWL_SCENARIO_INVALID', message: 'recorded' })).toBe(ExitCodes.InvalidInput);
  });

  it('gives 1 for every other failure, twinlab’s own or not', () => {
    expect(exitCodeFor(new TwinlabError(ErrorCodes.ShardFailed, 'shard 1 exited'))).toBe(ExitCodes.HarnessError);
    expect(exitCodeFor(new TwinlabError(ErrorCodes.Interrupted, 'interrupted while the cloud was starting'))).toBe(ExitCodes.HarnessError);
    expect(exitCodeFor({ code: ErrorCodes.Internal, message: 'recorded' })).toBe(ExitCodes.HarnessError);
    expect(exitCodeFor(new Error('boom'))).toBe(ExitCodes.HarnessError);
    expect(exitCodeFor('a string')).toBe(ExitCodes.HarnessError);
    expect(exitCodeFor(null)).toBe(ExitCodes.HarnessError);
  });
});

describe('asTwinlabError', () => {
  it('codes an error twinlab did not raise TWL_INTERNAL, keeping its message and the error as cause', () => {
    const original = new RangeError('index out of range');
    const e = asTwinlabError(original);
    expect(e.code).toBe('TWL_INTERNAL');
    expect(e.message).toBe('index out of range');
    expect(e.cause).toBe(original);
    expect(e.toLine()).toBe('TWL_INTERNAL: index out of range');
    expect(asTwinlabError('thrown text').message).toBe('thrown text');
  });

  it('passes a TwinlabError through unchanged', () => {
    const own = new TwinlabError(ErrorCodes.ShardFailed, 'shard 0 exited (code 1) before it was ready');
    expect(asTwinlabError(own)).toBe(own);
  });
});

describe('the control plane’s errors', () => {
  it('list what is missing and every remedy under TWL_BINARIES_UNAVAILABLE', () => {
    const e = new BinariesUnavailableError([{ name: 'cloudcore', path: '/x/cloudcore' }], 'not cached');
    expect(e.code).toBe(ErrorCodes.BinariesUnavailable);
    expect(e.message).toContain('cloudcore (looked at /x/cloudcore)');
    expect(e.message).toContain('TWINLAB_BIN_DIR');
    expect(e).toBeInstanceOf(TwinlabError);
  });

  it('name the component and its log tail under TWL_CONTROLPLANE_START', () => {
    const e = new ControlPlaneStartError('etcd', 'exited with code 1', 'line one\nline two\n', '/run/etcd.log');
    expect(e.code).toBe(ErrorCodes.ControlPlaneStart);
    expect(e.message).toBe('etcd failed to start: exited with code 1 (log: /run/etcd.log)\n--- last lines of etcd log ---\nline one\nline two');
    expect(exitCodeFor(e)).toBe(ExitCodes.HarnessError);
  });
});
