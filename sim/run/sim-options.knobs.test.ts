import { describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { parseSimOptions, recordedOptions } from './sim-options.js';

function failure(argv: string[]): TwinlabError {
  try {
    parseSimOptions(argv);
  } catch (e) {
    if (e instanceof TwinlabError) return e;
    throw e;
  }
  throw new Error(`parseSimOptions(${JSON.stringify(argv)}) did not throw`);
}

describe('sim what-if knobs', () => {
  it('parses repeated --cloudcore-set and --apiserver-arg and records them with the options', () => {
    const o = parseSimOptions([
      '--cloud', 'local',
      '--cloudcore-set', 'modules.edgeController.buffer.queryNode=4096',
      '--cloudcore-set', 'kubeAPIConfig.qps=500',
      '--apiserver-arg=--max-requests-inflight=800',
    ]);
    expect(o.cloudcoreSet).toEqual({ 'modules.edgeController.buffer.queryNode': 4096, 'kubeAPIConfig.qps': 500 });
    expect(o.apiserverArgs).toEqual(['--max-requests-inflight=800']);
    const rec = recordedOptions(o);
    expect(rec.cloudcoreSet).toBe('modules.edgeController.buffer.queryNode=4096,kubeAPIConfig.qps=500');
    expect(rec.apiserverArgs).toBe('--max-requests-inflight=800');
    expect(recordedOptions(parseSimOptions([]))).not.toHaveProperty('cloudcoreSet');
  });

  it('takes nodeLimit from --cloudcore-set as --node-limit would, and agrees when both say the same', () => {
    expect(parseSimOptions(['--cloudcore-set', 'modules.cloudHub.nodeLimit=3000']).nodeLimit).toBe(3000);
    const both = parseSimOptions(['--node-limit', '3000', '--cloudcore-set', 'modules.cloudHub.nodeLimit=3000']);
    expect(both.nodeLimit).toBe(3000);
    expect(both.cloudcoreSet).toEqual({});
  });

  it('refuses --node-limit and --cloudcore-set nodeLimit that disagree, naming both', () => {
    const e = failure(['--node-limit', '2000', '--cloudcore-set', 'modules.cloudHub.nodeLimit=3000']);
    expect(e.code).toBe(ErrorCodes.ConfigInvalid);
    expect(e.message).toBe('--node-limit 2000 and --cloudcore-set modules.cloudHub.nodeLimit=3000 disagree; give one of them');
  });

  it('refuses the knobs with a cloud that has no local control plane', () => {
    expect(failure(['--cloud', 'loopback', '--cloudcore-set', 'kubeAPIConfig.qps=500']).message).toContain('--cloudcore-set changes the local control plane; --cloud loopback');
    expect(failure(['--cloud', 'containers', '--apiserver-arg=--max-requests-inflight=800']).message).toContain('--apiserver-arg changes the local control plane');
  });

  it('reports a bad knob as invalid input naming the flag', () => {
    expect(failure(['--cloudcore-set', 'modules.cloudHub.tlsCAFile=/etc/ca.crt']).context).toMatchObject({ option: '--cloudcore-set' });
    expect(failure(['--apiserver-arg=--etcd-servers=http://x']).context).toMatchObject({ option: '--apiserver-arg' });
  });

  it('records --edgecore-set, and refuses a heartbeat the cloud would close the link on', () => {
    const o = parseSimOptions(['--cloud', 'loopback', '--edgecore-set', 'modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=160']);
    expect(o.edgecoreSet).toEqual({ 'modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds': 160 });
    expect(recordedOptions(o).edgecoreSet).toBe('modules.edged.tailoredKubeletConfig.nodeLeaseDurationSeconds=160');
    expect(recordedOptions(parseSimOptions([]))).not.toHaveProperty('edgecoreSet');

    const loopback = failure(['--cloud', 'loopback', '--edgecore-set', 'modules.edgeHub.heartbeat=30']);
    expect(loopback.code).toBe(ErrorCodes.ConfigInvalid);
    expect(loopback.message).toMatch(/heartbeat=30 is not below the cloud's keepalive interval \(30 s\).*loopback peer keeps 30 s/);
    expect(failure(['--cloud', 'local', '--edgecore-set', 'modules.edgeHub.heartbeat=45']).message).toMatch(/--cloudcore-set modules\.cloudHub\.keepaliveInterval=N/);
    // Raised on both sides, it holds.
    const raised = parseSimOptions(['--cloud', 'local', '--edgecore-set', 'modules.edgeHub.heartbeat=45', '--cloudcore-set', 'modules.cloudHub.keepaliveInterval=90']);
    expect(raised.edgecoreSet).toEqual({ 'modules.edgeHub.heartbeat': 45 });
  });
});
