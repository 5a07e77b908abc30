/**
 * Helm v4 for the chart tests, from the build cache (`node scripts/build-controlplane.mjs --only
 * helm`), and `helm template` output as parsed objects. `helmSkipReason` says why the chart tests
 * skip when there is no binary.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const CHART_DIR = path.resolve('charts', 'twinlab');

function helmPath(): string {
  if (process.env.TWINLAB_HELM) return process.env.TWINLAB_HELM;
  const r = spawnSync(process.execPath, ['scripts/build-controlplane.mjs', '--print-helm'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function executable(file: string): boolean {
  try {
    const s = statSync(file);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

export const HELM = helmPath();
export const helmSkipReason: string = executable(HELM)
  ? ''
  : `helm not built (${HELM || 'no cache path'}); run \`node scripts/build-controlplane.mjs --only helm\` or set TWINLAB_HELM`;

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const r = spawnSync(HELM, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: path.resolve('.cache', 'helm'), HELM_CONFIG_HOME: path.resolve('.cache', 'helm-config') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A rendered manifest: only the fields the tests read are typed. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `helm template` with the given values files and --set pairs; throws with helm's stderr on failure. */
export function render(release: string, valuesFiles: string[], set: string[] = [], namespace = 'default'): Manifest[] {
  const args = ['template', release, CHART_DIR, '--namespace', namespace, ...valuesFiles.flatMap((f) => ['-f', f]), ...set.flatMap((s) => ['--set', s])];
  const r = helm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}
