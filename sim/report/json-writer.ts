/** summary.json: the result model itself, 2-space indented with a trailing newline. */
import type { ReportWriter } from './report-writer.js';
import type { RunSummary } from '../model/run-summary.js';

export class JsonWriter implements ReportWriter {
  readonly format = 'json';
  readonly fileName = 'summary.json';

  render(summary: RunSummary): string {
    return `${JSON.stringify(summary, null, 2)}\n`;
  }
}
