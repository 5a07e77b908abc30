/**
 * Before any test: make sure the real control plane's binaries exist (and the supervisor,
 * Prometheus and Helm beside them), so `pnpm test` on a fresh machine with Go runs the
 * real-control-plane suites instead of skipping them. A cold build takes 11–18 minutes on 2 cores
 * for the control plane and minutes more for Prometheus and Helm; a cached one nothing. TWINLAB_SKIP_CONTROLPLANE_BUILD=1 skips the
 * build (those suites then skip visibly, saying why).
 */
import { spawnSync } from 'node:child_process';
import { BUILD_SCRIPT, probeBinaries } from '../sim/cloud/local/control-plane-binaries.js';

export function setup(): void {
  if (process.env.TWINLAB_SKIP_CONTROLPLANE_BUILD === '1') return;
  const probe = probeBinaries();
  if (!probe.buildable && !probe.available) return;
  if (!probe.available) build([], 'the real control plane from Go modules (first time: 11–18 min on 2 cores)');
  // Each is cached apart and costs nothing once built; the Prometheus and Helm suites need them.
  build(['--only', 'supervise'], 'the control-plane supervisor');
  build(['--only', 'prometheus'], 'Prometheus from its Go module (first time: minutes)');
  build(['--only', 'helm'], 'Helm from its Go module (first time: minutes)');
}

function build(args: string[], what: string): void {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Math.round((Date.now() - started) / 1000);
  // A cached target answers at once: say only what took time or failed.
  if (r.status !== 0) process.stderr.write(`[twinlab] building ${what} FAILED (exit ${r.status}) after ${seconds} s: ${(r.stderr ?? '').trim().split('\n').at(-1) ?? ''}\n`);
  else if (seconds >= 5) process.stderr.write(`[twinlab] built ${what} in ${seconds} s\n`);
}
