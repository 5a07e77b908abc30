import { describe, expect, it } from 'vitest';
import type { EvidenceSample, ProcessSample } from '../model/evidence.js';
import { diagnoseLimits, sustainedRuns, OTHER_PROCESSES } from './limit-rules.js';

const T0 = 1_800_000_000_000;

function proc(cpuCores: number, extra: Partial<ProcessSample> = {}): ProcessSample {
  return { cpuCores, rssBytes: 100 << 20, fds: 50, fdLimit: 20_000, ...extra };
}

/** One second of evidence: a quiet 2-core machine with a 1,000-node fleet all Ready, unless told otherwise. */
function sample(i: number, over: Partial<Omit<EvidenceSample, 'fleet'>> & { fleet?: Partial<EvidenceSample['fleet']> } = {}): EvidenceSample {
  const { fleet, ...rest } = over;
  return {
    atMs: T0 + 10_000 + i * 1000,
    machine: { cores: 2, busyCores: 0.4, memAvailableBytes: 20 * 2 ** 30 },
    processes: { twinlab: proc(0.02), 'shard-0': proc(0.05), 'shard-1': proc(0.05), 'kube-apiserver': proc(0.15), cloudcore: proc(0.08), etcd: proc(0.03) },
    requests: {},
    cloudcore: { connected: 1000, nodeLimit: 1100, throttledWaits: 0, limitRejections: 0 },
    apiserver: { requestsPerS: 100, mutatingP99Ms: 20, readP99Ms: 5, rejectedPerS: 0, inflight: 3, etcdP99Ms: 4 },
    ...rest,
    fleet: {
      requested: 1000, started: 1000, connected: 1000, ready: 1000, bootstrapping: 0, connecting: 0, registering: 0, reconnecting: 0,
      pendingRequests: 0, unanswered: 0, connectFailures: 0, lagP99Ms: 12, ...fleet,
    },
  };
}

const ctx = { runStartMs: T0, requestedNodes: 1000, provider: 'local' };

describe('limit rules: what held the fleet back', () => {
  it('says so when nothing saturated, with the peaks it read', () => {
    const l = diagnoseLimits(Array.from({ length: 30 }, (_, i) => sample(i)), ctx);
    expect(l.verdict).toBe('none');
    expect(l.first).toBeNull();
    expect(l.headline).toMatch(/^Nothing saturated: the machine peaked at 0\.40 of 2 cores, the busiest process was kube-apiserver at 0\.15 of a core\.$/);
    expect(l.peaks.processes['kube-apiserver']!.cpuCores).toBe(0.15);
    expect(l.meanCpuCores).toEqual({ harness: 0.12, controlPlane: 0.26, testPeer: 0 });
  });

  it('has no verdict without evidence: no data is not a pass', () => {
    const l = diagnoseLimits([], ctx);
    expect(l.verdict).toBe('no-evidence');
    expect(l.headline).toMatch(/No evidence/);
  });

  it('names a saturated machine with its consumers, the waiting registrations, and a harness that starved what it measures', () => {
    const busy = (i: number): EvidenceSample =>
      sample(i, {
        machine: { cores: 2, busyCores: 1.95, memAvailableBytes: 20 * 2 ** 30 },
        processes: { twinlab: proc(0.05), 'shard-0': proc(0.34), 'shard-1': proc(0.33), 'kube-apiserver': proc(0.43), cloudcore: proc(0.36), etcd: proc(0.12) },
        fleet: { ready: 1530, registering: 7900, requested: 10_000 },
      });
    const samples = [...Array.from({ length: 20 }, (_, i) => sample(i)), ...Array.from({ length: 30 }, (_, i) => busy(20 + i))];
    const l = diagnoseLimits(samples, { ...ctx, requestedNodes: 10_000 });
    expect(l.verdict).toBe('limit');
    expect(l.first!.rule).toBe('machine-cpu');
    expect(l.first!.atS).toBe(30);
    expect(l.first!.text).toBe(
      "the machine's CPU was saturated from t=30 s (1.95 of 2 cores): the twinlab shards 0.67, kube-apiserver 0.43, cloudcore 0.36, other processes on this machine 0.32 of a core; 7,900 registrations were still waiting",
    );
    expect(l.first!.evidence).toContain('the harness was the largest consumer: it starved the system it measures, so the control plane figures understate what it could do on its own');
    expect(l.headline.startsWith('The first limit hit: the machine')).toBe(true);
  });

  it('counts what the machine spent outside the run', () => {
    const samples = Array.from({ length: 10 }, (_, i) => sample(i, { machine: { cores: 2, busyCores: 1.9, memAvailableBytes: 20 * 2 ** 30 } }));
    const l = diagnoseLimits(samples, ctx);
    expect(l.first!.text).toContain(`${OTHER_PROCESSES} 1.52`);
    expect(l.first!.evidence.at(-1)).toMatch(/this run shared its machine/);
  });

  it('does not call one busy second a limit: a condition must hold for consecutive samples', () => {
    const samples = Array.from({ length: 30 }, (_, i) => sample(i, i % 4 === 0 ? { machine: { cores: 2, busyCores: 2, memAvailableBytes: 20 * 2 ** 30 } } : {}));
    expect(diagnoseLimits(samples, ctx).verdict).toBe('none');
    expect(sustainedRuns(samples, (s) => s.machine.busyCores === 2, 1)).toHaveLength(8);
  });

  it('names a process at its open-files limit and the nodes that could not connect', () => {
    const full = (i: number): EvidenceSample =>
      sample(i, {
        processes: { twinlab: proc(0.02), 'loopback-peer': proc(0.6, { fds: 19_990, fdLimit: 20_000 }) },
        cloudcore: null,
        apiserver: null,
        fleet: { requested: 100_000, connected: 19_974, ready: 19_974, connectFailures: 1000 * i },
      });
    const samples = [...Array.from({ length: 5 }, (_, i) => sample(i, { cloudcore: null, apiserver: null, processes: { twinlab: proc(0.02), 'loopback-peer': proc(0.3, { fds: 9000 }) } })), ...Array.from({ length: 10 }, (_, i) => full(5 + i))];
    const l = diagnoseLimits(samples, { ...ctx, requestedNodes: 100_000, provider: 'loopback' });
    expect(l.first!.rule).toBe('open-files');
    expect(l.first!.text).toBe('the loopback peer reached its open-files limit (20,000) at t=15 s: 80,026 nodes could not connect');
    expect(l.first!.evidence).toContain('9,000 failed dials after it');
  });

  it("names cloudcore's nodeLimit from its log, and never a setting cloudcore rewrote at its requested value", () => {
    const samples = Array.from({ length: 10 }, (_, i) =>
      sample(i, { cloudcore: { connected: 20, nodeLimit: 20, throttledWaits: i === 6 ? 4 : 0, limitRejections: i === 3 ? 3 : 0 }, fleet: { requested: 30, ready: 27, registering: 3 } }),
    );
    const l = diagnoseLimits(samples, { ...ctx, requestedNodes: 30, cloudcoreQps: { qps: 100, burst: 200, overridden: true } });
    expect(l.first!.rule).toBe('node-limit');
    expect(l.first!.text).toBe("cloudcore's nodeLimit (20) was reached at t=10 s: CloudHub leaves every further connection unserved, and 3 of 30 nodes were not Ready at the end");
    const throttle = l.findings.find((f) => f.rule === 'cloudcore-throttled')!;
    expect(throttle.text).toBe("cloudcore's API client was throttled from t=16 s (4 client-side waits) at qps 100 / burst 200, the values cloudcore set from nodeLimit at start");
  });

  it('orders findings by when they began and puts the first limit in the headline; a stall is a symptom', () => {
    const samples = Array.from({ length: 40 }, (_, i) =>
      sample(i, {
        processes: { twinlab: proc(0.02), 'shard-0': proc(i >= 20 ? 0.97 : 0.3), 'kube-apiserver': proc(0.2) },
        apiserver: { requestsPerS: 900, mutatingP99Ms: i >= 10 ? 1800 : 40, readP99Ms: 5, rejectedPerS: i === 30 ? 2 : 0, inflight: 400, etcdP99Ms: 30 },
      }),
    );
    const l = diagnoseLimits(samples, { ...ctx, stall: { atMs: T0 + 45_000, windowS: 90, ready: 900, pending: 100, byState: { ready: 900, registering: 100 } } });
    expect(l.findings.map((f) => [f.rule, f.kind, f.atS])).toEqual([
      ['apiserver-latency', 'symptom', 20],
      ['process-cpu', 'limit', 30],
      ['apiserver-rejections', 'limit', 40],
      ['ramp-stalled', 'symptom', 45],
    ]);
    expect(l.first!.text).toBe("twinlab shard-0's event loop was saturated (97 % of a core) from t=30 s");
    expect(l.findings.at(-1)!.text).toBe('the ramp stalled: no node became Ready for 90 s with 100 nodes pending (900 Ready; 100 registering)');
  });

  it('lists the limits the run warned of before they could bite', () => {
    const l = diagnoseLimits(Array.from({ length: 10 }, (_, i) => sample(i)), { ...ctx, warnings: [{ atMs: T0 + 9000, code: 'cloudcore-open-files', message: "cloudcore's open-files limit (20,000) is below the 30,000 nodes" }] });
    expect(l.findings).toEqual([{ rule: 'cloudcore-open-files', kind: 'symptom', atS: 9, text: "warned before it could bite: cloudcore's open-files limit (20,000) is below the 30,000 nodes", evidence: [] }]);
    expect(l.verdict).toBe('none');
  });
});
