/**
 * scripts/build-controlplane.mjs keeps its separately cached targets (the supervisor, Helm) out of
 * the control plane's hash: changing controlplane/helm/ must move Helm's cache dir and leave the
 * control plane's — a cold control-plane build costs 11–18 minutes.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'twinlab-build-targets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function paths(root: string): { bin: string; helm: string; supervisor: string } {
  const run = (flag: string): string => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-controlplane.mjs'), flag], { encoding: 'utf8', env: { ...process.env, TWINLAB_CACHE_DIR: path.join(tmp, 'cache') } });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  return { bin: run('--print-bin-dir'), helm: run('--print-helm'), supervisor: run('--print-supervisor') };
}

describe('build-controlplane targets', () => {
  it('moves only helm\'s cache dir when controlplane/helm/ changes, and only the control plane\'s when its modules do', () => {
    const root = path.join(tmp, 'repo');
    mkdirSync(path.join(root, 'scripts'), { recursive: true });
    cpSync('scripts/build-controlplane.mjs', path.join(root, 'scripts', 'build-controlplane.mjs'));
    cpSync('controlplane', path.join(root, 'controlplane'), { recursive: true });
    const before = paths(root);
    expect(before.helm).toMatch(/controlplane\/helm-[0-9a-f]{12}\/bin\/helm$/);
    // The copy hashes like the checkout: the path is not part of the hash.
    expect(path.basename(path.dirname(before.bin))).toBe(path.basename(path.dirname(paths('.').bin)));

    appendFileSync(path.join(root, 'controlplane', 'helm', 'main.go'), '\n// changed\n');
    const afterHelm = paths(root);
    expect(afterHelm.bin).toBe(before.bin);
    expect(afterHelm.supervisor).toBe(before.supervisor);
    expect(afterHelm.helm).not.toBe(before.helm);

    appendFileSync(path.join(root, 'controlplane', 'etcd', 'cmd', 'etcd', 'main.go'), '\n// changed\n');
    const afterEtcd = paths(root);
    expect(afterEtcd.bin).not.toBe(before.bin);
    expect(afterEtcd.helm).toBe(afterHelm.helm);
  });
});
