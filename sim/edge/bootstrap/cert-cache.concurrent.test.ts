import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const OPEN_ONE = `
import { CertCache } from ${JSON.stringify(path.resolve('sim/edge/bootstrap/cert-cache.ts'))};
const cache = CertCache.open(process.argv.at(-1), 'ab'.repeat(32));
cache.close();
console.log('opened');
`;

function openInChild(dir: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', OPEN_ONE, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('certificate cache shared by shard processes', () => {
  it('several processes opening the same fresh cache at once all succeed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-certcache-'));
    // Another process is in the middle of creating the cache: it holds the database locked.
    const file = path.join(dir, 'ab'.repeat(8), 'certs.sqlite');
    mkdirSync(path.dirname(file), { recursive: true });
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE; CREATE TABLE warming (x INTEGER);');
    const opening = Promise.all(Array.from({ length: 4 }, () => openInChild(dir)));
    await new Promise((r) => setTimeout(r, 1500));
    holder.exec('COMMIT');
    holder.close();
    const results = await opening;
    for (const r of results) {
      expect(r.out).toContain('opened');
      expect(r.code).toBe(0);
    }
  }, 60_000);
});
