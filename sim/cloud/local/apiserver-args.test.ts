import { describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import { PROVIDER_APISERVER_FLAGS, collidingFlags, parseApiserverArgs } from './apiserver-args.js';

function failure(values: string[]): TwinlabError {
  try {
    parseApiserverArgs(values);
  } catch (e) {
    if (e instanceof TwinlabError) return e;
    throw e;
  }
  throw new Error(`parseApiserverArgs(${JSON.stringify(values)}) did not throw`);
}

describe('--apiserver-arg', () => {
  it('passes what-if flags through unchanged, in order', () => {
    expect(parseApiserverArgs(['--max-requests-inflight=800', '--max-mutating-requests-inflight=400', '--enable-priority-and-fairness=false'])).toEqual([
      '--max-requests-inflight=800',
      '--max-mutating-requests-inflight=400',
      '--enable-priority-and-fairness=false',
    ]);
  });

  it('refuses every flag the provider sets, listing all of them', () => {
    for (const arg of ['--etcd-servers=http://10.0.0.1:2379', '--secure-port=443', '--tls-cert-file=/etc/x.crt', '--bind-address=0.0.0.0', '--authorization-mode=AlwaysAllow']) {
      const e = failure([arg]);
      expect(e.code).toBe(ErrorCodes.ConfigInvalid);
      expect(e.message).toContain(`--apiserver-arg ${arg.split('=')[0]}: set by the local provider`);
      for (const f of PROVIDER_APISERVER_FLAGS) expect(e.message).toContain(f);
    }
  });

  it('refuses the families that reach etcd or TLS material even when the provider does not set that one', () => {
    expect(failure(['--etcd-cafile=/etc/ca.crt']).message).toContain('every flag starting --etcd-');
    expect(failure(['--tls-min-version=VersionTLS13']).message).toContain('set by the local provider');
  });

  it('refuses anything that is not one --flag[=value]', () => {
    for (const arg of ['max-requests-inflight=800', '-v=4', '--Max=1', '']) {
      expect(failure([arg]).message).toContain('expected one kube-apiserver flag as --name=value');
    }
  });

  it('finds a collision between the extra flags and the args the provider really passes', () => {
    expect(collidingFlags(['--secure-port=6443', '--allow-privileged=true'], ['--secure-port=1', '--v=4', '--allow-privileged'])).toEqual(['--secure-port', '--allow-privileged']);
    expect(collidingFlags(['--secure-port=6443'], ['--max-requests-inflight=800'])).toEqual([]);
  });
});
