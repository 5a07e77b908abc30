/**
 * Finds the Prometheus server binary a run scrapes its control plane with, in order: an explicit
 * path (TWINLAB_PROMETHEUS_BIN), Prometheus v3 built from the Go module by
 * scripts/build-controlplane.mjs (`--only prometheus`, its own cache dir), Debian's `prometheus`
 * package. A run whose Prometheus is missing builds it once, as a first run builds the control
 * plane (`buildPrometheus`, when Go is present); an official release download cannot be
 * checksum-verified from here, so none is attempted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { BUILD_SCRIPT, goOnPath, isExecutable } from '../cloud/local/control-plane-binaries.js';

/** 'module-build': built from github.com/prometheus/prometheus without web UI assets (API only). */
export type PrometheusSource = 'env' | 'module-build' | 'debian';

export type PrometheusLookup = { path: string; source: PrometheusSource; version: string | null } | { path: null; reason: string };

/** Where Debian's `prometheus` package installs the server. */
export const DEBIAN_PROMETHEUS = '/usr/bin/prometheus';

/** "prometheus, version 3.16.0 (branch: …)" → "3.16.0"; null when the binary does not answer. */
export function prometheusVersion(path: string): string | null {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /version\s+(\d+\.\d+\.\d+\S*)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[1]! : null;
}

/** The path scripts/build-controlplane.mjs builds Prometheus to (whether or not it is there yet). */
export function builtPrometheusPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, '--print-prometheus'], { encoding: 'utf8', env });
  const path = r.status === 0 ? r.stdout.trim() : '';
  return path === '' ? null : path;
}

export function findPrometheus(env: NodeJS.ProcessEnv = process.env, debianPath = DEBIAN_PROMETHEUS): PrometheusLookup {
  const explicit = env.TWINLAB_PROMETHEUS_BIN;
  if (explicit) {
    if (!isExecutable(explicit)) return { path: null, reason: `TWINLAB_PROMETHEUS_BIN=${explicit} is not an executable file` };
    return { path: explicit, source: 'env', version: prometheusVersion(explicit) };
  }
  const built = builtPrometheusPath(env);
  if (built && isExecutable(built)) return { path: built, source: 'module-build', version: prometheusVersion(built) };
  if (isExecutable(debianPath)) return { path: debianPath, source: 'debian', version: prometheusVersion(debianPath) };
  return {
    path: null,
    reason:
      `no Prometheus binary: not built (${built ?? 'the build script did not answer'}; run \`node scripts/build-controlplane.mjs --only prometheus\`, ` +
      `needs Go), no Debian package at ${debianPath} (apt-get install prometheus), TWINLAB_PROMETHEUS_BIN unset`,
  };
}

/**
 * Build Prometheus into its cache with scripts/build-controlplane.mjs (minutes the first time, then
 * cached), logging how long it took; false without Go or when the build fails, saying why.
 */
export async function buildPrometheus(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  // TWINLAB_PROMETHEUS_BUILD=0: whoever set it has built (or failed to build) already; do not try in every run.
  if (!goOnPath(env) || env.TWINLAB_PROMETHEUS_BUILD === '0') return false;
  log('prometheus: building it from its Go module (the first time takes minutes on 2 cores, then it is cached)');
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [BUILD_SCRIPT, '--only', 'prometheus'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (tail = (tail + d).slice(-2000)));
    child.on('error', () => resolve(127));
    child.on('exit', (c) => {
      if (c !== 0) log(`prometheus: build failed (exit ${c}): ${tail.trim().split('\n').at(-1) ?? ''}`);
      resolve(c ?? 1);
    });
  });
  if (code === 0) log(`prometheus: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return code === 0;
}
