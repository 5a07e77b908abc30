/**
 * One place a run's events go: appended to events.jsonl (flushed in batches, SIGKILL-safe) and fed
 * to the reducer that builds the summary from them. Recording the same events the reducer reads
 * is what lets `twinlab report` rebuild a killed run.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { EventLog, EVENTS_FILE } from '../record/event-log.js';
import type { RunEvent } from '../model/run-events.js';
import { RunReducer } from '../record/run-reducer.js';

export { EVENTS_FILE };

export class RunRecorder {
  readonly reducer = new RunReducer();
  private readonly log: EventLog;

  /** Starts a fresh events.jsonl in `outDir` (a previous run's file there is replaced). */
  constructor(outDir: string) {
    const file = path.join(outDir, EVENTS_FILE);
    rmSync(file, { force: true });
    this.log = EventLog.open(file);
  }

  record(event: RunEvent): void {
    this.reducer.apply(event);
    this.log.append(event);
  }

  close(): void {
    this.log.close();
  }
}
