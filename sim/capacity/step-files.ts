/**
 * A step's run directory on disk: the events the run recorded (reduced to its summary exactly as
 * `twinlab report` does) and the component metrics the sweep scraped beside it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readEventLog, type RunEventRecord } from '../record/event-log.js';
import type { RunEvent } from '../model/run-events.js';
import { RunReducer } from '../record/run-reducer.js';
import type { RunSummary } from '../model/run-summary.js';
import { EVENTS_FILE } from '../run/run-recorder.js';
import type { ScrapeRecord } from './step-measurement.js';

/** Written into each step's run directory: the components' /metrics series over the run. */
export const SCRAPE_FILE = 'capacity-scrape.json';

export interface StepFiles {
  events: RunEventRecord[];
  summary: RunSummary;
  scrape: ScrapeRecord | null;
}

export async function readStepFiles(runDir: string): Promise<StepFiles> {
  const { events } = await readEventLog(path.join(runDir, EVENTS_FILE));
  return { events, summary: summaryOf(events), scrape: await readScrape(runDir) };
}

export function summaryOf(events: readonly RunEventRecord[]): RunSummary {
  const reducer = new RunReducer();
  for (const e of events) reducer.apply(e as unknown as RunEvent);
  return reducer.summary();
}

async function readScrape(runDir: string): Promise<ScrapeRecord | null> {
  try {
    return JSON.parse(await readFile(path.join(runDir, SCRAPE_FILE), 'utf8')) as ScrapeRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function writeScrape(runDir: string, scrape: ScrapeRecord): Promise<void> {
  await writeFile(path.join(runDir, SCRAPE_FILE), `${JSON.stringify(scrape)}\n`);
}
