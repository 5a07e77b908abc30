/**
 * Fetches the official release builds of the control plane for machines without Go: each archive
 * or binary is streamed to a staging directory, checked against its published checksum before
 * anything is extracted, and only then moved into the per-version cache
 * `${TWINLAB_CACHE_DIR:-~/.cache/twinlab}/controlplane/<kubeedge-version>-release/{bin,crds}`.
 *
 * Sources (the defaults; `<arch>` is amd64, arm64 or arm):
 * - cloudcore: https://github.com/kubeedge/kubeedge/releases/download/v1.23.1/kubeedge-v1.23.1-linux-<arch>.tar.gz
 *   checked against checksum_kubeedge-v1.23.1-linux-<arch>.tar.gz.txt beside it. KubeEdge's release
 *   job (hack/make-rules/release.sh, `make release WHAT=kubeedge`) writes that file as the bare
 *   SHA-512 hex of the tarball and packs the binary at kubeedge-v1.23.1-linux-<arch>/cloud/cloudcore/cloudcore.
 *   An older script wrote `sha256sum` output instead; both forms are accepted (the digest length
 *   decides the algorithm).
 * - kube-apiserver, kube-controller-manager: https://dl.k8s.io/release/v1.32.10/bin/linux/<arch>/<name>
 *   with `<name>.sha256` (bare SHA-256 hex). These are upstream Kubernetes builds, NOT the
 *   KubeEdge fork (github.com/kubeedge/kubernetes v1.32.10-kubeedge1) that
 *   scripts/build-controlplane.mjs compiles; cloudcore only talks to them through the public API.
 * - etcd: https://github.com/etcd-io/etcd/releases/download/v3.5.21/etcd-v3.5.21-linux-<arch>.tar.gz
 *   with SHA256SUMS (`<hex>  <file>` lines) beside it; binary at etcd-v3.5.21-linux-<arch>/etcd.
 * - KubeEdge CRDs: https://raw.githubusercontent.com/kubeedge/kubeedge/v1.23.1/build/crds/<file>.
 *   No checksum is published for them, so their SHA-256s are pinned below (taken from the
 *   github.com/kubeedge/kubeedge@v1.23.1 module, whose go.sum hash the repository pins).
 *
 * Mirrors: TWINLAB_RELEASE_MIRROR=<base> serves all four from <base>/kubeedge, <base>/kubernetes,
 * <base>/etcd and <base>/kubeedge-crds, each laid out like the upstream path below its default
 * base; TWINLAB_KUBEEDGE_RELEASE_URL, TWINLAB_KUBERNETES_RELEASE_URL, TWINLAB_ETCD_RELEASE_URL and
 * TWINLAB_KUBEEDGE_CRDS_URL replace one base each. A mirror serves its own checksum files, so it
 * guards against corruption, not against the mirror itself (the pinned CRD hashes excepted).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BinariesUnavailableError, type MissingBinary } from '../../errors.js';

export const RELEASE_VERSIONS = { kubeedge: 'v1.23.1', kubernetes: 'v1.32.10', etcd: 'v3.5.21' } as const;

/** The binaries a release install provides, named as control-plane-binaries.ts names them. */
export const RELEASE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore'] as const;
export type ReleaseBinary = (typeof RELEASE_BINARIES)[number];
/** What can be asked for: one binary, or the KubeEdge CRDs. */
export type ReleasePart = ReleaseBinary | 'crds';

export type ReleaseArch = 'amd64' | 'arm64' | 'arm';

export interface ReleaseSources {
  kubeedge: string;
  kubernetes: string;
  etcd: string;
  kubeedgeCrds: string;
}

export const DEFAULT_RELEASE_SOURCES: ReleaseSources = {
  kubeedge: 'https://github.com/kubeedge/kubeedge/releases/download',
  kubernetes: 'https://dl.k8s.io/release',
  etcd: 'https://github.com/etcd-io/etcd/releases/download',
  kubeedgeCrds: 'https://raw.githubusercontent.com/kubeedge/kubeedge',
};

export interface PinnedFile {
  /** Relative to build/crds. */
  path: string;
  sha256: string;
}

/** build/crds of kubeedge v1.23.1, 13 CRDs. */
export const KUBEEDGE_CRDS: readonly PinnedFile[] = [
  { path: 'apps/apps_v1alpha1_edgeapplication.yaml', sha256: '463183cc9b2f3f686505cf5d6597ee4e46330017e60b750472eee84078cbc01f' },
  { path: 'apps/apps_v1alpha1_nodegroup.yaml', sha256: '7bea1fd2fd29b107227a6530e99b72f14a17317448d723202e008b33fcdce93c' },
  { path: 'devices/devices_v1beta1_device.yaml', sha256: '274656d670e8c5a264aadb4493c9b31cf55d4cc5047b2b82cc96af46d0c52e9d' },
  { path: 'devices/devices_v1beta1_devicemodel.yaml', sha256: '0dd13ee618fda96a92376828c91397b4ab0d62b720946573615c66e08f05c8c8' },
  { path: 'devices/devices_v1beta1_devicestatus.yaml', sha256: 'a7bf6b83ed1fa0789bab7ebfc44dd3cc3b0aa934ea6088aa18e497c2a248340f' },
  { path: 'operations/operations_v1alpha2_configupdatejob.yaml', sha256: '0feba69ac2c3245ba23f022d6292516d5648984973eb30fe3c93c7ce43fb5be7' },
  { path: 'operations/operations_v1alpha2_imageprepulljob.yaml', sha256: '2d31822b871e0c0979ca6f53f4625ba1f21620977b6b210b16f26f09e5e2b61e' },
  { path: 'operations/operations_v1alpha2_nodeupgradejob.yaml', sha256: 'fe91ae67243688f0d98182c7aab50ef44827d5d30975de25ade16bc4d3505162' },
  { path: 'policy/policy_v1alpha1_serviceaccountaccess.yaml', sha256: '6977742bc34b40864deef51c275a00069580dbadeb4c42e132b9282cffe77231' },
  { path: 'reliablesyncs/cluster_objectsync_v1alpha1.yaml', sha256: 'bd890e4ab124a3e63e195e00cfb241cbab793276a087bc8427088041e1427d5c' },
  { path: 'reliablesyncs/objectsync_v1alpha1.yaml', sha256: '0c51775b6fb73b6dd3ddf2ce19af451294039158a0ca6994017ef9965451167c' },
  { path: 'router/router_v1_rule.yaml', sha256: '9ebcbf7cec1b8f97a98efce2f48b63770c021ee758cf735c1adf38287ae59398' },
  { path: 'router/router_v1_ruleEndpoint.yaml', sha256: '2b64062a9b865200ee2b911bb162395135da1b0bbff934bcb0e7dc2ec957bd8a' },
];

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function releaseSources(env: NodeJS.ProcessEnv = process.env): ReleaseSources {
  const mirror = env.TWINLAB_RELEASE_MIRROR ? trimSlash(env.TWINLAB_RELEASE_MIRROR) : '';
  const pick = (own: string | undefined, mirrorPath: string, fallback: string): string =>
    trimSlash(own || (mirror ? `${mirror}/${mirrorPath}` : fallback));
  return {
    kubeedge: pick(env.TWINLAB_KUBEEDGE_RELEASE_URL, 'kubeedge', DEFAULT_RELEASE_SOURCES.kubeedge),
    kubernetes: pick(env.TWINLAB_KUBERNETES_RELEASE_URL, 'kubernetes', DEFAULT_RELEASE_SOURCES.kubernetes),
    etcd: pick(env.TWINLAB_ETCD_RELEASE_URL, 'etcd', DEFAULT_RELEASE_SOURCES.etcd),
    kubeedgeCrds: pick(env.TWINLAB_KUBEEDGE_CRDS_URL, 'kubeedge-crds', DEFAULT_RELEASE_SOURCES.kubeedgeCrds),
  };
}

/** The release architecture for a Node platform/arch, or null where no official Linux build exists. */
export function releaseArch(platform: string = process.platform, arch: string = process.arch): ReleaseArch | null {
  if (platform !== 'linux') return null;
  if (arch === 'x64') return 'amd64';
  if (arch === 'arm64') return 'arm64';
  if (arch === 'arm') return 'arm';
  return null;
}

/** Downloads are on unless TWINLAB_NO_DOWNLOAD=1 or this platform has no official build. */
export function downloadsPossible(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.TWINLAB_NO_DOWNLOAD !== '1' && releaseArch() !== null;
}

export function releaseCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.TWINLAB_CACHE_DIR || join(homedir(), '.cache', 'twinlab');
  return join(root, 'controlplane', `${RELEASE_VERSIONS.kubeedge}-release`);
}

export function releaseBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(releaseCacheDir(env), 'bin');
}

export function releaseCrdDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(releaseCacheDir(env), 'crds');
}

// ---------------------------------------------------------------------------------------------
// What to fetch

type ChecksumSource = { kind: 'published'; url: string; entry: string } | { kind: 'pinned'; sha256: string };

export interface ReleaseArtifact {
  part: ReleasePart;
  url: string;
  checksum: ChecksumSource;
  /** For a .tar.gz: the member holding the binary. Absent for a plain file. */
  member?: string;
  /** Where the verified file lands, relative to the part's directory (bin/ or crds/). */
  installAs: string;
}

export function releaseArtifacts(
  sources: ReleaseSources,
  arch: ReleaseArch,
  crds: readonly PinnedFile[] = KUBEEDGE_CRDS,
): ReleaseArtifact[] {
  const v = RELEASE_VERSIONS;
  const kubeedgeTar = `kubeedge-${v.kubeedge}-linux-${arch}.tar.gz`;
  const etcdTar = `etcd-${v.etcd}-linux-${arch}.tar.gz`;
  const kube = (name: 'kube-apiserver' | 'kube-controller-manager'): ReleaseArtifact => {
    const url = `${sources.kubernetes}/${v.kubernetes}/bin/linux/${arch}/${name}`;
    return { part: name, url, checksum: { kind: 'published', url: `${url}.sha256`, entry: name }, installAs: name };
  };
  return [
    {
      part: 'etcd',
      url: `${sources.etcd}/${v.etcd}/${etcdTar}`,
      checksum: { kind: 'published', url: `${sources.etcd}/${v.etcd}/SHA256SUMS`, entry: etcdTar },
      member: `etcd-${v.etcd}-linux-${arch}/etcd`,
      installAs: 'etcd',
    },
    kube('kube-apiserver'),
    kube('kube-controller-manager'),
    {
      part: 'cloudcore',
      url: `${sources.kubeedge}/${v.kubeedge}/${kubeedgeTar}`,
      checksum: { kind: 'published', url: `${sources.kubeedge}/${v.kubeedge}/checksum_${kubeedgeTar}.txt`, entry: kubeedgeTar },
      member: `kubeedge-${v.kubeedge}-linux-${arch}/cloud/cloudcore/cloudcore`,
      installAs: 'cloudcore',
    },
    ...crds.map((f) => ({
      part: 'crds' as const,
      url: `${sources.kubeedgeCrds}/${v.kubeedge}/build/crds/${f.path}`,
      checksum: { kind: 'pinned' as const, sha256: f.sha256 },
      installAs: f.path,
    })),
  ];
}

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ExpectedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/**
 * The digest for `entry` in a checksum file: a bare hex digest (dl.k8s.io `.sha256`, KubeEdge's
 * checksum_*.txt), or `<hex>  <name>` / `<hex> *<name>` lines (sha256sum output, etcd SHA256SUMS).
 */
export function parseChecksumFile(text: string, entry: string): ExpectedDigest | null {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const toDigest = (hex: string): ExpectedDigest | null => {
    if (!/^[0-9a-fA-F]+$/.test(hex)) return null;
    if (hex.length === 64) return { algorithm: 'sha256', hex: hex.toLowerCase() };
    if (hex.length === 128) return { algorithm: 'sha512', hex: hex.toLowerCase() };
    return null;
  };
  for (const line of lines) {
    const [hex = '', name, ...rest] = line.split(/\s+/);
    if (rest.length > 0) continue;
    if (name === undefined) {
      if (lines.length === 1) return toDigest(hex);
      continue;
    }
    const file = name.replace(/^\*/, '');
    if (file === entry || basename(file) === entry) return toDigest(hex);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Progress: a bar on a TTY, plain lines otherwise

export interface DownloadProgress {
  begin(label: string, url: string, totalBytes: number | null): void;
  /** Bytes received so far for the current download. */
  update(receivedBytes: number): void;
  end(summary: string): void;
  note(line: string): void;
}

const MiB = 1024 * 1024;
const mib = (n: number): string => (n / MiB).toFixed(1);

class LineProgress implements DownloadProgress {
  private label = '';
  private total: number | null = null;
  private nextQuarter = 1;

  constructor(private readonly write: (line: string) => void) {}

  begin(label: string, url: string, totalBytes: number | null): void {
    this.label = label;
    this.total = totalBytes;
    this.nextQuarter = 1;
    const size = totalBytes === null ? 'size unknown' : `${mib(totalBytes)} MiB`;
    this.write(`downloading ${label} (${size}) from ${url}`);
  }

  update(received: number): void {
    if (this.total === null || this.total === 0) return;
    while (this.nextQuarter < 4 && received >= (this.total * this.nextQuarter) / 4) {
      this.write(`  ${this.label}: ${this.nextQuarter * 25}% (${mib(received)}/${mib(this.total)} MiB)`);
      this.nextQuarter++;
    }
  }

  end(summary: string): void {
    this.write(`  ${this.label}: ${summary}`);
  }

  note(line: string): void {
    this.write(line);
  }
}

class TtyProgressBar implements DownloadProgress {
  private label = '';
  private total: number | null = null;
  private startedAt = 0;
  private lastDrawAt = 0;
  private received = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  begin(label: string, _url: string, totalBytes: number | null): void {
    this.label = label;
    this.total = totalBytes;
    this.received = 0;
    this.startedAt = Date.now();
    this.lastDrawAt = 0;
    this.draw(true);
  }

  update(received: number): void {
    this.received = received;
    this.draw(false);
  }

  end(summary: string): void {
    this.draw(true);
    this.stream.write(`\r\x1b[K${this.label}: ${summary}\n`);
  }

  note(line: string): void {
    this.stream.write(`\r\x1b[K${line}\n`);
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDrawAt < 100) return;
    this.lastDrawAt = now;
    const secs = Math.max((now - this.startedAt) / 1000, 0.001);
    const rate = `${mib(this.received / secs)} MiB/s`;
    if (this.total) {
      const width = 30;
      const done = Math.min(width, Math.round((this.received / this.total) * width));
      const bar = `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`;
      this.stream.write(`\r\x1b[K${this.label} ${bar} ${mib(this.received)}/${mib(this.total)} MiB ${rate}`);
    } else {
      this.stream.write(`\r\x1b[K${this.label} ${mib(this.received)} MiB ${rate}`);
    }
  }
}

export const Progress = {
  lines: (write: (line: string) => void): DownloadProgress => new LineProgress(write),
  bar: (stream: NodeJS.WriteStream): DownloadProgress => new TtyProgressBar(stream),
  silent: (): DownloadProgress => new LineProgress(() => undefined),
  /** Lines into `onLine` when given; else a bar when stderr is a TTY; else lines on stderr. */
  auto: (onLine?: (line: string) => void): DownloadProgress => {
    if (onLine) return new LineProgress(onLine);
    if (process.stderr.isTTY) return new TtyProgressBar(process.stderr);
    return new LineProgress((line) => process.stderr.write(`${line}\n`));
  },
};

// ---------------------------------------------------------------------------------------------
// Errors

/** A release download that failed: TWL_BINARIES_UNAVAILABLE naming the URL and why. */
export class ReleaseDownloadError extends BinariesUnavailableError {
  readonly url: string;
  readonly detail: string;
  constructor(missing: MissingBinary[], url: string, detail: string) {
    super(missing, `release download of ${url} failed: ${detail}`);
    this.url = url;
    this.detail = detail;
  }
}

/** A failure of one fetch; turned into ReleaseDownloadError with the missing list by the caller. */
class FetchFailure extends Error {
  constructor(
    readonly url: string,
    readonly detail: string,
  ) {
    super(`${url}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching

export interface DownloadTimeouts {
  /** Until the response headers arrive. Default 30 s. */
  responseMs: number;
  /** Longest gap between two body chunks. Default 30 s. */
  idleMs: number;
  /** Whole transfer of one file. Default 30 min. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: DownloadTimeouts = { responseMs: 30_000, idleMs: 30_000, totalMs: 30 * 60_000 };

/** Largest checksum file read; the real ones are one line (SHA256SUMS: a few dozen). */
const MAX_CHECKSUM_BYTES = 1 * MiB;

interface Received {
  bytes: number;
  digests: Record<DigestAlgorithm, string>;
}

/**
 * GET `url` into `dest` (or memory when dest is null), hashing as the bytes arrive. Every phase
 * is bounded: the response, the gap between chunks, and the whole transfer.
 */
async function fetchStream(
  url: string,
  dest: string | null,
  timeouts: DownloadTimeouts,
  progress: DownloadProgress | null,
  label: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Received & { body?: Buffer }> {
  const controller = new AbortController();
  let why = '';
  const abort = (reason: string): void => {
    if (why) return;
    why = reason;
    controller.abort();
  };
  const total = setTimeout(() => abort(`not complete after ${timeouts.totalMs} ms`), timeouts.totalMs);
  let idle = setTimeout(() => abort(`no response within ${timeouts.responseMs} ms`), timeouts.responseMs);
  const resetIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => abort(`stalled: no data for ${timeouts.idleMs} ms`), timeouts.idleMs);
  };
  const fh = dest ? await open(dest, 'wx', 0o600) : null;
  const chunks: Buffer[] = [];
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      throw new FetchFailure(url, why || describeNetworkError(err));
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new FetchFailure(url, `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    resetIdle();
    const lengthHeader = res.headers.get('content-length');
    const expected = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
    progress?.begin(label, url, expected);
    const sha256 = createHash('sha256');
    const sha512 = createHash('sha512');
    let bytes = 0;
    try {
      if (res.body) {
        for await (const part of res.body) {
          const chunk = Buffer.from(part);
          resetIdle();
          bytes += chunk.length;
          if (bytes > maxBytes) throw new FetchFailure(url, `larger than ${maxBytes} bytes`);
          sha256.update(chunk);
          sha512.update(chunk);
          if (fh) await fh.write(chunk);
          else chunks.push(chunk);
          progress?.update(bytes);
        }
      }
    } catch (err) {
      if (err instanceof FetchFailure) throw err;
      throw new FetchFailure(url, why || `transfer interrupted after ${bytes} bytes: ${describeNetworkError(err)}`);
    }
    if (expected !== null && bytes !== expected) {
      throw new FetchFailure(url, `truncated: received ${bytes} of ${expected} bytes`);
    }
    return { bytes, digests: { sha256: sha256.digest('hex'), sha512: sha512.digest('hex') }, ...(fh ? {} : { body: Buffer.concat(chunks) }) };
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
    await fh?.close();
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `${(cause as Error & { code?: string }).code ?? ''} ${cause.message}`.trim() : '';
  return causeText ? `${err.message} (${causeText})` : err.message;
}

function execFileText(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * MiB, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * Extract one binary from a verified .tar.gz with the system `tar`. The expected member is used
 * when present; otherwise the archive's only regular path ending in `/<binary>` (a layout change
 * between releases should not need a code change), never a path with `..`.
 */
async function extractMember(archive: string, member: string, binary: string, outDir: string): Promise<string> {
  const listing = (await execFileText('tar', ['-tzf', archive], 120_000)).split('\n').filter(Boolean);
  const safe = listing.filter((p) => !p.split('/').includes('..') && !p.startsWith('/'));
  const chosen = safe.includes(member) ? member : (() => {
    const candidates = safe.filter((p) => p.endsWith(`/${binary}`) || p === binary);
    if (candidates.length !== 1) {
      throw new Error(`archive has no ${member}${candidates.length > 1 ? ` and ${candidates.length} candidates: ${candidates.join(', ')}` : ''}`);
    }
    return candidates[0] as string;
  })();
  mkdirSync(outDir, { recursive: true });
  await execFileText('tar', ['-xzf', archive, '-C', outDir, '--', chosen], 300_000);
  const out = join(outDir, chosen);
  const st = lstatSync(out);
  if (!st.isFile() || st.size === 0) throw new Error(`${chosen} in the archive is not a non-empty regular file`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cache state

interface ReleaseManifest {
  kubeedgeVersion: string;
  kubernetesVersion: string;
  etcdVersion: string;
  platform: string;
  note: string;
  artifacts: Record<string, { url: string; algorithm: DigestAlgorithm; digest: string; bytes: number; at: string }>;
}

function readManifest(path: string): ReleaseManifest | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const m = parsed as Partial<ReleaseManifest>;
    if (typeof m.platform !== 'string' || typeof m.artifacts !== 'object' || m.artifacts === null) return null;
    return m as ReleaseManifest;
  } catch {
    return null;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    const s = lstatSync(path);
    return s.isFile() && s.size > 0 && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Parts already in the release cache: binaries for this platform, and the (platform-free) CRDs. */
export function cachedReleaseParts(env: NodeJS.ProcessEnv = process.env, arch: ReleaseArch | null = releaseArch()): ReleasePart[] {
  const dir = releaseCacheDir(env);
  const manifest = readManifest(join(dir, 'manifest.json'));
  const binariesUsable = arch !== null && (manifest === null || manifest.platform === `linux/${arch}`);
  const have: ReleasePart[] = binariesUsable ? RELEASE_BINARIES.filter((b) => isExecutableFile(join(dir, 'bin', b))) : [];
  if (existsSync(join(dir, 'crds', '.complete'))) have.push('crds');
  return have;
}

/** Staging dirs of processes that are gone (killed mid-download) are removed on the next run. */
function removeStaleStaging(root: string, prefix: string): void {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    let alive = false;
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) rmSync(join(root, name), { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The download

export interface DownloadReleaseOptions {
  env?: NodeJS.ProcessEnv;
  /** Parts to make present. Default: the four binaries and the CRDs. */
  only?: readonly ReleasePart[];
  /** Node platform/arch to fetch for. Default: this process's. */
  platform?: string;
  arch?: string;
  progress?: DownloadProgress;
  timeouts?: Partial<DownloadTimeouts>;
  /** The CRD files and their pinned hashes. Default KUBEEDGE_CRDS (tests pass fixtures). */
  crds?: readonly PinnedFile[];
}

export interface ReleaseInstall {
  dir: string;
  binDir: string;
  crdDir: string;
  /** Parts fetched by this call. */
  downloaded: ReleasePart[];
  /** Parts the cache already had. */
  cached: ReleasePart[];
}

function missingEntries(parts: readonly ReleasePart[], dir: string): MissingBinary[] {
  return parts.map((p) =>
    p === 'crds' ? { name: 'KubeEdge CRDs', path: join(dir, 'crds') } : { name: p, path: join(dir, 'bin', p) },
  );
}

function shortHex(hex: string): string {
  return `${hex.slice(0, 12)}…`;
}

/**
 * Make the requested parts present in the release cache; fetches only what is missing. All parts
 * fetched by one call are installed together after every one of them verified, so a failure
 * leaves the cache as it was.
 */
export async function downloadRelease(opts: DownloadReleaseOptions = {}): Promise<ReleaseInstall> {
  const env = opts.env ?? process.env;
  const dir = releaseCacheDir(env);
  const binDir = join(dir, 'bin');
  const crdDir = join(dir, 'crds');
  const wanted: ReleasePart[] = [...new Set(opts.only ?? [...RELEASE_BINARIES, 'crds' as const])];
  const platform = opts.platform ?? process.platform;
  const arch = releaseArch(platform, opts.arch ?? process.arch);
  // The CRDs are the same everywhere (the containers provider wants them on macOS too).
  if (arch === null && wanted.some((p) => p !== 'crds')) {
    throw new ReleaseDownloadError(missingEntries(wanted, dir), '(none)', `no official release build for ${platform}/${opts.arch ?? process.arch}; releases exist for linux amd64, arm64 and arm`);
  }
  const have = new Set(cachedReleaseParts(env, arch));
  const cached = wanted.filter((p) => have.has(p));
  const todo = wanted.filter((p) => !have.has(p));
  if (todo.length === 0) return { dir, binDir, crdDir, downloaded: [], cached };

  const progress = opts.progress ?? Progress.auto();
  const timeouts: DownloadTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  const artifacts = releaseArtifacts(releaseSources(env), arch ?? 'amd64', opts.crds).filter((a) => todo.includes(a.part));

  const root = dirname(dir);
  mkdirSync(root, { recursive: true });
  const stagingPrefix = `.${basename(dir)}.staging-`;
  removeStaleStaging(root, stagingPrefix);
  const staging = mkdtempSync(join(root, `${stagingPrefix}${process.pid}-`));
  const manifestPath = join(dir, 'manifest.json');
  const previous = readManifest(manifestPath);
  const manifest: ReleaseManifest = {
    kubeedgeVersion: RELEASE_VERSIONS.kubeedge,
    kubernetesVersion: RELEASE_VERSIONS.kubernetes,
    etcdVersion: RELEASE_VERSIONS.etcd,
    platform: arch !== null ? `linux/${arch}` : (previous?.platform ?? 'none (CRDs only)'),
    note: 'official release builds; kube-apiserver and kube-controller-manager are upstream Kubernetes, not the KubeEdge fork',
    artifacts: previous && (arch === null || previous.platform === `linux/${arch}`) ? { ...previous.artifacts } : {},
  };
  let current = '(none)';
  try {
    const stagedBins = join(staging, 'bin');
    const stagedCrds = join(staging, 'crds');
    mkdirSync(stagedBins);
    for (const [i, a] of artifacts.entries()) {
      current = a.url;
      let expected: ExpectedDigest;
      if (a.checksum.kind === 'pinned') {
        expected = { algorithm: 'sha256', hex: a.checksum.sha256 };
      } else {
        current = a.checksum.url;
        const sums = await fetchStream(a.checksum.url, null, timeouts, null, basename(a.checksum.url), MAX_CHECKSUM_BYTES);
        const parsed = parseChecksumFile((sums.body ?? Buffer.alloc(0)).toString('utf8'), a.checksum.entry);
        if (!parsed) throw new FetchFailure(a.checksum.url, `no SHA-256 or SHA-512 digest for ${a.checksum.entry} in it`);
        expected = parsed;
        current = a.url;
      }
      const file = join(staging, `download-${i}`);
      const label = a.part === 'crds' ? `CRD ${a.installAs}` : basename(a.url);
      const got = await fetchStream(a.url, file, timeouts, a.part === 'crds' ? null : progress, label);
      const actual = got.digests[expected.algorithm];
      if (actual !== expected.hex) {
        throw new FetchFailure(
          a.url,
          `checksum mismatch: expected ${expected.algorithm} ${shortHex(expected.hex)}, got ${shortHex(actual)} (${got.bytes} bytes); nothing was installed`,
        );
      }
      if (a.part !== 'crds') progress.end(`${mib(got.bytes)} MiB, ${expected.algorithm} verified`);
      // Only verified bytes reach tar.
      if (a.member !== undefined) {
        let extracted: string;
        try {
          extracted = await extractMember(file, a.member, a.installAs, join(staging, `extract-${i}`));
        } catch (err) {
          throw new FetchFailure(a.url, `extracting ${a.member}: ${err instanceof Error ? err.message : String(err)}`);
        }
        renameSync(extracted, join(stagedBins, a.installAs));
      } else if (a.part === 'crds') {
        const out = join(stagedCrds, a.installAs);
        mkdirSync(dirname(out), { recursive: true });
        renameSync(file, out);
        chmodSync(out, 0o644);
      } else {
        renameSync(file, join(stagedBins, a.installAs));
      }
      if (a.part !== 'crds') chmodSync(join(stagedBins, a.installAs), 0o755);
      manifest.artifacts[a.part === 'crds' ? `crds/${a.installAs}` : a.part] = {
        url: a.url,
        algorithm: expected.algorithm,
        digest: expected.hex,
        bytes: got.bytes,
        at: new Date().toISOString(),
      };
    }
    if (todo.includes('crds')) progress.note(`KubeEdge CRDs: ${artifacts.filter((a) => a.part === 'crds').length} files, sha256 verified against pinned hashes`);

    // Install: every part fetched above verified; rename is atomic within the cache's filesystem.
    current = '(install)';
    mkdirSync(binDir, { recursive: true });
    for (const b of todo) {
      if (b !== 'crds') renameSync(join(stagedBins, b), join(binDir, b));
    }
    if (todo.includes('crds')) {
      writeFileSync(join(stagedCrds, '.complete'), `${releaseSources(env).kubeedgeCrds}/${RELEASE_VERSIONS.kubeedge}/build/crds\n`);
      rmSync(crdDir, { recursive: true, force: true });
      renameSync(stagedCrds, crdDir);
    }
    writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(join(staging, 'manifest.json'), manifestPath);
    progress.note(`installed ${todo.join(', ')} into ${dir}`);
    return { dir, binDir, crdDir, downloaded: todo, cached };
  } catch (err) {
    const missing = missingEntries(todo, dir);
    if (err instanceof FetchFailure) throw new ReleaseDownloadError(missing, err.url, err.detail);
    throw new ReleaseDownloadError(missing, current, err instanceof Error ? err.message : String(err));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
