import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, TwinlabError } from '../errors.js';
import { EventLog, readEventLog } from './event-log.js';

let dir = '';
let file = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinlab-eventlog-'));
  file = join(dir, 'events.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run `fn`, expecting it to throw a TwinlabError; returns the error. */
async function caught(fn: () => unknown): Promise<TwinlabError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TwinlabError);
    return e as TwinlabError;
  }
  throw new Error('expected a TwinlabError, nothing was thrown');
}

describe('EventLog', () => {
  it('round-trips records through append, flush and read', async () => {
    const log = EventLog.open(file, { fsync: false });
    log.append({ t: 'phase', atMs: 0, name: 'ramp' });
    log.append({ t: 'object', atMs: 12.5, node: 'vn-00001', rv: '42', nested: { ok: true, text: 'é\n"' } });
    expect(log.pending).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(log.flush()).toBe(2);
    expect(log.pending).toBe(0);
    log.append({ t: 'end', atMs: 99 });
    log.close();

    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(log.eventsWritten).toBe(3);
    expect(log.bytesWritten).toBe(Buffer.byteLength(text));
    expect(await readEventLog(file)).toEqual({
      events: [
        { t: 'phase', atMs: 0, name: 'ramp' },
        { t: 'object', atMs: 12.5, node: 'vn-00001', rv: '42', nested: { ok: true, text: 'é\n"' } },
        { t: 'end', atMs: 99 },
      ],
      tornTail: false,
    });
  });

  it('records an event as it was when appended', async () => {
    const log = EventLog.open(file, { fsync: false });
    const event = { t: 'x', atMs: 1, n: 1 };
    log.append(event);
    event.n = 2;
    log.close();
    expect((await readEventLog(file)).events).toEqual([{ t: 'x', atMs: 1, n: 1 }]);
  });

  it('writes a full batch from append, in one write', () => {
    const log = EventLog.open(file, { maxBatch: 3, fsync: false });
    log.append({ t: 'a', atMs: 1 });
    log.append({ t: 'a', atMs: 2 });
    expect(log.eventsWritten).toBe(0);
    log.append({ t: 'a', atMs: 3 });
    expect(log.pending).toBe(0);
    expect(log.eventsWritten).toBe(3);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    log.close();
  });

  it('writes the batch from its timer', async () => {
    const log = EventLog.open(file, { flushIntervalMs: 10 });
    log.append({ t: 'a', atMs: 1 });
    await new Promise((r) => setTimeout(r, 80));
    expect(log.pending).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('{"t":"a","atMs":1}\n');
    log.close();
  });

  it('appends to an existing log and closes only once', async () => {
    writeFileSync(file, '{"t":"old","atMs":0}\n');
    const log = EventLog.open(file, { fsync: false });
    expect(log.repairedTailBytes).toBe(0);
    log.append({ t: 'new', atMs: 1 });
    log.close();
    log.close();
    expect((await readEventLog(file)).events.map((e) => e.t)).toEqual(['old', 'new']);
    const e = await caught(() => log.append({ t: 'late', atMs: 2 }));
    expect(e.message).toMatch(/closed/);
  });

  it('reports a failed write as a TwinlabError naming the file, then refuses further writes', async () => {
    const log = EventLog.open('/dev/full', { fsync: false });
    log.append({ t: 'a', atMs: 1 });
    const e = await caught(() => log.flush());
    expect(e.code).toBe(ErrorCodes.EventLog);
    expect(e.context).toMatchObject({ path: '/dev/full', operation: 'write' });
    expect(e.message).toContain('/dev/full');
    expect(log.failure).toBe(e);
    expect(await caught(() => log.append({ t: 'b', atMs: 2 }))).toBe(e);
    expect(await caught(() => log.close())).toBe(e);
  });

  it('keeps a failure from its timer for the next caller', async () => {
    const log = EventLog.open('/dev/full', { flushIntervalMs: 5, fsync: false });
    log.append({ t: 'a', atMs: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(log.failure?.context).toMatchObject({ path: '/dev/full', operation: 'write' });
    expect(await caught(() => log.append({ t: 'b', atMs: 2 }))).toBe(log.failure);
    await caught(() => log.close());
  });

  it('fails to open in a missing directory with the path in the error', async () => {
    const missing = join(dir, 'nope', 'events.jsonl');
    const e = await caught(() => EventLog.open(missing));
    expect(e.context).toMatchObject({ path: missing, operation: 'open' });
  });

  it('refuses an event that cannot be serialised, naming its type', async () => {
    const log = EventLog.open(file, { fsync: false });
    const e = await caught(() => log.append({ t: 'big', atMs: 1, n: 1n }));
    expect(e.message).toContain('"big"');
    expect(log.pending).toBe(0);
    log.close();
  });
});

describe('readEventLog', () => {
  const lines = (...records: object[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

  it('skips and reports a torn last line', async () => {
    writeFileSync(file, `${lines({ t: 'a', atMs: 1 }, { t: 'b', atMs: 2 })}{"t":"c","at`);
    expect(await readEventLog(file)).toEqual({ events: [{ t: 'a', atMs: 1 }, { t: 'b', atMs: 2 }], tornTail: true });
  });

  it('treats a last line without its newline as torn even if it happens to parse', async () => {
    writeFileSync(file, `${lines({ t: 'a', atMs: 1 })}{"t":"b","atMs":2}`);
    expect(await readEventLog(file)).toEqual({ events: [{ t: 'a', atMs: 1 }], tornTail: true });
  });

  it('reads an empty file as no events', async () => {
    writeFileSync(file, '');
    expect(await readEventLog(file)).toEqual({ events: [], tornTail: false });
  });

  it('names the file and line of a malformed record in the middle', async () => {
    writeFileSync(file, `${lines({ t: 'a', atMs: 1 }, { t: 'b', atMs: 2 })}{"t":"c",\n${lines({ t: 'd', atMs: 4 })}`);
    const e = await caught(() => readEventLog(file));
    expect(e.context).toMatchObject({ path: file, line: 3, operation: 'read' });
    expect(e.message).toContain(`${file}:3`);
    expect(e.message).toMatch(/not JSON/);
  });

  it.each([
    ['an array', '[1,2]', /not a JSON object/],
    ['a record without t', '{"atMs":1}', /"t"/],
    ['a record without a numeric atMs', '{"t":"x","atMs":"1"}', /"atMs"/],
    ['an empty line', '', /empty line/],
  ])('rejects %s, even as the last complete line', async (_what, bad, reason) => {
    writeFileSync(file, `${lines({ t: 'a', atMs: 1 })}${bad}\n`);
    const e = await caught(() => readEventLog(file));
    expect(e.context).toMatchObject({ line: 2 });
    expect(e.message).toMatch(reason);
  });

  it('reads records split across stream chunks', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ t: 'tick', atMs: i, pad: 'x'.repeat(i % 300) }));
    for (let i = 0; i < many.length; i += 1000) appendFileSync(file, lines(...many.slice(i, i + 1000)));
    const read = await readEventLog(file);
    expect(read.tornTail).toBe(false);
    expect(read.events).toEqual(many);
  });

  it('fails on a missing file with the path in the error', async () => {
    const e = await caught(() => readEventLog(join(dir, 'missing.jsonl')));
    expect(e.context).toMatchObject({ operation: 'read' });
    expect(e.message).toContain('missing.jsonl');
  });
});
