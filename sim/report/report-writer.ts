/**
 * The one interface every report writer implements: a pure function from the result model
 * (summary.json) to the text of one file. Writers never read anything but the RunSummary.
 */
import type { RunSummary } from '../model/run-summary.js';

export const REPORT_FORMATS = ['json', 'markdown', 'html', 'junit'] as const;

export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportWriter {
  readonly format: ReportFormat;
  /** File name inside the run directory, e.g. `summary.json`. */
  readonly fileName: string;
  render(summary: RunSummary): string;
}
