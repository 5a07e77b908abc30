/**
 * Finds (or builds, in seconds, when Go is present) the supervisor that starts each control-plane
 * process under a parent-death signal (controlplane/supervise/), through the same build script as
 * the control plane. Without it the processes start unsupervised: a SIGKILLed run then leaves them
 * to the next run, which stops them from the run's pid file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { BUILD_SCRIPT, goOnPath, isExecutable } from './control-plane-binaries.js';

export type SupervisorLookup = { path: string; built: boolean } | { path: null; reason: string };

function build(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUILD_SCRIPT, '--only', 'supervise'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', (e) => resolve({ code: 127, stderr: e.message }));
    child.on('exit', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/** Linux only: the parent-death signal is a Linux prctl. TWINLAB_SUPERVISOR=off starts the processes without it. */
export async function findSupervisor(env: NodeJS.ProcessEnv = process.env): Promise<SupervisorLookup> {
  if (env.TWINLAB_SUPERVISOR === 'off') return { path: null, reason: 'TWINLAB_SUPERVISOR=off' };
  if (process.platform !== 'linux') return { path: null, reason: `no parent-death signal on ${process.platform}` };
  const r = spawnSync(process.execPath, [BUILD_SCRIPT, '--print-supervisor'], { encoding: 'utf8', env });
  const path = r.status === 0 ? r.stdout.trim() : '';
  if (!path) return { path: null, reason: `could not run ${BUILD_SCRIPT} --print-supervisor` };
  if (isExecutable(path)) return { path, built: false };
  if (!goOnPath(env)) return { path: null, reason: `${path} is not built and \`go\` is not on PATH to build it` };
  const b = await build(env);
  if (b.code !== 0 || !isExecutable(path)) return { path: null, reason: `building ${path} failed (exit ${b.code}): ${b.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { path, built: true };
}
