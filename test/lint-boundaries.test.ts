/**
 * The import boundaries of eslint.config.js, checked by linting small sources placed in each sim/
 * layer: what a layer must not import is an error, what it may import is not, tests are exempt,
 * and an import the resolver cannot follow is an error too (no-restricted-paths alone would let
 * it pass unseen). Targets are real files, found by folder, so files moving inside a folder do not
 * break this test.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One non-test TypeScript file of a folder, as a repo-relative path. */
function fileIn(folder: string): string {
  const walk = (dir: string): string | undefined => {
    const entries = readdirSync(path.join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isFile() && e.name.endsWith('.ts') && !/\.test(-kit)?\.ts$/.test(e.name)) return p;
    }
    for (const e of entries) {
      if (e.isDirectory() && e.name !== 'fixtures') {
        const found = walk(path.join(dir, e.name));
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = walk(folder);
  if (!found) throw new Error(`no TypeScript file under ${folder}`);
  return found;
}

/** The import specifier of `target` as written in `from` (NodeNext: `.js`). */
function specifier(from: string, target: string): string {
  const rel = path.relative(path.dirname(from), target).replace(/\.ts$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

let eslint: ESLint;

beforeAll(() => {
  // The boundary rules need no type information; without it a source that is not on disk lints.
  eslint = new ESLint({
    cwd: root,
    overrideConfig: [
      { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked },
      { files: ['**/*.ts'], languageOptions: { parserOptions: { projectService: false } } },
    ],
  });
});

/** For each of `targets`, the rules its import line breaks when `file` imports it (joined), or null. */
async function lintImports(file: string, targets: string[]): Promise<Array<string | null>> {
  const source = targets.map((t, i) => `import * as m${i} from '${t.includes('/') ? specifier(file, t) : t}';\n`).join('')
    + `export const all = [${targets.map((_, i) => `m${i}`).join(', ')}];\n`;
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  const byLine = new Map<number, Set<string>>();
  for (const m of result?.messages ?? []) byLine.set(m.line, (byLine.get(m.line) ?? new Set()).add(m.ruleId ?? m.message));
  return targets.map((_, i) => [...(byLine.get(i + 1) ?? [])].sort().join(', ') || null);
}

const none = (targets: string[]): null[] => targets.map(() => null);

const RESTRICTED = 'import-x/no-restricted-paths';

describe('sim/ import boundaries (eslint.config.js)', () => {
  it('sim/edge imports neither the run, the scenario, the workload, the report nor the cloud', async () => {
    const forbidden = ['sim/run', 'sim/scenario', 'sim/workload', 'sim/report', 'sim/cloud'].map(fileIn);
    expect(await lintImports('sim/edge/probe.ts', forbidden)).toEqual(forbidden.map(() => RESTRICTED));
    const allowed = ['sim/errors.ts', fileIn('sim/metrics'), 'ws'];
    expect(await lintImports('sim/edge/probe.ts', allowed)).toEqual(none(allowed));
  });

  it('sim/model imports nothing else from the repo, only node and npm packages', async () => {
    const forbidden = ['sim/errors.ts', fileIn('sim/cloud'), fileIn('sim/util'), fileIn('fake-devices')];
    expect(await lintImports('sim/model/probe.ts', forbidden)).toEqual(forbidden.map(() => RESTRICTED));
    expect(await lintImports('sim/model/probe.ts', ['node:path', 'zod'])).toEqual([null, null]);
  });

  it('sim/report imports only the model, the event-log reader, errors.ts and its own folder', async () => {
    const allowed = [fileIn('sim/model'), 'sim/record/event-log.ts', 'sim/errors.ts', fileIn('sim/report'), 'node:fs', 'zod'];
    expect(await lintImports('sim/report/probe.ts', allowed)).toEqual(none(allowed));
    const forbidden = ['sim/record/run-reducer.ts', fileIn('sim/metrics'), fileIn('sim/util'), fileIn('sim/scenario')];
    expect(await lintImports('sim/report/probe.ts', forbidden)).toEqual(forbidden.map(() => RESTRICTED));
  });

  it('sim/workload imports neither the fleet nor the virtual edgecore', async () => {
    const forbidden = [fileIn('sim/fleet'), 'sim/edge/meta-store.ts'];
    expect(await lintImports('sim/workload/probe.ts', forbidden)).toEqual(forbidden.map(() => RESTRICTED));
    expect(await lintImports('sim/workload/probe.ts', ['sim/errors.ts', fileIn('sim/util')])).toEqual([null, null]);
  });

  it('sim/record and sim/report import neither the run nor the fleet', async () => {
    const forbidden = [fileIn('sim/run'), fileIn('sim/fleet')];
    for (const file of ['sim/record/probe.ts', 'sim/report/probe.ts']) {
      expect(await lintImports(file, forbidden)).toEqual(forbidden.map(() => RESTRICTED));
    }
    expect(await lintImports('sim/record/probe.ts', ['sim/record/event-log.ts', 'sim/errors.ts'])).toEqual([null, null]);
  });

  it('tests and test kits may cross the boundaries', async () => {
    const run = [fileIn('sim/run')];
    expect(await lintImports('sim/edge/probe.test.ts', run)).toEqual([null]);
    expect(await lintImports('sim/edge/probe.test-kit.ts', run)).toEqual([null]);
  });

  it('an import the resolver cannot follow is an error, not a pass', async () => {
    expect(await lintImports('sim/edge/probe.ts', ['sim/run/no-such-file.ts'])).toEqual(['import-x/no-unresolved']);
  });
});
