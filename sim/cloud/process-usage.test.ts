import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessUsageSampler, parseStat } from './process-usage.js';

/** A /proc/<pid>/stat line as Linux writes it (52 fields); utime..cstime in clock ticks, rss in pages. */
function statLine(pid: number, comm: string, pgrp: number, t: { utime: number; stime: number; cutime?: number; cstime?: number }): string {
  const f = [pid, `(${comm})`, 'S', 1, pgrp, pgrp, 0, -1, 4194560, 100, 0, 0, 0, t.utime, t.stime, t.cutime ?? 0, t.cstime ?? 0, 20, 0, 12, 0, 5000, 1e8, 2500];
  while (f.length < 52) f.push(0);
  return `${f.join(' ')}\n`;
}

describe('parseStat', () => {
  it('reads pgrp and CPU ticks even when the command name holds spaces and parentheses', () => {
    const s = parseStat(statLine(42, 'kube (api) server', 40, { utime: 150, stime: 50, cutime: 7, cstime: 3 }));
    expect(s).toEqual({ pid: 42, pgrp: 40, utime: 150, stime: 50, cutime: 7, cstime: 3 });
  });

  it('rejects a truncated line', () => {
    expect(parseStat('42 (x) S 1 2')).toBeUndefined();
    expect(parseStat('garbage')).toBeUndefined();
  });
});

describe('ProcessUsageSampler over a /proc tree', () => {
  let root = '';
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = '';
  });

  const proc = (pid: number, comm: string, pgrp: number, t: Parameters<typeof statLine>[3], rssPages: number): void => {
    mkdirSync(join(root, String(pid)), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), statLine(pid, comm, pgrp, t));
    writeFileSync(join(root, String(pid), 'statm'), `250000 ${rssPages} 900 10 0 2000 0\n`);
  };

  it('charges each group its members and the leader’s reaped children, one scan for all', () => {
    root = mkdtempSync(join(tmpdir(), 'twinlab-proc-'));
    proc(100, 'etcd', 100, { utime: 300, stime: 100 }, 1000);
    proc(200, 'cloudcore', 200, { utime: 50, stime: 50, cutime: 20, cstime: 0 }, 2000);
    proc(201, 'sh', 200, { utime: 10, stime: 0 }, 100); // forked by cloudcore, same group
    proc(300, 'unrelated', 300, { utime: 9999, stime: 0 }, 9999);
    writeFileSync(join(root, 'meminfo'), 'not a pid\n');
    const s = new ProcessUsageSampler(
      [
        { name: 'etcd', pid: 100 },
        { name: 'cloudcore', pid: 200 },
        { name: 'gone', pid: 400 },
      ],
      { procRoot: root, clockTicks: 100, pageSize: 4096 },
    );
    const start = s.start();
    s.stop();
    expect(start.etcd).toMatchObject({ alive: true, cpuSeconds: 4, rssBytes: 1000 * 4096, processes: 1 });
    expect(start.cloudcore).toMatchObject({ alive: true, cpuSeconds: 1.3, rssBytes: 2100 * 4096, processes: 2 });
    expect(start.gone).toMatchObject({ alive: false, cpuSeconds: 0, rssBytes: 0, processes: 0 });

    // cloudcore works 2 s of CPU and grows; its child exits unreaped (CPU must not go backwards).
    proc(200, 'cloudcore', 200, { utime: 200, stime: 100, cutime: 20, cstime: 0 }, 5000);
    rmSync(join(root, '201'), { recursive: true });
    const since = s.cpuSecondsSince(start);
    expect(since.etcd).toBe(0);
    expect(since.cloudcore).toBeCloseTo(3.2 - 1.3, 6);
    expect(s.latest?.cloudcore?.rssBytes).toBe(5000 * 4096);
    expect(s.peak.cloudcore?.rssBytes).toBe(5000 * 4096);
    expect(s.peak.etcd?.rssBytes).toBe(1000 * 4096);
    expect(s.errors).toBe(0);
  });

  it('keeps CPU seconds monotonic when a member vanishes without being reaped by the leader', () => {
    root = mkdtempSync(join(tmpdir(), 'twinlab-proc-'));
    proc(100, 'leader', 100, { utime: 100, stime: 0 }, 10);
    proc(101, 'child', 100, { utime: 100, stime: 0 }, 10);
    const s = new ProcessUsageSampler([{ name: 'c', pid: 100 }], { procRoot: root, clockTicks: 100, pageSize: 4096 });
    expect(s.sample().c?.cpuSeconds).toBe(2);
    rmSync(join(root, '101'), { recursive: true });
    expect(s.sample().c?.cpuSeconds).toBe(2);
  });
});

describe('ProcessUsageSampler on this machine', () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it.skipIf(process.platform !== 'linux')('reads real CPU, RSS and a process group with its children', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    started.push(child.pid!);
    await new Promise((r) => setTimeout(r, 200));
    const s = new ProcessUsageSampler([
      { name: 'self', pid: process.pid },
      { name: 'group', pid: child.pid! },
    ]);
    expect(s.clockTicks).toBeGreaterThan(0);
    const start = s.start();
    const cpu0 = process.cpuUsage();
    const until = performance.now() + 250;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    const own = process.cpuUsage(cpu0);
    const since = s.cpuSecondsSince(start);
    s.stop();
    // /proc agrees with the process's own account, to within a few clock ticks.
    const expected = (own.user + own.system) / 1e6;
    expect(expected).toBeGreaterThan(0.05);
    expect(Math.abs((since.self ?? 0) - expected)).toBeLessThan(0.05);
    const now = s.latest!;
    expect(now.self?.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(now.group).toMatchObject({ alive: true, processes: 3 });
    expect(now.group?.rssBytes).toBeGreaterThan(0);
  });
});
