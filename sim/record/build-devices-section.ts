/**
 * Builds the devices section of summary.json from the fleet's device counters and the device
 * workload's timings; null when a run had no devices.
 */
import { errorTotal, IO_ERROR_KINDS, type DeviceCountersSnapshot, type IoErrorKind } from '../model/device-counters-snapshot.js';
import { errorRatioOf, type DevicePhaseRow, type DeviceSeries, type DevicesSection, type DevicesSetup, type DeviceWorkloadTimings, type FakeDeviceTotals } from '../model/devices-section.js';
import { percentilesOf, percentilesOfHistogram, type Percentiles } from '../model/percentiles.js';

export interface DevicesSectionInput {
  counters: DeviceCountersSnapshot | undefined;
  durationSeconds: number;
  workload?: DeviceWorkloadTimings | undefined;
  setup?: DevicesSetup | undefined;
  fakeDevices?: FakeDeviceTotals | undefined;
  byPhase?: DevicePhaseRow[] | undefined;
  series?: DeviceSeries | undefined;
}

function zeros(): Record<IoErrorKind, number> {
  return Object.fromEntries(IO_ERROR_KINDS.map((k) => [k, 0])) as Record<IoErrorKind, number>;
}

/** The section, or null when neither the nodes nor a workload saw a device. */
export function buildDevicesSection(input: DevicesSectionInput): DevicesSection | null {
  const c = input.counters;
  const w = input.workload;
  const sawDevices = c !== undefined && (c.devices > 0 || c.reads > 0 || c.cloudMessages > 0 || errorTotal(c.readErrors) > 0);
  if (!sawDevices && !w && !input.setup) return null;
  const readErrors = c ? { ...zeros(), ...c.readErrors } : zeros();
  const failed = errorTotal(readErrors);
  const reads = c?.reads ?? 0;
  const round = (v: number): number => Math.round(v * 100) / 100;
  const ms = (h: DeviceCountersSnapshot['readLatencyMs'] | undefined): Percentiles => (h ? percentilesOfHistogram(h) : percentilesOf([]));
  return {
    devices: {
      created: w ? w.created : null,
      createFailed: w?.createFailed ?? 0,
      onNodes: c?.devices ?? 0,
      online: c?.online ?? 0,
      members: c?.members ?? 0,
    },
    reads: {
      total: reads,
      perSecond: input.durationSeconds > 0 ? round(reads / input.durationSeconds) : 0,
      errors: readErrors,
      errorRatio: errorRatioOf(reads, failed),
      skipped: c?.readsSkipped ?? 0,
      latencyMs: ms(c?.readLatencyMs),
    },
    writes: { total: c?.writes ?? 0, errors: c ? { ...zeros(), ...c.writeErrors } : zeros() },
    reports: {
      twin: c?.twinReports ?? 0,
      state: c?.stateReports ?? 0,
      confirmed: c?.reportsConfirmed ?? 0,
      resent: c?.reportsResent ?? 0,
      droppedOffline: c?.reportsDroppedOffline ?? 0,
      notMember: c?.reportsNotMember ?? 0,
      rateLimited: c?.reportsRateLimited ?? 0,
      overflow: c?.unconfirmedOverflow ?? 0,
      unconfirmedAtEnd: c?.unconfirmed ?? 0,
      confirmLatencyMs: ms(c?.confirmLatencyMs),
    },
    latency: {
      reportToApiMs: percentilesOf(w?.reportToApiMs ?? []),
      desiredToReportedMs: percentilesOf(w?.desiredToReportedMs ?? []),
      desiredToDeviceWriteMs: percentilesOf(w?.desiredToDeviceWriteMs ?? []),
    },
    desired: { set: w?.desiredSet ?? 0, written: w?.desiredWritten ?? 0, shown: w?.desiredShown ?? 0 },
    errors: w ? w.errors.slice(0, 20) : [],
    setup: input.setup ?? null,
    fakeDevices: input.fakeDevices ?? null,
    byPhase: input.byPhase ?? [],
    series: input.series ?? null,
  };
}
