/** Step measurements for tests: a healthy step whose costs grow with N by known amounts. */
import type { StepMeasurement } from './step-measurement.js';

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
    machine: { cores: 2, busyCoresMean: 0.5, otherCoresMean: 0.1 },
    slis: { joinToReadyP99Ms: 900, podStartupP99Ms: null, apiMutatingP99Ms: null, apiReadP99Ms: 40 },
    failedSlos: [],
    firstLimit: null,
    ...over,
  };
}
