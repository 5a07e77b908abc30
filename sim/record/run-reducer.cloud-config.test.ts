import { describe, expect, it } from 'vitest';
import { RunReducer, cloudcoreClientQps } from './run-reducer.js';
import type { RunEvent } from '../model/run-events.js';
import { T0, runStart } from './run-events.test-kit.js';
import type { ControlPlaneConfig } from '../model/control-plane-info.js';

const config: ControlPlaneConfig = {
  cloudcore: [
    { key: 'modules.cloudHub.nodeLimit', requested: 1000, effective: 1000, overridden: false },
    { key: 'modules.edgeController.buffer.queryNode', requested: 16, effective: 2024, overridden: true, reason: 'AdjustCloudCoreConfig raises it to 1024 + nodeLimit = 2024 when lower' },
  ],
  apiserverArgs: ['--max-requests-inflight=800'],
};

function reduce(cloud: RunEvent): ReturnType<RunReducer['summary']> {
  const r = new RunReducer();
  for (const e of [runStart('s', []), cloud]) r.apply(e);
  return r.summary();
}

describe('the cloud event and the control-plane configuration', () => {
  it('carries the configuration into summary.cloud.config', () => {
    const s = reduce({ t: 'cloud', atMs: T0 + 10, title: 't', cloud: { provider: 'local', kubeedgeVersion: 'v1.23.1', nodeLimit: 1000, cloudhubUrl: 'wss://127.0.0.1:1', config } });
    expect(s.cloud.config).toEqual(config);
  });

  it('still reduces an event log written before the field existed', () => {
    const old = JSON.parse('{"t":"cloud","atMs":1800000000010,"title":"t","cloud":{"provider":"local","kubeedgeVersion":"v1.23.1","nodeLimit":1000,"cloudhubUrl":"wss://127.0.0.1:1"}}') as RunEvent;
    const s = reduce(old);
    expect(s.cloud.nodeLimit).toBe(1000);
    expect(s.cloud.config).toBeUndefined();
  });

  it("gives the limit rules the qps/burst cloudcore's API clients ran with, never the 5×/10× nodeLimit it rewrites afterwards", () => {
    const local = { provider: 'local' as const, kubeedgeVersion: 'v1.23.1', nodeLimit: 1000, cloudhubUrl: 'wss://127.0.0.1:1' };
    const withKnob: ControlPlaneConfig = {
      cloudcore: [
        { key: 'kubeAPIConfig.qps', requested: 400, effective: 400, overridden: false },
        { key: 'kubeAPIConfig.burst', requested: null, effective: 5000, overridden: false },
      ],
      apiserverArgs: [],
    };
    expect(cloudcoreClientQps({ ...local, config: withKnob })).toEqual({ qps: 400, burst: 5000, overridden: false });
    expect(cloudcoreClientQps(local)).toEqual({ qps: 2500, burst: 5000, overridden: false });
    expect(cloudcoreClientQps({ ...local, provider: 'attach' })).toBeNull();
  });
});
