import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLoopbackCa, signEdgeCsr, type LoopbackCa } from '../../cloud/loopback/loopback-ca.js';
import { CertCache, describeCertificate, type NodeCertRow } from './cert-cache.js';
import { createNodeCsr } from './node-csr.js';

const DAY_MS = 86_400_000;
let ca: LoopbackCa;
let issued: { keyPem: string; certDer: Uint8Array };
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'twinlab-cert-cache-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  ca = await createLoopbackCa();
  const { keyPem, csrDer } = await createNodeCsr('vn-1');
  issued = { keyPem, certDer: await signEdgeCsr(ca, csrDer, { now: new Date(Date.now() - DAY_MS), validityDays: 10 }) };
});
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('CertCache', () => {
  it('keeps keys in a 0600 file inside a 0700 directory named by the CA hash', () => {
    const cache = CertCache.open(tempDir(), ca.hash);
    cache.put('vn-1', issued.keyPem, issued.certDer);
    expect(cache.path).toContain(ca.hash.slice(0, 16));
    expect(statSync(cache.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(cache.path)).mode & 0o777).toBe(0o700);
    cache.close();
  });

  it('returns what was stored, across a reopen', () => {
    const dir = tempDir();
    const first = CertCache.open(dir, ca.hash);
    first.put('vn-1', issued.keyPem, issued.certDer);
    first.close();
    const cache = CertCache.open(dir, ca.hash);
    const hit = cache.get('vn-1', { expectedCommonName: 'system:node:vn-1' });
    expect(hit?.keyPem).toBe(issued.keyPem);
    expect(hit?.certPem).toBe(describeCertificate(issued.certDer).pem);
    cache.close();
  });

  it('treats a wrong CN, an expired or not-yet-valid certificate, or too little life left as a miss', () => {
    const cache = CertCache.open(tempDir(), ca.hash);
    const stored = cache.put('vn-1', issued.keyPem, issued.certDer);
    const cn = { expectedCommonName: 'system:node:vn-1' };
    expect(cache.get('vn-1', cn)).toBeDefined();
    expect(cache.get('vn-1', { expectedCommonName: 'system:node:vn-2' })).toBeUndefined();
    expect(cache.get('vn-2', { expectedCommonName: 'system:node:vn-2' })).toBeUndefined();
    expect(cache.get('vn-1', { ...cn, now: new Date(stored.notAfter.getTime() + 1000) })).toBeUndefined();
    expect(cache.get('vn-1', { ...cn, now: new Date(stored.notBefore.getTime() - 1000) })).toBeUndefined();
    expect(cache.get('vn-1', { ...cn, minRemainingMs: 20 * DAY_MS })).toBeUndefined();
    cache.close();
  });

  it('stores the CA and refuses one that does not hash to its key', async () => {
    const cache = CertCache.open(tempDir(), ca.hash);
    expect(cache.readCa()).toBeUndefined();
    cache.writeCa(ca.certDer);
    expect(Buffer.from(cache.readCa() ?? []).equals(Buffer.from(ca.certDer))).toBe(true);
    const other = await createLoopbackCa();
    expect(() => cache.writeCa(other.certDer)).toThrow(/does not match/);
    cache.close();
  });

  it('looks up 10 000 nodes in well under 2 s', () => {
    const dir = tempDir();
    const writer = CertCache.open(dir, ca.hash);
    const { pem, notBefore, notAfter } = describeCertificate(issued.certDer);
    const names = Array.from({ length: 10_000 }, (_, i) => `vn-${i}`);
    const rows: NodeCertRow[] = names.map((name) => ({
      certNodeName: name,
      commonName: `system:node:${name}`,
      keyPem: issued.keyPem,
      certPem: pem,
      notBefore,
      notAfter,
    }));
    writer.putRows(rows);
    writer.close();

    const started = performance.now();
    const cache = CertCache.open(dir, ca.hash);
    let hits = 0;
    for (const name of names) if (cache.get(name, { expectedCommonName: `system:node:${name}` })) hits++;
    const elapsed = performance.now() - started;
    cache.close();
    expect(hits).toBe(10_000);
    expect(elapsed).toBeLessThan(2000);
  });
});
