/**
 * The verdict at the limit, on the real local control plane, through the CLI as a user runs it:
 * a fleet larger than cloudcore's nodeLimit fails with exit 3 and its report names the limit and
 * the stalled ramp; `--duration` is the fleet's time, not counting a control-plane build on a
 * cold twinlab cache. Skips visibly when the control plane's binaries are not available.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipReason as reason } from './support/real-control-plane.js';
import type { RunSummary } from '../../sim/model/run-summary.js';

if (reason) console.warn(`[verdict-local e2e] SKIPPED: ${reason}`);

function sim(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', 'sim', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

async function summaryOf(dir: string): Promise<{ s: RunSummary; md: string; html: string }> {
  const s = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
  return { s, md: await readFile(path.join(dir, 'summary.md'), 'utf8'), html: await readFile(path.join(dir, 'report.html'), 'utf8') };
}

describe.skipIf(reason !== '')(`the verdict at the limit, --cloud local${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it("a fleet larger than --node-limit fails with exit 3; the report names cloudcore's nodeLimit and the stalled ramp", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-nodelimit-'));
    const out = path.join(dir, 'run');
    // One node dial at a time (ramp 5/s), so cloudcore counts every session before the next arrives.
    const r = await sim([
      '--cloud', 'local', '--nodes', '16', '--node-limit', '10', '--ramp', '5', '--certs', 'shared', '--duration', '150s',
      '--stall-window', '25s', '--metrics-port', '0', '--progress', 'plain', '--cert-cache', path.join(dir, 'certs'), '--out', out,
    ]);
    const { s, md, html } = await summaryOf(out);
    expect(r.code).toBe(3);
    expect(s.error).toBeNull();
    expect(r.stderr).toContain('ramp stalled: no node became Ready for 25 s');
    expect(s.nodes.ready).toBeLessThan(16);
    expect(s.slos.find((x) => x.sli === 'nodes_ready_ratio')).toMatchObject({ pass: false, origin: 'default' });
    expect(s.limits.first?.rule).toBe('node-limit');
    expect(s.limits.headline).toContain("cloudcore's nodeLimit (10) was reached");
    expect(s.limits.findings.map((f) => f.rule)).toContain('ramp-stalled');
    expect(md).toContain("**The first limit hit: cloudcore's nodeLimit (10) was reached");
    expect(md).not.toContain('SLOs passed');
    expect(html).toContain('What held the fleet back');
    // The stall ended the run long before its duration.
    const ramp = s.stages.find((x) => x.name === 'ramp')!;
    expect(ramp.endS - ramp.startS).toBeLessThan(100);
    expect(s.stages.map((x) => x.name)).not.toContain('steady');
  }, 240_000);

  it('--duration 20s on a cold twinlab cache runs the fleet for 20 s after the control plane is built and started', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-cold-'));
    const out = path.join(dir, 'run');
    const env: NodeJS.ProcessEnv = { ...process.env, TWINLAB_CACHE_DIR: path.join(dir, 'cache'), TWINLAB_NO_DOWNLOAD: '1', GONOSUMDB: 'github.com/kubeedge/kubernetes' };
    delete env.TWINLAB_BIN_DIR;
    // Prometheus is left out: its own cold build would take another quarter of an hour here.
    const r = await sim(['--cloud', 'local', '--nodes', '5', '--certs', 'shared', '--duration', '20s', '--prometheus', 'off', '--metrics-port', '0', '--progress', 'plain', '--out', out], env);
    const { s } = await summaryOf(out);
    expect(r.stderr).toMatch(/build|built/i);
    expect(s.error).toBeNull();
    expect(r.code).toBe(0);
    const at = (name: string): { startS: number; endS: number } => s.stages.find((x) => x.name === name)!;
    // Building the binaries into the empty cache took longer than the fleet's whole run.
    expect(at('control-plane').endS - at('control-plane').startS).toBeGreaterThan(20);
    const fleetSeconds = at('teardown').startS - at('ramp').startS;
    expect(fleetSeconds).toBeGreaterThanOrEqual(19.5);
    expect(fleetSeconds).toBeLessThan(25);
    expect(s.nodes.ready).toBe(5);
    expect(s.slos.every((x) => x.pass)).toBe(true);
  }, 600_000);
});
