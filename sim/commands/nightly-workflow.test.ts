/**
 * The nightly workflow checked statically: every `pnpm` command it runs is a package.json script
 * or pnpm's own, every `twinlab` subcommand and flag it passes is one the CLI knows, and its steps
 * fit together (the directory the sim writes is the one compared, summarised and uploaded).
 * Parts of the CLI that are not there yet skip visibly, naming what is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSimOptions } from '../run/sim-options.js';
import { parseCompareArgs } from '../report/compare-command.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKFLOW = '.github/workflows/nightly-scale.yml';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  'continue-on-error'?: boolean;
  shell?: string;
}

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps: Step[] }>;
}

const workflow = parse(readFileSync(path.join(root, WORKFLOW), 'utf8')) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const cliSource = readFileSync(path.join(root, 'sim/cli.ts'), 'utf8');

/** Shell words of one simple command: quotes removed, stops at a pipe, redirection or `&&`/`;`. */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/'([^']*)'|"([^"]*)"|(\|\||&&|[|;<>])|([^\s'"|;<>&]+)/g)) {
    if (m[3] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[4]!);
  }
  return out;
}

/** Every command line of every `run:` (continuations joined) that starts with `pnpm`. */
function pnpmCommands(): Array<{ step: Step; args: string[] }> {
  const out: Array<{ step: Step; args: string[] }> = [];
  for (const step of steps) {
    if (!step.run) continue;
    for (const line of step.run.replace(/\\\n\s*/g, ' ').split('\n')) {
      const w = words(line.trim());
      if (w[0] === 'pnpm') out.push({ step, args: w.slice(1).filter((a, i, all) => !(a.startsWith('-') && all.slice(0, i).every((b) => b.startsWith('-')))) });
    }
  }
  return out;
}

/** pnpm's own commands the workflow may use without a script. */
const PNPM_BUILTINS = new Set(['install', 'i', 'exec', 'dlx']);

const commands = pnpmCommands();
const simCommand = commands.find((c) => c.args[0] === 'sim');
const compareCommand = commands.find((c) => c.args[0] === 'twinlab' && c.args[1] === 'compare');

/** `--flag value` pairs of the sim command that `twinlab sim` rejects as unknown. */
function unknownSimFlags(args: readonly string[]): string[] {
  const unknown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (!flag.startsWith('--')) continue;
    const value = args[i + 1] !== undefined && !args[i + 1]!.startsWith('--') ? [args[i + 1]!] : [];
    try {
      parseSimOptions([flag, ...value]);
    } catch (e) {
      if (e instanceof Error && /Unknown option/.test(e.message)) unknown.push(flag);
    }
  }
  return unknown;
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const simArgs = simCommand?.args.slice(1) ?? [];
const pendingSimFlags: string[] = unknownSimFlags(simArgs).filter((f) => f === '--scenario');
const compareRouted = /case 'compare':/.test(cliSource);

function skipping(reason: string): string {
  process.stderr.write(`[nightly-workflow.test] skipped: ${reason}\n`);
  return ` (skipped: ${reason})`;
}

describe(`${WORKFLOW}`, () => {
  it('runs nightly and on demand', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect((workflow.on.schedule as Array<{ cron: string }>)[0]!.cron).toMatch(/^\S+ \S+ \* \* \*$/);
  });

  it('sets up Node 20, Go and pnpm 10, and caches the twinlab and Go caches', () => {
    const uses = (prefix: string): Step => steps.find((s) => s.uses?.startsWith(prefix))!;
    expect(uses('actions/checkout@')).toBeDefined();
    expect(String(uses('actions/setup-node@').with?.['node-version'])).toBe('20');
    expect(uses('actions/setup-go@').with?.['go-version']).toMatch(/^(stable|1\.2[6-9].*)$/);
    expect(uses('actions/setup-go@').with?.['cache-dependency-path']).toBe('controlplane/*/go.sum');
    for (const sum of ['controlplane/etcd/go.sum', 'controlplane/kubeedge/go.sum']) expect(existsSync(path.join(root, sum))).toBe(true);
    expect(uses('actions/cache@').with?.path).toBe('~/.cache/twinlab');
    expect(steps.some((s) => s.run?.trim() === 'npm i -g pnpm@10')).toBe(true);
  });

  it('runs only pnpm scripts that package.json has (or pnpm commands)', () => {
    expect(commands.map((c) => c.args[0])).toEqual(['install', 'build:controlplane', 'sim', 'twinlab']);
    for (const c of commands) {
      const name = c.args[0]!;
      expect(PNPM_BUILTINS.has(name) || name in pkg.scripts, `pnpm ${name}`).toBe(true);
    }
    expect(commands[0]!.args).toEqual(['install', '--frozen-lockfile']);
    expect(pkg.scripts['build:controlplane']).toBe('node scripts/build-controlplane.mjs');
    expect(pkg.scripts.twinlab).toBe('tsx sim/cli.ts');
    expect(pkg.scripts.sim).toBe('tsx sim/cli.ts sim');
  });

  it('passes twinlab sim only flags it knows, apart from those still to come', () => {
    expect(simCommand?.step['continue-on-error']).toBe(true);
    expect(simCommand?.step.id).toBe('sim');
    expect(flagValue(simArgs, '--nodes')).toBe('1000');
    const unknown = unknownSimFlags(simArgs);
    expect(unknown.filter((f) => !pendingSimFlags.includes(f))).toEqual([]);
    expect(unknownSimFlags(['--nodez', '3'])).toEqual(['--nodez']); // the probe itself can tell
  });

  it.skipIf(pendingSimFlags.length > 0)(
    `runs a scenario file that exists${pendingSimFlags.length > 0 ? skipping(`twinlab sim does not know ${pendingSimFlags.join(', ')} yet`) : ''}`,
    () => {
      const scenario = flagValue(simArgs, '--scenario')!;
      expect(existsSync(path.join(root, scenario)), scenario).toBe(true);
      expect(() => parseSimOptions(simArgs)).not.toThrow();
    },
  );

  it('compares the baseline it downloads with the summary the sim wrote, with a 10% bound', () => {
    expect(compareCommand, 'pnpm twinlab compare').toBeDefined();
    const out = flagValue(simArgs, '--out')!;
    const download = steps.find((s) => s.uses?.startsWith('dawidd6/action-download-artifact@'))!;
    const args = parseCompareArgs(compareCommand!.args.slice(2));
    expect(args.baselinePath).toBe(`${download.with!.path}/summary.json`);
    expect(args.currentPath).toBe(`${out}/summary.json`);
    expect(args.maxRegressionPct).toBe(10);
    expect(download.with!.name).toBe(steps.find((s) => s.name === 'Upload summary.json as the next baseline')!.with!.name);
    expect(download.with!.workflow).toBe(path.basename(WORKFLOW));
    expect(compareCommand!.step['continue-on-error']).toBe(true);
    // pipefail keeps compare's exit code through the tee.
    expect(compareCommand!.step.shell).toBe('bash');
  });

  it.skipIf(!compareRouted)(`twinlab compare is a CLI subcommand${compareRouted ? '' : skipping("sim/cli.ts has no `case 'compare':` yet")}`, () => {
    expect(cliSource).toMatch(/case 'compare':\s*(\{\s*)?return runCompareCommand\(/);
  });

  it('publishes summary.md and the run directory, then fails if the sim or the comparison failed', () => {
    const out = flagValue(simArgs, '--out')!;
    const summaryStep = steps.find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))!;
    expect(summaryStep.if).toBe('always()');
    expect(summaryStep.run).toContain(`cat ${out}/summary.md >> "$GITHUB_STEP_SUMMARY"`);
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@') && String(s.with?.path).split('\n')[0] === out);
    expect(upload?.if).toBe('always()');
    const last = steps[steps.length - 1]!;
    expect(last.if).toBe('always()');
    for (const s of steps.filter((x) => x.run && x['continue-on-error'])) {
      expect(JSON.stringify(last.env), `last step reads steps.${s.id}.outcome`).toContain(`steps.${s.id}.outcome`);
    }
    expect(last.run).toContain('exit $status');
  });
});
