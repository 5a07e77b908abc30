/**
 * `twinlab compare <baseline summary.json> <current summary.json> [--max-regression 10%]
 * [--min-delta-ms 5] [--format text|markdown|json] [--allow-different-setups]`: prints every
 * metric of both runs and exits 4 (ExitCodes.Regression) when one got worse beyond the bound, 2 on
 * bad input or on two runs whose setups differ (node count, provider, KubeEdge version, scenario,
 * certs) unless --allow-different-setups.
 */
import { parseArgs } from 'node:util';
import { ConfigInvalidError, ErrorCodes, ExitCodes, isTwinlabError } from '../errors.js';
import { compareSummaries, DEFAULT_COMPARE_OPTIONS } from './compare.js';
import { describeDifference } from './compare-setup.js';
import { COMPARE_FORMATS, renderComparison, type CompareFormat } from './compare-report.js';
import { readComparableSummary } from './summary-file.js';

export const COMPARE_USAGE = `usage: twinlab compare <baseline summary.json> <current summary.json> [options]

  --max-regression N%   largest change in the worse direction that passes (default ${DEFAULT_COMPARE_OPTIONS.maxRegressionPct}%)
  --min-delta-ms MS     changes of at most this many ms (or MS/1000 s) are noise (default ${DEFAULT_COMPARE_OPTIONS.minDeltaMs})
  --format FORMAT       text, markdown or json (default text)
  --allow-different-setups
                        compare runs whose node count, provider, KubeEdge version, scenario or
                        certs differ (refused by default); the report then says they differ

exit codes: 0 no regression, 4 regression, 2 unreadable or invalid input, or setups that differ`;

export interface CompareArgs {
  baselinePath: string;
  currentPath: string;
  maxRegressionPct: number;
  minDeltaMs: number;
  format: CompareFormat;
  allowDifferentSetups: boolean;
  help: boolean;
}

function nonNegative(text: string, flag: string, example: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new ConfigInvalidError(`${flag} ${JSON.stringify(text)} must be a number ≥ 0, e.g. ${example}`, { option: flag });
  return v;
}

export function parseCompareArgs(argv: readonly string[]): CompareArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        'max-regression': { type: 'string' },
        'min-delta-ms': { type: 'string' },
        format: { type: 'string' },
        'allow-different-setups': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigInvalidError(`compare: ${error instanceof Error ? error.message : String(error)}`, {});
  }
  const v = parsed.values;
  const help = v.help === true;
  const [baselinePath, currentPath, ...extra] = parsed.positionals;
  if (!help && (baselinePath === undefined || currentPath === undefined || extra.length > 0)) {
    throw new ConfigInvalidError(`compare needs exactly two files, the baseline summary.json and the current one (got ${parsed.positionals.length})`, {});
  }
  const format = v.format ?? 'text';
  if (!(COMPARE_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigInvalidError(`--format must be one of ${COMPARE_FORMATS.join(', ')} (got ${JSON.stringify(format)})`, { option: '--format' });
  }
  return {
    baselinePath: baselinePath ?? '',
    currentPath: currentPath ?? '',
    maxRegressionPct: v['max-regression'] === undefined ? DEFAULT_COMPARE_OPTIONS.maxRegressionPct : nonNegative(v['max-regression'].replace(/%$/, ''), '--max-regression', '10%'),
    minDeltaMs: v['min-delta-ms'] === undefined ? DEFAULT_COMPARE_OPTIONS.minDeltaMs : nonNegative(v['min-delta-ms'], '--min-delta-ms', '5'),
    format: format as CompareFormat,
    allowDifferentSetups: v['allow-different-setups'] === true,
    help,
  };
}

/**
 * Run the command: the comparison goes to `out`, problems to `err` as `CODE: message`.
 * Returns the exit code (0, ExitCodes.Regression, or ExitCodes.InvalidInput).
 */
export async function runCompareCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  try {
    const args = parseCompareArgs(argv);
    if (args.help) {
      out(`${COMPARE_USAGE}\n`);
      return ExitCodes.Ok;
    }
    const baseline = await readComparableSummary(args.baselinePath, 'baseline');
    const current = await readComparableSummary(args.currentPath, 'current');
    const comparison = compareSummaries(baseline, current, { maxRegressionPct: args.maxRegressionPct, minDeltaMs: args.minDeltaMs });
    if (comparison.setupDifferences.length > 0 && !args.allowDifferentSetups) {
      const lines = comparison.setupDifferences.map((d) => `  ${describeDifference(d)}`);
      err(
        `${ErrorCodes.SetupsDiffer}: ${args.baselinePath} and ${args.currentPath} are runs of different setups; a change between them is not a regression:\n` +
          `${lines.join('\n')}\npass --allow-different-setups to compare them anyway\n`,
      );
      return ExitCodes.InvalidInput;
    }
    out(renderComparison(comparison, args.format));
    return comparison.regressions > 0 ? ExitCodes.Regression : ExitCodes.Ok;
  } catch (error) {
    if (isTwinlabError(error) && error.code === ErrorCodes.ConfigInvalid) {
      err(`${error.toLine()}\n${COMPARE_USAGE.split('\n')[0]}\n`);
      return ExitCodes.InvalidInput;
    }
    throw error;
  }
}
