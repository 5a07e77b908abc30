import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog, readEventLog } from './event-log.js';

const WRITER = fileURLToPath(new URL('./event-log.sigkill-writer.ts', import.meta.url));

/** Start the writer, wait until it has written, let it run `runMs` more, then SIGKILL it. */
async function killWriterMidRun(file: string, runMs: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`writer exited (code ${code}) before it started: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, runMs));
  child.kill('SIGKILL');
  return exited;
}

describe('EventLog under SIGKILL', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('leaves only complete, parseable lines whose records are a gap-free prefix of what was appended', async () => {
    dir = mkdtempSync(join(tmpdir(), 'twinlab-eventlog-kill-'));
    const file = join(dir, 'events.jsonl');
    const signal = await killWriterMidRun(file, 400);
    expect(signal).toBe('SIGKILL');

    const { events } = await readEventLog(file);
    expect(events.length).toBeGreaterThan(0);
    events.forEach((e, i) => {
      expect(e.t).toBe('tick');
      expect(e.seq).toBe(i);
    });
  });

  it('reopening a killed log cuts any torn tail, so the next records start on a fresh line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'twinlab-eventlog-kill-'));
    const file = join(dir, 'events.jsonl');
    await killWriterMidRun(file, 200);
    const before = statSync(file).size;

    const log = EventLog.open(file, { fsync: false });
    const { events: kept } = await readEventLog(file);
    expect(statSync(file).size).toBe(before - log.repairedTailBytes);
    for (let i = 0; i < 10; i++) log.append({ t: 'tick', atMs: 0, seq: kept.length + i });
    log.close();

    const after = await readEventLog(file);
    expect(after.tornTail).toBe(false);
    expect(after.events.map((e) => e.seq)).toEqual(Array.from({ length: kept.length + 10 }, (_, i) => i));
  });
});
