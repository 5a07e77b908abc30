import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import { insecureSkipHostnameCheck, tokenFromFlagsOrEnv, withEnvDefaults } from './shard-env.js';

describe('withEnvDefaults', () => {
  it('fills missing options from TWINLAB_* variables and keeps the flags that were given', () => {
    const merged = withEnvDefaults(
      { nodes: '40' } as Record<string, string | undefined>,
      { TWINLAB_NODES: '9999', TWINLAB_SHARDS: '4', TWINLAB_CLOUDHUB: 'wss://cloudcore:10000', TWINLAB_METRICS_HOST: '10.1.2.3', TWINLAB_CERTS_URL: '' },
    );
    expect(merged.nodes).toBe('40');
    expect(merged.of).toBe('4');
    expect(merged.cloudhub).toBe('wss://cloudcore:10000');
    expect(merged['metrics-host']).toBe('10.1.2.3');
    // An empty variable is unset, so the option's own check reports it missing.
    expect(merged['certs-url']).toBeUndefined();
  });
});

describe('insecureSkipHostnameCheck', () => {
  it('takes the flag, else TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK=true|1', () => {
    expect(insecureSkipHostnameCheck(undefined, { TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK: 'true' })).toBe(true);
    expect(insecureSkipHostnameCheck(undefined, { TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK: '1' })).toBe(true);
    expect(insecureSkipHostnameCheck(undefined, { TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK: 'no' })).toBe(false);
    expect(insecureSkipHostnameCheck(false, { TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK: 'true' })).toBe(false);
  });
});

describe('tokenFromFlagsOrEnv', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-token-'));

  it('prefers --token, then the mounted file, then TWINLAB_TOKEN', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, 'from-file.abc\n');
    expect(tokenFromFlagsOrEnv('from-flag', file, { TWINLAB_TOKEN: 'from-env' })).toBe('from-flag');
    expect(tokenFromFlagsOrEnv(undefined, file, { TWINLAB_TOKEN: 'from-env' })).toBe('from-file.abc');
    expect(tokenFromFlagsOrEnv(undefined, undefined, { TWINLAB_TOKEN: 'from-env' })).toBe('from-env');
    expect(tokenFromFlagsOrEnv(undefined, undefined, {})).toBeUndefined();
  });

  it('names an unreadable or empty file without printing any token', () => {
    const missing = path.join(dir, 'absent');
    let error: unknown;
    try {
      tokenFromFlagsOrEnv(undefined, missing, { TWINLAB_TOKEN: 'secret-in-env' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TwinlabError);
    expect((error as TwinlabError).code).toBe(ErrorCodes.ConfigInvalid);
    expect((error as TwinlabError).message).toBe(`cannot read the join token file ${missing} (ENOENT)`);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '  \n');
    expect(() => tokenFromFlagsOrEnv(undefined, empty, {})).toThrow(`the join token file ${empty} is empty`);
  });
});
