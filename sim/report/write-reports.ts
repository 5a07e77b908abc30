/**
 * The report writers behind one façade: `writeReports(summary, outDir)` writes summary.json,
 * summary.md, report.html and junit.xml (or the formats asked for) into a run directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigInvalidError } from '../errors.js';
import { HtmlWriter } from './html-writer.js';
import { JsonWriter } from './json-writer.js';
import { JunitWriter } from './junit-writer.js';
import { MarkdownWriter } from './markdown-writer.js';
import { REPORT_FORMATS, type ReportFormat, type ReportWriter } from './report-writer.js';
import type { RunSummary } from '../model/run-summary.js';

const WRITERS: Readonly<Record<ReportFormat, ReportWriter>> = {
  json: new JsonWriter(),
  markdown: new MarkdownWriter(),
  html: new HtmlWriter(),
  junit: new JunitWriter(),
};

export function reportWriter(format: ReportFormat): ReportWriter {
  return WRITERS[format];
}

/** `json,html` (a flag's value) → formats; an unknown name is invalid input naming the known ones. */
export function parseReportFormats(text: string, flag = '--report'): ReportFormat[] {
  const names = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const name of names) {
    if (!(REPORT_FORMATS as readonly string[]).includes(name)) {
      throw new ConfigInvalidError(`${flag}: unknown report format ${JSON.stringify(name)}; known: ${REPORT_FORMATS.join(', ')}`, { option: flag });
    }
  }
  return [...new Set(names as ReportFormat[])];
}

/** Render and write each format; returns the written paths in the order of `formats`. */
export async function writeReports(summary: RunSummary, outDir: string, formats: readonly ReportFormat[] = REPORT_FORMATS): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const format of formats) {
    const writer = WRITERS[format];
    const file = path.join(outDir, writer.fileName);
    await writeFile(file, writer.render(summary));
    written.push(file);
  }
  return written;
}
