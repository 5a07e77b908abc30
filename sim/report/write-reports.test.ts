import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { sampleSummary } from './fixtures/sample-summary.js';
import { REPORT_FORMATS } from './report-writer.js';
import { parseReportFormats, reportWriter, writeReports } from './write-reports.js';

describe('writeReports', () => {
  it('writes summary.json, summary.md, report.html and junit.xml by default, each from its writer', async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'twinlab-reports-')), 'run');
    const written = await writeReports(sampleSummary, dir);
    expect(written.map((f) => path.basename(f))).toEqual(['summary.json', 'summary.md', 'report.html', 'junit.xml']);
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html', 'summary.json', 'summary.md']);
    for (const format of REPORT_FORMATS) {
      const w = reportWriter(format);
      expect(await readFile(path.join(dir, w.fileName), 'utf8')).toBe(w.render(sampleSummary));
    }
  });

  it('writes only the formats asked for', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-reports-'));
    await writeReports(sampleSummary, dir, ['junit']);
    expect(await readdir(dir)).toEqual(['junit.xml']);
  });

  it('parses a format list and names the known formats for an unknown one', () => {
    expect(parseReportFormats('json, html,json')).toEqual(['json', 'html']);
    let caught: unknown;
    try {
      parseReportFormats('json,pdf');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TwinlabError);
    expect((caught as TwinlabError).code).toBe(ErrorCodes.ConfigInvalid);
    expect((caught as TwinlabError).message).toBe('--report: unknown report format "pdf"; known: json, markdown, html, junit');
  });
});
