/**
 * Reading a summary.json from disk for `twinlab compare`: only the fields compare needs are
 * checked, and a file that cannot be read, is not JSON or lacks a field is invalid input whose
 * message names the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigInvalidError } from '../errors.js';
import type { ComparableSummary } from './compare.js';

const num = z.number();
const nullableNum = z.number().nullable();

const percentiles = z.object({ count: num, p50: nullableNum, p90: nullableNum, p99: nullableNum, max: nullableNum });
const sliValue = z.object({ value: nullableNum });

const summarySchema = z.object({
  title: z.string(),
  runId: z.string(),
  durationSeconds: num,
  cloud: z.object({ provider: z.string().optional(), kubeedgeVersion: z.string().optional() }).optional(),
  options: z.record(z.string(), z.union([z.string(), num, z.boolean()])).optional(),
  scenario: z.object({ name: z.string().optional() }).nullable().optional(),
  nodes: z.object({ requested: num.optional(), ready: num, peakConnected: num }),
  messages: z.object({ sent: num, received: num, unanswered: num, malformed: num, sendFailures: num, errorReplies: num, duplicates: num }),
  connections: z.object({ connectFailures: num }),
  latency: z.object({ ackMs: percentiles.optional() }).optional(),
  harness: z.object({ cpuSeconds: num, peakRssBytes: num, rssBytesPerNode: nullableNum, eventLoopLagP99Ms: num }),
  slis: z.record(z.string(), z.union([percentiles, sliValue])),
  slos: z.array(z.object({ name: z.string(), pass: z.boolean(), value: nullableNum })).optional(),
  controlPlane: z.record(z.string(), z.object({ cpuSeconds: num, peakRssBytes: num })).nullable().optional(),
  ledger: z
    .object({ totals: z.object({ delivered: num, lost: num, duplicated: num, reordered: num, resurrected: num }) })
    .nullable()
    .optional(),
});

/** The first few schema problems as `path: message`. */
function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `${issues.join('; ')}${more}`;
}

/** Validate parsed JSON as a summary; `label` (e.g. "baseline reports/a/summary.json") leads every message. */
export function parseComparableSummary(data: unknown, label: string): ComparableSummary {
  const r = summarySchema.safeParse(data);
  if (!r.success) throw new ConfigInvalidError(`${label} is not a twinlab summary.json: ${describeIssues(r.error)}`, { file: label });
  return r.data;
}

export async function readComparableSummary(file: string, role: string): Promise<ComparableSummary> {
  const label = `${role} ${file}`;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    throw new ConfigInvalidError(`${label} cannot be read: ${reason}`, { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigInvalidError(`${label} is not JSON: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  return parseComparableSummary(data, label);
}
