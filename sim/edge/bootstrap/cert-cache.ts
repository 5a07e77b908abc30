/**
 * On-disk cache of enrolled node certificates, so that a fleet of thousands re-uses its keys and
 * certificates across runs instead of re-enrolling. One SQLite file per cluster CA,
 * `<cacheDir>/<caHash[0:16]>/certs.sqlite` (mode 0600, directory 0700), holding the CA and a row per
 * node. Validity and CN are stored as columns when a certificate is written, so a lookup costs one
 * indexed read instead of an X.509 parse.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import Database from 'better-sqlite3';
import { TwinlabError, ErrorCodes } from '../../errors.js';

export interface CachedNodeCert {
  /** The name the certificate was issued for (CN `system:node:<certNodeName>`). */
  certNodeName: string;
  keyPem: string;
  certPem: string;
  notBefore: Date;
  notAfter: Date;
}

/** What `put` needs when the caller has already parsed the certificate. */
export interface NodeCertRow extends CachedNodeCert {
  commonName: string;
}

interface RowShape {
  common_name: string;
  not_before_ms: number;
  not_after_ms: number;
  key_pem: string;
  cert_pem: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_certs (
  cert_node_name TEXT PRIMARY KEY,
  common_name TEXT NOT NULL,
  not_before_ms INTEGER NOT NULL,
  not_after_ms INTEGER NOT NULL,
  key_pem TEXT NOT NULL,
  cert_pem TEXT NOT NULL,
  stored_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
`;

export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Reads a DER certificate's CN, validity and PEM (one native parse). */
export function describeCertificate(der: Uint8Array): { commonName: string; notBefore: Date; notAfter: Date; pem: string } {
  const cert = new X509Certificate(der);
  // node renders the subject one RDN per line: "O=system:nodes\nCN=system:node:x".
  const cnLine = cert.subject.split('\n').find((line) => line.startsWith('CN='));
  return {
    commonName: cnLine === undefined ? '' : cnLine.slice(3),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    pem: cert.toString(),
  };
}

export interface CertLookup {
  /** The CN the certificate must have; any other is a miss (edgecore re-enrolls on a wrong CN). */
  expectedCommonName: string;
  now?: Date;
  /** Treat a certificate with less life left than this as a miss. Default 0. */
  minRemainingMs?: number;
}

export class CertCache {
  readonly caHash: string;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly selectNode: Database.Statement<[string], RowShape>;
  private readonly upsertNode: Database.Statement<[string, string, number, number, string, string, number]>;
  private readonly selectMeta: Database.Statement<[string], { value: Buffer }>;
  private readonly upsertMeta: Database.Statement<[string, Buffer]>;

  private constructor(caHash: string, path: string, db: Database.Database) {
    this.caHash = caHash;
    this.path = path;
    this.db = db;
    this.selectNode = db.prepare(
      'SELECT common_name, not_before_ms, not_after_ms, key_pem, cert_pem FROM node_certs WHERE cert_node_name = ?',
    );
    this.upsertNode = db.prepare(
      'INSERT OR REPLACE INTO node_certs (cert_node_name, common_name, not_before_ms, not_after_ms, key_pem, cert_pem, stored_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.upsertMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  }

  /** Opens (creating if needed) the cache for the CA whose DER hashes to `caHash`. */
  static open(cacheDir: string, caHash: string): CertCache {
    const dir = join(cacheDir, caHash.slice(0, 16));
    const path = join(dir, 'certs.sqlite');
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Create the file 0600 before SQLite does: it holds private keys, and SQLite gives its -wal
      // and -shm files the database file's mode.
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
      const db = openShared(path);
      const cache = new CertCache(caHash, path, db);
      const stored = cache.selectMeta.get('ca_hash');
      if (stored === undefined) cache.upsertMeta.run('ca_hash', Buffer.from(caHash));
      else if (stored.value.toString() !== caHash) {
        db.close();
        throw new TwinlabError(ErrorCodes.MetaStore, `certificate cache ${path} belongs to another CA`, { path });
      }
      return cache;
    } catch (cause) {
      if (cause instanceof TwinlabError) throw cause;
      throw new TwinlabError(ErrorCodes.MetaStore, `cannot open certificate cache ${path}: ${String(cause)}`, { path }, { cause });
    }
  }

  /** The cached CA DER, if one is stored and still hashes to `caHash`. */
  readCa(): Uint8Array | undefined {
    const row = this.selectMeta.get('ca_der');
    if (row === undefined || sha256Hex(row.value) !== this.caHash) return undefined;
    return new Uint8Array(row.value);
  }

  writeCa(caDer: Uint8Array): void {
    if (sha256Hex(caDer) !== this.caHash) {
      throw new TwinlabError(ErrorCodes.MetaStore, 'refusing to cache a CA that does not match the cache key', { path: this.path });
    }
    this.upsertMeta.run('ca_der', Buffer.from(caDer));
  }

  /** A usable certificate for `certNodeName`, or undefined when absent, expired, not yet valid or for another CN. */
  get(certNodeName: string, lookup: CertLookup): CachedNodeCert | undefined {
    const row = this.selectNode.get(certNodeName);
    if (row === undefined || row.common_name !== lookup.expectedCommonName) return undefined;
    const now = (lookup.now ?? new Date()).getTime();
    if (now < row.not_before_ms || now + (lookup.minRemainingMs ?? 0) >= row.not_after_ms) return undefined;
    return {
      certNodeName,
      keyPem: row.key_pem,
      certPem: row.cert_pem,
      notBefore: new Date(row.not_before_ms),
      notAfter: new Date(row.not_after_ms),
    };
  }

  /** Stores a freshly issued certificate (parsed here for its CN and validity). */
  put(certNodeName: string, keyPem: string, certDer: Uint8Array): CachedNodeCert {
    const described = describeCertificate(certDer);
    const row: NodeCertRow = {
      certNodeName,
      keyPem,
      certPem: described.pem,
      commonName: described.commonName,
      notBefore: described.notBefore,
      notAfter: described.notAfter,
    };
    this.putRows([row]);
    return { certNodeName, keyPem, certPem: row.certPem, notBefore: row.notBefore, notAfter: row.notAfter };
  }

  /** Stores already-parsed rows in one transaction. */
  putRows(rows: readonly NodeCertRow[]): void {
    const now = Date.now();
    this.db.transaction(() => {
      for (const r of rows) {
        this.upsertNode.run(r.certNodeName, r.commonName, r.notBefore.getTime(), r.notAfter.getTime(), r.keyPem, r.certPem, now);
      }
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Open the cache database shared by a fleet's shard processes. Switching a new file to WAL takes an
 * exclusive lock that SQLite's busy handler does not always wait for, so two shards opening the
 * same fresh cache at once can get SQLITE_BUSY: retry the open for up to 10 s (startup only).
 */
function openShared(path: string): Database.Database {
  const deadline = Date.now() + 10_000;
  for (let attempt = 0; ; attempt++) {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: 5000 });
      if (String(db.pragma('journal_mode', { simple: true })) !== 'wal') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      return db;
    } catch (e) {
      db?.close();
      const busy = typeof e === 'object' && e !== null && 'code' in e && String((e as { code: unknown }).code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(200, 10 * 2 ** attempt));
    }
  }
}
