import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isTwinlabError } from '../../errors.js';
import { attachCloudRestart } from './attach-cloud-restart.js';

/** A stand-in for cloudcore's CloudHub port: a process listening on 127.0.0.1:port that the restart command kills and starts again. */
const LISTENER = (port: number): string => `require('net').createServer((s) => s.destroy()).listen(${port}, '127.0.0.1')`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

let dir: string | undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  if (dir) {
    try {
      process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
  dir = undefined;
});

describe('attachCloudRestart', () => {
  it('--cloud-restart-command: runs the command with the signal and downtime in its environment, runs the outage changes, returns once CloudHub accepts again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'attach-restart-'));
    const port = await freePort();
    const first = spawn(process.execPath, ['-e', LISTENER(port)], { stdio: 'ignore' });
    children.push(first);
    await new Promise((r) => setTimeout(r, 300));
    const command = [
      `echo "$TWINLAB_CLOUD_RESTART_SIGNAL $TWINLAB_CLOUD_RESTART_DOWNTIME_MS" > ${dir}/env`,
      `kill -9 ${first.pid}`,
      'sleep 1',
      `nohup ${process.execPath} -e "${LISTENER(port)}" >/dev/null 2>&1 & echo $! > ${dir}/pid`,
    ].join('; ');
    const restarter = attachCloudRestart({ cloudhubUrl: `wss://127.0.0.1:${port}`, command })!;
    let changedWhileDown = false;
    const r = await restarter.restartCloudcore({ signal: 'SIGKILL', downtimeMs: 1000, whileDown: async () => void (changedWhileDown = true) });
    expect(readFileSync(join(dir, 'env'), 'utf8').trim()).toBe('SIGKILL 1000');
    expect(changedWhileDown).toBe(true);
    expect(r.readyAtMs).toBeGreaterThanOrEqual(r.startedAtMs);
    expect(r.readyAtMs - r.stoppedAtMs).toBeGreaterThanOrEqual(1000);
    expect(r.detail).toBe('command (SIGKILL, downtime 1000 ms)');
  }, 30_000);

  it('a failing command is a typed error', async () => {
    const port = await freePort();
    const restarter = attachCloudRestart({ cloudhubUrl: `wss://127.0.0.1:${port}`, command: 'exit 3' })!;
    const e = await restarter.restartCloudcore({ signal: 'SIGTERM', downtimeMs: 0 }).catch((x: unknown) => x);
    expect(isTwinlabError(e) && e.code).toBe(ErrorCodes.ControlPlaneStart);
    expect((e as Error).message).toContain('exited with code 3');
  });

  it('no hook: no capability; both hooks or a malformed Deployment are invalid options', () => {
    expect(attachCloudRestart({ cloudhubUrl: 'wss://127.0.0.1:10000' })).toBeUndefined();
    const both = (): unknown => attachCloudRestart({ cloudhubUrl: 'wss://127.0.0.1:10000', command: 'true', deployment: 'kubeedge/cloudcore' });
    expect(both).toThrow(/one of --cloud-restart-command and --cloud-restart-deployment/);
    const bad = (): unknown => attachCloudRestart({ cloudhubUrl: 'wss://127.0.0.1:10000', deployment: 'cloudcore' });
    expect(bad).toThrow(/NAMESPACE\/NAME/);
  });
});
