/**
 * A run's events as an append-only JSONL file that survives SIGKILL: every complete line is a
 * record, and a kill mid-write can only leave a torn last line, which the reader reports and skips.
 *
 * `append` only serialises into an in-memory batch; the batch goes to disk in one write (plus
 * fdatasync) from one unref'd interval timer, when it is full, or on `flush`/`close`. Writes are
 * synchronous on purpose: `close` must finish inside an exit handler, and a single write path
 * keeps lines in append order.
 */
import { closeSync, createReadStream, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { ErrorCodes, TwinlabError } from '../errors.js';

/** The minimal shape of every record in the log: a type tag and milliseconds since the run started. */
/** The file a run's events go to, in its run directory. */
export const EVENTS_FILE = 'events.jsonl';

export type RunEventRecord = { t: string; atMs: number } & Record<string, unknown>;

export interface EventLogOptions {
  /** How often the batch is written. Default 250 ms. */
  flushIntervalMs?: number;
  /** Events in memory that trigger a write from `append`. Default 2000. */
  maxBatch?: number;
  /** fdatasync after every write, so a machine crash loses at most one interval. Default true. */
  fsync?: boolean;
}

export interface EventLogContents {
  /** Every complete record, in file order. */
  events: RunEventRecord[];
  /** The file ended in a line without its newline (a write cut short); that line is not in `events`. */
  tornTail: boolean;
}

/**
 * Event-log failures carry TWL_EVENT_LOG; the context names the file, the operation and, for a
 * bad record, the line.
 */
function eventLogError(path: string, operation: string, detail: string, extra: { line?: number } = {}, cause?: unknown): TwinlabError {
  const where = extra.line === undefined ? path : `${path}:${extra.line}`;
  return new TwinlabError(ErrorCodes.EventLog, `event log ${operation} failed for ${where}: ${detail}`, { path, operation, ...extra }, cause === undefined ? undefined : { cause });
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const NEWLINE = 0x0a;
const TAIL_SCAN_CHUNK = 64 * 1024;

export class EventLog {
  readonly path: string;
  /** Bytes of a torn last line found (and cut off) when the file was opened; 0 for a clean file. */
  readonly repairedTailBytes: number;

  private fd: number;
  private readonly maxBatch: number;
  private readonly fsync: boolean;
  private readonly timer: NodeJS.Timeout;
  private batch: string[] = [];
  private events = 0;
  private bytes = 0;
  private closed = false;
  /** The first failed write. Sticky: after it the file may end mid-line, so nothing more is written. */
  private failed: TwinlabError | undefined;

  /**
   * Open `path` for appending, creating it if needed. A torn last line left by a killed writer
   * is cut off first, so new records never join onto it. Throws a TwinlabError (operation `open`).
   */
  static open(path: string, options: EventLogOptions = {}): EventLog {
    const flushIntervalMs = options.flushIntervalMs ?? 250;
    const maxBatch = options.maxBatch ?? 2000;
    if (!(flushIntervalMs > 0)) throw new RangeError(`flushIntervalMs must be positive, got ${flushIntervalMs}`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    let fd: number | undefined;
    try {
      fd = openSync(path, 'a+');
      const repaired = cutTornTail(fd);
      return new EventLog(path, fd, repaired, flushIntervalMs, maxBatch, options.fsync ?? true);
    } catch (e) {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch {
          // The open error below is the one worth reporting.
        }
      }
      throw eventLogError(path, 'open', messageOf(e), {}, e);
    }
  }

  private constructor(path: string, fd: number, repairedTailBytes: number, flushIntervalMs: number, maxBatch: number, fsync: boolean) {
    this.path = path;
    this.fd = fd;
    this.repairedTailBytes = repairedTailBytes;
    this.maxBatch = maxBatch;
    this.fsync = fsync;
    this.timer = setInterval(() => this.flushFromTimer(), flushIntervalMs);
    this.timer.unref();
  }

  /** Events appended but not yet written. */
  get pending(): number {
    return this.batch.length;
  }

  /** Events written to the file by this log. */
  get eventsWritten(): number {
    return this.events;
  }

  /** Bytes written to the file by this log. */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** The write failure that stopped this log, if any. */
  get failure(): TwinlabError | undefined {
    return this.failed;
  }

  /**
   * Queue one record. Serialises it now (so later mutation of `event` does not change the log)
   * and writes only when the batch is full. Throws the log's write failure if there was one.
   * Generic so that interfaces (which have no index signature) and literals with extra fields both fit.
   */
  append<E extends { readonly t: string; readonly atMs: number }>(event: E): void {
    this.assertWritable('append');
    let line: string;
    try {
      line = JSON.stringify(event);
    } catch (e) {
      throw eventLogError(this.path, 'append', `event ${JSON.stringify(event.t)} cannot be serialised: ${messageOf(e)}`, {}, e);
    }
    this.batch.push(line);
    if (this.batch.length >= this.maxBatch) this.flush();
  }

  /** Write the batch now (one write, then fdatasync unless disabled). Returns the events written. */
  flush(): number {
    this.assertWritable('flush');
    return this.writeBatch();
  }

  /**
   * Write what is left, stop the timer and close the file; synchronous, so it can run in an exit
   * handler. Closing twice is a no-op. After a write failure the file is closed and the failure thrown.
   */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    let error = this.failed;
    if (error === undefined) {
      try {
        this.writeBatch();
      } catch (e) {
        error = e instanceof TwinlabError ? e : eventLogError(this.path, 'close', messageOf(e), {}, e);
      }
    }
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch (e) {
      error ??= eventLogError(this.path, 'close', messageOf(e), {}, e);
    }
    if (error !== undefined) throw error;
  }

  private flushFromTimer(): void {
    if (this.closed || this.failed !== undefined) return;
    try {
      this.writeBatch();
    } catch {
      // Kept in `failed` by writeBatch and thrown from the next append/flush/close: a timer has no caller to throw to.
    }
  }

  private writeBatch(): number {
    const count = this.batch.length;
    if (count === 0) return 0;
    const buf = Buffer.from(`${this.batch.join('\n')}\n`, 'utf8');
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      if (this.fsync) fdatasyncSync(this.fd);
    } catch (e) {
      this.failed = eventLogError(this.path, 'write', `${messageOf(e)} (${count} events not written)`, {}, e);
      clearInterval(this.timer);
      throw this.failed;
    }
    this.batch = [];
    this.events += count;
    this.bytes += buf.length;
    return count;
  }

  private assertWritable(operation: string): void {
    if (this.failed !== undefined) throw this.failed;
    if (this.closed) throw eventLogError(this.path, operation, 'the log is closed');
  }
}

/** Truncate the file after its last newline; returns the bytes cut. */
function cutTornTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const buf = Buffer.allocUnsafe(Math.min(TAIL_SCAN_CHUNK, size));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const at = buf.subarray(0, n).lastIndexOf(NEWLINE);
    if (at >= 0) {
      const keep = start + at + 1;
      if (keep < size) ftruncateSync(fd, keep);
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}

/**
 * Read a whole event log, streaming it in chunks (files of hundreds of MB). A last line without
 * its newline is a torn write: skipped and reported as `tornTail`. Any other line that is not a
 * JSON object with a string `t` and a finite `atMs` throws a TwinlabError naming the file and line.
 */
export async function readEventLog(path: string): Promise<EventLogContents> {
  const events: RunEventRecord[] = [];
  let carry: Buffer | undefined;
  let lineNo = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      const buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
      let from = 0;
      let at = buf.indexOf(NEWLINE, from);
      while (at >= 0) {
        lineNo++;
        events.push(parseRecord(buf.toString('utf8', from, at), path, lineNo));
        from = at + 1;
        at = buf.indexOf(NEWLINE, from);
      }
      carry = from < buf.length ? buf.subarray(from) : undefined;
    }
  } catch (e) {
    if (e instanceof TwinlabError) throw e;
    throw eventLogError(path, 'read', messageOf(e), {}, e);
  }
  return { events, tornTail: carry !== undefined };
}

function parseRecord(text: string, path: string, line: number): RunEventRecord {
  const bad = (reason: string, cause?: unknown): TwinlabError => eventLogError(path, 'read', `malformed record: ${reason}`, { line }, cause);
  if (text.length === 0) throw bad('empty line');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${messageOf(e)})`, e);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object');
  const record = value as Record<string, unknown>;
  if (typeof record.t !== 'string' || record.t.length === 0) throw bad('no string "t"');
  if (typeof record.atMs !== 'number' || !Number.isFinite(record.atMs)) throw bad('no finite number "atMs"');
  return record as RunEventRecord;
}
