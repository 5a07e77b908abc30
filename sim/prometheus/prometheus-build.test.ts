/**
 * Prometheus is a build target of scripts/build-controlplane.mjs apart from the control plane:
 * its module must not enter the control plane's cache hash, and its own cache path must follow
 * its module's files and build flags.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'twinlab-prom-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface BuildScript {
  buildHash(): string;
  prometheusHash(): string;
  prometheusPath(): string;
  supervisorPath(): string;
  binDir(): string;
  PROMETHEUS_MODULE_VERSION: string;
}

const script = (await import(fileURLToPath(new URL('../../scripts/build-controlplane.mjs', import.meta.url)))) as BuildScript;

describe('the Prometheus build target', () => {
  it('leaves the control plane cache hash as it was before the Prometheus module existed', () => {
    // 819c1382970c: the control plane's hash on linux/x64 with controlplane/{etcd,kubeedge} as committed.
    if (process.platform === 'linux' && process.arch === 'x64') expect(script.buildHash()).toBe('819c1382970c');
    expect(script.binDir()).not.toContain('prometheus');
  });

  it('builds into its own cache dir, named for the module version and its own hash', () => {
    const p = script.prometheusPath();
    expect(p).toMatch(new RegExp(`/controlplane/prometheus-${script.PROMETHEUS_MODULE_VERSION}-${script.prometheusHash()}/bin/prometheus$`));
    expect(p.startsWith(script.binDir())).toBe(false);
    expect(p).not.toBe(script.supervisorPath());
  });

  it('pins github.com/prometheus/prometheus at the version the script names, and builds its cmd/prometheus as a tool', () => {
    const mod = readFileSync(fileURLToPath(new URL('../../controlplane/prometheus/go.mod', import.meta.url)), 'utf8');
    expect(mod).toMatch(/^tool github\.com\/prometheus\/prometheus\/cmd\/prometheus$/m);
    expect(mod).toContain(`github.com/prometheus/prometheus ${script.PROMETHEUS_MODULE_VERSION}`);
    const source = readFileSync(fileURLToPath(new URL('../../scripts/build-controlplane.mjs', import.meta.url)), 'utf8');
    // No web UI assets: the server runs with its HTTP API only (README says so).
    expect(source).not.toMatch(/tags: '[^']*builtinassets/);
  });

  it('moves only its own cache dir when controlplane/prometheus/ changes', () => {
    const root = path.join(tmp, 'repo');
    mkdirSync(path.join(root, 'scripts'), { recursive: true });
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    cpSync(path.join(repo, 'scripts', 'build-controlplane.mjs'), path.join(root, 'scripts', 'build-controlplane.mjs'));
    cpSync(path.join(repo, 'controlplane'), path.join(root, 'controlplane'), { recursive: true });
    const print = (flag: string): string => {
      const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-controlplane.mjs'), flag], { encoding: 'utf8', env: { ...process.env, TWINLAB_CACHE_DIR: path.join(tmp, 'cache') } });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const before = { bin: print('--print-bin-dir'), prometheus: print('--print-prometheus'), helm: print('--print-helm') };
    appendFileSync(path.join(root, 'controlplane', 'prometheus', 'go.mod'), '\n// changed\n');
    expect(print('--print-prometheus')).not.toBe(before.prometheus);
    expect(print('--print-bin-dir')).toBe(before.bin);
    expect(print('--print-helm')).toBe(before.helm);
  });
});
