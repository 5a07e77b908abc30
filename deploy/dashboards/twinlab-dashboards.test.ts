import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from './dashboard-queries.js';
import { DASHBOARDS_DIR, generatedDashboards } from './twinlab-dashboards.js';

const generated = generatedDashboards();

describe('dashboards as code', () => {
  it('are what charts/twinlab/dashboards/ holds, file for file (run `pnpm dashboards` after changing them)', () => {
    const committed = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(committed).toEqual(Object.keys(generated).sort());
    for (const [file, text] of Object.entries(generated)) expect(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), file).toBe(text);
  });

  it('are one per concern, each with its own uid and unique panel ids', () => {
    const uids = Object.values(generated).map((t) => (JSON.parse(t) as { uid: string }).uid);
    expect(uids.sort()).toEqual(['twinlab-control-plane', 'twinlab-devices', 'twinlab-fleet', 'twinlab-scenario']);
    for (const text of Object.values(generated)) {
      const ids = (JSON.parse(text) as { panels: Array<{ id: number }> }).panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('scope every query to the chosen runs and annotate phases and faults', () => {
    for (const [file, text] of Object.entries(generated)) {
      const queries = dashboardQueries(file, JSON.parse(text));
      expect(queries.length, file).toBeGreaterThan(10);
      for (const q of queries) expect(q.expr, `${file} ${q.where}`).toContain('run_id=~"$run_id"');
      const annotations = queries.filter((q) => q.where.startsWith('annotation')).map((q) => q.expr);
      expect(annotations, file).toEqual(['twinlab_scenario_phase{run_id=~"$run_id"}', 'twinlab_fault_active{run_id=~"$run_id"}']);
    }
  });
});
