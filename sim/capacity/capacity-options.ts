/**
 * `twinlab capacity` options: the sweep's own flags, validated with a typed error naming the
 * flag, and the `twinlab sim` flags passed to every step. Each step's argv is checked by
 * parseSimOptions before the first step starts, so a bad flag fails in a second, not mid-sweep.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigInvalidError } from '../errors.js';
import type { MetricsTarget } from '../cloud/control-plane.js';
import { NODE_LIMIT_KEY } from '../cloud/local/cloudcore-adjust.js';
import { parseCloudcoreSet } from '../cloud/local/cloudcore-knobs.js';
import { parseEdgecoreSet } from '../edge/edgecore-set.js';
import { defaultRunId, parseDuration } from '../run/sim-options.js';
import type { Budget } from './projection.js';

export interface CapacityOptions {
  steps: number[];
  target: number | null;
  podsPerNode: number;
  steadyMs: number;
  cloud: 'local' | 'attach';
  /** `--cloudcore-set` for every arm, as given (key=value). */
  cloudcoreSet: string[];
  /** `--compare-config`: the second arm's extra cloudcore fields; null: one arm. */
  compareConfig: string[] | null;
  budget: Budget | null;
  outDir: string;
  timeScale: number;
  /** attach: more /metrics endpoints to scrape (kube-apiserver, etcd, …) besides cloudcore's. */
  metricsTargets: MetricsTarget[];
  /** `twinlab sim` flags given to every step. */
  simArgs: string[];
}

/** `twinlab sim` flags a sweep passes through to every step. */
const PASS_STRING = ['shards', 'ramp', 'pod-rate', 'pod-concurrency', 'cert-cache', 'certs', 'cloudhub', 'certs-url', 'kubeconfig', 'token', 'cloudcore-metrics', 'progress', 'stall-window', 'metrics-port', 'name-prefix'] as const;
const PASS_MULTI = ['apiserver-arg', 'edgecore-set', 'slo', 'optional-slo'] as const;

export function parseCapacityOptions(argv: readonly string[]): CapacityOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        steps: { type: 'string' },
        target: { type: 'string' },
        'pods-per-node': { type: 'string' },
        steady: { type: 'string' },
        cloud: { type: 'string' },
        'cloudcore-set': { type: 'string', multiple: true },
        'compare-config': { type: 'string' },
        budget: { type: 'string' },
        out: { type: 'string', short: 'o' },
        'time-scale': { type: 'string' },
        'metrics-target': { type: 'string', multiple: true },
        'insecure-skip-hostname-check': { type: 'boolean' },
        'plain-pods': { type: 'boolean' },
        ...Object.fromEntries(PASS_STRING.map((k) => [k, { type: 'string' as const }])),
        ...Object.fromEntries(PASS_MULTI.map((k) => [k, { type: 'string' as const, multiple: true as const }])),
      },
    });
  } catch (error) {
    throw new ConfigInvalidError(error instanceof Error ? error.message : String(error), {});
  }
  const v = parsed.values as Record<string, string | string[] | boolean | undefined>;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const list = (k: string): string[] => (Array.isArray(v[k]) ? (v[k] as string[]) : []);
  if (!str('steps')) throw new ConfigInvalidError('--steps is required, e.g. --steps 250,500,1000,2000', { option: '--steps' });
  const steps = parseSteps(str('steps')!);
  const cloud = str('cloud') ?? 'local';
  if (cloud !== 'local' && cloud !== 'attach') throw new ConfigInvalidError(`--cloud must be local or attach for a capacity sweep (got ${JSON.stringify(cloud)})`, { option: '--cloud' });
  const cloudcoreSet = list('cloudcore-set');
  parseCloudcoreSet(cloudcoreSet);
  parseEdgecoreSet(list('edgecore-set'));
  const compareConfig = str('compare-config') === undefined ? null : splitConfig(str('compare-config')!);
  if (compareConfig) parseCloudcoreSet(compareConfig);
  if (cloud === 'attach' && (cloudcoreSet.length > 0 || compareConfig)) {
    throw new ConfigInvalidError('--cloudcore-set and --compare-config change the local cloudcore; --cloud attach measures your own', { option: compareConfig ? '--compare-config' : '--cloudcore-set' });
  }
  const simArgs: string[] = [];
  for (const k of PASS_STRING) if (str(k) !== undefined) simArgs.push(`--${k}`, str(k)!);
  for (const k of PASS_MULTI) for (const x of list(k)) simArgs.push(`--${k}=${x}`);
  if (v['insecure-skip-hostname-check'] === true) simArgs.push('--insecure-skip-hostname-check');
  if (v['plain-pods'] === true) simArgs.push('--plain-pods');
  const timeScale = str('time-scale') === undefined ? 1 : Number(str('time-scale'));
  if (!(timeScale > 0 && timeScale <= 1)) throw new ConfigInvalidError(`--time-scale ${JSON.stringify(str('time-scale'))} must be a number in (0, 1]`, { option: '--time-scale' });
  return {
    steps,
    target: str('target') === undefined ? null : positiveInt(str('target')!, '--target'),
    podsPerNode: str('pods-per-node') === undefined ? 0 : positiveInt(str('pods-per-node')!, '--pods-per-node', 0),
    steadyMs: parseDuration(str('steady') ?? '2m', '--steady'),
    cloud,
    cloudcoreSet,
    compareConfig,
    budget: str('budget') === undefined ? null : parseBudget(str('budget')!),
    outDir: str('out') ?? path.join('reports', `capacity-${defaultRunId()}`),
    timeScale,
    metricsTargets: list('metrics-target').map(parseMetricsTarget),
    simArgs,
  };
}

export function parseSteps(text: string): number[] {
  const steps = text.split(',').map((s) => positiveInt(s.trim(), '--steps'));
  const distinct = [...new Set(steps)].sort((a, b) => a - b);
  if (distinct.length < 2) throw new ConfigInvalidError(`--steps needs at least two different node counts to fit a cost per node (got ${JSON.stringify(text)})`, { option: '--steps' });
  return distinct;
}

/** "key=value,key2=value2" → ["key=value", "key2=value2"]. */
export function splitConfig(text: string): string[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new ConfigInvalidError('--compare-config needs at least one key=value', { option: '--compare-config' });
  return parts;
}

const BYTES = /^(\d+(?:\.\d+)?)\s*(ki|mi|gi|ti|k|m|g|t)?b?$/i;

/** "cores=8,memory=16Gi": memory in bytes, with K/M/G/T (powers of 1000) or Ki/Mi/Gi/Ti (1024). */
export function parseBudget(text: string): Budget {
  const budget: Budget = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [key, value] = part.split('=');
    if (key === 'cores' && value !== undefined && Number(value) > 0) budget.cores = Number(value);
    else if (key === 'memory' && value !== undefined && BYTES.test(value)) {
      const m = BYTES.exec(value)!;
      const unit = (m[2] ?? '').toLowerCase();
      const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3, ti: 1024 ** 4 }[unit]!;
      budget.memoryBytes = Number(m[1]) * mult;
    } else throw new ConfigInvalidError(`--budget ${JSON.stringify(part)}: expected cores=N or memory=SIZE (e.g. cores=8,memory=16Gi)`, { option: '--budget' });
  }
  if (budget.cores === undefined && budget.memoryBytes === undefined) throw new ConfigInvalidError('--budget needs cores=N and/or memory=SIZE', { option: '--budget' });
  return budget;
}

function parseMetricsTarget(text: string): MetricsTarget {
  const at = text.indexOf('=');
  const name = text.slice(0, at);
  const url = text.slice(at + 1);
  if (at <= 0 || !/^https?:\/\//.test(url)) throw new ConfigInvalidError(`--metrics-target ${JSON.stringify(text)}: expected NAME=http(s)://HOST:PORT/metrics, e.g. etcd=http://10.0.0.5:2381/metrics`, { option: '--metrics-target' });
  return { name, url };
}

function positiveInt(text: string, flag: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new ConfigInvalidError(`${flag} ${JSON.stringify(text)} must be a whole number of at least ${min}`, { option: flag });
  return n;
}

/** Whether the user fixed nodeLimit among these fields. */
export function fixedNodeLimit(fields: readonly string[]): number | undefined {
  const set = parseCloudcoreSet(fields);
  const v = set[NODE_LIMIT_KEY];
  return typeof v === 'number' ? v : undefined;
}
