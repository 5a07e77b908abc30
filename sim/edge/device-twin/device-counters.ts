/**
 * What a shard's virtual mappers and devicetwins count, as plain numbers on the hot path. The
 * snapshot rides in the shard's counter snapshot; the controller sums shards with `mergeDeviceCounters`.
 */
import { BucketHistogram, LATENCY_MS_BOUNDS } from '../../model/bucket-histogram.js';
import { IO_ERROR_KINDS, type DeviceCountersSnapshot, type IoErrorKind } from '../../model/device-counters-snapshot.js';

export { emptyDeviceCounters, errorTotal, IO_ERROR_KINDS, mergeDeviceCounters, type DeviceCountersSnapshot, type IoErrorKind } from '../../model/device-counters-snapshot.js';

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
