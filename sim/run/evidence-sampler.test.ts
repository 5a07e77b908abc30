import { mkdirSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../fleet/controller/aggregate.js';
import type { EvidenceSample } from '../model/evidence.js';
import { EvidenceSampler, cumulativeP99Ms, parseApiCounters, readFdLimit } from './evidence-sampler.js';

/** A /proc with one process (pid 4242) whose CPU ticks, RSS pages and fds the test sets. */
function fakeProc(): { root: string; set(ticks: number, rssPages: number, fds: number, busy: number, idle: number): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'twinlab-proc-'));
  mkdirSync(path.join(root, '4242', 'fd'), { recursive: true });
  writeFileSync(path.join(root, '4242', 'limits'), 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n');
  writeFileSync(path.join(root, 'meminfo'), 'MemTotal: 24000000 kB\nMemAvailable:   20000000 kB\n');
  let fdCount = 0;
  return {
    root,
    set(ticks, rssPages, fds, busy, idle) {
      writeFileSync(path.join(root, '4242', 'stat'), `4242 (cloud core) S 1 4242 4242 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 100 0 0\n`);
      writeFileSync(path.join(root, '4242', 'statm'), `1000 ${rssPages} 0 0 0 0 0\n`);
      for (; fdCount < fds; fdCount++) writeFileSync(path.join(root, '4242', 'fd', String(fdCount)), '');
      writeFileSync(path.join(root, 'stat'), `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 0 0 0 0\n`);
    },
  };
}

const EXPOSITION = (n: number): string =>
  [
    '# HELP apiserver_request_total x',
    `apiserver_request_total{verb="GET",code="200"} ${100 * n}`,
    `apiserver_request_total{verb="PATCH",code="200"} ${50 * n}`,
    `apiserver_request_duration_seconds_bucket{verb="PATCH",resource="nodes",le="0.1"} ${40 * n}`,
    `apiserver_request_duration_seconds_bucket{verb="PATCH",resource="nodes",le="1"} ${50 * n}`,
    `apiserver_request_duration_seconds_bucket{verb="PATCH",resource="nodes",le="+Inf"} ${50 * n}`,
    `apiserver_request_duration_seconds_bucket{verb="WATCH",resource="nodes",le="+Inf"} ${999 * n}`,
    `apiserver_flowcontrol_rejected_requests_total{priority_level="workload-low"} ${2 * n}`,
    'apiserver_current_inflight_requests{request_kind="mutating"} 3',
    'apiserver_current_inflight_requests{request_kind="readOnly"} 4',
    'apiserver_request_total_something_else 7',
  ].join('\n');

describe('evidence sampler', () => {
  it('takes the API server counters it needs and nothing else; p99 between two scrapes as histogram_quantile does', () => {
    const a = parseApiCounters(EXPOSITION(1), 1000);
    const b = parseApiCounters(EXPOSITION(3), 3000);
    expect(a.requests).toBe(150);
    expect(a.inflight).toBe(7);
    expect(b.rejected).toBe(6);
    // 100 new PATCHes: 80 within 100 ms, 20 within 1 s; the 99th is in the (0.1, 1] bucket.
    expect(cumulativeP99Ms(b.mutating, a.mutating)).toBeCloseTo(955, 0);
    expect(cumulativeP99Ms(b.reading, a.reading)).toBeNull();
  });

  it('reads the soft open-files limit', () => {
    const p = fakeProc();
    expect(readFdLimit(path.join(p.root, '4242', 'limits'))).toBe(20_000);
    expect(readFdLimit(path.join(p.root, 'nope', 'limits'))).toBeNull();
  });

  it('samples CPU in cores, RSS, open files against their limit, the machine, the fleet and cloudcore log lines', () => {
    const p = fakeProc();
    const log = path.join(p.root, 'cloudcore.log');
    writeFileSync(log, 'I1206 start\n');
    const samples: EvidenceSample[] = [];
    const totals = aggregate([]);
    totals.states.ready = 7;
    totals.states.registering = 3;
    p.set(1000, 256, 12, 1000, 1000);
    const sampler = new EvidenceSampler({
      requestedNodes: 10,
      processes: () => [{ name: 'cloudcore', pid: 4242 }],
      fleet: () => totals,
      cloudcoreConnected: () => 10,
      nodeLimit: 10,
      cloudcoreLog: log,
      procRoot: p.root,
      onSample: (s) => samples.push(s),
    });
    sampler.start();
    sampler.stop();
    p.set(1000 + 100, 512, 30, 1300, 1100);
    appendFileSync(log, 'W1206 Waited for 1.0s due to client-side throttling, not priority and fairness\nE1206 Fail to serve node vn-00011, reach node limit\nE1206 Fail to serve node vn-00012, reach node limit\n');
    sampler.tick();
    const s = samples[0]!;
    const c = s.processes.cloudcore!;
    expect(c.cpuCores).toBeGreaterThan(0); // 100 ticks over the wall time between the two reads
    expect(c.rssBytes).toBe(512 * 4096);
    expect(c.fds).toBe(30);
    expect(c.fdLimit).toBe(20_000);
    expect(s.machine.busyCores).toBeCloseTo((300 / 400) * os.availableParallelism(), 3);
    expect(s.machine.memAvailableBytes).toBe(20_000_000 * 1024);
    expect(s.fleet).toMatchObject({ requested: 10, ready: 7, registering: 3 });
    expect(s.cloudcore).toEqual({ connected: 10, nodeLimit: 10, throttledWaits: 1, limitRejections: 2 });
    expect(s.apiserver).toBeNull();
    // The log is read forward: nothing new, nothing counted.
    sampler.tick();
    expect(samples[1]!.cloudcore).toMatchObject({ throttledWaits: 0, limitRejections: 0 });
  });
});
