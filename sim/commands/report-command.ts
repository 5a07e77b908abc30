/**
 * `twinlab report <run-dir>`: rebuild summary.json and every report from the run's events.jsonl
 * alone — for a run killed before it could write them, or to re-render with a newer twinlab.
 * It sits apart from record/ and report/ because it joins them: the reducer folds the events
 * into the model, the writers read only the model.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigInvalidError, ExitCodes } from '../errors.js';
import { EVENTS_FILE, readEventLog } from '../record/event-log.js';
import type { RunEvent } from '../model/run-events.js';
import { RunReducer } from '../record/run-reducer.js';
import { parseReportFormats, writeReports } from '../report/write-reports.js';
import { REPORT_FORMATS } from '../report/report-writer.js';

export async function runReportCommand(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const dir = argv.find((a) => !a.startsWith('--'));
  const fi = argv.indexOf('--format');
  const formats = fi >= 0 ? parseReportFormats(argv[fi + 1] ?? '', '--format') : [...REPORT_FORMATS];
  if (!dir) throw new ConfigInvalidError('usage: twinlab report <run-dir> [--format json,markdown,html,junit]', { option: 'run-dir' });
  const file = path.join(dir, EVENTS_FILE);
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) throw new ConfigInvalidError(`${file}: no such file — a run directory holds the events.jsonl a run recorded`, { file });
  const { events, tornTail } = await readEventLog(file);
  const reducer = new RunReducer();
  for (const e of events) reducer.apply(e as unknown as RunEvent);
  let summary;
  try {
    summary = reducer.summary();
  } catch (e) {
    throw new ConfigInvalidError(`${file}: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  const written = await writeReports(summary, dir, formats);
  out(`${summary.title}: rebuilt from ${events.length} events${tornTail ? ' (the last line was cut short by the kill and skipped)' : ''}\n`);
  for (const w of written) out(`  ${w}\n`);
  const breached = summary.slos.some((s) => !s.pass);
  return summary.error ? (summary.interrupted ? ExitCodes.Interrupted : ExitCodes.HarnessError) : breached ? ExitCodes.SloBreach : ExitCodes.Ok;
}
