/**
 * The fleet's `twinlab_*` metrics in a prom-client registry. The controller hands over the latest
 * aggregate with update(); every metric reads it at scrape time, so the shards stay the only
 * place that counts and a scrape always sees one consistent update.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { NODE_STATE_NAMES } from '../edge/edge-counters.js';
import type { FailedSendKind } from '../edge/edge-runtime.js';
import { emptyDeviceCounters, IO_ERROR_KINDS, type DeviceCountersSnapshot, type IoErrorKind } from '../edge/device-twin/device-counters.js';
import { aggregate, type FleetTotals } from '../fleet/controller/aggregate.js';
import { sumChaos, type ChaosSnapshot } from '../chaos/chaos-counters.js';
import type { ShardSnapshot } from '../fleet/ipc-messages.js';
import type { HistogramSnapshot } from '../model/bucket-histogram.js';
import { CONTROLLER_METRICS_PREFIX, METRIC_CATALOGUE, type MetricName, type MetricSpec } from './metric-catalogue.js';

export interface FleetMetricsOptions {
  /** Also expose the controller process's own metrics as `twinlab_controller_*` (default true). */
  processMetrics?: boolean;
}

/** What the metrics read: the latest aggregate and the per-shard snapshots it was made from. */
interface FleetView {
  readonly totals: FleetTotals;
  readonly shards: readonly ShardSnapshot[];
}

interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

type Reading =
  | { readonly kind: 'samples'; readonly read: (view: FleetView) => readonly Sample[] }
  | { readonly kind: 'histogram'; readonly read: (view: FleetView) => HistogramSnapshot };

const one = (read: (t: FleetTotals) => number): Reading => ({
  kind: 'samples',
  read: (v) => [{ labels: {}, value: read(v.totals) }],
});

const perShard = (read: (s: ShardSnapshot) => number): Reading => ({
  kind: 'samples',
  read: (v) => v.shards.map((s) => ({ labels: { shard: String(s.index) }, value: read(s) })),
});

const histogram = (read: (t: FleetTotals) => HistogramSnapshot): Reading => ({
  kind: 'histogram',
  read: (v) => read(v.totals),
});

/** `sent`/`received` maps ("operation\ttype" → count) as labelled samples. */
function traffic(direction: 'up' | 'down', map: Readonly<Record<string, number>>): Sample[] {
  return Object.entries(map).map(([key, value]) => {
    const tab = key.indexOf('\t');
    const operation = tab < 0 ? key : key.slice(0, tab);
    const type = tab < 0 ? '' : key.slice(tab + 1);
    return { labels: { direction, operation, type }, value };
  });
}

const msToSeconds = (ms: number): number => ms / 1000;

const FAILED_SEND_KINDS: readonly FailedSendKind[] = ['keepalive', 'lease', 'other'];

/** The fleet's device counters (zeros before any shard counted devices). */
const devicesOf = (t: FleetTotals): DeviceCountersSnapshot => t.devices ?? (EMPTY_DEVICES ??= emptyDeviceCounters());
let EMPTY_DEVICES: DeviceCountersSnapshot | undefined;

const byKind = (read: (d: DeviceCountersSnapshot) => Readonly<Record<IoErrorKind, number>>): Reading => ({
  kind: 'samples',
  read: (v) => IO_ERROR_KINDS.map((kind) => ({ labels: { kind }, value: read(devicesOf(v.totals))[kind] })),
});

/** The shards' chaos engines summed (zeros before any shard reported one). */
const chaos = (read: (c: ChaosSnapshot) => readonly Sample[]): Reading => ({
  kind: 'samples',
  read: (v) => read(sumChaos(v.shards.map((s) => s.chaos))),
});

/** A histogram snapshot with every bound and the sum mapped to another unit (counts unchanged). */
export function rescaleHistogram(s: HistogramSnapshot, scale: (v: number) => number): HistogramSnapshot {
  return { bounds: s.bounds.map(scale), counts: s.counts, sum: scale(s.sum), count: s.count };
}

/** Where each catalogue metric gets its value; a catalogue entry without one fails to compile. */
const READINGS: Record<MetricName, Reading> = {
  twinlab_nodes: {
    kind: 'samples',
    read: (v) => NODE_STATE_NAMES.map((state) => ({ labels: { state }, value: v.totals.states[state] })),
  },
  twinlab_nodes_connected: one((t) => t.connected),
  twinlab_nodes_started: one((t) => t.started),
  twinlab_connects_total: one((t) => t.connects),
  twinlab_connect_failures_total: one((t) => t.connectFailures),
  twinlab_reconnects_total: one((t) => t.reconnects),
  twinlab_disconnects_total: one((t) => t.disconnects),
  twinlab_keepalives_total: one((t) => t.keepalives),
  twinlab_messages_total: {
    kind: 'samples',
    read: (v) => [...traffic('up', v.totals.sent), ...traffic('down', v.totals.received)],
  },
  twinlab_message_bytes_total: {
    kind: 'samples',
    read: (v) => [
      { labels: { direction: 'up' }, value: v.totals.bytesSent },
      { labels: { direction: 'down' }, value: v.totals.bytesReceived },
    ],
  },
  twinlab_acks_sent_total: one((t) => t.acksSent),
  twinlab_ack_latency_seconds: histogram((t) => rescaleHistogram(t.ackLatencyMs, msToSeconds)),
  twinlab_duplicate_deliveries_total: one((t) => t.duplicates),
  twinlab_malformed_frames_total: one((t) => t.malformed),
  twinlab_unanswered_requests_total: one((t) => t.unanswered),
  twinlab_pending_requests: one((t) => t.pendingRequests),
  twinlab_error_replies_total: one((t) => t.errorReplies),
  twinlab_send_failures_total: one((t) => t.sendFailures),
  twinlab_first_failed_sends_total: {
    kind: 'samples',
    read: (v) => FAILED_SEND_KINDS.map((send) => ({ labels: { send }, value: v.totals.firstFailedSend?.[send] ?? 0 })),
  },
  twinlab_offline_refusals_total: one((t) => t.failedFastOffline ?? 0),
  twinlab_bootstrap_duration_seconds: histogram((t) => t.bootstrapSeconds),
  twinlab_pods_created_total: one((t) => t.podsCreated),
  twinlab_pods_running_total: one((t) => t.podsRunning),
  twinlab_pods_deleted_total: one((t) => t.podsDeleted),
  twinlab_shard_rss_bytes: perShard((s) => s.process.rssBytes),
  twinlab_shard_cpu_seconds_total: perShard((s) => s.process.cpuSeconds),
  twinlab_shard_event_loop_lag_p99_seconds: perShard((s) => msToSeconds(s.process.eventLoopLagP99Ms)),
  twinlab_shard_heap_used_bytes: perShard((s) => s.process.heapUsedBytes),
  twinlab_meta_store_rows_written_total: one((t) => t.metaStoreRows),
  twinlab_devices: one((t) => devicesOf(t).devices),
  twinlab_devices_online: one((t) => devicesOf(t).online),
  twinlab_device_reads_total: one((t) => devicesOf(t).reads),
  twinlab_device_read_errors_total: byKind((d) => d.readErrors),
  twinlab_device_writes_total: one((t) => devicesOf(t).writes),
  twinlab_device_write_errors_total: byKind((d) => d.writeErrors),
  twinlab_device_reports_total: {
    kind: 'samples',
    read: (v) => [
      { labels: { kind: 'twin' }, value: devicesOf(v.totals).twinReports },
      { labels: { kind: 'state' }, value: devicesOf(v.totals).stateReports },
    ],
  },
  twinlab_device_reports_confirmed_total: one((t) => devicesOf(t).reportsConfirmed),
  twinlab_device_reports_resent_total: one((t) => devicesOf(t).reportsResent),
  twinlab_device_reports_dropped_total: {
    kind: 'samples',
    read: (v) => {
      const d = devicesOf(v.totals);
      return [
        { labels: { reason: 'offline' }, value: d.reportsDroppedOffline },
        { labels: { reason: 'not_member' }, value: d.reportsNotMember },
        { labels: { reason: 'rate_limited' }, value: d.reportsRateLimited },
        { labels: { reason: 'overflow' }, value: d.unconfirmedOverflow },
      ];
    },
  },
  twinlab_device_read_latency_seconds: histogram((t) => rescaleHistogram(devicesOf(t).readLatencyMs, msToSeconds)),
  twinlab_device_report_confirm_seconds: histogram((t) => rescaleHistogram(devicesOf(t).confirmLatencyMs, msToSeconds)),
  twinlab_chaos_faults_active: chaos((c) => [{ labels: {}, value: c.faultsActive }]),
  twinlab_chaos_nodes_faulted: chaos((c) => [{ labels: {}, value: c.nodesFaulted }]),
  twinlab_chaos_held_bytes: chaos((c) => [
    { labels: { direction: 'out' }, value: c.heldBytesOut },
    { labels: { direction: 'in' }, value: c.heldBytesIn },
  ]),
  twinlab_chaos_hold_bytes_total: chaos((c) => [{ labels: {}, value: c.bytesHeld }]),
  twinlab_chaos_discarded_bytes_total: chaos((c) => [{ labels: {}, value: c.bytesDiscarded }]),
  twinlab_chaos_dials_failed_total: chaos((c) => [
    { labels: { how: 'refused' }, value: c.dialsRefused },
    { labels: { how: 'timeout' }, value: c.dialsTimedOut },
  ]),
  twinlab_chaos_resets_total: chaos((c) => [{ labels: {}, value: c.resets }]),
  twinlab_chaos_flaps_total: chaos((c) => [
    { labels: { direction: 'down' }, value: c.flapDowns },
    { labels: { direction: 'up' }, value: c.flapUps },
  ]),
};

interface HistogramSeries {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A histogram rendered from a HistogramSnapshot. prom-client's Histogram can only be fed
 * observations, so this implements the part of its shape the Registry reads (name, type,
 * get(), reset()) and emits cumulative `_bucket{le}` series ending in +Inf, then `_sum` and `_count`.
 */
export class SnapshotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => HistogramSnapshot,
  ) {}

  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: HistogramSeries[];
  }> {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: histogramSeries(this.name, this.read()) };
  }

  /** Nothing to reset: the values belong to the shards. */
  reset(): void {}
}

export function histogramSeries(name: string, s: HistogramSnapshot): HistogramSeries[] {
  if (s.counts.length !== s.bounds.length + 1) {
    throw new RangeError(`${name}: ${s.counts.length} bucket counts for ${s.bounds.length} bounds (want bounds + 1)`);
  }
  const out: HistogramSeries[] = [];
  let cumulative = 0;
  s.bounds.forEach((bound, i) => {
    cumulative += s.counts[i]!;
    out.push({ metricName: `${name}_bucket`, labels: { le: String(bound) }, value: cumulative });
  });
  cumulative += s.counts[s.bounds.length]!;
  out.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: cumulative });
  out.push({ metricName: `${name}_sum`, labels: {}, value: s.sum });
  out.push({ metricName: `${name}_count`, labels: {}, value: s.count });
  return out;
}

export class FleetMetrics {
  readonly registry = new Registry();
  private view: FleetView = { totals: aggregate([]), shards: [] };

  constructor(options: FleetMetricsOptions = {}) {
    for (const spec of METRIC_CATALOGUE) this.register(spec, READINGS[spec.name]);
    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: CONTROLLER_METRICS_PREFIX });
    }
  }

  /** Replace what the next scrape reports. Counters are the shards' cumulative values, not deltas. */
  update(totals: FleetTotals, shards: readonly ShardSnapshot[]): void {
    this.view = { totals, shards: [...shards] };
  }

  /** The exposition text a scrape would get now. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private register(spec: MetricSpec, reading: Reading): void {
    const labelNames = [...spec.labels];
    const current = (): FleetView => this.view;
    if (reading.kind === 'histogram') {
      if (spec.type !== 'histogram') throw new TypeError(`${spec.name}: histogram reading for a ${spec.type}`);
      const metric = new SnapshotHistogram(spec.name, spec.help, () => reading.read(current()));
      // The Registry only reads name, type, get() and reset(); its typings name prom-client's own classes.
      this.registry.registerMetric(metric as unknown as Metric);
      return;
    }
    const { read } = reading;
    switch (spec.type) {
      case 'counter':
        // A Counter rebuilt from the shards' cumulative values on every scrape, so TYPE is counter.
        new Counter({
          name: spec.name,
          help: spec.help,
          labelNames,
          registers: [this.registry],
          collect() {
            this.reset();
            for (const s of read(current())) this.inc(s.labels, s.value);
          },
        });
        return;
      case 'gauge':
        new Gauge({
          name: spec.name,
          help: spec.help,
          labelNames,
          registers: [this.registry],
          collect() {
            this.reset();
            for (const s of read(current())) this.set(s.labels, s.value);
          },
        });
        return;
      case 'histogram':
        throw new TypeError(`${spec.name}: a histogram needs a histogram reading`);
    }
  }
}
