/**
 * The chart's manifests for one run: `helm template` over charts/twinlab with the run's values, so
 * `--fleet kubernetes` creates exactly what `helm install` would. Helm is TWINLAB_HELM, else
 * `helm` on the PATH, else the one `node scripts/build-controlplane.mjs --only helm` built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ConfigInvalidError, ErrorCodes, TwinlabError } from '../../errors.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHART_DIR = path.join(REPO_ROOT, 'charts', 'twinlab');

/** A rendered object; only what the fleet reads is typed. */
export interface ChartObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

export function findHelm(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TWINLAB_HELM) return env.TWINLAB_HELM;
  const found = onPath('helm');
  if (found) return found;
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-controlplane.mjs'), '--print-helm'], { encoding: 'utf8' });
  const file = built.status === 0 ? built.stdout.trim() : '';
  if (file && existsSync(file)) return file;
  throw new ConfigInvalidError(
    `--fleet kubernetes renders charts/twinlab with helm, and none was found (TWINLAB_HELM, PATH, ${file || 'the build cache'}); ` +
      'install helm or run `node scripts/build-controlplane.mjs --only helm`',
    { option: '--fleet' },
  );
}

/** `helm template <release> charts/twinlab --namespace NS --set k=v …`, parsed. Values go as --set-string pairs. */
export function renderChart(release: string, namespace: string, values: Record<string, string | number | boolean>, helm = findHelm()): ChartObject[] {
  const args = ['template', release, CHART_DIR, '--namespace', namespace];
  for (const [k, v] of Object.entries(values)) args.push(typeof v === 'string' ? '--set-string' : '--set', `${k}=${String(v)}`);
  const r = spawnSync(helm, args, {
    encoding: 'utf8',
    env: { ...process.env, HELM_CACHE_HOME: path.join(REPO_ROOT, '.cache', 'helm'), HELM_CONFIG_HOME: path.join(REPO_ROOT, '.cache', 'helm-config') },
  });
  if (r.status !== 0) {
    throw new TwinlabError(ErrorCodes.ConfigInvalid, `the chart refused this fleet (helm template ${release}): ${(r.stderr || r.error?.message || '').trim()}`, { release });
  }
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as ChartObject | null)
    .filter((m): m is ChartObject => m !== null);
}
