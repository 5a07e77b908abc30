/**
 * The image without a container engine: the Dockerfile's shape (stages, non-root user, the one
 * entrypoint, every COPY source present and let through by .dockerignore), then its layout built
 * the way its stages build it — sim/ compiled by tsconfig.build.json, production dependencies
 * alone — and a shard started through /app/bin/twinlab from environment only, against the
 * loopback peer.
 */
import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLoopbackControlPlane } from '../../sim/cloud/loopback/loopback-control-plane.js';

const dockerfile = readFileSync(path.join('deploy', 'image', 'Dockerfile'), 'utf8');
const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
const finalStage = lines.slice(lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'twinlab-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('deploy/image/Dockerfile', () => {
  it('has compile, deps and a final stage that runs bin/twinlab as a non-root user', () => {
    expect(lines.filter((l) => l.startsWith('FROM ')).map((l) => l.split(/\s+/).slice(2).join(' '))).toEqual(['AS compile', 'AS deps', '']);
    expect(finalStage).toContain('USER 1000:1000');
    expect(finalStage).toContain('ENTRYPOINT ["/app/bin/twinlab"]');
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile --prod/);
    // The toolchain for better-sqlite3 stays out of the final stage.
    expect(finalStage.join('\n')).not.toMatch(/g\+\+|apt-get/);
  });

  it('copies only what exists and what .dockerignore lets through', () => {
    const allowed = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    const sources = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from=')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(4);
    for (const src of sources) {
      expect(existsSync(src), src).toBe(true);
      expect(allowed.some((a) => src === a || src.replace(/\/$/, '') === a), `${src} is excluded by .dockerignore`).toBe(true);
    }
  });
});

describe('the image layout, built as its stages build it', () => {
  it('runs a shard from compiled JavaScript and production dependencies alone, options from the environment', async () => {
    const build = path.join(tmp, 'build');
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', build], { encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const app = path.join(tmp, 'app');
    mkdirSync(path.join(app, 'bin'), { recursive: true });
    cpSync('package.json', path.join(app, 'package.json'));
    cpSync('pnpm-lock.yaml', path.join(app, 'pnpm-lock.yaml'));
    const install = spawnSync('pnpm', ['install', '--frozen-lockfile', '--prod', '--prefer-offline', '--reporter=silent'], { cwd: app, encoding: 'utf8' });
    expect(install.status, install.stdout + install.stderr).toBe(0);
    // Production only: the TypeScript loader is absent, so the entrypoint must take the compiled path.
    expect(existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(path.join(app, 'node_modules', 'better-sqlite3'))).toBe(true);
    cpSync(path.join(build, 'sim'), path.join(app, 'sim'), { recursive: true });
    cpSync(path.join(build, 'fake-devices'), path.join(app, 'fake-devices'), { recursive: true });
    cpSync('scenarios', path.join(app, 'scenarios'), { recursive: true });
    cpSync(path.join('bin', 'twinlab'), path.join(app, 'bin', 'twinlab'));
    const entry = path.join(app, 'bin', 'twinlab');

    const version = spawnSync(entry, ['version'], { encoding: 'utf8', cwd: tmp });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);

    const cloud = await startLoopbackControlPlane({ nodeLimit: 50, kubeedgeVersion: 'v1.23.1' });
    try {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: tmp,
        NODE_ENV: 'production',
        HOSTNAME: 'twinlab-shard-2',
        TWINLAB_SHARDS: '3',
        TWINLAB_NODES: '9',
        TWINLAB_CLOUDHUB: cloud.cloudhubUrl,
        TWINLAB_CERTS_URL: cloud.certsUrl,
        TWINLAB_TOKEN: cloud.token,
        TWINLAB_CERTS: 'shared',
        TWINLAB_NAME_PREFIX: 'img',
        TWINLAB_CERT_CACHE: path.join(tmp, 'var', 'certs'),
        TWINLAB_DATA_DIR: path.join(tmp, 'var', 'data'),
        TWINLAB_METRICS_PORT: '0',
        TWINLAB_DURATION: '6s',
      };
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(entry, ['shard'], { env, cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
        let text = '';
        child.stderr.on('data', (d: Buffer) => (text += d.toString()));
        child.on('exit', (c) => resolve({ code: c, stderr: text }));
      });
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('shard 2/3 (index from hostname): nodes 6…8');
      const nodes = await cloud.peer.command({ kind: 'nodes' });
      expect(nodes.map((n) => n.name).sort()).toEqual(['img-00006', 'img-00007', 'img-00008']);
    } finally {
      await cloud.stop();
    }
  }, 240_000);
});
