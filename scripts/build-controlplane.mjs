#!/usr/bin/env node
// Builds the real control-plane binaries (etcd, kube-apiserver, kube-controller-manager, cloudcore)
// from the Go modules under controlplane/ into a per-version cache directory, and skips what is
// already there. Plain Node with no dependencies, so CI can run it before `pnpm install`.
//
//   node scripts/build-controlplane.mjs                 build what is missing, print progress
//   node scripts/build-controlplane.mjs --print-bin-dir print the bin dir (no build); exit 0
//   node scripts/build-controlplane.mjs --print-supervisor  print the supervisor's path (no build)
//   node scripts/build-controlplane.mjs --check         exit 0 if every binary is cached, else 1
//   node scripts/build-controlplane.mjs --print-helm    print helm's path (no build)
//   node scripts/build-controlplane.mjs --only etcd,cloudcore   (or --only supervise, --only helm)
//
// Cache: ${TWINLAB_CACHE_DIR:-~/.cache/twinlab}/controlplane/<kubeedge-version>-<hash>/bin/<name>
// where <hash> covers the go.mod/go.sum files, the entry points and the build flags, so changing
// any of them builds into a fresh directory. GOFLAGS from the environment is passed through; the
// Go build cache is left at its default so repeated builds on one machine reuse it.
//
// The supervisor (controlplane/supervise/: starts each control-plane process under a parent-death
// signal) is a separate target with its own hash and cache dir, controlplane/supervise-<hash>/bin/:
// it builds in seconds, and changing it must not rebuild the control plane.
//
// Helm v4 (controlplane/helm/: helm.sh/helm/v4's command, for the chart tests) is built the same
// way, controlplane/helm-<hash>/bin/helm, and only on request (--only helm): a run never needs it.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const controlplaneDir = join(repoRoot, 'controlplane');

export const KUBEEDGE_VERSION = 'v1.23.1';
export const KUBEEDGE_COMMIT = '1a7ee88d3c61dc781cc9c9053066ab3d38519dd5';
export const KUBERNETES_VERSION = 'v1.32.10';
export const ETCD_VERSION = 'v3.5.21';

// The checksum database does not answer for KubeEdge's Kubernetes fork; the committed go.sum pins it.
const NOSUMDB = 'github.com/kubeedge/kubernetes';

const kubeX = [
  `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
  '-X k8s.io/component-base/version.gitMajor=1',
  '-X k8s.io/component-base/version.gitMinor=32',
  '-X k8s.io/component-base/version.gitTreeState=clean',
];
const kubeedgeX = [
  `-X github.com/kubeedge/kubeedge/pkg/version.gitVersion=${KUBEEDGE_VERSION}`,
  '-X github.com/kubeedge/kubeedge/pkg/version.gitMajor=1',
  '-X github.com/kubeedge/kubeedge/pkg/version.gitMinor=23',
  `-X github.com/kubeedge/kubeedge/pkg/version.gitCommit=${KUBEEDGE_COMMIT}`,
  '-X github.com/kubeedge/kubeedge/pkg/version.gitTreeState=clean',
];

/** Build order matters only for wall time: cloudcore first compiles the packages the kube commands share. */
export const COMMANDS = [
  { name: 'etcd', module: 'etcd', pkg: './cmd/etcd', version: ETCD_VERSION, x: [] },
  { name: 'cloudcore', module: 'kubeedge', pkg: './cmd/cloudcore', version: KUBEEDGE_VERSION, x: kubeedgeX },
  { name: 'kube-apiserver', module: 'kubeedge', pkg: './cmd/kube-apiserver', version: KUBERNETES_VERSION, x: kubeX },
  { name: 'kube-controller-manager', module: 'kubeedge', pkg: './cmd/kube-controller-manager', version: KUBERNETES_VERSION, x: kubeX },
];

const BUILD_ENV = { CGO_ENABLED: '0' };

function ldflags(cmd) {
  return ['-s', '-w', '-buildid=', ...cmd.x].join(' ');
}

function buildArgs(cmd, out) {
  return ['build', '-trimpath', '-ldflags', ldflags(cmd), '-o', out, cmd.pkg];
}

/** The supervisor's own module: hashed and cached apart from the control plane. */
const SUPERVISOR = { name: 'supervise', module: 'supervise', pkg: '.', x: [] };
const supervisorDir = join(controlplaneDir, SUPERVISOR.module);

export const HELM_VERSION = 'v4.3.2';
/** Helm's own module, hashed and cached apart from the control plane; built only when asked for. */
const HELM = {
  name: 'helm',
  module: 'helm',
  pkg: '.',
  x: [`-X helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`, '-X helm.sh/helm/v4/internal/version.gitTreeState=clean'],
};
const helmDir = join(controlplaneDir, HELM.module);

function listFiles(dir, skip = new Set()) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(p)) out.push(...listFiles(p, skip));
    } else if (/\.(go|mod|sum)$/.test(entry.name)) out.push(p);
  }
  return out.sort();
}

/** Short hash over everything that decides the bytes of the binaries (the supervisor's and helm's modules excluded). */
export function buildHash() {
  const h = createHash('sha256');
  for (const file of listFiles(controlplaneDir, new Set([supervisorDir, helmDir]))) {
    h.update(relative(controlplaneDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const cmd of COMMANDS) h.update(JSON.stringify(buildArgs(cmd, cmd.name))).update('\0');
  h.update(JSON.stringify(BUILD_ENV)).update(process.platform).update(process.arch);
  return h.digest('hex').slice(0, 12);
}

export function cacheRoot() {
  return process.env.TWINLAB_CACHE_DIR || join(homedir(), '.cache', 'twinlab');
}

export function versionDir() {
  return join(cacheRoot(), 'controlplane', `${KUBEEDGE_VERSION}-${buildHash()}`);
}

export function binDir() {
  return join(versionDir(), 'bin');
}

function isExecutableFile(p) {
  try {
    const s = statSync(p);
    return s.isFile() && (s.mode & 0o111) !== 0 && s.size > 0;
  } catch {
    return false;
  }
}

/** Hash of one separately cached module: its files plus its build flags. */
function moduleHash(target, dir) {
  const h = createHash('sha256');
  for (const file of listFiles(dir)) {
    h.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  h.update(JSON.stringify(buildArgs(target, target.name))).update(JSON.stringify(BUILD_ENV)).update(process.platform).update(process.arch);
  return h.digest('hex').slice(0, 12);
}

export function supervisorHash() {
  return moduleHash(SUPERVISOR, supervisorDir);
}

export function supervisorPath() {
  return join(cacheRoot(), 'controlplane', `supervise-${supervisorHash()}`, 'bin', SUPERVISOR.name);
}

export function helmPath() {
  return join(cacheRoot(), 'controlplane', `helm-${moduleHash(HELM, helmDir)}`, 'bin', HELM.name);
}

function targetPath(name) {
  if (name === SUPERVISOR.name) return supervisorPath();
  if (name === HELM.name) return helmPath();
  return join(binDir(), name);
}

export function missingBinaries(names = [...COMMANDS.map((c) => c.name), SUPERVISOR.name]) {
  return names.filter((n) => !isExecutableFile(targetPath(n)));
}

function goEnv() {
  const nosumdb = process.env.GONOSUMDB ? `${process.env.GONOSUMDB},${NOSUMDB}` : NOSUMDB;
  return { ...process.env, ...BUILD_ENV, GONOSUMDB: nosumdb };
}

function goAvailable() {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(args, cwd) {
  return new Promise((resolvePromise) => {
    const child = spawn('go', args, { cwd, env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', () => resolvePromise(127));
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

/** One builder at a time per cache dir; a lock left by a dead process is taken over. */
async function withLock(dir, fn) {
  const lock = join(dir, '.lock');
  for (let waited = 0; ; waited += 2) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* the holder has not written its pid yet */
      }
      let alive = false;
      if (Number.isInteger(holder) && holder > 0) {
        try {
          process.kill(holder, 0);
          alive = true;
        } catch {
          alive = false;
        }
      }
      if (!alive && waited >= 2) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 30 === 0) log(`waiting for another build in ${dir} (pid ${holder || '?'})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Copies KubeEdge's CRDs (build/crds of the kubeedge module, from the Go module cache) next to the
 * binaries, so a run needs no Go toolchain once the cache is filled. Copied file by file: the
 * module cache's read-only modes would make the copy undeletable.
 */
function copyCrds(dir) {
  const dest = join(dir, 'crds');
  if (existsSync(join(dest, '.complete'))) return true;
  const r = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', env: goEnv() });
  const modcache = r.status === 0 ? r.stdout.trim() : '';
  const src = join(modcache, 'github.com', 'kubeedge', `kubeedge@${KUBEEDGE_VERSION}`, 'build', 'crds');
  if (!modcache || !existsSync(src)) {
    log(`KubeEdge CRDs not found at ${src}; run \`go mod download\` in controlplane/kubeedge`);
    return false;
  }
  rmSync(dest, { recursive: true, force: true });
  let count = 0;
  for (const file of listYaml(src)) {
    const out = join(dest, relative(src, file));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, readFileSync(file), { mode: 0o644 });
    count++;
  }
  writeFileSync(join(dest, '.complete'), `${src}\n`);
  log(`copied ${count} CRD files into ${dest}`);
  return true;
}

function listYaml(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYaml(p));
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out.sort();
}

function log(line) {
  process.stderr.write(`[build-controlplane] ${line}\n`);
}

function readManifest(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

async function build(names) {
  const dir = versionDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  return withLock(dir, async () => {
    const todo = COMMANDS.filter((c) => names.includes(c.name) && !isExecutableFile(join(bin, c.name)));
    const manifestPath = join(dir, 'manifest.json');
    const manifest = readManifest(manifestPath) ?? {
      kubeedgeVersion: KUBEEDGE_VERSION,
      kubeedgeCommit: KUBEEDGE_COMMIT,
      kubernetesVersion: KUBERNETES_VERSION,
      etcdVersion: ETCD_VERSION,
      hash: buildHash(),
      platform: `${process.platform}/${process.arch}`,
      binaries: {},
    };
    const goVersion = goAvailable();
    if (todo.length === 0) {
      if (goVersion && !copyCrds(dir)) return 1;
      log(`all binaries present in ${bin}`);
      return 0;
    }
    if (!goVersion) {
      log('`go` is not on PATH: cannot build. Install Go >= 1.23 or set TWINLAB_BIN_DIR to a directory with the binaries.');
      return 2;
    }
    log(`${goVersion}; building ${todo.map((c) => c.name).join(', ')} into ${bin}`);
    for (const mod of [...new Set(todo.map((c) => c.module))]) {
      const t0 = Date.now();
      log(`go mod download (${mod})`);
      const code = await run(['mod', 'download'], join(controlplaneDir, mod));
      if (code !== 0) {
        log(`go mod download failed in controlplane/${mod} (exit ${code})`);
        return code;
      }
      log(`go mod download (${mod}) done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (const cmd of todo) {
      const tmp = join(bin, `.${cmd.name}.tmp-${process.pid}`);
      const t0 = Date.now();
      log(`building ${cmd.name} ${cmd.version} ...`);
      const code = await run(buildArgs(cmd, tmp), join(controlplaneDir, cmd.module));
      const seconds = Number(((Date.now() - t0) / 1000).toFixed(1));
      if (code !== 0) {
        rmSync(tmp, { force: true });
        log(`building ${cmd.name} failed (exit ${code}) after ${seconds} s`);
        return code;
      }
      renameSync(tmp, join(bin, cmd.name));
      log(`built ${cmd.name} in ${seconds} s`);
      manifest.binaries[cmd.name] = {
        version: cmd.version,
        buildSeconds: seconds,
        bytes: statSync(join(bin, cmd.name)).size,
        builtAt: new Date().toISOString(),
        go: goVersion,
      };
      writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    return copyCrds(dir) ? 0 : 1;
  });
}

/** The supervisor: one small stdlib-only Go program, its own lock and cache dir. */
function buildSupervisor() {
  return buildSeparate(SUPERVISOR, supervisorDir, supervisorPath(), 'the supervisor', '; control-plane processes then start without a parent-death signal');
}

/** Helm: its own module, lock and cache dir; downloads its modules first and records the build time. */
function buildHelm() {
  return buildSeparate(HELM, helmDir, helmPath(), `helm ${HELM_VERSION}`, '; the chart tests then skip and say why', true);
}

async function buildSeparate(target, dir, out, label, withoutGo, downloadFirst = false) {
  const bin = dirname(out);
  mkdirSync(bin, { recursive: true });
  return withLock(dirname(bin), async () => {
    if (isExecutableFile(out)) return 0;
    const goVersion = goAvailable();
    if (!goVersion) {
      log(`\`go\` is not on PATH: cannot build ${label}${withoutGo}.`);
      return 2;
    }
    const t0 = Date.now();
    if (downloadFirst) {
      const code = await run(['mod', 'download'], dir);
      if (code !== 0) {
        log(`go mod download failed in ${relative(repoRoot, dir)} (exit ${code})`);
        return code;
      }
      log(`go mod download (${target.module}) done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const tmp = join(bin, `.${target.name}.tmp-${process.pid}`);
    const t1 = Date.now();
    const code = await run(buildArgs(target, tmp), dir);
    if (code !== 0) {
      rmSync(tmp, { force: true });
      log(`building ${label} failed (exit ${code})`);
      return code;
    }
    renameSync(tmp, out);
    const seconds = Number(((Date.now() - t1) / 1000).toFixed(1));
    log(`built ${label} in ${seconds} s: ${out}`);
    const manifest = { name: target.name, buildSeconds: seconds, bytes: statSync(out).size, builtAt: new Date().toISOString(), go: goVersion };
    writeFileSync(join(dirname(bin), 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return 0;
  });
}

async function main(argv) {
  const onlyIdx = argv.indexOf('--only');
  // Helm is known but not a default target: only the chart tests need it.
  const defaults = [...COMMANDS.map((c) => c.name), SUPERVISOR.name];
  const known = [...defaults, HELM.name];
  const names = onlyIdx >= 0 ? (argv[onlyIdx + 1] ?? '').split(',').filter(Boolean) : defaults;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    log(`unknown command(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return 2;
  }
  if (argv.includes('--print-bin-dir')) {
    process.stdout.write(`${binDir()}\n`);
    return 0;
  }
  if (argv.includes('--print-supervisor')) {
    process.stdout.write(`${supervisorPath()}\n`);
    return 0;
  }
  if (argv.includes('--print-helm')) {
    process.stdout.write(`${helmPath()}\n`);
    return 0;
  }
  if (argv.includes('--check')) {
    const missing = missingBinaries(names);
    if (missing.length > 0) log(`missing: ${missing.map(targetPath).join(', ')}`);
    return missing.length === 0 ? 0 : 1;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 24).join('\n') + '\n');
    return 0;
  }
  const t0 = Date.now();
  const commands = names.filter((n) => n !== SUPERVISOR.name && n !== HELM.name);
  let code = commands.length > 0 ? await build(commands) : 0;
  if (code === 0 && names.includes(SUPERVISOR.name)) code = await buildSupervisor();
  if (code === 0 && names.includes(HELM.name)) code = await buildHelm();
  if (code === 0) {
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    process.stdout.write(`${commands.length > 0 ? binDir() : names.includes(SUPERVISOR.name) ? supervisorPath() : helmPath()}\n`);
  }
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      log(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
