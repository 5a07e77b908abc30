/**
 * What a shard's virtual mappers and devicetwins count, as the snapshot that rides in the shard's
 * counter snapshot; the controller sums shards with `mergeDeviceCounters`. The live counters are
 * sim/edge/device-twin/device-counters.ts.
 */
import { emptySnapshot, LATENCY_MS_BOUNDS, mergeSnapshots, type HistogramSnapshot } from './bucket-histogram.js';

/**
 * Why a read or write of a device failed: no answer in time, connection refused, host or network
 * unreachable, connection reset or closed under the request, a Modbus exception response, a
 * malformed answer, a value that does not decode, an HTTP or SOAP error from a camera, anything else.
 */
export const IO_ERROR_KINDS = ['timeout', 'refused', 'unreachable', 'reset', 'exception', 'protocol', 'decode', 'http', 'other'] as const;
export type IoErrorKind = (typeof IO_ERROR_KINDS)[number];

export interface DeviceCountersSnapshot {
  /** Devices with a mapper running on a node (gauge). */
  devices: number;
  /** Of those, devices whose last I/O succeeded (gauge). */
  online: number;
  /** Devices in the nodes' devicetwin membership (gauge). */
  members: number;
  /** membership, devicemodel and device messages received from the cloud. */
  cloudMessages: number;
  reads: number;
  readErrors: Record<IoErrorKind, number>;
  writes: number;
  writeErrors: Record<IoErrorKind, number>;
  /** Collect ticks skipped because the previous read of the property was still running. */
  readsSkipped: number;
  /** `twin/edge_updated` messages sent (first sends, not re-sends). */
  twinReports: number;
  /** `state/update` messages sent. */
  stateReports: number;
  /** `membership/detail` requests sent on (re)connect. */
  detailRequests: number;
  /** Reports the cloud answered with `response`/"OK". */
  reportsConfirmed: number;
  /** Unconfirmed reports sent again by devicetwin's confirm loop. */
  reportsResent: number;
  /** Reports made while the node was disconnected: devicetwin drops them. */
  reportsDroppedOffline: number;
  /** Reports for a device devicetwin has no membership for: rejected at the edge. */
  reportsNotMember: number;
  /** Reports refused by edgecore's DMI rate limit (1 request/s, burst 100, per node). */
  reportsRateLimited: number;
  /** Unconfirmed reports dropped because a node's confirm map was full. */
  unconfirmedOverflow: number;
  /** Reports waiting for the cloud's "OK" (gauge). */
  unconfirmed: number;
  /** Device round trip of a read (request written → answer decoded), ms. */
  readLatencyMs: HistogramSnapshot;
  /** Report sent → the cloud's "OK", ms. */
  confirmLatencyMs: HistogramSnapshot;
}

type Numeric = { [K in keyof DeviceCountersSnapshot]: DeviceCountersSnapshot[K] extends number ? K : never }[keyof DeviceCountersSnapshot];

const NUMERIC: readonly Numeric[] = [
  'devices', 'online', 'members', 'cloudMessages', 'reads', 'writes', 'readsSkipped', 'twinReports', 'stateReports',
  'detailRequests', 'reportsConfirmed', 'reportsResent', 'reportsDroppedOffline', 'reportsNotMember', 'reportsRateLimited',
  'unconfirmedOverflow', 'unconfirmed',
];

function errorRecord(): Record<IoErrorKind, number> {
  return Object.fromEntries(IO_ERROR_KINDS.map((k) => [k, 0])) as Record<IoErrorKind, number>;
}

/** All zeros, with empty latency histograms (what a fresh shard's counters snapshot to). */
export function emptyDeviceCounters(): DeviceCountersSnapshot {
  return {
    devices: 0, online: 0, members: 0, cloudMessages: 0, reads: 0, readErrors: errorRecord(), writes: 0, writeErrors: errorRecord(),
    readsSkipped: 0, twinReports: 0, stateReports: 0, detailRequests: 0, reportsConfirmed: 0, reportsResent: 0,
    reportsDroppedOffline: 0, reportsNotMember: 0, reportsRateLimited: 0, unconfirmedOverflow: 0, unconfirmed: 0,
    readLatencyMs: emptySnapshot(LATENCY_MS_BOUNDS), confirmLatencyMs: emptySnapshot(LATENCY_MS_BOUNDS),
  };
}

/** Sum of several shards' device counters. */
export function mergeDeviceCounters(parts: readonly DeviceCountersSnapshot[]): DeviceCountersSnapshot {
  const out = emptyDeviceCounters();
  for (const p of parts) {
    for (const k of NUMERIC) out[k] += p[k];
    for (const k of IO_ERROR_KINDS) {
      out.readErrors[k] += p.readErrors[k] ?? 0;
      out.writeErrors[k] += p.writeErrors[k] ?? 0;
    }
  }
  out.readLatencyMs = mergeSnapshots(LATENCY_MS_BOUNDS, parts.map((p) => p.readLatencyMs));
  out.confirmLatencyMs = mergeSnapshots(LATENCY_MS_BOUNDS, parts.map((p) => p.confirmLatencyMs));
  return out;
}

/** Total of an error record. */
export function errorTotal(r: Readonly<Record<IoErrorKind, number>>): number {
  let n = 0;
  for (const k of IO_ERROR_KINDS) n += r[k] ?? 0;
  return n;
}
