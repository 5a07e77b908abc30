import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExitCodes } from '../errors.js';
import { parseCompareArgs, runCompareCommand } from './compare-command.js';
import { sampleSummary } from './fixtures/sample-summary.js';

let dir: string;
let baseline: string;

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCompareCommand(
    argv,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

async function summaryFile(name: string, edit: (s: typeof sampleSummary) => void = () => undefined): Promise<string> {
  const s = structuredClone(sampleSummary);
  edit(s);
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(s));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-compare-'));
  baseline = await summaryFile('baseline.json');
});

describe('twinlab compare', () => {
  it('exits 0 and prints every SLI when nothing regressed', async () => {
    const r = await run([baseline, await summaryFile('same.json')]);
    expect(r.code).toBe(ExitCodes.Ok);
    expect(r.err).toBe('');
    expect(r.out).toContain('✓ no regression beyond 10% (floor 5 ms)');
    for (const name of Object.keys(sampleSummary.slis)) expect(r.out).toContain(name);
    expect(r.out).toMatch(/^metric +baseline +current +change +verdict$/m);
  });

  it('exits 4 on a regression beyond --max-regression and names it first', async () => {
    const worse = await summaryFile('worse.json', (s) => {
      (s.slis.pod_startup_ms as { p99: number }).p99 = 4_600; // +12.6 %
      s.nodes.ready = 800; // −19.8 %
    });
    const r = await run([baseline, worse, '--max-regression', '10%']);
    await expect(r.out).toMatchFileSnapshot('./__snapshots__/compare-regression.txt');
    await expect((await run([baseline, worse, '--format', 'markdown'])).out).toMatchFileSnapshot('./__snapshots__/compare-regression.md');
    expect(r.code).toBe(ExitCodes.Regression);
    expect(r.code).toBe(4);
    expect(r.out).toContain('✗ 2 regressions beyond 10% (floor 5 ms): pod_startup_ms p99, nodes.ready');
    expect(r.out).toMatch(/^pod_startup_ms p99 +4,087 ms +4,600 ms +\+12\.6% +✗ regression$/m);
    const at15 = await run([baseline, worse, '--max-regression', '15']);
    expect(at15.code).toBe(4);
    expect(at15.out).toContain('✗ 1 regression beyond 15% (floor 5 ms): nodes.ready');
    expect((await run([baseline, worse, '--max-regression', '20'])).code).toBe(0);
  });

  it('prints a Markdown table for a job summary and JSON for machines', async () => {
    const worse = await summaryFile('worse-md.json', (s) => {
      s.slis.ledger_lost = { value: 7 };
    });
    const md = await run([baseline, worse, '--format', 'markdown']);
    expect(md.code).toBe(4);
    expect(md.out).toContain('| metric | baseline | current | change | verdict |');
    expect(md.out).toContain('| `ledger_lost` | 3 | 7 | +133.3% | ✗ regression |');
    const json = await run([baseline, worse, '--format', 'json']);
    const parsed = JSON.parse(json.out) as { regressions: number; rows: Array<{ metric: string; verdict: string }> };
    expect(parsed.regressions).toBe(1);
    expect(parsed.rows.find((r) => r.metric === 'ledger_lost')!.verdict).toBe('regression');
  });

  it('exits 2 naming the file when it is missing, not JSON, or not a summary', async () => {
    const missing = path.join(dir, 'nope.json');
    const r1 = await run([missing, baseline]);
    expect(r1.code).toBe(ExitCodes.InvalidInput);
    expect(r1.err).toContain(`TWL_CONFIG_INVALID: baseline ${missing} cannot be read: no such file`);
    expect(r1.out).toBe('');

    const garbage = path.join(dir, 'garbage.json');
    await writeFile(garbage, '{"title": ');
    const r2 = await run([baseline, garbage]);
    expect(r2.code).toBe(2);
    expect(r2.err).toContain(`current ${garbage} is not JSON`);

    const wrong = await summaryFile('wrong.json', (s) => {
      (s.slis.pod_startup_ms as unknown as { p99: string }).p99 = 'slow';
      delete (s as Partial<typeof s>).harness;
    });
    const r3 = await run([baseline, wrong]);
    expect(r3.code).toBe(2);
    expect(r3.err).toContain(`current ${wrong} is not a twinlab summary.json:`);
    expect(r3.err).toContain('harness');
    expect(r3.err).toContain('slis.pod_startup_ms');
  });

  it('refuses two runs whose setups differ with exit 2 and lists the differences', async () => {
    const bigger = await summaryFile('bigger.json', (s) => {
      s.nodes.requested = 10_000;
      s.options.certs = 'per-node';
    });
    const r = await run([baseline, bigger]);
    expect(r.code).toBe(ExitCodes.InvalidInput);
    expect(r.out).toBe('');
    expect(r.err).toContain(`TWL_SETUPS_DIFFER: ${baseline} and ${bigger} are runs of different setups`);
    expect(r.err).toContain('  node count (--nodes): 1,000 → 10,000\n');
    expect(r.err).toContain('  certificates (--certs): shared → per-node\n');
    expect(r.err).toContain('--allow-different-setups');
    expect(r.err).not.toContain('provider');
  });

  it('compares different setups with --allow-different-setups and says so in every format', async () => {
    const loopback = await summaryFile('loopback.json', (s) => {
      s.cloud.provider = 'loopback';
    });
    const r = await run([baseline, loopback, '--allow-different-setups']);
    expect(r.code).toBe(ExitCodes.Ok);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^✓ no regression .*\n⚠ the two runs' setups differ, so a change may come from the setup and not the code: cloud provider \(--cloud\): local → loopback$/m);
    const md = await run([baseline, loopback, '--allow-different-setups', '--format', 'markdown']);
    expect(md.out).toContain("> ⚠ the two runs' setups differ");
    const json = JSON.parse((await run([baseline, loopback, '--allow-different-setups', '--format', 'json'])).out) as { setupDifferences: unknown };
    expect(json.setupDifferences).toEqual([{ field: 'provider', label: 'cloud provider (--cloud)', baseline: 'local', current: 'loopback' }]);
    // Same setup: no warning line.
    expect((await run([baseline, baseline])).out).not.toContain('setups differ');
  });

  it('exits 2 naming the flag for bad options or a wrong number of files', async () => {
    const r1 = await run([baseline, baseline, '--max-regression', 'ten']);
    expect(r1.code).toBe(2);
    expect(r1.err).toContain('--max-regression "ten" must be a number');
    expect((await run([baseline])).err).toContain('exactly two files');
    expect((await run([baseline, baseline, '--format', 'pdf'])).err).toContain('--format must be one of text, markdown, json');
    expect((await run([baseline, baseline, '--bogus'])).code).toBe(2);
  });

  it('parses the flags the nightly workflow passes', () => {
    expect(parseCompareArgs(['a.json', 'b.json', '--max-regression', '10%'])).toMatchObject({ baselinePath: 'a.json', currentPath: 'b.json', maxRegressionPct: 10, minDeltaMs: 5, format: 'text' });
    expect(parseCompareArgs(['a', 'b', '--max-regression=2.5%', '--min-delta-ms', '0', '--format', 'markdown'])).toMatchObject({ maxRegressionPct: 2.5, minDeltaMs: 0, format: 'markdown' });
  });
});
