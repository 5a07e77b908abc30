/**
 * Finds the Prometheus server binary a run scrapes its control plane with, in order: an explicit
 * path (TWINLAB_PROMETHEUS_BIN), Prometheus v3 built from the Go module by
 * scripts/build-controlplane.mjs (`--only prometheus`, its own cache dir), Debian's `prometheus`
 * package. Nothing is built or downloaded during a run: a cold build takes minutes, and an official
 * release download cannot be checksum-verified from here, so none is attempted.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { BUILD_SCRIPT } from '../cloud/local/control-plane-binaries.js';

/** 'module-build': built from github.com/prometheus/prometheus without web UI assets (API only). */
export type PrometheusSource = 'env' | 'module-build' | 'debian';

export type PrometheusLookup = { path: string; source: PrometheusSource; version: string | null } | { path: null; reason: string };

/** Where Debian's `prometheus` package installs the server. */
export const DEBIAN_PROMETHEUS = '/usr/bin/prometheus';

function isExecutable(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFile() && s.size > 0 && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

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
