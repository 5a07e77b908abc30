/**
 * KubeEdge's CustomResourceDefinitions (build/crds of github.com/kubeedge/kubeedge at the pinned
 * version): where to find them, and applying them through the API until each is Established.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type AdminApi, pick } from './admin-api.js';

const CRD_COLLECTION = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/**
 * Candidate directories, best first: an explicit one, the copy the build script leaves next to the
 * binaries, then the Go module cache.
 */
export function crdDirCandidates(binDir: string, kubeedgeVersion: string, explicit?: string): string[] {
  const out: string[] = [];
  if (explicit) out.push(explicit);
  if (process.env.TWINLAB_CRD_DIR) out.push(process.env.TWINLAB_CRD_DIR);
  out.push(join(binDir, '..', 'crds'), join(binDir, 'crds'));
  const modcaches = [process.env.GOMODCACHE];
  const r = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  if (r.status === 0) modcaches.push(r.stdout.trim());
  modcaches.push(join(process.env.GOPATH ?? join(homedir(), 'go'), 'pkg', 'mod'));
  for (const m of modcaches) {
    if (m) out.push(join(m, 'github.com', 'kubeedge', `kubeedge@${kubeedgeVersion}`, 'build', 'crds'));
  }
  return [...new Set(out)];
}

export function findCrdDir(candidates: string[]): string | null {
  return candidates.find((d) => existsSync(d) && listYaml(d).length > 0) ?? null;
}

function listYaml(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYaml(p));
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out.sort();
}

/** Every CustomResourceDefinition document under `dir`. */
export function loadCrds(dir: string): Array<Record<string, unknown>> {
  const crds: Array<Record<string, unknown>> = [];
  for (const file of listYaml(dir)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj: unknown = doc.toJS();
      if (typeof obj === 'object' && obj !== null && pick(obj, 'kind') === 'CustomResourceDefinition') {
        crds.push(obj as Record<string, unknown>);
      }
    }
  }
  return crds;
}

function isEstablished(crd: unknown): boolean {
  const conds = pick(crd, 'status', 'conditions');
  return Array.isArray(conds) && conds.some((c: unknown) => pick(c, 'type') === 'Established' && pick(c, 'status') === 'True');
}

/** Create every CRD (existing ones are left as they are) and wait until all are Established. */
export async function applyCrds(api: AdminApi, crds: Array<Record<string, unknown>>, timeoutMs = 30_000): Promise<string[]> {
  const names = crds.map((c) => String(pick(c, 'metadata', 'name')));
  await Promise.all(crds.map((crd) => api.createIfAbsent(CRD_COLLECTION, crd)));
  const deadline = Date.now() + timeoutMs;
  let pending = [...names];
  while (pending.length > 0) {
    const states = await Promise.all(pending.map(async (n) => ({ n, ok: isEstablished((await api.getJson(`${CRD_COLLECTION}/${n}`)).body) })));
    pending = states.filter((s) => !s.ok).map((s) => s.n);
    if (pending.length === 0) break;
    if (Date.now() > deadline) throw new Error(`CRDs not Established after ${timeoutMs} ms: ${pending.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return names;
}
