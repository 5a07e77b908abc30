/**
 * The dashboards as code: one per concern, generated into charts/twinlab/dashboards/*.json, which
 * compose.yaml's Grafana and the Helm chart load as they are. `pnpm dashboards` writes them; the
 * test beside this file fails when a committed file differs from what the code generates.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlPlaneDashboard } from './control-plane-dashboard.js';
import { devicesDashboard } from './devices-dashboard.js';
import { fleetDashboard } from './fleet-dashboard.js';
import { scenarioDashboard } from './scenario-dashboard.js';

export const DASHBOARDS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'charts', 'twinlab', 'dashboards');

/** File name → dashboard JSON text (2-space indented, trailing newline). */
export function generatedDashboards(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, builder] of [
    ['twinlab-fleet.json', fleetDashboard()],
    ['twinlab-control-plane.json', controlPlaneDashboard()],
    ['twinlab-scenario.json', scenarioDashboard()],
    ['twinlab-devices.json', devicesDashboard()],
  ] as const) {
    out[file] = `${JSON.stringify(numberPanels(builder.build()), null, 2)}\n`;
  }
  return out;
}

/** Grafana keys panel state by id: number rows and panels 1, 2, … in layout order. */
function numberPanels<T extends { panels?: unknown[] }>(d: T): T {
  let next = 1;
  const walk = (panels: unknown[] | undefined): void => {
    for (const p of panels ?? []) {
      if (typeof p !== 'object' || p === null) continue;
      (p as { id?: number }).id = next++;
      walk((p as { panels?: unknown[] }).panels);
    }
  };
  walk(d.panels);
  return d;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(generatedDashboards())) {
    writeFileSync(join(DASHBOARDS_DIR, file), text);
    process.stdout.write(`${join(DASHBOARDS_DIR, file)}\n`);
  }
}
