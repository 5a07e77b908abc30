import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, MetaStoreError } from '../errors.js';
import { MetaStore, type MetaRecord } from './meta-store.js';

let dir: string;
let dbPath: string;
const open: MetaStore[] = [];

function openStore(options?: Parameters<typeof MetaStore.open>[1]): MetaStore {
  const s = MetaStore.open(dbPath, options);
  open.push(s);
  return s;
}

function pod(name: string, rv = '1', ns = 'default'): MetaRecord {
  return {
    key: `${ns}/pod/${name}`,
    type: 'pod',
    namespace: ns,
    name,
    uid: `uid-${ns}-${name}`,
    resourceVersion: rv,
    body: JSON.stringify({ metadata: { name, namespace: ns, resourceVersion: rv }, spec: { nodeName: 'n' } }),
    updatedAt: 1_700_000_000_000 + Number(rv),
  };
}

/** Rows in the file, read through a separate connection (what a restart would see). */
function rowsOnDisk(): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM meta').pluck().get() as number;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinlab-meta-'));
  dbPath = join(dir, 'shard-0.db');
});

afterEach(() => {
  for (const s of open.splice(0)) {
    try {
      s.close();
    } catch {
      // tests that break the file on purpose also end here
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('MetaStore', () => {
  it('creates the file in WAL mode', () => {
    openStore().close();
    const db = new Database(dbPath);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('keeps everything across close and reopen', () => {
    const s = openStore();
    s.put('edge-1', pod('web'));
    s.put('edge-1', pod('db'));
    s.put('edge-2', pod('web', '7'));
    const cm: MetaRecord = { key: 'kube-system/configmap/cfg', type: 'configmap', namespace: 'kube-system', name: 'cfg', uid: 'u-cfg', resourceVersion: '3', body: '{"data":{"a":"ü"}}', updatedAt: 5 };
    s.put('edge-2', cm);
    s.close();

    const again = openStore();
    expect(again.loadNode('edge-1')).toEqual([pod('db'), pod('web')]);
    expect(again.get('edge-2', 'default/pod/web')).toEqual(pod('web', '7'));
    expect(again.get('edge-2', cm.key)).toEqual(cm);
    expect([...again.loadAll()]).toEqual([
      { node: 'edge-1', records: [pod('db'), pod('web')] },
      { node: 'edge-2', records: [pod('web', '7'), cm].sort((a, b) => (a.key < b.key ? -1 : 1)) },
    ]);
  });

  it('coalesces writes per (node, key): the last one wins, one row is written', () => {
    const s = openStore();
    for (let rv = 1; rv <= 50; rv++) s.put('edge-1', pod('web', String(rv)));
    s.put('edge-2', pod('web', '1'));
    expect(s.pending).toBe(2);
    expect(s.flush()).toBe(2);
    expect(s.stats.transactions).toBe(1);
    expect(s.stats.rowsWritten).toBe(2);
    expect(s.get('edge-1', 'default/pod/web')?.resourceVersion).toBe('50');
    expect(rowsOnDisk()).toBe(2);
  });

  it('a put after a remove of the same key wins, and the other way round', () => {
    const s = openStore();
    s.put('edge-1', pod('a'));
    s.put('edge-1', pod('b'));
    s.flush();
    s.remove('edge-1', 'default/pod/a');
    s.put('edge-1', pod('a', '2'));
    s.put('edge-1', pod('b', '2'));
    s.remove('edge-1', 'default/pod/b');
    expect(s.pending).toBe(2);
    s.close();
    expect(openStore().loadNode('edge-1')).toEqual([pod('a', '2')]);
  });

  it('deletes rows, and deleting what was never stored is harmless', () => {
    const s = openStore();
    s.put('edge-1', pod('web'));
    s.put('edge-1', pod('db'));
    s.flush();
    s.remove('edge-1', 'default/pod/web');
    s.remove('edge-1', 'default/pod/never');
    s.remove('edge-9', 'default/pod/never');
    expect(s.flush()).toBe(1);
    expect(s.get('edge-1', 'default/pod/web')).toBeUndefined();
    expect(s.loadNode('edge-1')).toEqual([pod('db')]);
    expect(rowsOnDisk()).toBe(1);
    s.remove('edge-1', 'default/pod/db');
    s.flush();
    expect([...s.loadAll()]).toEqual([]);
  });

  it('reads see writes that are not flushed yet', () => {
    const s = openStore();
    s.put('edge-1', pod('old'));
    s.put('edge-1', pod('gone'));
    s.flush();
    s.put('edge-1', pod('new'));
    s.put('edge-1', pod('old', '2'));
    s.remove('edge-1', 'default/pod/gone');
    s.put('edge-3', pod('only-pending'));
    expect(s.pending).toBe(4);
    expect(rowsOnDisk()).toBe(2);

    expect(s.get('edge-1', 'default/pod/new')).toEqual(pod('new'));
    expect(s.get('edge-1', 'default/pod/old')).toEqual(pod('old', '2'));
    expect(s.get('edge-1', 'default/pod/gone')).toBeUndefined();
    expect(s.loadNode('edge-1')).toEqual([pod('new'), pod('old', '2')]);
    expect([...s.loadAll()].map((n) => [n.node, n.records.length])).toEqual([
      ['edge-1', 2],
      ['edge-3', 1],
    ]);
    expect(s.pending).toBe(4); // reading did not flush
  });

  it('flushes on its own when the batch is full, never before', () => {
    const s = openStore({ batchSize: 10 });
    for (let k = 0; k < 9; k++) s.put('edge-1', pod(`p${k}`));
    s.put('edge-1', pod('p0', '2')); // coalesced: still 9 pending
    expect(s.stats.transactions).toBe(0);
    s.put('edge-1', pod('p9'));
    expect(s.stats.transactions).toBe(1);
    expect(s.pending).toBe(0);
    expect(rowsOnDisk()).toBe(10);
  });

  it('counts rows, transactions and UTF-8 body bytes', () => {
    const s = openStore();
    const a = pod('a');
    const b: MetaRecord = { ...pod('b'), body: '"é"' };
    s.put('edge-1', a);
    s.put('edge-1', b);
    s.flush();
    s.remove('edge-1', a.key);
    s.flush();
    expect(s.flush()).toBe(0); // nothing pending: no empty transaction
    expect(s.stats).toEqual({
      rowsWritten: 3,
      transactions: 2,
      bytesWritten: Buffer.byteLength(a.body) + 4,
      errors: 0,
      pending: 0,
    });
  });

  it('writes 100k puts over 500 nodes correctly (auto-flush in batches)', () => {
    const s = openStore();
    const nodes = 500;
    const perNode = 200;
    const body = JSON.stringify({ spec: { containers: [{ name: 'c', image: 'nginx:1.27', env: 'x'.repeat(150) }] } });
    for (let p = 0; p < perNode; p++) {
      for (let n = 0; n < nodes; n++) {
        s.put(`edge-${n}`, { key: `ns-${n}/pod/p-${p}`, type: 'pod', namespace: `ns-${n}`, name: `p-${p}`, uid: `${n}-${p}`, resourceVersion: String(p), body, updatedAt: p });
      }
    }
    s.flush();
    expect(s.stats.rowsWritten).toBe(100_000);
    expect(s.stats.transactions).toBe(Math.ceil(100_000 / 512));
    s.close();
    expect(rowsOnDisk()).toBe(100_000);

    const again = openStore();
    let seen = 0;
    let nodeCount = 0;
    for (const { node, records } of again.loadAll()) {
      nodeCount++;
      expect(records).toHaveLength(perNode);
      const n = Number(node.slice('edge-'.length));
      expect(records[0]!.namespace).toBe(`ns-${n}`);
      seen += records.length;
    }
    expect(nodeCount).toBe(nodes);
    expect(seen).toBe(100_000);
    expect(again.get('edge-499', 'ns-499/pod/p-199')?.uid).toBe('499-199');
  });

  it('refuses use after close with a typed error, and close is idempotent', () => {
    const s = openStore();
    s.put('edge-1', pod('a'));
    s.close();
    s.close();
    expect(() => s.put('edge-1', pod('b'))).toThrow(MetaStoreError);
    expect(() => s.get('edge-1', 'x')).toThrow(/closed/);
    expect(rowsOnDisk()).toBe(1);
  });
});

describe('MetaStore failures', () => {
  it('a file that is not a database gives TWL_META_STORE naming the path and operation', () => {
    writeFileSync(dbPath, Buffer.alloc(8192, 'not a sqlite database '));
    let err: unknown;
    try {
      MetaStore.open(dbPath);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MetaStoreError);
    const m = err as MetaStoreError;
    expect(m.code).toBe(ErrorCodes.MetaStore);
    expect(m.path).toBe(dbPath);
    expect(m.operation).toBe('open');
    expect(m.message).toContain(dbPath);
    expect(m.message).toMatch(/not a database/);
  });

  it('a directory that does not exist gives a typed open error', () => {
    expect(() => MetaStore.open(join(dir, 'missing', 'x.db'))).toThrow(MetaStoreError);
  });

  it('a file from a newer schema is refused', () => {
    const db = new Database(dbPath);
    db.pragma('user_version = 99');
    db.close();
    expect(() => MetaStore.open(dbPath)).toThrow(/schema version 99/);
  });

  it('a file locked by another writer fails the flush with a typed error, keeps the writes, and retries later', () => {
    const s = openStore({ busyTimeoutMs: 20 });
    s.put('edge-1', pod('a'));
    s.flush();

    const other = new Database(dbPath);
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO meta VALUES ('edge-x','k','t','n','m','u','1','{}',0)").run();

    s.put('edge-1', pod('b'));
    let err: unknown;
    try {
      s.flush();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MetaStoreError);
    const m = err as MetaStoreError;
    expect(m.code).toBe('TWL_META_STORE');
    expect(m.operation).toBe('flush');
    expect(m.message).toContain(dbPath);
    expect(m.message).toMatch(/locked|busy/i);
    expect(s.stats.errors).toBe(1);
    expect(s.pending).toBe(1);
    expect(s.get('edge-1', 'default/pod/b')).toEqual(pod('b'));

    other.exec('COMMIT');
    other.close();
    expect(s.flush()).toBe(1);
    expect(s.loadNode('edge-1').map((r) => r.name)).toEqual(['a', 'b']);
    expect(rowsOnDisk()).toBe(3);
  });

  it('after a failed auto-flush, puts do not retry on every call', () => {
    const s = openStore({ batchSize: 4, busyTimeoutMs: 10 });
    const other = new Database(dbPath);
    other.exec('BEGIN IMMEDIATE');
    other.prepare("INSERT INTO meta VALUES ('edge-x','k','t','n','m','u','1','{}',0)").run();
    for (let k = 0; k < 3; k++) s.put('edge-1', pod(`p${k}`));
    expect(() => s.put('edge-1', pod('p3'))).toThrow(MetaStoreError);
    for (let k = 4; k < 7; k++) s.put('edge-1', pod(`p${k}`)); // below the next retry mark: no throw
    expect(s.stats.errors).toBe(1);
    other.exec('ROLLBACK');
    other.close();
    s.put('edge-1', pod('p7')); // 8 pending: the retry mark
    expect(s.pending).toBe(0);
    expect(rowsOnDisk()).toBe(8);
  });
});
