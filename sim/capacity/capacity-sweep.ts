/**
 * `twinlab capacity`: run the planned steps one after another, each an ordinary `twinlab sim` run
 * in its own directory held `--steady` after all-Ready, scrape the components' /metrics beside
 * it, measure it, and rewrite capacity.json, capacity.md and capacity.html after every step so an
 * interrupted sweep keeps what it finished.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ControlPlane, MetricsTarget } from '../cloud/control-plane.js';
import { MetricsScraper } from '../cloud/metrics-scraper.js';
import { NODE_LIMIT_KEY } from '../cloud/local/cloudcore-adjust.js';
import { ConfigInvalidError, ExitCodes } from '../errors.js';
import { EVENTS_FILE } from '../run/run-recorder.js';
import { parseSimOptions, type SimOptions } from '../run/sim-options.js';
import { runSim, type RunHooks, type SimResult } from '../run/sim-run.js';
import { TWINLAB_VERSION } from '../version.js';
import { buildResult, FRESH_CONTROL_PLANE, type CapacityResult } from './capacity-result.js';
import { capacityHtml } from './capacity-html.js';
import { capacityMarkdown } from './capacity-markdown.js';
import { fixedNodeLimit, type CapacityOptions } from './capacity-options.js';
import { readStepFiles, writeScrape } from './step-files.js';
import { measureStep, type ScrapeRecord, type StepMeasurement } from './step-measurement.js';
import { planSweep, separationNote, type StepPlan } from './sweep-plan.js';

/** Metrics scraped from every component's /metrics during a step. */
export const SCRAPED_METRICS = ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'go_goroutines', 'process_open_fds', 'process_max_fds', 'etcd_mvcc_db_total_size_in_bytes'] as const;
/** Labelled counters kept as their sum over every label set (kube-apiserver's request rate when the run has no apiserver evidence of its own). */
export const SUMMED_METRICS = ['apiserver_request_total'] as const;

/** Time a step's ramp may take before its steady window; a stalled ramp ends the run earlier (--stall-window). */
const RAMP_ALLOWANCE_MS = 600_000;

export type RunStep = (options: SimOptions, log: (line: string) => void, hooks: RunHooks) => Promise<SimResult>;

export interface SweepOutcome {
  result: CapacityResult;
  exitCode: number;
  files: string[];
}

interface Arm {
  name: string;
  cloudcoreSet: string[];
  plan: StepPlan[];
}

export async function runCapacitySweep(o: CapacityOptions, argv: readonly string[], log: (line: string) => void, runStep: RunStep = runSim): Promise<SweepOutcome> {
  const outDir = path.resolve(o.outDir);
  await mkdir(outDir, { recursive: true });
  const arms: Arm[] = [{ name: 'baseline', cloudcoreSet: o.cloudcoreSet }, ...(o.compareConfig ? [{ name: 'compare', cloudcoreSet: overlay(o.cloudcoreSet, o.compareConfig) }] : [])].map((a) => ({
    ...a,
    plan: planSweep({ steps: o.steps, fixedNodeLimit: fixedNodeLimit(a.cloudcoreSet), canSetNodeLimit: o.cloud === 'local' }, a.name),
  }));
  const plan = arms.flatMap((a) => a.plan);
  // Every step's argv is checked before the first control plane starts.
  const argvs = new Map(plan.map((p) => [p, stepArgv(o, arms.find((a) => a.name === p.arm)!, p, outDir)]));
  const simOptions = new Map([...argvs].map(([p, args]) => [p, parseSimOptions(args)]));
  const startedAt = Date.now();
  const steps: StepMeasurement[] = [];
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const files = CAPACITY_FILES.map((f) => path.join(outDir, f));
  const write = async (): Promise<CapacityResult> => {
    const result = buildResult({
      header: {
        twinlabVersion: TWINLAB_VERSION,
        startedAt: new Date(startedAt).toISOString(),
        wallSeconds: Math.round((Date.now() - startedAt) / 1000),
        command: ['twinlab', 'capacity', ...argv].join(' '),
        cloud: o.cloud,
        plan,
        steadySeconds: o.steadyMs / 1000,
        timeScale: o.timeScale,
        podsPerNode: o.podsPerNode,
        target: o.target,
        budget: o.budget,
        interrupted,
        controlPlanePerStep: o.cloud === 'local' ? FRESH_CONTROL_PLANE : 'attach: every step runs against your control plane as it is; each step measures only its own steady window, and the fleet of the step before has been stopped (its nodes deleted) before the next starts.',
        nodeLimitSeparation: arms.map((a) => `${a.name}: ${separationNote(a.plan)}`).join(' '),
      },
      arms: arms.map((a) => ({ name: a.name, cloudcoreSet: a.cloudcoreSet })),
      steps,
    });
    await writeCapacityFiles(outDir, result);
    return result;
  };
  try {
    for (const p of plan) {
      if (interrupted) break;
      const label = `[${p.arm} ${p.nodes} nodes${p.separatesNodeLimit ? `, nodeLimit ${p.nodeLimit}` : ''}]`;
      const runDir = path.join(outDir, stepDirName(p));
      log(`${label} starting: ${runDir}`);
      let scraper: MetricsScraper | undefined;
      let scraped: string[] = [];
      const hooks: RunHooks = {
        steadyMs: o.steadyMs,
        onCloud: (cloud: ControlPlane) => {
          const targets: MetricsTarget[] = [...cloud.metricsTargets.filter((t) => !o.metricsTargets.some((x) => x.name === t.name)), ...o.metricsTargets];
          scraped = targets.map((t) => t.name);
          scraper = new MetricsScraper({ targets, metrics: [...SCRAPED_METRICS, ...SUMMED_METRICS], intervalMs: Math.min(5000, Math.max(1000, o.steadyMs / 30)) });
          scraper.start();
        },
      };
      const run = await runStep(simOptions.get(p)!, (line) => log(`${label} ${line}`), hooks);
      let scrape: ScrapeRecord | null = null;
      if (scraper) {
        const s = scraper;
        await s.stop();
        const summed = (t: string, m: string): ScrapeRecord['series'][number] => ({ target: t, metric: m, points: sumByTime(s.allSeries(t, m).map((x) => x.points)) });
        scrape = {
          targets: scraped,
          series: scraped.flatMap((t) => [
            ...SCRAPED_METRICS.map((m) => ({ target: t, metric: m, points: s.seriesOf(t, m) })),
            ...SUMMED_METRICS.map((m) => summed(t, m)),
          ].filter((x) => x.points.length > 0)),
        };
        await writeScrape(run.outDir, scrape);
      }
      const stepFiles = await readStepFiles(run.outDir);
      const m = measureStep({
        arm: p.arm, nodes: p.nodes, separatesNodeLimit: p.separatesNodeLimit, runDir: path.relative(outDir, run.outDir),
        exitCode: run.exitCode, steadyMs: o.steadyMs, ...stepFiles, scrape: scrape ?? stepFiles.scrape,
      });
      steps.push(m);
      log(`${label} ${m.ready}/${m.nodes} Ready, window ${m.window.startS}–${m.window.endS} s (${m.window.samples} samples)${m.firstLimit ? `, first limit: ${m.firstLimit.rule}` : ''}${run.exitCode === ExitCodes.Interrupted ? ', interrupted' : ''}`);
      if (run.exitCode === ExitCodes.Interrupted) interrupted = true;
      await write();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const result = await write();
  const baseline = result.arms[0]?.projection?.budget;
  const exitCode = interrupted ? ExitCodes.Interrupted : steps.every((s) => s.error !== null) ? ExitCodes.HarnessError : baseline && !baseline.fits ? ExitCodes.OverBudget : ExitCodes.Ok;
  return { result, exitCode, files };
}

export const CAPACITY_FILES = ['capacity.json', 'capacity.md', 'capacity.html'] as const;

export async function writeCapacityFiles(outDir: string, result: CapacityResult): Promise<void> {
  await writeFile(path.join(outDir, 'capacity.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(outDir, 'capacity.md'), capacityMarkdown(result));
  await writeFile(path.join(outDir, 'capacity.html'), capacityHtml(result));
}

/**
 * `twinlab capacity --rebuild DIR`: measure every step directory of an earlier sweep again and
 * rewrite its reports, as `twinlab report` does for one run (a newer twinlab, or a sweep killed
 * before it could write them).
 */
export async function rebuildCapacity(dir: string): Promise<SweepOutcome> {
  const outDir = path.resolve(dir);
  const file = path.join(outDir, 'capacity.json');
  let previous: CapacityResult;
  try {
    previous = JSON.parse(await readFile(file, 'utf8')) as CapacityResult;
  } catch (e) {
    throw new ConfigInvalidError(`${file}: ${e instanceof Error ? e.message : String(e)} — --rebuild takes the out dir of an earlier twinlab capacity`, { file });
  }
  if (!Array.isArray(previous.plan) || !Array.isArray(previous.arms) || typeof previous.steadySeconds !== 'number') {
    throw new ConfigInvalidError(`${file} is not a capacity.json (no plan, arms or steadySeconds)`, { file });
  }
  const exitCodes = new Map(previous.arms.flatMap((a) => a.steps.map((s) => [s.runDir, s.exitCode] as const)));
  const steps: StepMeasurement[] = [];
  for (const p of previous.plan) {
    const runDir = path.join(outDir, stepDirName(p));
    const exists = await stat(path.join(runDir, EVENTS_FILE)).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    const rel = path.relative(outDir, runDir);
    steps.push(measureStep({
      arm: p.arm, nodes: p.nodes, separatesNodeLimit: p.separatesNodeLimit, runDir: rel,
      exitCode: exitCodes.get(rel) ?? ExitCodes.Ok, steadyMs: previous.steadySeconds * 1000, ...(await readStepFiles(runDir)),
    }));
  }
  const { arms, machineLoad: _m, complete: _c, ...header } = previous;
  const result = buildResult({ header, arms: arms.map((a) => ({ name: a.name, cloudcoreSet: a.cloudcoreSet })), steps });
  await writeCapacityFiles(outDir, result);
  const budget = result.arms[0]?.projection?.budget;
  return { result, exitCode: budget && !budget.fits ? ExitCodes.OverBudget : ExitCodes.Ok, files: CAPACITY_FILES.map((f) => path.join(outDir, f)) };
}

/** `base` with `over`'s fields added; a key in both takes `over`'s value. */
export function overlay(base: readonly string[], over: readonly string[]): string[] {
  const key = (kv: string): string => kv.slice(0, kv.indexOf('='));
  const replaced = new Set(over.map(key));
  return [...base.filter((kv) => !replaced.has(key(kv))), ...over];
}

/** Series of one scrape share its time stamp: add them up per time stamp. */
export function sumByTime(series: ReadonlyArray<ReadonlyArray<{ atMs: number; value: number }>>): Array<{ atMs: number; value: number }> {
  const byTime = new Map<number, number>();
  for (const points of series) for (const p of points) byTime.set(p.atMs, (byTime.get(p.atMs) ?? 0) + p.value);
  return [...byTime].sort((a, b) => a[0] - b[0]).map(([atMs, value]) => ({ atMs, value }));
}

export function stepDirName(p: StepPlan): string {
  return path.join(p.arm, `step-${p.nodes}${p.separatesNodeLimit ? `-nodelimit-${p.nodeLimit}` : ''}`);
}

/** One step as `twinlab sim` flags. */
function stepArgv(o: CapacityOptions, arm: Arm, p: StepPlan, outDir: string): string[] {
  const args = [
    '--cloud', o.cloud,
    '--nodes', String(p.nodes),
    '--duration', `${RAMP_ALLOWANCE_MS + o.steadyMs}ms`,
    '--out', path.join(outDir, stepDirName(p)),
    '--pods-per-node', String(o.podsPerNode),
    ...(o.timeScale !== 1 ? ['--time-scale', String(o.timeScale)] : []),
    ...(o.simArgs.includes('--metrics-port') ? [] : ['--metrics-port', '0']),
    ...(o.simArgs.includes('--progress') ? [] : ['--progress', 'off']),
    ...o.simArgs,
  ];
  const own = arm.cloudcoreSet.some((s) => s.startsWith(`${NODE_LIMIT_KEY}=`));
  for (const s of arm.cloudcoreSet) args.push('--cloudcore-set', s);
  if (!own && p.nodeLimit !== null && o.cloud === 'local') args.push('--cloudcore-set', `${NODE_LIMIT_KEY}=${p.nodeLimit}`);
  return args;
}
