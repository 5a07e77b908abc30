/**
 * Every built-in scenario at small scale against the loopback test peer, time-scaled so each runs
 * in seconds: the ledger's counts, the restore check and the recovery times are asserted, not
 * just that the run finished. (The peer is a test double: this checks twinlab's own machinery.)
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventLog } from '../../sim/record/event-log.js';
import type { RunEvent } from '../../sim/model/run-events.js';
import { RunReducer } from '../../sim/record/run-reducer.js';
import type { RunSummary } from '../../sim/model/run-summary.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';
import { runSim } from '../../sim/run/sim-run.js';

async function run(scenario: string, extra: string[] = []): Promise<{ s: RunSummary; exitCode: number; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `twinlab-scn-${scenario}-`));
  const options = parseSimOptions([
    '--cloud', 'loopback', '--scenario', scenario, '--nodes', '12', '--shards', '2', '--certs', 'shared',
    '--time-scale', '0.02', '--metrics-port', '0', '--progress', 'off',
    '--cert-cache', path.join(dir, 'certs'), '--out', path.join(dir, 'run'),
    ...extra,
  ]);
  const result = await runSim(options, () => undefined);
  const s = JSON.parse(await readFile(path.join(dir, 'run', 'summary.json'), 'utf8')) as RunSummary;
  return { s, exitCode: result.exitCode, dir };
}

function value(s: RunSummary, sli: string): number | null {
  const v = s.slis[sli];
  if (!v || !('value' in v)) throw new Error(`no value SLI ${sli}`);
  return v.value;
}

describe('built-in scenarios against the loopback peer', () => {
  it('steady: every pod delivered, nothing lost or unanswered', async () => {
    const { s, exitCode } = await run('steady');
    expect(s.error).toBeNull();
    expect(s.scenario?.phases.map((p) => p.name)).toEqual(['ramp', 'steady']);
    expect(s.ledger?.totals).toMatchObject({ expected: 12, delivered: 12, lost: 0, resurrected: 0 });
    expect(s.nodes.ready).toBe(12);
    expect(exitCode).toBe(0);
  }, 90_000);

  it('join-storm: all nodes enrolled and Ready at once', async () => {
    const { s, exitCode } = await run('join-storm', ['--certs', 'per-node']);
    expect(s.error).toBeNull();
    expect(value(s, 'join_all_ready_s')).not.toBeNull();
    expect(s.latency.joinToReadyMs.count).toBe(12);
    expect(exitCode).toBe(0);
  }, 90_000);

  it('reconnect-storm: every node comes back twice, every change delivered', async () => {
    const { s, exitCode } = await run('reconnect-storm');
    expect(s.error).toBeNull();
    expect(s.faults.filter((f) => f.kind === 'reset')).toHaveLength(2);
    expect(value(s, 'storm_all_ready_s')).not.toBeNull();
    expect(value(s, 'storm_jitter_all_ready_s')).not.toBeNull();
    expect(s.connections.reconnects).toBeGreaterThanOrEqual(24);
    expect(s.ledger?.totals.expected).toBeGreaterThanOrEqual(12);
    expect(s.ledger?.totals).toMatchObject({ lost: 0, resurrected: 0, reordered: 0 });
    expect(exitCode).toBe(0);
  }, 120_000);

  it('flapping: flapping nodes lose links, pods churn, nothing lost', async () => {
    const { s, exitCode } = await run('flapping');
    expect(s.error).toBeNull();
    expect(s.faults.map((f) => [f.kind, f.group, f.nodes])).toEqual([['flap', 'flappers', 4]]);
    expect(s.connections.disconnects).toBeGreaterThan(0);
    expect(s.ledger?.totals).toMatchObject({ lost: 0, resurrected: 0 });
    expect(exitCode).toBe(0);
  }, 120_000);

  it('partition: the group stalls, comes back and catches up', async () => {
    const { s, exitCode } = await run('partition');
    expect(s.error).toBeNull();
    expect(s.faults.map((f) => [f.kind, f.group, f.nodes])).toEqual([['down', 'east', 2]]);
    expect(value(s, 'partition_all_ready_s')).not.toBeNull();
    expect(s.ledger?.totals.lost).toBe(0);
    expect(exitCode).toBe(0);
  }, 120_000);

  it('half-open: the peer notices the silent links, the nodes recover after', async () => {
    const { s, exitCode } = await run('half-open');
    expect(s.error).toBeNull();
    const noticed = value(s, 'half_open_cloud_noticed_s');
    expect(noticed).not.toBeNull();
    expect(noticed!).toBeGreaterThan(0);
    expect(value(s, 'half_open_all_ready_s')).not.toBeNull();
    expect(s.nodes.ready).toBe(12);
    expect(exitCode).toBe(0);
  }, 120_000);

  it('offline-autonomy: shards killed while offline restore every pod; every cloud change arrives after', async () => {
    const { s, exitCode } = await run('offline-autonomy');
    expect(s.error).toBeNull();
    expect(value(s, 'restore_pods_lost')).toBe(0);
    expect(value(s, 'restore_pods_duplicated')).toBe(0);
    const offline = s.scenario?.phases.find((p) => p.name === 'offline');
    expect(offline?.recovery.restoredPods).toBeGreaterThan(0);
    // 24 initial pods; 6 offline nodes each get one pod added, one changed, one deleted.
    expect(s.ledger?.totals).toMatchObject({ expected: 30, lost: 0, resurrected: 0 });
    expect(s.ledger?.byPhase.find((p) => p.phase === 'offline')).toMatchObject({ expected: 18, delivered: 18, lost: 0 });
    expect(exitCode).toBe(0);
  }, 120_000);

  // 0.1, not 0.02: the fault phase must last long enough for the faulty devices (200 ms per answer,
  // one request at a time per node) to be asked a few dozen times.
  it('devices: 2 per node created and reporting, read errors during the fault phase only, the desired value back in a report', async () => {
    const { s, exitCode, dir } = await run('devices', ['--time-scale', '0.1']);
    expect(s.error).toBeNull();
    expect(s.scenario?.phases.map((p) => p.name)).toEqual(['ramp', 'steady', 'device-fault', 'recovery', 'set-humidity']);
    const d = s.devices!;
    expect(d.setup).toEqual({ protocol: 'modbus', perNode: 2, devices: 24, via: 'loopback' });
    expect(d.devices).toEqual({ created: 24, createFailed: 0, onNodes: 24, online: 24, members: 24 });
    expect(value(s, 'devices_created')).toBe(24);
    expect(value(s, 'ramp_devices_on_nodes_s')).not.toBeNull();
    // Twins reported by the nodes, confirmed and merged at the peer.
    expect(d.reports.twin).toBeGreaterThan(24 * 8);
    expect(d.reports.confirmed).toBeGreaterThan(0);
    expect(d.reports.rateLimited).toBe(0);
    expect(d.latency.reportToApiMs.count).toBeGreaterThan(24);
    // Errors in the fault phase, of the kinds the fault injects; none before it or in the recovery after.
    const phase = (name: string) => d.byPhase.find((p) => p.phase === name)!;
    const errorsIn = (name: string) => Object.values(phase(name).readErrors).reduce((a, b) => a + b, 0);
    expect(errorsIn('device-fault')).toBeGreaterThan(0);
    expect(phase('device-fault').readErrors.exception).toBeGreaterThan(0);
    const kinds = Object.entries(phase('device-fault').readErrors).filter(([, n]) => n > 0).map(([k]) => k);
    expect(kinds.every((k) => k === 'exception' || k === 'reset')).toBe(true);
    expect(errorsIn('steady')).toBe(0);
    expect(value(s, 'recovery_device_read_errors')).toBe(0);
    expect(value(s, 'device_fault_device_read_errors')).toBe(errorsIn('device-fault'));
    expect(value(s, 'device_fault_reads_recovered_s')).not.toBeNull();
    // What the fake devices injected is what the mappers counted.
    expect(d.fakeDevices!.faultAnswers).toBe(d.reads.errors.exception);
    // A dropped connection fails the read in flight on it.
    if (d.fakeDevices!.drops > 0) expect(d.reads.errors.reset).toBeGreaterThan(0);
    expect(s.faults.map((f) => [f.kind, f.group, f.nodes])).toEqual([
      ['device-latency', 'faulty', 2],
      ['device-exception', 'faulty', 2],
      ['device-drop', 'faulty', 2],
    ]);
    expect(s.faults.every((f) => f.endS !== null)).toBe(true);
    // The desired value: set on all 24, written to every device, shown in a report of every one.
    expect(d.desired).toEqual({ set: 24, written: 24, shown: 24 });
    expect(d.latency.desiredToReportedMs.count).toBe(24);
    expect(s.slis.device_desired_roundtrip_ms).toMatchObject({ count: 24 });
    expect(s.scenario?.phases.find((p) => p.name === 'set-humidity')?.recovery.desiredShownS).not.toBeNull();
    // The run's defaults hold too, after the scenario's own SLOs are set aside.
    expect(s.slos.filter((x) => x.origin === 'default').every((x) => x.pass)).toBe(true);
    expect(s.slos.filter((x) => x.origin !== 'default').map((x) => [x.sli, x.pass])).toEqual([
      ['ramp_devices_on_nodes_s', true],
      ['device_report_latency_ms', true],
      ['device_desired_roundtrip_ms', true],
      ['device_fault_reads_recovered_s', true],
      ['recovery_device_read_errors', true],
      ['nodes_not_ready', true],
    ]);
    expect(exitCode).toBe(0);
    // The devices section comes back from the events alone.
    const { events } = await readEventLog(path.join(dir, 'run', 'events.jsonl'));
    const reducer = new RunReducer();
    for (const e of events) reducer.apply(e as unknown as RunEvent);
    expect(reducer.summary().devices).toEqual(d);
  }, 120_000);

  it('soak: churn for the (scaled) hours, nothing lost; the slope SLI is null without a local control plane', async () => {
    const { s, exitCode } = await run('soak', ['--time-scale', '0.001']);
    expect(s.error).toBeNull();
    expect(s.ledger?.totals.lost).toBe(0);
    expect(s.ledger?.totals.expected).toBeGreaterThan(12);
    expect(value(s, 'cloudcore_rss_slope_mib_per_h')).toBeNull();
    expect(exitCode).toBe(0);
  }, 120_000);
});
