/**
 * The fixed list of `twinlab_*` metrics the fleet controller exposes: one place for names, types,
 * help text, labels and units, so the registry and docs/metrics.md cannot drift apart.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricKind;
  readonly help: string;
  readonly labels: readonly string[];
  /** Base unit of the value (Prometheus convention), or what is being counted. */
  readonly unit: string;
}

/** Prefix of the controller process's own Node.js metrics (prom-client default metrics). */
export const CONTROLLER_METRICS_PREFIX = 'twinlab_controller_';

export const METRIC_CATALOGUE = [
  {
    name: 'twinlab_nodes',
    type: 'gauge',
    help: 'Virtual nodes by lifecycle state (idle, bootstrapping, connecting, registering, ready, reconnecting, stopped, failed).',
    labels: ['state'],
    unit: 'nodes',
  },
  { name: 'twinlab_nodes_connected', type: 'gauge', help: 'Virtual nodes with an open CloudHub socket.', labels: [], unit: 'nodes' },
  { name: 'twinlab_nodes_started', type: 'gauge', help: 'Virtual nodes the shards have started so far.', labels: [], unit: 'nodes' },
  { name: 'twinlab_connects_total', type: 'counter', help: 'CloudHub connections established.', labels: [], unit: 'connections' },
  { name: 'twinlab_connect_failures_total', type: 'counter', help: 'CloudHub connection attempts that closed before opening.', labels: [], unit: 'attempts' },
  { name: 'twinlab_reconnects_total', type: 'counter', help: 'CloudHub connections established by a node that had been connected before.', labels: [], unit: 'reconnections' },
  { name: 'twinlab_disconnects_total', type: 'counter', help: 'CloudHub connections that closed.', labels: [], unit: 'disconnections' },
  { name: 'twinlab_keepalives_total', type: 'counter', help: 'Keepalive messages sent by virtual nodes.', labels: [], unit: 'messages' },
  {
    name: 'twinlab_messages_total',
    type: 'counter',
    help: 'Hub messages by direction (up: edge to cloud, down: cloud to edge), operation and resource type.',
    labels: ['direction', 'operation', 'type'],
    unit: 'messages',
  },
  {
    name: 'twinlab_message_bytes_total',
    type: 'counter',
    help: 'Hub frame bytes by direction (up: edge to cloud, down: cloud to edge).',
    labels: ['direction'],
    unit: 'bytes',
  },
  { name: 'twinlab_acks_sent_total', type: 'counter', help: 'ACKs written by virtual nodes for downstream resource messages.', labels: [], unit: 'messages' },
  {
    name: 'twinlab_ack_latency_seconds',
    type: 'histogram',
    help: 'Time on the edge from receipt of a downstream resource message to its ACK being written.',
    labels: [],
    unit: 'seconds',
  },
  {
    name: 'twinlab_duplicate_deliveries_total',
    type: 'counter',
    help: 'Downstream messages whose msg_id the node had already seen (cloud resends).',
    labels: [],
    unit: 'messages',
  },
  { name: 'twinlab_malformed_frames_total', type: 'counter', help: 'Frames from the cloud that could not be decoded.', labels: [], unit: 'frames' },
  {
    name: 'twinlab_unanswered_requests_total',
    type: 'counter',
    help: 'Upstream requests that got no reply within the request timeout (each timeout counts).',
    labels: [],
    unit: 'requests',
  },
  { name: 'twinlab_pending_requests', type: 'gauge', help: 'Upstream requests waiting for a reply.', labels: [], unit: 'requests' },
  {
    name: 'twinlab_error_replies_total',
    type: 'counter',
    help: 'Replies the cloud sent as errors (NotFound and AlreadyExists excluded: they are protocol).',
    labels: [],
    unit: 'replies',
  },
  { name: 'twinlab_send_failures_total', type: 'counter', help: 'Messages a virtual node failed to write to its socket.', labels: [], unit: 'messages' },
  {
    name: 'twinlab_first_failed_sends_total',
    type: 'counter',
    help: 'Lost links noticed, by the send whose failure noticed it (keepalive, lease, other): that message is lost, and a lost lease lets the Node turn Unknown.',
    labels: ['send'],
    unit: 'links',
  },
  {
    name: 'twinlab_offline_refusals_total',
    type: 'counter',
    help: 'Requests metamanager refused at once because the link was known down (lease updates and inserts "not connected", patches), with each of the lease controller\'s retries.',
    labels: [],
    unit: 'requests',
  },
  {
    name: 'twinlab_bootstrap_duration_seconds',
    type: 'histogram',
    help: 'Time from a virtual node starting to its TLS credentials being ready (enrolment, or the certificate cache).',
    labels: [],
    unit: 'seconds',
  },
  { name: 'twinlab_pods_created_total', type: 'counter', help: 'Pods the cloud assigned to virtual nodes that the nodes began creating.', labels: [], unit: 'pods' },
  { name: 'twinlab_pods_running_total', type: 'counter', help: 'Pods whose containers a virtual node started and reported Running.', labels: [], unit: 'pods' },
  { name: 'twinlab_pods_deleted_total', type: 'counter', help: 'Pods removed from virtual nodes on a delete from the cloud.', labels: [], unit: 'pods' },
  { name: 'twinlab_shard_rss_bytes', type: 'gauge', help: 'Resident set size of a shard process.', labels: ['shard'], unit: 'bytes' },
  {
    name: 'twinlab_shard_cpu_seconds_total',
    type: 'counter',
    help: 'User and system CPU time of a shard process since it started.',
    labels: ['shard'],
    unit: 'seconds',
  },
  {
    name: 'twinlab_shard_event_loop_lag_p99_seconds',
    type: 'gauge',
    help: 'p99 event-loop delay of a shard process over its last snapshot interval.',
    labels: ['shard'],
    unit: 'seconds',
  },
  { name: 'twinlab_shard_heap_used_bytes', type: 'gauge', help: 'V8 heap in use in a shard process.', labels: ['shard'], unit: 'bytes' },
  {
    name: 'twinlab_meta_store_rows_written_total',
    type: 'counter',
    help: 'Rows the shards have written to their edge meta stores.',
    labels: [],
    unit: 'rows',
  },
  { name: 'twinlab_devices', type: 'gauge', help: 'Devices with a mapper loop running on a virtual node.', labels: [], unit: 'devices' },
  { name: 'twinlab_devices_online', type: 'gauge', help: 'Devices whose last read or write reached the device.', labels: [], unit: 'devices' },
  { name: 'twinlab_device_reads_total', type: 'counter', help: 'Property reads the virtual mappers completed over the wire (Modbus TCP, ONVIF).', labels: [], unit: 'reads' },
  {
    name: 'twinlab_device_read_errors_total',
    type: 'counter',
    help: 'Device reads that failed, by kind (timeout, refused, unreachable, reset, exception, protocol, decode, http, other).',
    labels: ['kind'],
    unit: 'reads',
  },
  { name: 'twinlab_device_writes_total', type: 'counter', help: 'Desired values the virtual mappers wrote to devices.', labels: [], unit: 'writes' },
  { name: 'twinlab_device_write_errors_total', type: 'counter', help: 'Desired-value writes that failed, by kind.', labels: ['kind'], unit: 'writes' },
  {
    name: 'twinlab_device_reports_total',
    type: 'counter',
    help: 'Device reports sent upstream by kind (twin: twin/edge_updated, state: state/update), re-sends excluded.',
    labels: ['kind'],
    unit: 'messages',
  },
  { name: 'twinlab_device_reports_confirmed_total', type: 'counter', help: 'Device reports the cloud answered with "OK".', labels: [], unit: 'messages' },
  { name: 'twinlab_device_reports_resent_total', type: 'counter', help: 'Unconfirmed device reports sent again by devicetwin\'s confirm loop.', labels: [], unit: 'messages' },
  {
    name: 'twinlab_device_reports_dropped_total',
    type: 'counter',
    help: 'Device reports the edge did not send, by reason (offline, not_member, rate_limited, overflow).',
    labels: ['reason'],
    unit: 'messages',
  },
  { name: 'twinlab_device_read_latency_seconds', type: 'histogram', help: 'Device round trip of a read: request written to answer decoded.', labels: [], unit: 'seconds' },
  { name: 'twinlab_device_report_confirm_seconds', type: 'histogram', help: 'Device report sent to the cloud\'s "OK".', labels: [], unit: 'seconds' },
] as const satisfies readonly MetricSpec[];

export type MetricName = (typeof METRIC_CATALOGUE)[number]['name'];

/** The catalogue as a Markdown table (docs/metrics.md, README). */
export function catalogueMarkdownTable(catalogue: readonly MetricSpec[] = METRIC_CATALOGUE): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = catalogue.map((m) => {
    const labels = m.labels.length ? m.labels.map((l) => `\`${l}\``).join(', ') : '—';
    return `| \`${m.name}\` | ${m.type} | ${labels} | ${cell(m.unit)} | ${cell(m.help)} |`;
  });
  const controller = `| \`${CONTROLLER_METRICS_PREFIX}*\` | various | various | various | The controller process's own Node.js metrics (prom-client default metrics: CPU, memory, event loop, GC, handles). |`;
  return ['| Name | Type | Labels | Unit | Meaning |', '| --- | --- | --- | --- | --- |', ...rows, controller].join('\n') + '\n';
}
