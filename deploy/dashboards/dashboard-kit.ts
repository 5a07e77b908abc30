/**
 * What every twinlab dashboard shares, on top of @grafana/grafana-foundation-sdk: the `datasource`
 * and `run_id` variables, panels bound to `${datasource}`, a `sel()` that scopes a selector to the
 * chosen runs, and the phase and fault annotations. `run_id=~"$run_id"` with the `.*` all-value
 * also matches series that carry no run_id (the compose stack's), so one file serves both.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** `{run_id=~"$run_id"}` plus any other matchers, for one metric. */
export function sel(metric: string, matchers = ''): string {
  return `${metric}{run_id=~"$run_id"${matchers ? `, ${matchers}` : ''}}`;
}

export interface Q {
  expr: string;
  legend?: string;
}

function target(q: Q, i: number): prometheus.DataqueryBuilder {
  const t = new prometheus.DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(DATASOURCE);
  return q.legend ? t.legendFormat(q.legend) : t;
}

export function series(title: string, unit: string, queries: readonly Q[], o: { span?: number; stacked?: boolean; description?: string } = {}): timeseries.PanelBuilder {
  let p = new timeseries.PanelBuilder().title(title).unit(unit).datasource(DATASOURCE).height(8).span(o.span ?? 12);
  if (o.description) p = p.description(o.description);
  if (o.stacked) p = p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  queries.forEach((q, i) => (p = p.withTarget(target(q, i))));
  return p;
}

export function single(title: string, unit: string, q: Q, span = 4): stat.PanelBuilder {
  return new stat.PanelBuilder().title(title).unit(unit).datasource(DATASOURCE).height(4).span(span).withTarget(target(q, 0));
}

export function row(title: string): dashboard.RowBuilder {
  return new dashboard.RowBuilder(title);
}

/** A dashboard with the datasource and run variables; `twinlab` tag; 5 s refresh; the last 30 min. */
export function twinlabDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['twinlab'])
    .refresh('5s')
    .time({ from: 'now-30m', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'))
    .withVariable(
      new dashboard.QueryVariableBuilder('run_id')
        .label('run')
        .datasource(DATASOURCE)
        .query('label_values(twinlab_run_info, run_id)')
        .definition('label_values(twinlab_run_info, run_id)')
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalDesc)
        .includeAll(true)
        .allValue('.*')
        .multi(true),
    );
}

/** Phase starts and ends, and faults in force, drawn over every time panel of the dashboard. */
export function withPhaseAndFaultAnnotations(d: dashboard.DashboardBuilder): dashboard.DashboardBuilder {
  return d
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Scenario phases')
        .datasource(DATASOURCE)
        .enable(true)
        .iconColor('#6b7280')
        .expr(sel('twinlab_scenario_phase'))
        .step('1s')
        .titleFormat('{{phase}}')
        .textFormat('phase {{phase}} ({{kind}})')
        .tagKeys('kind'),
    )
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Faults')
        .datasource(DATASOURCE)
        .enable(true)
        .iconColor('#dc2626')
        .expr(sel('twinlab_fault_active'))
        .step('1s')
        .titleFormat('{{kind}} on {{group}}')
        .textFormat('fault {{fault}} in phase {{phase}}')
        .tagKeys('kind,phase'),
    );
}

/** p50 and p99 of a histogram (seconds), optionally by one label. */
export function quantiles(histogram: string, matchers = '', by = ''): Q[] {
  const group = by ? `le, ${by}` : 'le';
  const suffix = by ? ` {{${by}}}` : '';
  return [0.5, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${group}) (rate(${sel(`${histogram}_bucket`, matchers)}[$__rate_interval])))`,
    legend: `p${q * 100}${suffix}`,
  }));
}
