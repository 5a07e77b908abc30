/**
 * Finds the four control-plane binaries for the `local` provider, in order: an explicit directory
 * (option or TWINLAB_BIN_DIR), the per-version build cache filled by scripts/build-controlplane.mjs,
 * the release cache (<version>-release/bin, filled by release-download.ts), a fresh build through
 * the script when `go` is on PATH, a checksum-verified download of the official releases; otherwise
 * a typed error that lists every missing file and the ways to provide it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinariesUnavailableError, type MissingBinary } from '../../errors.js';
import { Progress, cachedReleaseParts, downloadRelease, downloadsPossible, releaseBinDir } from './release-download.js';

export const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'cloudcore'] as const;
export type ControlPlaneBinary = (typeof CONTROL_PLANE_BINARIES)[number];

/** 'release-cache': official release binaries downloaded by an earlier run; 'downloaded': by this one. */
export type BinarySource = 'option' | 'env' | 'cache' | 'built' | 'release-cache' | 'downloaded';

export interface ResolvedBinaries {
  binDir: string;
  source: BinarySource;
  paths: Record<ControlPlaneBinary, string>;
}

export interface ResolveBinariesOptions {
  /** Directory holding the four binaries; wins over everything else. */
  binDir?: string;
  /** Build through the script when the cache is empty and `go` is present. Default true. */
  allowBuild?: boolean;
  /**
   * Download the official release binaries (checksum-verified) when nothing is cached and no build
   * ran. Default: the value of allowBuild (so `allowBuild: false` still means "only what is on
   * disk"); TWINLAB_NO_DOWNLOAD=1 turns it off regardless.
   */
  allowDownload?: boolean;
  /** Receives the build script's and the download's progress lines. Default: stderr (a bar on a TTY). */
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BUILD_SCRIPT = join(repoRoot, 'scripts', 'build-controlplane.mjs');

/** A non-empty regular file with an execute bit. */
export function isExecutable(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFile() && s.size > 0 && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function inspect(binDir: string): { paths: Record<ControlPlaneBinary, string>; missing: MissingBinary[] } {
  const entries = CONTROL_PLANE_BINARIES.map((name) => [name, join(binDir, name)] as const);
  return {
    paths: Object.fromEntries(entries) as Record<ControlPlaneBinary, string>,
    missing: entries.filter(([, p]) => !isExecutable(p)).map(([name, path]) => ({ name, path })),
  };
}

/** The cache's bin dir as the build script computes it (its hash covers controlplane/ and the flags). */
export function cacheBinDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, '--print-bin-dir'], { encoding: 'utf8', env });
  const out = r.status === 0 ? r.stdout.trim() : '';
  return out || null;
}

export function goOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync('go', ['version'], { encoding: 'utf8', env });
  return r.status === 0;
}

function releaseCacheComplete(env: NodeJS.ProcessEnv): boolean {
  const have = cachedReleaseParts(env);
  return CONTROL_PLANE_BINARIES.every((b) => have.includes(b));
}

/**
 * Which binaries would resolve without building or downloading, and from where; never throws.
 * `downloadable` says only that a download would be attempted (Linux, not TWINLAB_NO_DOWNLOAD=1);
 * it does not touch the network.
 */
export function probeBinaries(opts: Pick<ResolveBinariesOptions, 'binDir' | 'env'> = {}): {
  available: boolean;
  binDir: string | null;
  buildable: boolean;
  downloadable: boolean;
  missing: MissingBinary[];
} {
  const env = opts.env ?? process.env;
  const downloadable = downloadsPossible(env);
  const explicit = opts.binDir ?? env.TWINLAB_BIN_DIR;
  const dir = explicit ?? cacheBinDir(env);
  if (!explicit && releaseCacheComplete(env)) {
    const inBuildCache = dir !== null && inspect(dir).missing.length === 0;
    if (!inBuildCache) return { available: true, binDir: releaseBinDir(env), buildable: goOnPath(env), downloadable, missing: [] };
  }
  if (!dir) return { available: false, binDir: null, buildable: goOnPath(env), downloadable, missing: [] };
  const { missing } = inspect(dir);
  return { available: missing.length === 0, binDir: dir, buildable: goOnPath(env), downloadable, missing };
}

function runBuild(env: NodeJS.ProcessEnv, onProgress: (line: string) => void): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BUILD_SCRIPT], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let buf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onProgress(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.on('error', () => resolvePromise(127));
    child.on('exit', (code) => {
      if (buf) onProgress(buf);
      resolvePromise(code ?? 1);
    });
  });
}

export async function resolveBinaries(opts: ResolveBinariesOptions = {}): Promise<ResolvedBinaries> {
  const env = opts.env ?? process.env;
  const explicit: { dir: string; source: BinarySource } | null = opts.binDir
    ? { dir: opts.binDir, source: 'option' }
    : env.TWINLAB_BIN_DIR
      ? { dir: env.TWINLAB_BIN_DIR, source: 'env' }
      : null;
  if (explicit) {
    const { paths, missing } = inspect(explicit.dir);
    if (missing.length > 0) {
      const from = explicit.source === 'env' ? 'TWINLAB_BIN_DIR' : 'the binDir option';
      throw new BinariesUnavailableError(missing, `${from} points at ${explicit.dir}, which is incomplete`);
    }
    return { binDir: explicit.dir, source: explicit.source, paths };
  }

  const cached = cacheBinDir(env);
  if (!cached) {
    const missing = CONTROL_PLANE_BINARIES.map((name) => ({ name, path: '(cache dir unknown)' }));
    throw new BinariesUnavailableError(missing, `could not run ${BUILD_SCRIPT} to locate the build cache`);
  }
  const first = inspect(cached);
  if (first.missing.length === 0) return { binDir: cached, source: 'cache', paths: first.paths };

  const releaseDir = releaseBinDir(env);
  const released = inspect(releaseDir);
  if (releaseCacheComplete(env)) return { binDir: releaseDir, source: 'release-cache', paths: released.paths };

  const mayDownload = (opts.allowDownload ?? opts.allowBuild ?? true) && downloadsPossible(env);
  const download = async (why: string): Promise<ResolvedBinaries> => {
    const progress = Progress.auto(opts.onProgress);
    progress.note(`${why}; downloading the official release binaries (checksum-verified) into ${releaseDir}`);
    // The CRDs come along unless the user points at their own copy (kubeedge-crds.ts reads it).
    await downloadRelease({ env, only: env.TWINLAB_CRD_DIR ? [...CONTROL_PLANE_BINARIES] : [...CONTROL_PLANE_BINARIES, 'crds'], progress });
    const after = inspect(releaseDir);
    if (after.missing.length > 0) throw new BinariesUnavailableError(after.missing, `the release download left ${releaseDir} incomplete`);
    return { binDir: releaseDir, source: 'downloaded', paths: after.paths };
  };

  if (opts.allowBuild === false) {
    if (mayDownload) return download('not in the build cache and building is disabled');
    throw new BinariesUnavailableError(first.missing, 'not in the build cache and building is disabled');
  }
  if (!goOnPath(env)) {
    if (mayDownload) return download('not in the build cache and `go` is not on PATH to build them');
    throw new BinariesUnavailableError(
      first.missing,
      `not in the build cache, \`go\` is not on PATH to build them, and ${downloadsPossible(env) ? 'downloading is disabled' : 'no release download is possible here (TWINLAB_NO_DOWNLOAD=1 or not Linux)'}`,
    );
  }
  const progress = opts.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const code = await runBuild(env, progress);
  const after = inspect(cached);
  if (code !== 0 || after.missing.length > 0) {
    throw new BinariesUnavailableError(
      after.missing,
      `${BUILD_SCRIPT} exited with ${code}; its output above says why`,
    );
  }
  return { binDir: cached, source: 'built', paths: after.paths };
}
