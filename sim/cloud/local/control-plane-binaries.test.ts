import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BinariesUnavailableError, ErrorCodes } from '../../errors.js';
import { resolveBinaries } from './control-plane-binaries.js';

const scratch = mkdtempSync(join(tmpdir(), 'twinlab-bins-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeBin(dir: string, name: string): void {
  writeFileSync(join(dir, name), '#!/bin/sh\n');
  chmodSync(join(dir, name), 0o755);
}

describe('control-plane binary resolution', () => {
  it('uses an explicit directory that holds all four', async () => {
    const dir = mkdtempSync(join(scratch, 'full-'));
    for (const n of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore']) fakeBin(dir, n);
    const r = await resolveBinaries({ binDir: dir });
    expect(r.source).toBe('option');
    expect(r.paths.cloudcore).toBe(join(dir, 'cloudcore'));
  });

  it('names each missing file of an incomplete TWINLAB_BIN_DIR and the ways to provide it', async () => {
    const dir = mkdtempSync(join(scratch, 'partial-'));
    fakeBin(dir, 'etcd');
    writeFileSync(join(dir, 'cloudcore'), 'not executable');
    const err = await resolveBinaries({ env: { ...process.env, TWINLAB_BIN_DIR: dir } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinariesUnavailableError);
    const e = err as BinariesUnavailableError;
    expect(e.code).toBe(ErrorCodes.BinariesUnavailable);
    expect(e.missing.map((m) => m.name)).toEqual(['kube-apiserver', 'kube-controller-manager', 'cloudcore']);
    expect(e.message).toContain('TWINLAB_BIN_DIR');
    expect(e.message).toContain('build-controlplane.mjs');
  });

  it('does not build when building is disabled and the cache is empty', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TWINLAB_CACHE_DIR: join(scratch, 'empty-cache') };
    delete env.TWINLAB_BIN_DIR;
    const err = await resolveBinaries({ env, allowBuild: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BinariesUnavailableError);
    expect((err as BinariesUnavailableError).missing).toHaveLength(4);
    expect((err as BinariesUnavailableError).message).toContain(join(scratch, 'empty-cache'));
  });
});
