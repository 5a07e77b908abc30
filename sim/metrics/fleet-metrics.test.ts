import { describe, expect, it } from 'vitest';
import type { FleetTotals } from '../fleet/controller/aggregate.js';
import type { ProcessSample, ShardSnapshot } from '../fleet/ipc-messages.js';
import { FleetMetrics, histogramSeries } from './fleet-metrics.js';
import { METRIC_CATALOGUE } from './metric-catalogue.js';

const EMPTY_COUNTERS = {
  states: { idle: 0, bootstrapping: 0, connecting: 0, registering: 0, ready: 0, reconnecting: 0, stopped: 0, failed: 0 },
  connected: 0, connects: 0, connectFailures: 0, reconnects: 0, disconnects: 0, keepalives: 0, acksSent: 0,
  duplicates: 0, malformed: 0, unanswered: 0, pendingRequests: 0, errorReplies: 0, sendFailures: 0,
  sent: {}, received: {}, bytesSent: 0, bytesReceived: 0,
  ackLatencyMs: { bounds: [1], counts: [0, 0], sum: 0, count: 0 },
  bootstrapSeconds: { bounds: [1], counts: [0, 0], sum: 0, count: 0 },
  podsCreated: 0, podsRunning: 0, podsDeleted: 0,
};

function shard(index: number, process: Partial<ProcessSample>): ShardSnapshot {
  return {
    index,
    atMs: 0,
    started: 0,
    counters: EMPTY_COUNTERS,
    process: { rssBytes: 0, heapUsedBytes: 0, cpuSeconds: 0, eventLoopLagP99Ms: 0, eventLoopLagMaxMs: 0, runEventLoopLagP99Ms: 0, ...process },
    metaStoreRows: 0,
  };
}

const SHARDS: ShardSnapshot[] = [
  shard(0, { rssBytes: 104857600, heapUsedBytes: 52428800, cpuSeconds: 12.5, eventLoopLagP99Ms: 25 }),
  shard(1, { rssBytes: 98566144, heapUsedBytes: 41943040, cpuSeconds: 11.25, eventLoopLagP99Ms: 4 }),
];

/** Written by hand, not taken from aggregate(), so the rendering is checked against known numbers. */
const TOTALS: FleetTotals = {
  states: { idle: 1, bootstrapping: 2, connecting: 3, registering: 4, ready: 90, reconnecting: 5, stopped: 6, failed: 7 },
  connected: 94,
  connects: 130,
  connectFailures: 9,
  reconnects: 30,
  disconnects: 36,
  keepalives: 5000,
  acksSent: 420,
  duplicates: 3,
  malformed: 2,
  unanswered: 11,
  pendingRequests: 8,
  errorReplies: 4,
  sendFailures: 6,
  firstFailedSend: { lease: 7, keepalive: 4 },
  failedFastOffline: 25,
  sent: { 'update\tnodestatus': 300, 'insert\tnode': 100 },
  received: { 'update\tpod': 400, 'response\t': 97 },
  bytesSent: 123456,
  bytesReceived: 654321,
  ackLatencyMs: { bounds: [0.1, 1, 10, 100], counts: [5, 100, 200, 100, 15], sum: 21000, count: 420 },
  bootstrapSeconds: { bounds: [0.5, 1, 5], counts: [10, 60, 30, 0], sum: 110.5, count: 100 },
  podsCreated: 50,
  podsRunning: 48,
  podsDeleted: 12,
  shards: 2,
  started: 118,
  rssBytes: 203423744,
  cpuSeconds: 23.75,
  eventLoopLagP99Ms: 25,
  metaStoreRows: 777,
};

function lines(text: string): string[] {
  return text.split('\n');
}

describe('FleetMetrics rendering', () => {
  it('renders every catalogue metric with its HELP and TYPE, and nothing else under twinlab_', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    const out = lines(await m.metrics());
    const types = out.filter((l) => l.startsWith('# TYPE '));
    expect(types).toEqual(METRIC_CATALOGUE.map((s) => `# TYPE ${s.name} ${s.type}`));
    for (const s of METRIC_CATALOGUE) expect(out).toContain(`# HELP ${s.name} ${s.help}`);
  });

  it('reports node states, gauges and counters as the totals hold them', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    const out = lines(await m.metrics());
    expect(out).toEqual(
      expect.arrayContaining([
        'twinlab_nodes{state="idle"} 1',
        'twinlab_nodes{state="bootstrapping"} 2',
        'twinlab_nodes{state="connecting"} 3',
        'twinlab_nodes{state="registering"} 4',
        'twinlab_nodes{state="ready"} 90',
        'twinlab_nodes{state="reconnecting"} 5',
        'twinlab_nodes{state="stopped"} 6',
        'twinlab_nodes{state="failed"} 7',
        'twinlab_nodes_connected 94',
        'twinlab_nodes_started 118',
        'twinlab_connects_total 130',
        'twinlab_connect_failures_total 9',
        'twinlab_reconnects_total 30',
        'twinlab_disconnects_total 36',
        'twinlab_keepalives_total 5000',
        'twinlab_acks_sent_total 420',
        'twinlab_duplicate_deliveries_total 3',
        'twinlab_malformed_frames_total 2',
        'twinlab_unanswered_requests_total 11',
        'twinlab_pending_requests 8',
        'twinlab_error_replies_total 4',
        'twinlab_send_failures_total 6',
        'twinlab_first_failed_sends_total{send="keepalive"} 4',
        'twinlab_first_failed_sends_total{send="lease"} 7',
        'twinlab_first_failed_sends_total{send="other"} 0',
        'twinlab_offline_refusals_total 25',
        'twinlab_pods_created_total 50',
        'twinlab_pods_running_total 48',
        'twinlab_pods_deleted_total 12',
        'twinlab_meta_store_rows_written_total 777',
      ]),
    );
  });

  it('splits traffic by direction, operation and type', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    expect(await m.registry.getSingleMetricAsString('twinlab_messages_total')).toBe(
      [
        '# HELP twinlab_messages_total Hub messages by direction (up: edge to cloud, down: cloud to edge), operation and resource type.',
        '# TYPE twinlab_messages_total counter',
        'twinlab_messages_total{direction="up",operation="update",type="nodestatus"} 300',
        'twinlab_messages_total{direction="up",operation="insert",type="node"} 100',
        'twinlab_messages_total{direction="down",operation="update",type="pod"} 400',
        'twinlab_messages_total{direction="down",operation="response",type=""} 97',
      ].join('\n'),
    );
    expect(lines(await m.metrics())).toEqual(
      expect.arrayContaining(['twinlab_message_bytes_total{direction="up"} 123456', 'twinlab_message_bytes_total{direction="down"} 654321']),
    );
  });

  it('renders ack latency as a cumulative histogram in seconds', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    expect(await m.registry.getSingleMetricAsString('twinlab_ack_latency_seconds')).toBe(
      [
        '# HELP twinlab_ack_latency_seconds Time on the edge from receipt of a downstream resource message to its ACK being written.',
        '# TYPE twinlab_ack_latency_seconds histogram',
        'twinlab_ack_latency_seconds_bucket{le="0.0001"} 5',
        'twinlab_ack_latency_seconds_bucket{le="0.001"} 105',
        'twinlab_ack_latency_seconds_bucket{le="0.01"} 305',
        'twinlab_ack_latency_seconds_bucket{le="0.1"} 405',
        'twinlab_ack_latency_seconds_bucket{le="+Inf"} 420',
        'twinlab_ack_latency_seconds_sum 21',
        'twinlab_ack_latency_seconds_count 420',
      ].join('\n'),
    );
  });

  it('renders bootstrap duration in seconds as given, with the +Inf bucket equal to the count', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    const text = await m.registry.getSingleMetricAsString('twinlab_bootstrap_duration_seconds');
    expect(lines(text).slice(2)).toEqual([
      'twinlab_bootstrap_duration_seconds_bucket{le="0.5"} 10',
      'twinlab_bootstrap_duration_seconds_bucket{le="1"} 70',
      'twinlab_bootstrap_duration_seconds_bucket{le="5"} 100',
      'twinlab_bootstrap_duration_seconds_bucket{le="+Inf"} 100',
      'twinlab_bootstrap_duration_seconds_sum 110.5',
      'twinlab_bootstrap_duration_seconds_count 100',
    ]);
  });

  it('labels process samples by shard, event-loop lag in seconds', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    expect(lines(await m.metrics())).toEqual(
      expect.arrayContaining([
        'twinlab_shard_rss_bytes{shard="0"} 104857600',
        'twinlab_shard_rss_bytes{shard="1"} 98566144',
        'twinlab_shard_cpu_seconds_total{shard="0"} 12.5',
        'twinlab_shard_cpu_seconds_total{shard="1"} 11.25',
        'twinlab_shard_event_loop_lag_p99_seconds{shard="0"} 0.025',
        'twinlab_shard_event_loop_lag_p99_seconds{shard="1"} 0.004',
        'twinlab_shard_heap_used_bytes{shard="0"} 52428800',
        'twinlab_shard_heap_used_bytes{shard="1"} 41943040',
      ]),
    );
  });
});

describe('FleetMetrics updates', () => {
  it('reports zeros and empty histograms before the first update', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    const out = lines(await m.metrics());
    expect(out).toEqual(
      expect.arrayContaining([
        'twinlab_nodes{state="ready"} 0',
        'twinlab_connects_total 0',
        'twinlab_pending_requests 0',
        'twinlab_ack_latency_seconds_bucket{le="+Inf"} 0',
        'twinlab_ack_latency_seconds_count 0',
        'twinlab_bootstrap_duration_seconds_sum 0',
      ]),
    );
    expect(out.some((l) => l.startsWith('twinlab_shard_rss_bytes{'))).toBe(false);
    expect(out.some((l) => l.startsWith('twinlab_messages_total{'))).toBe(false);
  });

  it('replaces values on update rather than adding to them, and drops shards that are gone', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(TOTALS, SHARDS);
    await m.metrics();
    m.update({ ...TOTALS, connects: 140, sent: { 'update\tnodestatus': 310 } }, [SHARDS[1]!]);
    const out = lines(await m.metrics());
    expect(out).toContain('twinlab_connects_total 140');
    expect(out).toContain('twinlab_messages_total{direction="up",operation="update",type="nodestatus"} 310');
    expect(out).not.toContain('twinlab_messages_total{direction="up",operation="insert",type="node"} 100');
    expect(out).toContain('twinlab_shard_rss_bytes{shard="1"} 98566144');
    expect(out.some((l) => l.startsWith('twinlab_shard_rss_bytes{shard="0"}'))).toBe(false);
  });

  it('adds the controller process metrics under twinlab_controller_ unless turned off', async () => {
    const withProcess = await new FleetMetrics().metrics();
    expect(withProcess).toMatch(/^# TYPE twinlab_controller_process_cpu_user_seconds_total counter$/m);
    expect(withProcess).toMatch(/^twinlab_controller_nodejs_heap_size_used_bytes \d+/m);
    expect(await new FleetMetrics({ processMetrics: false }).metrics()).not.toContain('twinlab_controller_');
  });

  it('fails a scrape on a histogram whose counts do not fit its bounds', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update({ ...TOTALS, bootstrapSeconds: { bounds: [1, 2], counts: [1, 2], sum: 3, count: 3 } }, SHARDS);
    await expect(m.metrics()).rejects.toThrow(/twinlab_bootstrap_duration_seconds: 2 bucket counts for 2 bounds/);
  });
});

describe('histogramSeries', () => {
  it('turns per-bucket counts into cumulative buckets ending in +Inf', () => {
    const series = histogramSeries('h', { bounds: [1, 2], counts: [1, 0, 4], sum: 30, count: 5 });
    expect(series.map((s) => [s.metricName, s.labels['le'] ?? null, s.value])).toEqual([
      ['h_bucket', '1', 1],
      ['h_bucket', '2', 1],
      ['h_bucket', '+Inf', 5],
      ['h_sum', null, 30],
      ['h_count', null, 5],
    ]);
  });
});
