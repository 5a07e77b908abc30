import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BinariesUnavailableError, ErrorCodes } from '../../errors.js';
import { probeBinaries, resolveBinaries } from './control-plane-binaries.js';
import { crdDirCandidates, findCrdDir } from './kubeedge-crds.js';
import {
  DEFAULT_RELEASE_SOURCES,
  KUBEEDGE_CRDS,
  Progress,
  RELEASE_VERSIONS,
  ReleaseDownloadError,
  downloadRelease,
  parseChecksumFile,
  releaseArch,
  releaseArtifacts,
  releaseSources,
  type DownloadReleaseOptions,
  type PinnedFile,
} from './release-download.js';

const scratch = mkdtempSync(join(tmpdir(), 'twinlab-release-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const sha512 = (b: Buffer | string): string => createHash('sha512').update(b).digest('hex');

describe('checksum files as the projects publish them', () => {
  const h256 = 'a'.repeat(64);
  const h512 = 'b'.repeat(128);
  it('reads a bare digest (dl.k8s.io .sha256, KubeEdge checksum_*.txt) and picks the algorithm by length', () => {
    expect(parseChecksumFile(`${h256}\n`, 'kube-apiserver')).toEqual({ algorithm: 'sha256', hex: h256 });
    expect(parseChecksumFile(`${h512.toUpperCase()}\n`, 'kubeedge-v1.23.1-linux-amd64.tar.gz')).toEqual({ algorithm: 'sha512', hex: h512 });
  });
  it('reads sha256sum output and picks the named line of a SHA256SUMS file', () => {
    const sums = [
      `${'1'.repeat(64)}  etcd-v3.5.21-darwin-arm64.zip`,
      `${h256}  etcd-v3.5.21-linux-amd64.tar.gz`,
      `${'2'.repeat(64)} *etcd-v3.5.21-linux-arm64.tar.gz`,
    ].join('\n');
    expect(parseChecksumFile(sums, 'etcd-v3.5.21-linux-amd64.tar.gz')).toEqual({ algorithm: 'sha256', hex: h256 });
    expect(parseChecksumFile(sums, 'etcd-v3.5.21-linux-arm64.tar.gz')?.hex).toBe('2'.repeat(64));
    expect(parseChecksumFile(`${h256}  ./out/kubeedge.tar.gz`, 'kubeedge.tar.gz')?.hex).toBe(h256);
  });
  it('returns null for a missing entry, a short digest or an HTML error page', () => {
    expect(parseChecksumFile(`${h256}  other.tar.gz`, 'etcd.tar.gz')).toBeNull();
    expect(parseChecksumFile('abc123\n', 'x')).toBeNull();
    expect(parseChecksumFile('<html><body>Not Found</body></html>', 'x')).toBeNull();
  });
});

describe('release sources', () => {
  it('defaults to the official URLs, with the exact upstream paths', () => {
    expect(releaseSources({})).toEqual(DEFAULT_RELEASE_SOURCES);
    const urls = releaseArtifacts(releaseSources({}), 'amd64').map((a) => a.url);
    expect(urls).toContain('https://github.com/kubeedge/kubeedge/releases/download/v1.23.1/kubeedge-v1.23.1-linux-amd64.tar.gz');
    expect(urls).toContain('https://dl.k8s.io/release/v1.32.10/bin/linux/amd64/kube-apiserver');
    expect(urls).toContain('https://dl.k8s.io/release/v1.32.10/bin/linux/amd64/kube-controller-manager');
    expect(urls).toContain('https://github.com/etcd-io/etcd/releases/download/v3.5.21/etcd-v3.5.21-linux-amd64.tar.gz');
    expect(urls).toContain('https://raw.githubusercontent.com/kubeedge/kubeedge/v1.23.1/build/crds/router/router_v1_rule.yaml');
    const checksums = releaseArtifacts(releaseSources({}), 'arm64').flatMap((a) => (a.checksum.kind === 'published' ? [a.checksum.url] : []));
    expect(checksums).toEqual([
      'https://github.com/etcd-io/etcd/releases/download/v3.5.21/SHA256SUMS',
      'https://dl.k8s.io/release/v1.32.10/bin/linux/arm64/kube-apiserver.sha256',
      'https://dl.k8s.io/release/v1.32.10/bin/linux/arm64/kube-controller-manager.sha256',
      'https://github.com/kubeedge/kubeedge/releases/download/v1.23.1/checksum_kubeedge-v1.23.1-linux-arm64.tar.gz.txt',
    ]);
  });
  it('TWINLAB_RELEASE_MIRROR moves every source; a per-source variable wins over it', () => {
    const s = releaseSources({ TWINLAB_RELEASE_MIRROR: 'https://mirror.example/tl/', TWINLAB_ETCD_RELEASE_URL: 'http://etcd.local/dl' });
    expect(s).toEqual({
      kubeedge: 'https://mirror.example/tl/kubeedge',
      kubernetes: 'https://mirror.example/tl/kubernetes',
      etcd: 'http://etcd.local/dl',
      kubeedgeCrds: 'https://mirror.example/tl/kubeedge-crds',
    });
  });
  it('maps Node architectures to release ones and has nothing for other platforms', () => {
    expect(releaseArch('linux', 'x64')).toBe('amd64');
    expect(releaseArch('linux', 'arm64')).toBe('arm64');
    expect(releaseArch('darwin', 'arm64')).toBeNull();
    expect(releaseArch('linux', 'ppc64')).toBeNull();
  });
});

// The pinned hashes must be those of the kubeedge v1.23.1 module's build/crds (go.sum pins its zip).
const moduleCrds = findCrdDir(crdDirCandidates('/nonexistent/bin', 'v1.23.1').filter((d) => d.includes('kubeedge@v1.23.1')));
describe.skipIf(moduleCrds === null)(
  `pinned CRD hashes${moduleCrds === null ? ' — SKIPPED: github.com/kubeedge/kubeedge@v1.23.1 is not in the Go module cache' : ''}`,
  () => {
    it('match every file of build/crds in the Go module cache, and nothing is left out', () => {
      const dir = moduleCrds ?? '';
      const onDisk = filesUnder(dir)
        .filter((p) => p.endsWith('.yaml'))
        .map((p) => ({ path: relative(dir, p), sha256: sha256(readFileSync(p)) }))
        .sort((a, b) => a.path.localeCompare(b.path));
      expect([...KUBEEDGE_CRDS].sort((a, b) => a.path.localeCompare(b.path))).toEqual(onDisk);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// A local release server with fixture archives

type Route = { status?: number; body?: Buffer | string; redirect?: string; stall?: 'headers' | 'body' };

const arch = releaseArch();
const v = RELEASE_VERSIONS;

interface Fixtures {
  routes: Map<string, Route>;
  crds: PinnedFile[];
  crdDir: string;
}

function tarGz(root: string, top: string, out: string): Buffer {
  execFileSync('tar', ['-czf', out, '-C', root, top]);
  return readFileSync(out);
}

function fakeBinary(path: string, name: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\necho "${name} fixture $*"\n`);
  chmodSync(path, 0o755);
}

function buildFixtures(a: string): Fixtures {
  const dir = mkdtempSync(join(scratch, 'fixtures-'));
  const ke = `kubeedge-${v.kubeedge}-linux-${a}`;
  fakeBinary(join(dir, ke, 'cloud', 'cloudcore', 'cloudcore'), 'cloudcore');
  fakeBinary(join(dir, ke, 'cloud', 'admission', 'admission'), 'admission');
  fakeBinary(join(dir, ke, 'edge', 'edgecore'), 'edgecore');
  writeFileSync(join(dir, ke, 'version'), `${v.kubeedge}\n`);
  const keTar = tarGz(dir, ke, join(dir, `${ke}.tar.gz`));
  const et = `etcd-${v.etcd}-linux-${a}`;
  fakeBinary(join(dir, et, 'etcd'), 'etcd');
  fakeBinary(join(dir, et, 'etcdctl'), 'etcdctl');
  writeFileSync(join(dir, et, 'README.md'), 'etcd\n');
  const etTar = tarGz(dir, et, join(dir, `${et}.tar.gz`));
  const apiserver = Buffer.from('#!/bin/sh\necho "kube-apiserver fixture $*"\n');
  const kcm = Buffer.from(`#!/bin/sh\necho "kube-controller-manager fixture $*"\n${'#'.repeat(200_000)}\n`);

  const crdDir = join(dir, 'crds');
  const crdFiles = { 'apps/a.yaml': 'kind: CustomResourceDefinition\nmetadata: {name: a}\n', 'router/b.yaml': 'kind: CustomResourceDefinition\nmetadata: {name: b}\n' };
  const crds: PinnedFile[] = [];
  for (const [p, text] of Object.entries(crdFiles)) {
    mkdirSync(join(crdDir, p, '..'), { recursive: true });
    writeFileSync(join(crdDir, p), text);
    crds.push({ path: p, sha256: sha256(text) });
  }

  const routes = new Map<string, Route>();
  const k8s = `/m/kubernetes/${v.kubernetes}/bin/linux/${a}`;
  routes.set(`/m/kubeedge/${v.kubeedge}/${ke}.tar.gz`, { body: keTar });
  // As KubeEdge's release job writes it: the bare SHA-512 hex.
  routes.set(`/m/kubeedge/${v.kubeedge}/checksum_${ke}.tar.gz.txt`, { body: `${sha512(keTar)}\n` });
  // GitHub answers release downloads with a redirect to its object store.
  routes.set(`/m/etcd/${v.etcd}/${et}.tar.gz`, { redirect: `/objects/etcd/${et}.tar.gz` });
  routes.set(`/objects/etcd/${et}.tar.gz`, { body: etTar });
  routes.set(`/m/etcd/${v.etcd}/SHA256SUMS`, {
    body: `${'0'.repeat(64)}  etcd-${v.etcd}-darwin-amd64.zip\n${sha256(etTar)}  ${et}.tar.gz\n`,
  });
  routes.set(`${k8s}/kube-apiserver`, { body: apiserver });
  routes.set(`${k8s}/kube-apiserver.sha256`, { body: sha256(apiserver) });
  routes.set(`${k8s}/kube-controller-manager`, { body: kcm });
  routes.set(`${k8s}/kube-controller-manager.sha256`, { body: sha256(kcm) });
  for (const [p, text] of Object.entries(crdFiles)) routes.set(`/m/kubeedge-crds/${v.kubeedge}/build/crds/${p}`, { body: text });
  return { routes, crds, crdDir };
}

class ReleaseServer {
  readonly hits: string[] = [];
  overrides = new Map<string, Route>();
  private server: Server | null = null;
  port = 0;

  constructor(private readonly base: Map<string, Route>) {}

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.hits.push(path);
      const route = this.overrides.get(path) ?? this.base.get(path);
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      if (route.redirect) {
        res.writeHead(302, { location: route.redirect }).end();
        return;
      }
      if (route.stall === 'headers') return; // never answer
      const body = Buffer.from(route.body ?? '');
      res.writeHead(route.status ?? 200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      if (route.stall === 'body') {
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        return; // half the body, then silence
      }
      res.end(body);
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  get mirror(): string {
    return `http://127.0.0.1:${this.port}/m`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

const skipReason = arch === null ? `no official release build for ${process.platform}/${process.arch}` : '';

describe.skipIf(skipReason !== '')(`release download from a local server${skipReason ? ` — SKIPPED: ${skipReason}` : ''}`, () => {
  let fx: Fixtures;
  let server: ReleaseServer;
  beforeAll(async () => {
    fx = buildFixtures(arch ?? 'amd64');
    server = new ReleaseServer(fx.routes);
    await server.start();
  });
  afterAll(async () => server.stop());
  afterEach(() => {
    server.overrides.clear();
    server.hits.length = 0;
  });

  const freshEnv = (): NodeJS.ProcessEnv => ({ TWINLAB_CACHE_DIR: mkdtempSync(join(scratch, 'cache-')), TWINLAB_RELEASE_MIRROR: server.mirror });
  const opts = (env: NodeJS.ProcessEnv, lines: string[] = [], extra: Partial<DownloadReleaseOptions> = {}): DownloadReleaseOptions => ({
    env,
    crds: fx.crds,
    progress: Progress.lines((l) => lines.push(l)),
    ...extra,
  });
  const controlplaneDir = (env: NodeJS.ProcessEnv): string => join(env.TWINLAB_CACHE_DIR ?? '', 'controlplane');

  it('verifies, extracts and installs four executables and the CRDs into <version>-release', async () => {
    const env = freshEnv();
    const lines: string[] = [];
    const r = await downloadRelease(opts(env, lines));
    expect(r.dir).toBe(join(controlplaneDir(env), `${v.kubeedge}-release`));
    expect(r.downloaded).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore', 'crds']);
    for (const b of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore']) {
      const p = join(r.binDir, b);
      expect(statSync(p).mode & 0o111).not.toBe(0);
      expect(execFileSync(p, ['--version'], { encoding: 'utf8' }).trim()).toBe(`${b} fixture --version`);
    }
    // Only the one member of each archive: no edgecore, etcdctl, README.
    expect(readdirSync(r.binDir).sort()).toEqual(['cloudcore', 'etcd', 'kube-apiserver', 'kube-controller-manager']);
    expect(readFileSync(join(r.crdDir, 'router', 'b.yaml'), 'utf8')).toContain('name: b');
    expect(existsSync(join(r.crdDir, '.complete'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(r.dir, 'manifest.json'), 'utf8')) as { platform: string; artifacts: Record<string, { algorithm: string }> };
    expect(manifest.platform).toBe(`linux/${arch}`);
    expect(manifest.artifacts.cloudcore?.algorithm).toBe('sha512');
    expect(manifest.artifacts.etcd?.algorithm).toBe('sha256');
    // Nothing but bin/, crds/ and the manifest in the cache: the staging dir is gone.
    expect(readdirSync(controlplaneDir(env))).toEqual([`${v.kubeedge}-release`]);
    expect(lines.some((l) => l.startsWith(`downloading kube-controller-manager (`) && l.includes(server.mirror))).toBe(true);
    expect(lines.some((l) => l.includes('kube-controller-manager: 50%'))).toBe(true);
    expect(lines.some((l) => l.includes('sha512 verified'))).toBe(true);

    // Cached: a second call makes no request at all.
    server.hits.length = 0;
    const again = await downloadRelease(opts(env));
    expect(again.downloaded).toEqual([]);
    expect(again.cached).toHaveLength(5);
    expect(server.hits).toEqual([]);

    // One missing part: only that archive and its checksum file are fetched.
    rmSync(join(r.binDir, 'etcd'));
    const partial = await downloadRelease(opts(env));
    expect(partial.downloaded).toEqual(['etcd']);
    expect(server.hits).toEqual([`/m/etcd/${v.etcd}/SHA256SUMS`, `/m/etcd/${v.etcd}/etcd-${v.etcd}-linux-${arch}.tar.gz`, `/objects/etcd/etcd-${v.etcd}-linux-${arch}.tar.gz`]);
  });

  it('fails typed on a checksum mismatch, names both hash prefixes and leaves nothing in the cache', async () => {
    const env = freshEnv();
    const k8s = `/m/kubernetes/${v.kubernetes}/bin/linux/${arch}`;
    const wrong = 'f'.repeat(64);
    server.overrides.set(`${k8s}/kube-apiserver.sha256`, { body: `${wrong}\n` });
    const err = await downloadRelease(opts(env)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReleaseDownloadError);
    const e = err as ReleaseDownloadError;
    expect(e.code).toBe(ErrorCodes.BinariesUnavailable);
    expect(e.url).toBe(`http://127.0.0.1:${server.port}${k8s}/kube-apiserver`);
    const actual = sha256(fx.routes.get(`${k8s}/kube-apiserver`)?.body ?? '');
    expect(e.message).toContain(`expected sha256 ${wrong.slice(0, 12)}…, got ${actual.slice(0, 12)}…`);
    expect(e.message).toContain(e.url);
    // etcd had verified before kube-apiserver failed; it is not installed either.
    expect(filesUnder(controlplaneDir(env))).toEqual([]);
  });

  it('checks the KubeEdge tarball against its SHA-512 before extracting anything', async () => {
    const env = freshEnv();
    const wrong = '0'.repeat(128);
    server.overrides.set(`/m/kubeedge/${v.kubeedge}/checksum_kubeedge-${v.kubeedge}-linux-${arch}.tar.gz.txt`, { body: wrong });
    const err = (await downloadRelease(opts(env, [], { only: ['cloudcore'] })).catch((e: unknown) => e)) as ReleaseDownloadError;
    expect(err).toBeInstanceOf(ReleaseDownloadError);
    expect(err.message).toMatch(/checksum mismatch: expected sha512 000000000000…, got [0-9a-f]{12}…/);
    expect(err.missing.map((m) => m.name)).toEqual(['cloudcore']);
    expect(filesUnder(controlplaneDir(env))).toEqual([]);
  });

  it('fails typed on a 404, naming the URL', async () => {
    const env = freshEnv();
    const path = `/m/etcd/${v.etcd}/etcd-${v.etcd}-linux-${arch}.tar.gz`;
    server.overrides.set(path, { status: 404, body: 'Not Found' });
    const err = (await downloadRelease(opts(env)).catch((e: unknown) => e)) as ReleaseDownloadError;
    expect(err).toBeInstanceOf(ReleaseDownloadError);
    expect(err.code).toBe(ErrorCodes.BinariesUnavailable);
    expect(err.message).toContain(`http://127.0.0.1:${server.port}${path}`);
    expect(err.detail).toBe('HTTP 404 Not Found');
    expect(filesUnder(controlplaneDir(env))).toEqual([]);
  });

  it('fails typed when the server never answers, and when it stalls mid-body', async () => {
    const k8s = `/m/kubernetes/${v.kubernetes}/bin/linux/${arch}`;
    server.overrides.set(`${k8s}/kube-apiserver`, { stall: 'headers' });
    const t0 = Date.now();
    const env1 = freshEnv();
    const silent = (await downloadRelease(opts(env1, [], { only: ['kube-apiserver'], timeouts: { responseMs: 300, idleMs: 300 } })).catch((e: unknown) => e)) as ReleaseDownloadError;
    expect(silent).toBeInstanceOf(ReleaseDownloadError);
    expect(silent.detail).toBe('no response within 300 ms');
    expect(silent.url).toContain('/kube-apiserver');

    server.overrides.set(`${k8s}/kube-controller-manager`, { ...fx.routes.get(`${k8s}/kube-controller-manager`), stall: 'body' });
    const env2 = freshEnv();
    const stalled = (await downloadRelease(opts(env2, [], { only: ['kube-controller-manager'], timeouts: { responseMs: 300, idleMs: 300 } })).catch((e: unknown) => e)) as ReleaseDownloadError;
    expect(stalled).toBeInstanceOf(ReleaseDownloadError);
    expect(stalled.detail).toBe('stalled: no data for 300 ms');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(filesUnder(controlplaneDir(env1))).toEqual([]);
    expect(filesUnder(controlplaneDir(env2))).toEqual([]);
  });

  it('fetches the CRDs alone on any platform, binaries only where an official build exists', async () => {
    const env = freshEnv();
    const crds = await downloadRelease(opts(env, [], { only: ['crds'], platform: 'darwin', arch: 'arm64' }));
    expect(crds.downloaded).toEqual(['crds']);
    expect(server.hits.every((h) => h.includes('/build/crds/'))).toBe(true);
    const again = await downloadRelease(opts(env, [], { only: ['crds'], platform: 'darwin', arch: 'arm64' }));
    expect(again.cached).toEqual(['crds']);
    const bins = (await downloadRelease(opts(env, [], { only: ['cloudcore'], platform: 'darwin', arch: 'arm64' })).catch((e: unknown) => e)) as ReleaseDownloadError;
    expect(bins).toBeInstanceOf(ReleaseDownloadError);
    expect(bins.detail).toContain('no official release build for darwin/arm64');
  });

  it('removes a staging dir left by a killed run', async () => {
    const env = freshEnv();
    const dead = join(controlplaneDir(env), `.${v.kubeedge}-release.staging-999999999-abc`);
    mkdirSync(dead, { recursive: true });
    writeFileSync(join(dead, 'download-0'), 'partial');
    await downloadRelease(opts(env, [], { only: ['kube-apiserver'] }));
    expect(filesUnder(controlplaneDir(env)).map((p) => relative(controlplaneDir(env), p)).sort()).toEqual([
      `${v.kubeedge}-release/bin/kube-apiserver`,
      `${v.kubeedge}-release/manifest.json`,
    ]);
  });

  it('is the resolver step after the caches: downloaded once, then found in the release cache', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...freshEnv(), TWINLAB_CRD_DIR: fx.crdDir };
    delete env.TWINLAB_BIN_DIR;
    delete env.TWINLAB_NO_DOWNLOAD;
    expect(probeBinaries({ env }).available).toBe(false);
    expect(probeBinaries({ env }).downloadable).toBe(true);
    const lines: string[] = [];
    const first = await resolveBinaries({ env, allowBuild: false, allowDownload: true, onProgress: (l) => lines.push(l) });
    expect(first.source).toBe('downloaded');
    expect(first.binDir).toBe(join(controlplaneDir(env), `${v.kubeedge}-release`, 'bin'));
    expect(lines[0]).toContain('building is disabled; downloading the official release binaries');
    // TWINLAB_CRD_DIR set: the CRDs were not fetched.
    expect(server.hits.some((h) => h.includes('/build/crds/'))).toBe(false);

    server.hits.length = 0;
    const second = await resolveBinaries({ env, allowBuild: false });
    expect(second.source).toBe('release-cache');
    expect(second.paths.cloudcore).toBe(join(first.binDir, 'cloudcore'));
    expect(server.hits).toEqual([]);
    const probe = probeBinaries({ env });
    expect(probe).toMatchObject({ available: true, binDir: first.binDir, missing: [] });
  });

  it('does not download when TWINLAB_NO_DOWNLOAD=1, or by default when building is disabled', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...freshEnv(), TWINLAB_NO_DOWNLOAD: '1' };
    delete env.TWINLAB_BIN_DIR;
    const off = await resolveBinaries({ env, allowBuild: false, allowDownload: true }).catch((e: unknown) => e);
    expect(off).toBeInstanceOf(BinariesUnavailableError);
    expect(probeBinaries({ env }).downloadable).toBe(false);
    delete env.TWINLAB_NO_DOWNLOAD;
    const byDefault = await resolveBinaries({ env, allowBuild: false }).catch((e: unknown) => e);
    expect(byDefault).toBeInstanceOf(BinariesUnavailableError);
    expect(byDefault).not.toBeInstanceOf(ReleaseDownloadError);
    expect(server.hits).toEqual([]);
  });
});
