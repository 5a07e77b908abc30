/**
 * The pull-request workflow checked statically: it lints, typechecks and runs .ci/run (which lints
 * again before the tests and counts a lint failure), every `pnpm` command it runs is a package.json
 * script or pnpm's own, and it caches the control-plane build exactly as the nightly does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number | boolean>;
}

interface Job {
  'timeout-minutes'?: number;
  steps: Step[];
}

const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const jobsOf = (file: string): Job[] => Object.values((parse(read(file)) as { jobs: Record<string, Job> }).jobs);
const [job] = jobsOf('.github/workflows/pull-request.yml');
const steps = job?.steps ?? [];
const runs = steps.flatMap((s) => (s.run ? [s.run.trim()] : []));
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

/** The step that uses `action` (any version) in a job's steps. */
const using = (list: Step[], action: string): Step | undefined => list.find((s) => s.uses?.startsWith(`${action}@`));

describe('pull-request workflow', () => {
  it('installs from the lockfile, then lints, typechecks and runs .ci/run, in that order', () => {
    const order = ['pnpm install --frozen-lockfile', 'pnpm lint', 'pnpm typecheck', '.ci/run'].map((cmd) => runs.indexOf(cmd));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(statSync(path.join(root, '.ci/run')).mode & 0o111).not.toBe(0);
  });

  it('runs only package.json scripts and pnpm install', () => {
    const pnpmCommands = runs.flatMap((r) => r.split('\n')).map((l) => l.trim()).filter((l) => l.startsWith('pnpm '));
    expect(pnpmCommands.length).toBeGreaterThan(0);
    for (const line of pnpmCommands) {
      const word = line.split(/\s+/)[1]!;
      expect(word === 'install' || word in pkg.scripts, line).toBe(true);
    }
  });

  it('uses Node 20 and pnpm 10 and stops after 90 minutes', () => {
    expect(String(using(steps, 'actions/setup-node')?.with?.['node-version'])).toBe('20');
    expect(runs).toContain('npm i -g pnpm@10');
    expect(job?.['timeout-minutes']).toBe(90);
  });

  it('caches the Go build and the control-plane binaries as the nightly does', () => {
    const nightly = jobsOf('.github/workflows/nightly-scale.yml').flatMap((j) => j.steps);
    for (const action of ['actions/setup-go', 'actions/cache']) {
      const here = using(steps, action);
      expect(here, action).toBeDefined();
      expect(here?.with).toEqual(using(nightly, action)?.with);
    }
    expect(using(steps, 'actions/cache')?.with?.path).toBe('~/.cache/twinlab');
    // The cache is restored before .ci/run builds.
    expect(steps.findIndex((s) => s.uses?.startsWith('actions/cache@'))).toBeLessThan(steps.findIndex((s) => s.run?.trim() === '.ci/run'));
  });
});

describe('.ci/run', () => {
  const script = read('.ci/run');
  // The script's ending (the vitest results and the lint status folded into its last line), run
  // alone over a written results file.
  const ending = script.slice(script.indexOf('if [ -s "$results" ]'));
  const finish = (results: string, status: number, lintFailed: number): { line: string; code: number | null } => {
    const r = spawnSync('bash', ['-c', `results=${results}; status=${status}; lint_failed=${lintFailed}\n${ending}`], { encoding: 'utf8' });
    return { line: r.stdout.trim().split('\n').at(-1) ?? '', code: r.status };
  };

  it('lints and looks for dead code after the install and before the tests', () => {
    expect(script.indexOf('pnpm lint')).toBeGreaterThan(script.indexOf('pnpm install --frozen-lockfile'));
    expect(script.indexOf('pnpm lint')).toBeLessThan(script.indexOf('pnpm test'));
    expect(script.indexOf('pnpm knip')).toBeGreaterThan(script.indexOf('pnpm install --frozen-lockfile'));
    expect(script.indexOf('pnpm knip')).toBeLessThan(script.indexOf('pnpm test'));
  });

  it('counts a lint failure as one failed test in its last line, and fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-ci-run-'));
    try {
      const results = path.join(dir, 'vitest.json');
      await writeFile(results, JSON.stringify({ numPassedTests: 7, numFailedTests: 0, testResults: [] }));
      expect(finish(results, 0, 0)).toEqual({ line: 'tests: 7 passed, 0 failed', code: 0 });
      expect(finish(results, 0, 1)).toEqual({ line: 'tests: 7 passed, 1 failed', code: 1 });
      await writeFile(results, JSON.stringify({ numPassedTests: 7, numFailedTests: 2, testResults: [] }));
      expect(finish(results, 1, 1)).toEqual({ line: 'tests: 7 passed, 3 failed', code: 1 });
      expect(finish(path.join(dir, 'absent.json'), 0, 1)).toEqual({ line: 'tests: 0 passed, 2 failed', code: 1 });
      // lint and knip both failing: two failed checks.
      expect(finish(results, 0, 2)).toEqual({ line: 'tests: 7 passed, 4 failed', code: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
