/**
 * How a scenario and the command line combine: the scenario sets the fleet, workload and SLOs;
 * a flag given on the command line wins over the file. `--time-scale` shrinks the timeline's
 * durations (not its timeouts, which only bound the wait) and, in run-sim, edgecore's intervals.
 */
import { EDGECORE_DEVICE_TIMINGS, type DeviceTimings } from '../edge/device-twin/device-runtime.js';
import { EDGECORE_TIMINGS, type EdgeTimings } from '../edge/edge-runtime.js';
import type { SimOptions } from '../run/sim-options.js';
import type { LoadedScenario } from './scenario-loader.js';

export function applyScenario(o: SimOptions, loaded: LoadedScenario): SimOptions {
  const s = loaded.scenario;
  const given = (flag: string): boolean => o.explicit.has(flag);
  return {
    ...o,
    nodes: given('nodes') ? o.nodes : s.fleet.nodes,
    shards: given('shards') ? o.shards : s.fleet.shards ?? o.shards,
    rampPerSecond: given('ramp') ? o.rampPerSecond : Math.max(1, Math.round(s.fleet.ramp)),
    certs: given('certs') ? o.certs : s.fleet.certs,
    podsPerNode: given('pods-per-node') ? o.podsPerNode : s.workload.podsPerNode,
    podRate: given('pod-rate') ? o.podRate : Math.max(1, Math.round(s.workload.podRate)),
    reconnectJitterMs: given('reconnect-jitter') ? o.reconnectJitterMs : s.edge.reconnectJitter,
    randomLeasePhase: s.edge.leasePhase === 'random',
    slos: given('slo') || given('optional-slo') ? o.slos : s.slos.map((x) => ({ sli: x.sli, threshold: x.threshold, ...(x.optional ? { optional: true } : {}) })),
  };
}

/** Multiply every phase duration (and the grace period) by `factor`; timeouts stay as written. */
export function scaleScenario(loaded: LoadedScenario, factor: number): LoadedScenario {
  if (factor === 1) return loaded;
  const scale = (ms: number): number => Math.max(1, Math.round(ms * factor));
  const phases = loaded.phases.map((p) => {
    const q = { ...p } as Record<string, unknown>;
    for (const key of ['duration', 'down', 'up', 'jitter'] as const) if (typeof q[key] === 'number') q[key] = scale(q[key] as number);
    return q as unknown as (typeof loaded.phases)[number];
  });
  const d = loaded.scenario.devices;
  // The mappers' cycles are timeline intervals too; a device's own latency (phase faults) is not.
  const devices = d ? { devices: { ...d, collectCycle: scale(d.collectCycle), reportCycle: scale(d.reportCycle), stateReportCycle: scale(d.stateReportCycle) } } : {};
  return {
    ...loaded,
    phases,
    scenario: {
      ...loaded.scenario, ...devices, grace: scale(loaded.scenario.grace),
      edge: { ...loaded.scenario.edge, reconnectJitter: scale(loaded.scenario.edge.reconnectJitter) },
    },
  };
}

/**
 * edgecore's device-side intervals multiplied by `factor`: the DMI server's report rate (1 per
 * second per node becomes 1 per `factor` seconds) and devicetwin's confirm re-send. Device
 * connect and answer deadlines stay real, as device latencies do.
 */
export function scaledDeviceTimings(factor: number): Partial<DeviceTimings> | undefined {
  if (factor === 1) return undefined;
  const t = EDGECORE_DEVICE_TIMINGS;
  return { dmiRatePerSecond: t.dmiRatePerSecond / factor, confirmResendMs: Math.max(100, Math.round(t.confirmResendMs * factor)) };
}

/**
 * edgecore's intervals (from `base`: edgecore's defaults, or those `--edgecore-set` changed)
 * multiplied by `factor` (handshake timeout and register backoff stay real).
 */
export function scaledEdgeTimings(factor: number, base: Readonly<EdgeTimings> = EDGECORE_TIMINGS): Partial<EdgeTimings> | undefined {
  if (factor === 1 && base === EDGECORE_TIMINGS) return undefined;
  const t = base;
  const s = (ms: number): number => Math.max(50, Math.round(ms * factor));
  return {
    keepaliveMs: s(t.keepaliveMs),
    leaseMs: s(t.leaseMs),
    statusSyncMs: s(t.statusSyncMs),
    statusReportMs: s(t.statusReportMs),
    reconnectSleepMs: s(t.reconnectSleepMs),
    dialIntervalMs: s(t.dialIntervalMs),
    requestTimeoutMs: s(t.requestTimeoutMs),
  };
}
