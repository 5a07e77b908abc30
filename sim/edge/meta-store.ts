/**
 * The shard's memory of what its nodes received (edgecore keeps the same in its own SQLite
 * `meta` table): one SQLite file per shard, one row per (node, resource key). A restarted
 * shard reads it back so each node knows the objects it had, as a restarted edgecore does.
 *
 * Writes are cheap for the caller: `put`/`remove` only record the latest intent per
 * (node, key) in memory, and `flush()` — called by the shard from its scheduler, or here once
 * the batch is full — writes them all in one transaction. Reads see unflushed writes.
 */
import Database from 'better-sqlite3';
import { MetaStoreError } from '../errors.js';

/** One object a node received, as stored. */
export interface MetaRecord {
  /** Edge resource string, e.g. `default/pod/web`. Unique per node. */
  readonly key: string;
  /** Resource type, e.g. `pod`, `configmap`. */
  readonly type: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** The object as JSON text, as received (not re-serialised). */
  readonly body: string;
  /** Wall-clock ms when the node received it. */
  readonly updatedAt: number;
}

/** All records of one node, sorted by key. */
export interface NodeRecords {
  readonly node: string;
  readonly records: MetaRecord[];
}

export interface MetaStoreOptions {
  /** Pending (coalesced) writes that trigger a flush from `put`/`remove`. Default 512. */
  batchSize?: number;
  /** How long a write waits for a lock held by another connection before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * WAL pages after which a commit also checkpoints (SQLite's `wal_autocheckpoint`, default
   * 1000 ≈ 4 MB). Checkpoints are where synchronous=NORMAL fsyncs, inside a flush on the
   * shard's loop: a larger value means fewer, deduplicated, but longer checkpoints.
   */
  walAutoCheckpointPages?: number;
}

export interface MetaStoreStats {
  /** Rows inserted, updated or deleted in the file. */
  readonly rowsWritten: number;
  /** Write transactions committed. */
  readonly transactions: number;
  /** UTF-8 bytes of the bodies written. */
  readonly bytesWritten: number;
  /** Failed operations (each one also thrown as a MetaStoreError). */
  readonly errors: number;
  /** Writes waiting for the next flush, after coalescing. */
  readonly pending: number;
}

/** Bumped when the table layout changes; a file with another version is refused. */
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  node TEXT NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  uid TEXT NOT NULL,
  resource_version TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (node, key)
)`;

const COLUMNS = 'key, type, namespace, name, uid, resource_version, body, updated_at';

/** A pending write: the record to store, or null to delete. */
type Pending = MetaRecord | null;

export class MetaStore {
  readonly path: string;

  private readonly db: Database.Database;
  private readonly batchSize: number;
  private readonly upsertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly getStmt: Database.Statement;
  private readonly nodeStmt: Database.Statement;
  private readonly nodesStmt: Database.Statement;
  private readonly writeBatch: () => void;

  /** node → key → latest intent. Nested maps so a put allocates no joined key string. */
  private pendingWrites = new Map<string, Map<string, Pending>>();
  private pendingCount = 0;
  /** A failed auto-flush is retried only after another full batch, not on every put. */
  private autoFlushAt: number;
  private closed = false;

  private rows = 0;
  private txs = 0;
  private bytes = 0;
  private errorCount = 0;
  // Filled by writeBatch, committed to the counters only when the transaction commits.
  private batchRows = 0;
  private batchBytes = 0;

  /** Open (creating if needed) the store at `path`: WAL, synchronous=NORMAL. Throws MetaStoreError (operation `open`). */
  static open(path: string, options: MetaStoreOptions = {}): MetaStore {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const ckpt = options.walAutoCheckpointPages ?? 1000;
      if (!Number.isInteger(ckpt) || ckpt < 0) throw new RangeError(`walAutoCheckpointPages must be a non-negative integer, got ${ckpt}`);
      db.pragma(`wal_autocheckpoint = ${ckpt}`);
      const version: unknown = db.pragma('user_version', { simple: true });
      if (version !== 0 && version !== SCHEMA_VERSION) {
        throw new Error(`schema version ${String(version)}, this build reads version ${SCHEMA_VERSION}`);
      }
      db.exec(SCHEMA);
      if (version === 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new MetaStore(path, db, options);
    } catch (e) {
      try {
        db?.close();
      } catch {
        // The open error below is the one worth reporting.
      }
      throw new MetaStoreError(path, 'open', messageOf(e), { cause: e });
    }
  }

  private constructor(path: string, db: Database.Database, options: MetaStoreOptions) {
    this.path = path;
    this.db = db;
    const batchSize = options.batchSize ?? 512;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.autoFlushAt = batchSize;
    this.upsertStmt = db.prepare(
      `INSERT INTO meta (node, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node, key) DO UPDATE SET type = excluded.type, namespace = excluded.namespace, name = excluded.name,
         uid = excluded.uid, resource_version = excluded.resource_version, body = excluded.body, updated_at = excluded.updated_at`,
    );
    this.deleteStmt = db.prepare('DELETE FROM meta WHERE node = ? AND key = ?');
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM meta WHERE node = ? AND key = ?`).raw(true);
    this.nodeStmt = db.prepare(`SELECT ${COLUMNS} FROM meta WHERE node = ? ORDER BY key`).raw(true);
    this.nodesStmt = db.prepare('SELECT DISTINCT node FROM meta ORDER BY node').pluck(true);
    this.writeBatch = db.transaction(() => this.writePending());
  }

  get stats(): MetaStoreStats {
    return { rowsWritten: this.rows, transactions: this.txs, bytesWritten: this.bytes, errors: this.errorCount, pending: this.pendingCount };
  }

  /** Writes waiting for the next flush, after coalescing. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Record that `node` now holds `rec` (replacing any earlier write of the same key). The store keeps `rec`; do not mutate it. */
  put(node: string, rec: MetaRecord): void {
    this.enqueue(node, rec.key, rec);
  }

  /** Record that `node` no longer holds `key`. */
  remove(node: string, key: string): void {
    this.enqueue(node, key, null);
  }

  /**
   * Write every pending change in one transaction. Returns the rows changed. On failure the
   * changes stay pending (a later flush retries them) and a MetaStoreError (operation `flush`) is thrown.
   */
  flush(): number {
    this.assertOpen('flush');
    if (this.pendingCount === 0) return 0;
    this.batchRows = 0;
    this.batchBytes = 0;
    try {
      this.writeBatch();
    } catch (e) {
      this.errorCount++;
      this.autoFlushAt = this.pendingCount + this.batchSize;
      throw new MetaStoreError(this.path, 'flush', `${messageOf(e)} (${this.pendingCount} pending writes kept)`, { cause: e });
    }
    const written = this.batchRows;
    this.rows += written;
    this.bytes += this.batchBytes;
    this.txs++;
    this.pendingWrites = new Map();
    this.pendingCount = 0;
    this.autoFlushAt = this.batchSize;
    return written;
  }

  /** The record `node` holds under `key`, counting unflushed writes. */
  get(node: string, key: string): MetaRecord | undefined {
    this.assertOpen('read');
    const p = this.pendingWrites.get(node)?.get(key);
    if (p !== undefined) return p ?? undefined;
    const row: unknown = this.read(() => this.getStmt.get(node, key));
    return row === undefined ? undefined : this.parseRow(row);
  }

  /** Every record `node` holds, sorted by key, counting unflushed writes. */
  loadNode(node: string): MetaRecord[] {
    this.assertOpen('read');
    const rows = this.read(() => this.nodeStmt.all(node));
    const stored = rows.map((row) => this.parseRow(row));
    const overlay = this.pendingWrites.get(node);
    if (overlay === undefined) return stored;
    const byKey = new Map<string, MetaRecord>();
    for (const rec of stored) byKey.set(rec.key, rec);
    for (const [key, p] of overlay) {
      if (p === null) byKey.delete(key);
      else byKey.set(key, p);
    }
    return [...byKey.values()].sort(compareKeys);
  }

  /**
   * Every node with at least one record, in node order, each with its records. Each node is
   * read when the iteration reaches it (no cursor stays open between steps, so writing while
   * iterating is allowed); unflushed writes count.
   */
  *loadAll(): Generator<NodeRecords, void, undefined> {
    this.assertOpen('read');
    const stored = this.read(() => this.nodesStmt.all()).map((n) => {
      if (typeof n !== 'string') throw new MetaStoreError(this.path, 'read', `node column holds a ${typeof n}`);
      return n;
    });
    const nodes = new Set(stored);
    for (const node of this.pendingWrites.keys()) nodes.add(node);
    const ordered = nodes.size === stored.length ? stored : [...nodes].sort(compareStrings);
    for (const node of ordered) {
      const records = this.loadNode(node);
      if (records.length > 0) yield { node, records };
    }
  }

  /** Flush, then close the file. Later calls do nothing. If the flush fails the file is still closed and the error thrown. */
  close(): void {
    if (this.closed) return;
    let failure: unknown;
    try {
      this.flush();
    } catch (e) {
      failure = e;
    }
    this.closed = true;
    try {
      this.db.close();
    } catch (e) {
      this.errorCount++;
      failure ??= new MetaStoreError(this.path, 'close', messageOf(e), { cause: e });
    }
    if (failure !== undefined) throw failure;
  }

  // ---- internals ----

  private enqueue(node: string, key: string, p: Pending): void {
    this.assertOpen('write');
    let m = this.pendingWrites.get(node);
    if (m === undefined) {
      m = new Map();
      this.pendingWrites.set(node, m);
    }
    const before = m.size;
    m.set(key, p);
    this.pendingCount += m.size - before;
    if (this.pendingCount >= this.autoFlushAt) this.flush();
  }

  /** Runs inside the transaction. */
  private writePending(): void {
    const upsert = this.upsertStmt;
    const del = this.deleteStmt;
    let rows = 0;
    let bytes = 0;
    for (const [node, m] of this.pendingWrites) {
      for (const [key, r] of m) {
        if (r === null) {
          rows += del.run(node, key).changes;
        } else {
          rows += upsert.run(node, key, r.type, r.namespace, r.name, r.uid, r.resourceVersion, r.body, r.updatedAt).changes;
          bytes += Buffer.byteLength(r.body, 'utf8');
        }
      }
    }
    this.batchRows = rows;
    this.batchBytes = bytes;
  }

  private read<T>(query: () => T): T {
    try {
      return query();
    } catch (e) {
      this.errorCount++;
      throw new MetaStoreError(this.path, 'read', messageOf(e), { cause: e });
    }
  }

  /** A row from the file, checked column by column (the file may have been edited or damaged). */
  private parseRow(row: unknown): MetaRecord {
    if (!Array.isArray(row) || row.length !== 8) {
      this.errorCount++;
      throw new MetaStoreError(this.path, 'read', 'row is not 8 columns');
    }
    const [key, type, namespace, name, uid, resourceVersion, body, updatedAt] = row as unknown[];
    if (
      typeof key !== 'string' ||
      typeof type !== 'string' ||
      typeof namespace !== 'string' ||
      typeof name !== 'string' ||
      typeof uid !== 'string' ||
      typeof resourceVersion !== 'string' ||
      typeof body !== 'string' ||
      typeof updatedAt !== 'number'
    ) {
      this.errorCount++;
      throw new MetaStoreError(this.path, 'read', `row ${String(key)} has a column of the wrong type`);
    }
    return { key, type, namespace, name, uid, resourceVersion, body, updatedAt };
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new MetaStoreError(this.path, operation, 'the store is closed');
  }
}

function compareKeys(a: MetaRecord, b: MetaRecord): number {
  return compareStrings(a.key, b.key);
}

/** Byte order of the strings, which is SQLite's BINARY collation for ASCII keys. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${e.message} [${code}]` : e.message;
  }
  return String(e);
}
