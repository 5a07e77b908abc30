/** twinlab-control-plane: cloudcore and the processes behind it — kube-apiserver, etcd, kube-controller-manager. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { quantiles, row, sel, series, twinlabDashboard, withPhaseAndFaultAnnotations } from './dashboard-kit.js';

/** The control-plane jobs: every job but the harness's own. */
const CP = 'job!="twinlab"';

export function controlPlaneDashboard(): dashboard.DashboardBuilder {
  return withPhaseAndFaultAnnotations(
    twinlabDashboard('twinlab-control-plane', 'twinlab cloudcore and control plane', 'cloudcore, kube-apiserver, etcd and kube-controller-manager under the fleet: processes, requests, latencies.'),
  )
    .withRow(row('Processes'))
    .withPanel(series('CPU by process', 'none', [{ expr: `sum by (job) (rate(${sel('process_cpu_seconds_total', CP)}[$__rate_interval]))`, legend: '{{job}}' }], { description: 'Cores: 1 is one core busy.' }))
    .withPanel(series('RSS by process', 'bytes', [{ expr: `sum by (job) (${sel('process_resident_memory_bytes', CP)})`, legend: '{{job}}' }]))
    .withPanel(series('Open files by process', 'none', [{ expr: `sum by (job) (${sel('process_open_fds', CP)})`, legend: '{{job}}' }]))
    .withPanel(series('Goroutines by process', 'none', [{ expr: `sum by (job) (${sel('go_goroutines', CP)})`, legend: '{{job}}' }]))
    .withRow(row('cloudcore'))
    .withPanel(series('cloudcore connected nodes', 'none', [{ expr: `sum(${sel('KubeEdge_CloudHub_connected_nodes')})`, legend: 'connected' }]))
    .withPanel(
      series('cloudcore goroutines and open files', 'none', [
        { expr: `sum(${sel('go_goroutines', 'job="cloudcore"')})`, legend: 'goroutines' },
        { expr: `sum(${sel('process_open_fds', 'job="cloudcore"')})`, legend: 'open files' },
      ]),
    )
    .withRow(row('kube-apiserver'))
    .withPanel(series('Requests by verb', 'reqps', [{ expr: `sum by (verb) (rate(${sel('apiserver_request_total', 'job="kube-apiserver"')}[$__rate_interval]))`, legend: '{{verb}}' }]))
    .withPanel(series('Request latency (p50 / p99, without WATCH)', 's', quantiles('apiserver_request_duration_seconds', 'job="kube-apiserver", verb!~"WATCH|CONNECT"')))
    .withPanel(series('Requests in flight', 'none', [{ expr: `sum by (request_kind) (${sel('apiserver_current_inflight_requests', 'job="kube-apiserver"')})`, legend: '{{request_kind}}' }]))
    .withPanel(series('Responses by code', 'reqps', [{ expr: `sum by (code) (rate(${sel('apiserver_request_total', 'job="kube-apiserver"')}[$__rate_interval]))`, legend: '{{code}}' }]))
    .withRow(row('etcd'))
    .withPanel(series('etcd request latency (kube-apiserver\'s view, p50 / p99)', 's', quantiles('etcd_request_duration_seconds', 'job="kube-apiserver"')))
    .withPanel(series('etcd WAL fsync (p50 / p99)', 's', quantiles('etcd_disk_wal_fsync_duration_seconds', 'job="etcd"')))
    .withPanel(series('etcd database size', 'bytes', [{ expr: `sum(${sel('etcd_mvcc_db_total_size_in_bytes', 'job="etcd"')})`, legend: 'db size' }]))
    .withRow(row('kube-controller-manager'))
    .withPanel(series('Work queue depth', 'none', [{ expr: `sum by (name) (${sel('workqueue_depth', 'job="kube-controller-manager"')})`, legend: '{{name}}' }]))
    .withPanel(series('Work queue adds', 'ops', [{ expr: `sum(rate(${sel('workqueue_adds_total', 'job="kube-controller-manager"')}[$__rate_interval]))`, legend: 'adds' }]));
}
