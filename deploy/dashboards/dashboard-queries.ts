/**
 * Every PromQL expression a generated dashboard runs — panel targets and annotation queries — and
 * how to run one against a Prometheus for a given run: Grafana's variables replaced by values.
 */

export interface DashboardQuery {
  dashboard: string;
  /** `panel "<title>" <refId>` or `annotation "<name>"`. */
  where: string;
  expr: string;
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

export function dashboardQueries(file: string, json: unknown): DashboardQuery[] {
  const d = rec(json);
  const out: DashboardQuery[] = [];
  const walk = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const p of panels) {
      const panel = rec(p);
      const targets = Array.isArray(panel.targets) ? panel.targets : [];
      for (const t of targets) {
        const target = rec(t);
        if (typeof target.expr === 'string') out.push({ dashboard: file, where: `panel "${String(panel.title)}" ${String(target.refId)}`, expr: target.expr });
      }
      walk(panel.panels);
    }
  };
  walk(d.panels);
  const annotations = rec(d.annotations).list;
  for (const a of Array.isArray(annotations) ? annotations : []) {
    const ann = rec(a);
    if (typeof ann.expr === 'string') out.push({ dashboard: file, where: `annotation "${String(ann.name)}"`, expr: ann.expr });
  }
  return out;
}

/** The expression as Grafana would send it for one run, with `$__rate_interval` set to `rateWindow`. */
export function forRun(expr: string, runId: string, rateWindow: string): string {
  return expr.replaceAll('$run_id', runId).replaceAll('$__rate_interval', rateWindow);
}
