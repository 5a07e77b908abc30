import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readEventLog } from '../record/event-log.js';
import { healthyStep } from './capacity.test-kit.js';
import { findKnee, reasonsAt } from './knee.js';
import { summaryOf } from './step-files.js';
import { measureStep } from './step-measurement.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '../record/fixtures/node-limit-stall.events.jsonl');

/** The recorded 30-node run against nodeLimit 20 (it stalled with 27 Ready), measured as a sweep step. */
async function recordedStallStep() {
  const { events } = await readEventLog(fixture);
  return measureStep({ arm: 'baseline', nodes: 30, separatesNodeLimit: false, runDir: 'baseline/step-30', exitCode: 3, steadyMs: 15_000, events, summary: summaryOf(events), scrape: null });
}

describe('measureStep on a recorded run', () => {
  it('falls back to the last window before teardown when the fleet never got all Ready, and reads every component', async () => {
    const s = await recordedStallStep();
    expect(s.reachedSteady).toBe(false);
    expect(s.ready).toBe(27);
    expect(s.nodeLimit).toBe(20);
    expect(s.window.endS - s.window.startS).toBeCloseTo(15, 0);
    expect(s.window.samples).toBeGreaterThan(10);
    expect(Object.keys(s.components).sort()).toEqual(['cloudcore', 'etcd', 'kube-apiserver', 'kube-controller-manager']);
    expect(s.components.cloudcore!.rssBytes).toBeGreaterThan(10e6);
    expect(s.components.cloudcore!.source).toBe('proc');
    expect(s.apiserver.requestsPerS).toBeGreaterThan(0);
    // This fixture was recorded on a shared machine: the others' share is visible.
    expect(s.machine.otherCoresMean).toBeGreaterThan(1);
  });
});

describe('measureStep and CPU limits', () => {
  it('keeps a CPU limit that began before the window as the ramp\'s, and one inside it as the step\'s', async () => {
    const { events } = await readEventLog(fixture);
    const summary = summaryOf(events);
    const step = (atS: number) => {
      const finding = { rule: 'machine-cpu', kind: 'limit' as const, atS, text: 'saturated', evidence: [] };
      const withCpu = { ...summary, limits: { ...summary.limits, findings: [finding] } };
      return measureStep({ arm: 'baseline', nodes: 30, separatesNodeLimit: false, runDir: 'x', exitCode: 3, steadyMs: 15_000, events, summary: withCpu, scrape: null });
    };
    const early = step(0.5);
    expect(early.firstLimit).toBeNull();
    expect(early.rampLimit).toEqual({ rule: 'machine-cpu', text: 'saturated' });
    const late = step(early.window.startS + 1);
    expect(late.firstLimit).toEqual({ rule: 'machine-cpu', text: 'saturated' });
    expect(late.rampLimit).toBeNull();
  });
});

describe('findKnee', () => {
  it('names the recorded run’s nodeLimit as the first limit and the step before it as what the setup holds', async () => {
    const stall = await recordedStallStep();
    const knee = findKnee([healthyStep(5), healthyStep(10), healthyStep(20), stall]);
    expect(knee.holdsNodes).toBe(20);
    expect(knee.kneeNodes).toBe(30);
    expect(knee.firstLimit).toMatch(/^node-limit: cloudcore's nodeLimit \(20\) was reached/);
    expect(knee.reasons.map((r) => r.kind).slice(0, 4)).toEqual(['limit', 'not-ready', 'slo', 'slo']);
    // Then what the run showed beside it.
    expect(knee.reasons.slice(4).every((r) => r.kind === 'symptom' || r.kind === 'shared-machine')).toBe(true);
    expect(knee.sentence).toMatch(/^This setup holds about 20 nodes; the first limit is node-limit/);
  });

  it('flags a component past 90 % of the cores it can have, even with no SLO breached', () => {
    const hot = healthyStep(2000);
    hot.components.cloudcore = { ...hot.components.cloudcore!, cpuCoresMean: 1.85 };
    const knee = findKnee([healthyStep(500), healthyStep(1000), hot]);
    expect(knee.holdsNodes).toBe(1000);
    expect(knee.firstLimit).toBe('cloudcore CPU at 1.85 of the 2 cores it can have (≥ 90 %)');
  });

  it('does not count CPU of a component seen only through its metrics, whose allowance is unknown', () => {
    const hot = healthyStep(2000);
    hot.components.cloudcore = { ...hot.components.cloudcore!, cpuCoresMean: 1.95, source: 'prometheus' };
    expect(reasonsAt(hot)).toEqual([]);
  });

  it('an SLO breach at the first step means the setup holds fewer nodes than that', () => {
    const knee = findKnee([healthyStep(250, { failedSlos: [{ name: 'join_to_ready_ms p(99)<5000', threshold: 'p(99)<5000', value: 8000 }] }), healthyStep(500)]);
    expect(knee.holdsNodes).toBeNull();
    expect(knee.sentence).toBe('This setup holds fewer than 250 nodes, the smallest step; the first limit is SLO join_to_ready_ms p(99)<5000 breached (8000 against p(99)<5000).');
  });

  it('every step held: the knee lies beyond, and the nodeLimit-only step is not a step of the curve', () => {
    const sep = healthyStep(250, { separatesNodeLimit: true, ready: 0 }, 8400);
    const knee = findKnee([healthyStep(250), healthyStep(500), sep]);
    expect(knee.kneeNodes).toBeNull();
    expect(knee.holdsNodes).toBe(500);
    expect(knee.sentence).toContain('no limit was reached');
  });
});

describe('findKnee on a step recorded on a shared machine', () => {
  it('does not take a machine whose CPU other processes took for the setup’s limit, and keeps the note', async () => {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/shared-machine-5-nodes.events.jsonl');
    const { events } = await readEventLog(file);
    const summary = summaryOf(events);
    // The run's own rules name the saturated machine first, with other processes its largest consumer.
    expect(summary.limits.first?.rule).toBe('machine-cpu');
    const s = measureStep({ arm: 'baseline', nodes: 5, separatesNodeLimit: false, runDir: 'baseline/step-5', exitCode: 0, steadyMs: 10_000, events, summary, scrape: null });
    expect(s.ready).toBe(5);
    expect(s.reachedSteady).toBe(true);
    expect(s.sharedMachine).toMatch(/other processes on this machine/);
    expect(s.firstLimit).toBeNull();
    expect(findKnee([s, healthyStep(10)]).kneeNodes).toBeNull();
  });

  it('names the shared machine as what held back a step that fell short without a limit of its own', () => {
    const short = healthyStep(2000, { ready: 1008, reachedSteady: false, sharedMachine: "the machine's CPU was saturated: other processes on this machine 1.08", symptoms: ['ramp-stalled: the ramp stalled'] });
    const knee = findKnee([healthyStep(1000), short]);
    expect(knee.holdsNodes).toBe(1000);
    expect(knee.firstLimit).toBe("the machine's CPU, saturated mostly by processes outside the sweep (only 1008 of 2000 nodes Ready)");
    expect(knee.reasons.map((r) => r.kind)).toEqual(['not-ready', 'symptom', 'shared-machine']);
  });

  it('reports CPU saturated during the ramps beside the knee, not as one, when every window held', () => {
    const ramp = { rule: 'machine-cpu', text: "the machine's CPU was saturated from t=24.6 s (1.96 of 2 cores)" };
    const knee = findKnee([healthyStep(250, { rampLimit: ramp }), healthyStep(500, { rampLimit: ramp }), healthyStep(1000)]);
    expect(knee.kneeNodes).toBeNull();
    expect(knee.holdsNodes).toBe(1000);
    expect(knee.sentence).toContain('held every step up to 1000 nodes in its steady window');
    expect(knee.sentence).toContain('The ramp hit a limit at 2 of 3 steps (at 250 nodes: machine-cpu: the machine');
    expect(knee.reasons).toEqual([{ kind: 'ramp', text: `machine-cpu: ${ramp.text}` }]);
  });

  it('makes a knee of cloudcore throttled over the steady window, not of throttling during the ramp alone', () => {
    const ramp = { rule: 'cloudcore-throttled', text: "cloudcore's API client was throttled from t=23.4 s (2 client-side waits)" };
    expect(findKnee([healthyStep(250, { rampLimit: ramp }), healthyStep(500)]).kneeNodes).toBeNull();
    // A lone wait in the window is not a limit; waits in 3 of its samples are.
    expect(findKnee([healthyStep(250, { cloudcoreThrottled: { waits: 1, samples: 1 } }), healthyStep(500)]).kneeNodes).toBeNull();
    const knee = findKnee([healthyStep(250, { rampLimit: ramp }), healthyStep(500, { cloudcoreThrottled: { waits: 41, samples: 17 } })]);
    expect(knee.kneeNodes).toBe(500);
    expect(knee.firstLimit).toBe("cloudcore-throttled: cloudcore's API client waited on its own rate limit 41 times, in 17 of the steady window's samples");
  });

  it('makes a knee of a machine whose CPU stayed saturated over the steady window', () => {
    const busy = healthyStep(1000, { machine: { cores: 2, busyCoresMean: 1.9, otherCoresMean: 0.1 } });
    const knee = findKnee([healthyStep(500), busy]);
    expect(knee.kneeNodes).toBe(1000);
    expect(knee.holdsNodes).toBe(500);
    expect(knee.firstLimit).toBe("the machine's CPU at 1.90 of 2 cores over the steady window (≥ 90 %)");
    // Busy mostly with other processes: that is the shared machine, not the setup.
    expect(reasonsAt(healthyStep(1000, { machine: { cores: 2, busyCoresMean: 1.9, otherCoresMean: 1.2 } }))).toEqual([]);
  });
});
