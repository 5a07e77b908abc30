/**
 * The devices part of the result model (summary.json `devices`): what the virtual mappers did on
 * the wire (reads per second, read errors by kind, writes), what devicetwin sent and the cloud
 * confirmed, and the end-to-end latencies the workload measured against the API — a device read
 * to its value visible in the API, a desired value set to a report showing it. Built from the
 * fleet's device counters and the device workload's timings; null when a run had no devices.
 */
import { errorTotal, IO_ERROR_KINDS, type DeviceCountersSnapshot, type IoErrorKind } from '../edge/device-twin/device-counters.js';
import { percentilesOf, percentilesOfHistogram, type Percentiles } from './run-summary.js';

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

/** errors / (reads + errors), 4 decimals; null with nothing attempted. */
export function errorRatioOf(reads: number, errors: number): number | null {
  return reads + errors > 0 ? Math.round((errors / (reads + errors)) * 10_000) / 10_000 : null;
}

/** Read errors as `kind n, kind n`, or `none`. */
export function readErrorsText(errors: Readonly<Record<IoErrorKind, number>>): string {
  return IO_ERROR_KINDS.filter((k) => (errors[k] ?? 0) > 0).map((k) => `${k} ${errors[k]}`).join(', ') || 'none';
}

/** The section as Markdown lines, for report writers that show it. */
export function devicesMarkdown(d: DevicesSection): string {
  const p = (x: Percentiles): string => (x.count === 0 ? '—' : `p50 ${x.p50} · p90 ${x.p90} · p99 ${x.p99} (n=${x.count})`);
  const errs = readErrorsText(d.reads.errors);
  const setup = d.setup ? [`| fake devices | ${d.setup.devices} ${d.setup.protocol} (${d.setup.perNode} per node), created through the ${d.setup.via === 'api' ? 'API server' : 'loopback peer'} |`] : [];
  const fake = d.fakeDevices ? [`| fake devices served / fault answers / drops | ${d.fakeDevices.requests} / ${d.fakeDevices.faultAnswers} / ${d.fakeDevices.drops} |`] : [];
  const phases =
    d.byPhase.length > 0
      ? [
          'By phase:',
          '',
          '| phase | reads | read errors | error ratio | skipped | twin reports | confirmed |',
          '| --- | ---: | --- | ---: | ---: | ---: | ---: |',
          ...d.byPhase.map((r) => `| ${r.phase} | ${r.reads} | ${readErrorsText(r.readErrors)} | ${r.errorRatio ?? '—'} | ${r.skipped} | ${r.twinReports} | ${r.confirmed} |`),
          '',
        ]
      : [];
  return [
    '## Devices',
    '',
    '| | |',
    '| --- | --- |',
    ...setup,
    `| devices on nodes (online) | ${d.devices.onNodes} (${d.devices.online})${d.devices.created !== null ? ` of ${d.devices.created} created` : ''} |`,
    `| reads | ${d.reads.total} (${d.reads.perSecond}/s) |`,
    `| read errors | ${errs} |`,
    `| writes | ${d.writes.total} |`,
    `| reports twin / state / confirmed | ${d.reports.twin} / ${d.reports.state} / ${d.reports.confirmed} |`,
    `| reports rate-limited / dropped offline | ${d.reports.rateLimited} / ${d.reports.droppedOffline} |`,
    `| read round trip, ms | ${p(d.reads.latencyMs)} |`,
    `| device read → ${d.setup?.via === 'loopback' ? 'merged by the peer' : 'API'}, ms | ${p(d.latency.reportToApiMs)} |`,
    `| desired → reported, ms | ${p(d.latency.desiredToReportedMs)} |`,
    `| desired set / written / shown | ${d.desired.set} / ${d.desired.written} / ${d.desired.shown} |`,
    ...fake,
    '',
    ...phases,
  ].join('\n');
}
