/**
 * The real control plane for one conformance file: etcd, kube-apiserver, kube-controller-manager
 * and cloudcore v1.23.1 from the build cache, started once per file in a temp run dir. When the
 * binaries cannot be had without a cold build (≈ 11 min), `skipReason` says so and the file skips
 * visibly; TWINLAB_E2E_BUILD=1 lets the start build them instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeBinaries } from '../../../sim/cloud/local/control-plane-binaries.js';
import { startLocalControlPlane, type LocalControlPlane } from '../../../sim/cloud/local/local-control-plane.js';

const probe = probeBinaries();
/** TWINLAB_E2E_BUILD=1: a test may build the binaries itself (a cold build is ≈ 11–18 min). */
export const buildAllowed = process.env.TWINLAB_E2E_BUILD === '1' && probe.buildable;

/** '' when a real control plane can be started; otherwise why not (shown in the skipped suite's name). */
export const skipReason: string = probe.available
  ? ''
  : buildAllowed
    ? ''
    : probe.buildable
      ? `control-plane binaries not in the build cache (${probe.binDir ?? '?'}); run \`node scripts/build-controlplane.mjs\` or set TWINLAB_E2E_BUILD=1`
      : `control-plane binaries not available (${probe.missing.map((m) => m.name).join(', ') || 'cache dir unknown'}) and no \`go\` to build them`;

/** Hook timeout for starting the control plane: a cold build needs half an hour. */
export const START_TIMEOUT_MS = buildAllowed && !probe.available ? 1_800_000 : 150_000;

export interface RealCloud {
  readonly cp: LocalControlPlane;
  /** Scratch space for shards (cert caches, meta stores), removed with the run dir. */
  readonly workDir: string;
  /** `KubeEdge_CloudHub_connected_nodes` as cloudcore exports it now. */
  connectedNodes(): Promise<number>;
  /** cloudcore log lines matching `pattern` (klog, so each event is one line). */
  cloudcoreLog(pattern: RegExp): string[];
  stop(): Promise<void>;
}

export async function startRealCloud(label: string, nodeLimit: number): Promise<RealCloud> {
  const runDir = mkdtempSync(join(tmpdir(), `twinlab-${label}-`));
  let cp: LocalControlPlane;
  try {
    cp = await startLocalControlPlane({
      runDir,
      nodeLimit,
      cloudhubPort: 'auto',
      certsPort: 'auto',
      allowBuild: buildAllowed,
      onProgress: (line) => console.log(`[${label}] ${line}`),
    });
  } catch (error) {
    rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
  const metricsUrl = cp.metricsTargets.find((t) => t.name === 'cloudcore')?.url;
  if (!metricsUrl) throw new Error('the local control plane exported no cloudcore metrics target');
  const started = cp;
  return {
    cp,
    workDir: join(runDir, 'twinlab'),
    async connectedNodes(): Promise<number> {
      const text = await (await fetch(metricsUrl)).text();
      const m = /^KubeEdge_CloudHub_connected_nodes(?:\{[^}]*\})? (\S+)$/m.exec(text);
      if (!m) throw new Error('KubeEdge_CloudHub_connected_nodes not exported');
      return Number(m[1]);
    },
    cloudcoreLog(pattern: RegExp): string[] {
      return logLines(started.logPath('cloudcore'), pattern);
    },
    async stop(): Promise<void> {
      await started.stop();
      if (process.env.TWINLAB_E2E_KEEP === '1') console.log(`[${label}] run dir kept: ${runDir}`);
      else rmSync(runDir, { recursive: true, force: true });
    },
  };
}

function logLines(path: string, pattern: RegExp): string[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => pattern.test(l));
}

