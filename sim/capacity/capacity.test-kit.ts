/** Step measurements for tests: a healthy step whose costs grow with N by known amounts. */
import { buildResult, FRESH_CONTROL_PLANE, type CapacityResult } from './capacity-result.js';
import type { StepMeasurement } from './step-measurement.js';
import type { StepPlan } from './sweep-plan.js';

export function healthyStep(nodes: number, over: Partial<StepMeasurement> = {}, nodeLimit = 2100): StepMeasurement {
  const proc = (cpuPerNode: number, rssFixed: number, rssPerNode: number) => ({
    cpuCoresMean: 0.01 + cpuPerNode * nodes,
    cpuCoresP95: 0.02 + 1.5 * cpuPerNode * nodes,
    rssBytes: rssFixed + rssPerNode * nodes,
    openFiles: 40 + nodes,
    fdLimit: 20_000,
    goroutines: null,
    source: 'proc' as const,
  });
  return {
    arm: 'baseline',
    nodes,
    nodeLimit,
    separatesNodeLimit: false,
    runDir: `baseline/step-${nodes}`,
    exitCode: 0,
    error: null,
    ready: nodes,
    reachedSteady: true,
    window: { startS: 20, endS: 140, samples: 120 },
    components: {
      etcd: proc(0.00002, 50e6, 8_000),
      'kube-apiserver': proc(0.0002, 300e6, 30_000),
      'kube-controller-manager': proc(0.00005, 110e6, 5_000),
      cloudcore: { ...proc(0.0003, 40e6 + 7_600 * nodeLimit, 45_000), goroutines: 200 + 9 * nodes },
    },
    apiserver: { requestsPerS: 2 + 0.1 * nodes, mutatingP99Ms: 20, readP99Ms: 5, rejectedPerS: 0, etcdP99Ms: 10 },
    etcd: { dbSizeBytes: 2e6 + 4_000 * nodes },
    harness: { cpuCoresMean: 0.05 + 0.0001 * nodes, rssBytes: 150e6 + 60_000 * nodes },
    cloudcoreThrottled: { waits: 0, samples: 0 },
    machine: { cores: 2, busyCoresMean: 0.5, otherCoresMean: 0.1 },
    slis: { joinToReadyP99Ms: 900, podStartupP99Ms: null, apiMutatingP99Ms: null, apiReadP99Ms: 40 },
    failedSlos: [],
    firstLimit: null,
    rampLimit: null,
    sharedMachine: null,
    symptoms: [],
    ...over,
  };
}

/** A fixed two-arm sweep: four steps and a nodeLimit step each, small deterministic noise, the knee at 2000 nodes in the baseline. */
export function sampleCapacityResult(): CapacityResult {
  const wobble = (n: number, k: number): number => 1 + 0.03 * Math.sin(n * 0.37 + k);
  const arm = (name: string, cpuScale: number): StepMeasurement[] =>
    [250, 500, 1000, 2000, 250].map((n, i) => {
      const sep = i === 4;
      const s = healthyStep(n, { arm: name, separatesNodeLimit: sep, runDir: `${name}/step-${n}${sep ? '-nodelimit-8400' : ''}` }, sep ? 8400 : 2100);
      for (const [k, c] of Object.entries(s.components)) {
        if (!c) continue;
        c.cpuCoresMean! *= cpuScale * wobble(n, k.length);
        c.cpuCoresP95! *= cpuScale * wobble(n, k.length + 1);
        c.rssBytes! *= wobble(n, k.length + 2);
      }
      if (name === 'baseline' && n === 2000 && !sep) s.firstLimit = { rule: 'apiserver-latency', text: 'kube-apiserver mutating p99 above 1 s for 5 s' };
      return s;
    });
  const plan = (name: string): StepPlan[] => [250, 500, 1000, 2000, 250].map((n, i) => ({ arm: name, nodes: n, nodeLimit: i === 4 ? 8400 : 2100, separatesNodeLimit: i === 4 }));
  return buildResult({
    header: {
      twinlabVersion: '0.1.0',
      startedAt: '2026-12-06T12:00:00.000Z',
      wallSeconds: 1234,
      command: 'twinlab capacity --steps 250,500,1000,2000 --target 100000 --compare-config modules.edgeController.load.updateNodeStatusWorkers=8 --budget cores=16,memory=32Gi',
      cloud: 'local',
      plan: [...plan('baseline'), ...plan('compare')],
      steadySeconds: 120,
      timeScale: 1,
      podsPerNode: 0,
      target: 100_000,
      budget: { cores: 16, memoryBytes: 32 * 1024 ** 3 },
      interrupted: false,
      controlPlanePerStep: FRESH_CONTROL_PLANE,
      nodeLimitSeparation: 'baseline and compare: nodeLimit held at 2100, one step at 8400.',
    },
    arms: [
      { name: 'baseline', cloudcoreSet: [] },
      { name: 'compare', cloudcoreSet: ['modules.edgeController.load.updateNodeStatusWorkers=8'] },
    ],
    steps: [...arm('baseline', 1), ...arm('compare', 0.8)],
  });
}
