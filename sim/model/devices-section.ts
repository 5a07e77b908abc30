/**
 * The devices part of the result model (summary.json `devices`): what the virtual mappers did on
 * the wire (reads per second, read errors by kind, writes), what devicetwin sent and the cloud
 * confirmed, and the end-to-end latencies the workload measured against the API — a device read
 * to its value visible in the API, a desired value set to a report showing it. Null when a run had
 * no devices; built by sim/record/build-devices-section.ts.
 */
import { IO_ERROR_KINDS, type IoErrorKind } from './device-counters-snapshot.js';
import type { Percentiles } from './percentiles.js';

export interface DevicesSection {
  devices: {
    /** Devices the workload created through the API (or the peer); null when no workload made them. */
    created: number | null;
    createFailed: number;
    /** Devices with a mapper loop on a node at the end of the run. */
    onNodes: number;
    /** Of those, devices whose last I/O reached the device. */
    online: number;
    /** Devices in the nodes' devicetwin membership. */
    members: number;
  };
  reads: {
    total: number;
    /** total / run duration. */
    perSecond: number;
    errors: Record<IoErrorKind, number>;
    /** errors / (total + errors); null with no reads attempted. */
    errorRatio: number | null;
    /** Collect ticks dropped because the previous read had not finished. */
    skipped: number;
    /** Device round trip of a read, ms. */
    latencyMs: Percentiles;
  };
  writes: { total: number; errors: Record<IoErrorKind, number> };
  reports: {
    twin: number;
    state: number;
    confirmed: number;
    resent: number;
    droppedOffline: number;
    notMember: number;
    rateLimited: number;
    overflow: number;
    unconfirmedAtEnd: number;
    /** Report sent → the cloud's "OK", ms. */
    confirmLatencyMs: Percentiles;
  };
  latency: {
    /** Read on the edge (the twin's `reported.metadata.timestamp`) → the value seen by the API watch, ms. */
    reportToApiMs: Percentiles;
    /** Desired value set (client clock before the write) → a report showing it seen by the watch, ms. */
    desiredToReportedMs: Percentiles;
    /** Desired value set → the mapper's write to the device done (shard event), ms. */
    desiredToDeviceWriteMs: Percentiles;
  };
  desired: { set: number; written: number; shown: number };
  /** The first distinct workload errors (up to 20). */
  errors: string[];
  /** The fake devices the run started itself; null when the devices came from elsewhere. */
  setup: DevicesSetup | null;
  /** What the fake devices served and the faults they injected; null without fake devices in the run process. */
  fakeDevices: FakeDeviceTotals | null;
  /** The mappers' reads and reports per scenario phase (from the fleet's snapshots, so a phase gets what its snapshots saw). */
  byPhase: DevicePhaseRow[];
  /** Reads and read errors per second over the run; null without snapshots. */
  series: DeviceSeries | null;
}

export interface DevicesSetup {
  protocol: 'modbus' | 'onvif';
  perNode: number;
  /** Fake devices started (nodes × perNode). */
  devices: number;
  /** How the Devices were created: through the API server (real clouds) or the loopback peer. */
  via: 'api' | 'loopback';
}

export interface FakeDeviceTotals {
  devices: number;
  /** Requests the fake devices received (Modbus reads and writes, ONVIF SOAP requests and snapshots). */
  requests: number;
  /** Answers turned into faults by a phase: Modbus exceptions, ONVIF SOAP faults. */
  faultAnswers: number;
  /** Connections closed unanswered by a drop fault. */
  drops: number;
}

export interface DevicePhaseRow {
  phase: string;
  reads: number;
  readErrors: Record<IoErrorKind, number>;
  /** errors / (reads + errors); null with nothing attempted. */
  errorRatio: number | null;
  skipped: number;
  twinReports: number;
  confirmed: number;
}

export interface DeviceSeries {
  /** Seconds since the run started. */
  atS: number[];
  readsPerS: number[];
  readErrorsPerS: number[];
}

/** What the device workload measured (all times on this machine's wall clock, ms). */
export interface DeviceWorkloadTimings {
  created: number;
  createFailed: number;
  reportToApiMs: readonly number[];
  desiredToReportedMs: readonly number[];
  desiredToDeviceWriteMs: readonly number[];
  desiredSet: number;
  desiredWritten: number;
  desiredShown: number;
  errors: readonly string[];
}

/** errors / (reads + errors), 4 decimals; null with nothing attempted. */
export function errorRatioOf(reads: number, errors: number): number | null {
  return reads + errors > 0 ? Math.round((errors / (reads + errors)) * 10_000) / 10_000 : null;
}

/** Read errors as `kind n, kind n`, or `none`. */
export function readErrorsText(errors: Readonly<Record<IoErrorKind, number>>): string {
  return IO_ERROR_KINDS.filter((k) => (errors[k] ?? 0) > 0).map((k) => `${k} ${errors[k]}`).join(', ') || 'none';
}
