/** twinlab-fleet: the virtual nodes, their messages and protocol health, and the harness's shards. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { quantiles, row, sel, series, single, twinlabDashboard, withPhaseAndFaultAnnotations } from './dashboard-kit.js';

const rate = (metric: string, matchers = ''): string => `rate(${sel(metric, matchers)}[$__rate_interval])`;

export function fleetDashboard(): dashboard.DashboardBuilder {
  return withPhaseAndFaultAnnotations(
    twinlabDashboard('twinlab-fleet', 'twinlab fleet', 'Virtual edge nodes against cloudcore: lifecycle, connections, hub traffic, ACKs, protocol health and the harness shards.'),
  )
    .withRow(row('Fleet'))
    .withPanel(single('Nodes started', 'none', { expr: `sum(${sel('twinlab_nodes_started')})` }))
    .withPanel(single('Nodes ready', 'none', { expr: `sum(${sel('twinlab_nodes', 'state="ready"')})` }))
    .withPanel(single('Sockets open (twinlab)', 'none', { expr: `sum(${sel('twinlab_nodes_connected')})` }))
    .withPanel(single('Connected (cloudcore)', 'none', { expr: `sum(${sel('KubeEdge_CloudHub_connected_nodes')})` }))
    .withPanel(single('Nodes failed', 'none', { expr: `sum(${sel('twinlab_nodes', 'state="failed"')}) or vector(0)` }))
    .withPanel(single('Unanswered requests', 'none', { expr: `sum(${sel('twinlab_unanswered_requests_total')}) or vector(0)` }))
    .withPanel(series('Nodes by state', 'none', [{ expr: `sum by (state) (${sel('twinlab_nodes')})`, legend: '{{state}}' }], { stacked: true }))
    .withPanel(
      series('Connected nodes: twinlab vs cloudcore', 'none', [
        { expr: `sum(${sel('twinlab_nodes_connected')})`, legend: 'twinlab sockets' },
        { expr: `sum(${sel('KubeEdge_CloudHub_connected_nodes')})`, legend: 'cloudcore' },
        { expr: `sum(${sel('twinlab_nodes_started')})`, legend: 'started' },
      ]),
    )
    .withPanel(
      series('Connection events', 'ops', [
        { expr: `sum(${rate('twinlab_connects_total')})`, legend: 'connects' },
        { expr: `sum(${rate('twinlab_reconnects_total')})`, legend: 'reconnects' },
        { expr: `sum(${rate('twinlab_disconnects_total')})`, legend: 'disconnects' },
        { expr: `sum(${rate('twinlab_connect_failures_total')})`, legend: 'connect failures' },
      ]),
    )
    .withPanel(series('Join → Ready (p50 / p99)', 's', quantiles('twinlab_node_join_ready_seconds')))
    .withPanel(series('Bootstrap duration (p50 / p99)', 's', quantiles('twinlab_bootstrap_duration_seconds')))
    .withRow(row('Messages'))
    .withPanel(series('Message rate by direction and operation', 'ops', [{ expr: `sum by (direction, operation) (${rate('twinlab_messages_total')})`, legend: '{{direction}} {{operation}}' }]))
    .withPanel(series('Message rate by direction and resource type', 'ops', [{ expr: `sum by (direction, type) (${rate('twinlab_messages_total')})`, legend: '{{direction}} {{type}}' }]))
    .withPanel(series('ACK latency (p50 / p99)', 's', quantiles('twinlab_ack_latency_seconds')))
    .withPanel(
      series('ACKs and keepalives', 'ops', [
        { expr: `sum(${rate('twinlab_acks_sent_total')})`, legend: 'ACKs' },
        { expr: `sum(${rate('twinlab_keepalives_total')})`, legend: 'keepalives' },
      ]),
    )
    .withPanel(series('Hub bytes by direction', 'Bps', [{ expr: `sum by (direction) (${rate('twinlab_message_bytes_total')})`, legend: '{{direction}}' }]))
    .withPanel(series('Pod startup on the edge (p99 by stage)', 's', [quantiles('twinlab_pod_startup_seconds', '', 'stage')[1]!]))
    .withPanel(series('Object change → node (p99 by kind; configmap: ConfigMap → edge)', 's', [quantiles('twinlab_object_delivery_seconds', '', 'kind')[1]!]))
    .withRow(row('Protocol health'))
    .withPanel(
      series('Unanswered, malformed, duplicates', 'ops', [
        { expr: `sum(${rate('twinlab_unanswered_requests_total')})`, legend: 'unanswered' },
        { expr: `sum(${rate('twinlab_malformed_frames_total')})`, legend: 'malformed' },
        { expr: `sum(${rate('twinlab_duplicate_deliveries_total')})`, legend: 'duplicates' },
      ]),
    )
    .withPanel(
      series('Error replies and send failures', 'ops', [
        { expr: `sum(${rate('twinlab_error_replies_total')})`, legend: 'error replies' },
        { expr: `sum(${rate('twinlab_send_failures_total')})`, legend: 'send failures' },
      ]),
    )
    .withPanel(series('Pending requests', 'none', [{ expr: `sum(${sel('twinlab_pending_requests')})`, legend: 'pending' }]))
    .withPanel(
      series('Pods on virtual nodes', 'ops', [
        { expr: `sum(${rate('twinlab_pods_created_total')})`, legend: 'created' },
        { expr: `sum(${rate('twinlab_pods_running_total')})`, legend: 'running' },
        { expr: `sum(${rate('twinlab_pods_deleted_total')})`, legend: 'deleted' },
      ]),
    )
    .withRow(row('Harness (twinlab shards)'))
    .withPanel(series('Shard RSS', 'bytes', [{ expr: sel('twinlab_shard_rss_bytes'), legend: 'shard {{shard}}' }]))
    .withPanel(series('Shard CPU', 'none', [{ expr: rate('twinlab_shard_cpu_seconds_total'), legend: 'shard {{shard}}' }], { description: 'Cores: 1 is one core busy.' }))
    .withPanel(series('Shard event-loop lag p99', 's', [{ expr: sel('twinlab_shard_event_loop_lag_p99_seconds'), legend: 'shard {{shard}}' }]))
    .withPanel(series('Shard V8 heap used', 'bytes', [{ expr: sel('twinlab_shard_heap_used_bytes'), legend: 'shard {{shard}}' }]));
}
