/**
 * Before any test: make sure the real control plane's binaries exist, so `pnpm test` on a fresh
 * machine with Go runs the real-control-plane suites instead of skipping them. A cold build takes
 * 11–18 minutes on 2 cores, a cached one nothing. TWINLAB_SKIP_CONTROLPLANE_BUILD=1 skips the
 * build (those suites then skip visibly, saying why).
 */
import { spawnSync } from 'node:child_process';
import { BUILD_SCRIPT, probeBinaries } from '../sim/cloud/local/control-plane-binaries.js';

export function setup(): void {
  if (process.env.TWINLAB_SKIP_CONTROLPLANE_BUILD === '1') return;
  const probe = probeBinaries();
  if (probe.available || !probe.buildable) return;
  process.stderr.write('[twinlab] building the real control plane from Go modules (first time: 11–18 min on 2 cores)…\n');
  const started = Date.now();
  const r = spawnSync(process.execPath, [BUILD_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.stderr.write(`[twinlab] control-plane build ${r.status === 0 ? 'done' : `FAILED (exit ${r.status})`} after ${Math.round((Date.now() - started) / 1000)} s\n`);
}
