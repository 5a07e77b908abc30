/** twinlab-devices: the fake devices behind the virtual mappers, their reports, and the twin round trips through the cloud. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { quantiles, row, sel, series, single, twinlabDashboard, withPhaseAndFaultAnnotations } from './dashboard-kit.js';

const rate = (metric: string, matchers = ''): string => `rate(${sel(metric, matchers)}[$__rate_interval])`;

export function devicesDashboard(): dashboard.DashboardBuilder {
  return withPhaseAndFaultAnnotations(
    twinlabDashboard('twinlab-devices', 'twinlab devices', 'Devices on virtual nodes: mapper reads and writes, reports upstream, and the device → API and desired → reported round trips.'),
  )
    .withRow(row('Devices'))
    .withPanel(single('Devices', 'none', { expr: `sum(${sel('twinlab_devices')})` }, 6))
    .withPanel(single('Devices online', 'none', { expr: `sum(${sel('twinlab_devices_online')})` }, 6))
    .withPanel(
      series('Reads and writes', 'ops', [
        { expr: `sum(${rate('twinlab_device_reads_total')})`, legend: 'reads' },
        { expr: `sum(${rate('twinlab_device_writes_total')})`, legend: 'writes' },
      ]),
    )
    .withPanel(
      series('Read and write errors by kind', 'ops', [
        { expr: `sum by (kind) (${rate('twinlab_device_read_errors_total')})`, legend: 'read {{kind}}' },
        { expr: `sum by (kind) (${rate('twinlab_device_write_errors_total')})`, legend: 'write {{kind}}' },
      ]),
    )
    .withPanel(series('Device read latency (p50 / p99)', 's', quantiles('twinlab_device_read_latency_seconds')))
    .withRow(row('Reports'))
    .withPanel(
      series('Reports sent, confirmed, re-sent', 'ops', [
        { expr: `sum by (kind) (${rate('twinlab_device_reports_total')})`, legend: 'sent {{kind}}' },
        { expr: `sum(${rate('twinlab_device_reports_confirmed_total')})`, legend: 'confirmed' },
        { expr: `sum(${rate('twinlab_device_reports_resent_total')})`, legend: 're-sent' },
      ]),
    )
    .withPanel(series('Reports dropped by reason', 'ops', [{ expr: `sum by (reason) (${rate('twinlab_device_reports_dropped_total')})`, legend: '{{reason}}' }]))
    .withPanel(series('Report → cloud OK (p50 / p99)', 's', quantiles('twinlab_device_report_confirm_seconds')))
    .withRow(row('Round trips through the cloud'))
    .withPanel(series('Device read → API (p50 / p99)', 's', quantiles('twinlab_device_report_to_api_seconds')))
    .withPanel(series('Desired → reported (p50 / p99)', 's', quantiles('twinlab_device_desired_round_trip_seconds')))
    .withPanel(series('Desired → device write (p50 / p99)', 's', quantiles('twinlab_device_desired_to_write_seconds')));
}
