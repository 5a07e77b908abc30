/** twinlab-scenario: the run's stage, the scenario's phases and faults (also as annotations), and the chaos engines. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { quantiles, row, sel, series, twinlabDashboard, withPhaseAndFaultAnnotations } from './dashboard-kit.js';

const rate = (metric: string, matchers = ''): string => `rate(${sel(metric, matchers)}[$__rate_interval])`;

export function scenarioDashboard(): dashboard.DashboardBuilder {
  return withPhaseAndFaultAnnotations(
    twinlabDashboard('twinlab-scenario', 'twinlab scenario and chaos', 'The run stage, scenario phases and faults in force (annotated over every panel), the chaos engines, and the recovery measures.'),
  )
    .withRow(row('Scenario'))
    .withPanel(series('Run stage', 'none', [{ expr: sel('twinlab_run_stage'), legend: '{{stage}}' }]))
    .withPanel(series('Scenario phase', 'none', [{ expr: sel('twinlab_scenario_phase'), legend: '{{phase}} ({{kind}})' }]))
    .withPanel(series('Faults in force', 'none', [{ expr: sel('twinlab_fault_active'), legend: '{{kind}} on {{group}} ({{phase}})' }]))
    .withPanel(series('Faults started', 'none', [{ expr: `sum by (kind) (${sel('twinlab_faults_started_total')})`, legend: '{{kind}}' }]))
    .withRow(row('Chaos engines'))
    .withPanel(
      series('Faults and nodes under them', 'none', [
        { expr: `sum(${sel('twinlab_chaos_faults_active')})`, legend: 'faults active' },
        { expr: `sum(${sel('twinlab_chaos_nodes_faulted')})`, legend: 'nodes faulted' },
      ]),
    )
    .withPanel(series('Bytes held by link faults', 'bytes', [{ expr: `sum by (direction) (${sel('twinlab_chaos_held_bytes')})`, legend: '{{direction}}' }]))
    .withPanel(
      series('Bytes through holds and discarded', 'Bps', [
        { expr: `sum(${rate('twinlab_chaos_hold_bytes_total')})`, legend: 'held' },
        { expr: `sum(${rate('twinlab_chaos_discarded_bytes_total')})`, legend: 'discarded' },
      ]),
    )
    .withPanel(
      series('Dials failed, resets, flaps', 'ops', [
        { expr: `sum by (how) (${rate('twinlab_chaos_dials_failed_total')})`, legend: 'dials {{how}}' },
        { expr: `sum(${rate('twinlab_chaos_resets_total')})`, legend: 'resets' },
        { expr: `sum by (direction) (${rate('twinlab_chaos_flaps_total')})`, legend: 'flaps {{direction}}' },
      ]),
    )
    .withRow(row('Recovery'))
    .withPanel(
      series('Nodes Ready and reconnecting', 'none', [
        { expr: `sum(${sel('twinlab_nodes', 'state="ready"')})`, legend: 'ready' },
        { expr: `sum(${sel('twinlab_nodes', 'state="reconnecting"')})`, legend: 'reconnecting' },
        { expr: `sum(${sel('KubeEdge_CloudHub_connected_nodes')})`, legend: 'cloudcore connected' },
      ]),
    )
    .withPanel(series('Reconnects', 'ops', [{ expr: `sum(${rate('twinlab_reconnects_total')})`, legend: 'reconnects' }]))
    .withPanel(series('Object change → node (p50 / p99)', 's', quantiles('twinlab_object_delivery_seconds')))
    .withPanel(series('Unanswered requests', 'ops', [{ expr: `sum(${rate('twinlab_unanswered_requests_total')})`, legend: 'unanswered' }]));
}
