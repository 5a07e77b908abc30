/** The CLI as a user runs it: bad input exits 2 naming the flag, SIGINT still leaves a summary. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = ['--import', 'tsx', 'sim/cli.ts'];

function run(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('twinlab CLI', () => {
  it('rejects a bad flag value with exit 2 and the flag name', async () => {
    const r = await run(['sim', '--nodes', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('TWL_CONFIG_INVALID');
    expect(r.stderr).toContain('--nodes');
  }, 30_000);

  it('rejects an unknown KubeEdge version and an unknown flag', async () => {
    const v = await run(['sim', '--kubeedge-version', 'v1.9.0']);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain('--kubeedge-version');
    const u = await run(['sim', '--nodez', '3']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('nodez');
  }, 30_000);

  it('fails bounded on an unreachable cloud and still writes summary.json, never the token', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-unreachable-'));
    const out = path.join(dir, 'run');
    const sig = Buffer.alloc(32).toString('base64url');
    const token = `${'0'.repeat(64)}.eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjQxMDI0NDQ4MDB9.${sig}`;
    const r = await run(['sim', '--cloud', 'attach', '--cloudhub', 'wss://127.0.0.1:9', '--certs-url', 'https://127.0.0.1:9', '--token', token, '--nodes', '3', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TWL_CLOUD_UNREACHABLE');
    const text = await readFile(path.join(out, 'summary.json'), 'utf8');
    expect(JSON.parse(text).error.code).toBe('TWL_CLOUD_UNREACHABLE');
    expect(text).not.toContain(sig);
    expect(r.stderr + r.stdout).not.toContain(sig);
  }, 60_000);

  it('exits 3 when an SLO is breached, with the verdict first in summary.md', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-slo-'));
    const out = path.join(dir, 'run');
    const r = await run(['sim', '--cloud', 'loopback', '--nodes', '4', '--pods-per-node', '1', '--duration', '10s', '--certs', 'shared', '--slo', 'pod_startup_ms: max<0', '--slo', 'nodes_not_ready: value==0', '--metrics-port', '0', '--progress', 'off', '--cert-cache', path.join(dir, 'certs'), '--out', out]);
    expect(r.code).toBe(3);
    const s = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { slos: Array<{ name: string; pass: boolean; value: number | null; origin?: string }> };
    // The given SLOs after the run defaults (the one on nodes_not_ready replaces its default).
    expect(s.slos.map((x) => [x.name, x.pass, x.origin ?? 'given'])).toEqual([
      ['nodes_ready_ratio value==1', true, 'default'],
      ['messages_unanswered value==0', true, 'default'],
      ['messages_malformed value==0', true, 'default'],
      ['pod_startup_ms max<0', false, 'given'],
      ['nodes_not_ready value==0', true, 'given'],
    ]);
    expect(s.slos[3]!.value).toBeGreaterThanOrEqual(0);
    const md = await readFile(path.join(out, 'summary.md'), 'utf8');
    expect(md.indexOf('## SLOs')).toBeLessThan(md.indexOf('## Nodes'));
    expect(md).toContain('✗ `pod_startup_ms` `max<0`');
  }, 60_000);

  it('stops cleanly on SIGINT and still writes summary.json', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'twinlab-sigint-'));
    const out = path.join(dir, 'run');
    let sent = false;
    const r = await run(
      ['sim', '--cloud', 'loopback', '--nodes', '20', '--duration', '5m', '--certs', 'shared', '--metrics-port', '0', '--progress', 'plain', '--cert-cache', path.join(dir, 'certs'), '--out', out],
      (text, child) => {
        if (!sent && text.includes('ready 20/20')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(existsSync(path.join(out, 'summary.json'))).toBe(true);
    const s = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { interrupted: boolean; nodes: { ready: number } };
    expect(s.interrupted).toBe(true);
    expect(s.nodes.ready).toBe(20);
  }, 90_000);
});
