/**
 * What a shard's virtual mappers and devicetwins count, as plain numbers on the hot path. The
 * snapshot rides in the shard's counter snapshot; the controller sums shards with `mergeDeviceCounters`.
 */
import { BucketHistogram, LATENCY_MS_BOUNDS, mergeSnapshots, type HistogramSnapshot } from '../../metrics/bucket-histogram.js';

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

function errorRecord(): Record<IoErrorKind, number> {
  return Object.fromEntries(IO_ERROR_KINDS.map((k) => [k, 0])) as Record<IoErrorKind, number>;
}

export class DeviceCounters {
  devices = 0;
  online = 0;
  members = 0;
  cloudMessages = 0;
  reads = 0;
  readonly readErrors = new Int32Array(IO_ERROR_KINDS.length);
  writes = 0;
  readonly writeErrors = new Int32Array(IO_ERROR_KINDS.length);
  readsSkipped = 0;
  twinReports = 0;
  stateReports = 0;
  detailRequests = 0;
  reportsConfirmed = 0;
  reportsResent = 0;
  reportsDroppedOffline = 0;
  reportsNotMember = 0;
  reportsRateLimited = 0;
  unconfirmedOverflow = 0;
  unconfirmed = 0;
  readonly readLatencyMs = new BucketHistogram(LATENCY_MS_BOUNDS);
  readonly confirmLatencyMs = new BucketHistogram(LATENCY_MS_BOUNDS);

  readError(kind: IoErrorKind): void {
    this.readErrors[IO_ERROR_KINDS.indexOf(kind)]! += 1;
  }

  writeError(kind: IoErrorKind): void {
    this.writeErrors[IO_ERROR_KINDS.indexOf(kind)]! += 1;
  }

  snapshot(): DeviceCountersSnapshot {
    const rec = (a: Int32Array): Record<IoErrorKind, number> => {
      const r = errorRecord();
      IO_ERROR_KINDS.forEach((k, i) => (r[k] = a[i]!));
      return r;
    };
    return {
      devices: this.devices,
      online: this.online,
      members: this.members,
      cloudMessages: this.cloudMessages,
      reads: this.reads,
      readErrors: rec(this.readErrors),
      writes: this.writes,
      writeErrors: rec(this.writeErrors),
      readsSkipped: this.readsSkipped,
      twinReports: this.twinReports,
      stateReports: this.stateReports,
      detailRequests: this.detailRequests,
      reportsConfirmed: this.reportsConfirmed,
      reportsResent: this.reportsResent,
      reportsDroppedOffline: this.reportsDroppedOffline,
      reportsNotMember: this.reportsNotMember,
      reportsRateLimited: this.reportsRateLimited,
      unconfirmedOverflow: this.unconfirmedOverflow,
      unconfirmed: this.unconfirmed,
      readLatencyMs: this.readLatencyMs.snapshot(),
      confirmLatencyMs: this.confirmLatencyMs.snapshot(),
    };
  }
}

type Numeric = { [K in keyof DeviceCountersSnapshot]: DeviceCountersSnapshot[K] extends number ? K : never }[keyof DeviceCountersSnapshot];

const NUMERIC: readonly Numeric[] = [
  'devices', 'online', 'members', 'cloudMessages', 'reads', 'writes', 'readsSkipped', 'twinReports', 'stateReports',
  'detailRequests', 'reportsConfirmed', 'reportsResent', 'reportsDroppedOffline', 'reportsNotMember', 'reportsRateLimited',
  'unconfirmedOverflow', 'unconfirmed',
];

export function emptyDeviceCounters(): DeviceCountersSnapshot {
  return new DeviceCounters().snapshot();
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
