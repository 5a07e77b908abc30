/**
 * The summary's devices section from device counters and workload timings written by hand.
 */
import { describe, expect, it } from 'vitest';
import { DeviceCounters } from '../edge/device-twin/device-counters.js';
import { buildDevicesSection } from './build-devices-section.js';
import { devicesMarkdown } from '../report/devices-markdown.js';
import { buildSummary } from './build-summary.js';

function counters() {
  const c = new DeviceCounters();
  c.devices = 10;
  c.online = 9;
  c.members = 10;
  c.cloudMessages = 30;
  c.reads = 600;
  c.readError('timeout');
  c.readError('timeout');
  c.readError('refused');
  c.writes = 4;
  c.twinReports = 590;
  c.stateReports = 60;
  c.reportsConfirmed = 640;
  c.reportsRateLimited = 7;
  c.unconfirmed = 3;
  for (const ms of [2, 3, 4, 40]) c.readLatencyMs.observe(ms);
  c.confirmLatencyMs.observe(12);
  return c.snapshot();
}

describe('buildDevicesSection', () => {
  it('is null for a run without devices', () => {
    expect(buildDevicesSection({ counters: new DeviceCounters().snapshot(), durationSeconds: 60 })).toBeNull();
    expect(buildDevicesSection({ counters: undefined, durationSeconds: 60 })).toBeNull();
  });

  it('sums what the mappers did and what the workload measured', () => {
    const s = buildDevicesSection({
      counters: counters(),
      durationSeconds: 60,
      workload: {
        created: 10,
        createFailed: 1,
        reportToApiMs: [20, 30, 40, 50],
        desiredToReportedMs: [900, 1100],
        desiredToDeviceWriteMs: [60, 80],
        desiredSet: 2,
        desiredWritten: 2,
        desiredShown: 2,
        errors: ['HTTP 409: exists'],
      },
    })!;
    expect(s.devices).toEqual({ created: 10, createFailed: 1, onNodes: 10, online: 9, members: 10 });
    expect(s.reads.total).toBe(600);
    expect(s.reads.perSecond).toBe(10);
    expect(s.reads.errors).toMatchObject({ timeout: 2, refused: 1, exception: 0 });
    expect(s.reads.errorRatio).toBe(0.005);
    expect(s.reads.latencyMs.count).toBe(4);
    expect(s.reports).toMatchObject({ twin: 590, state: 60, confirmed: 640, rateLimited: 7, unconfirmedAtEnd: 3 });
    expect(s.latency.reportToApiMs).toMatchObject({ count: 4, p50: 30, max: 50 });
    expect(s.latency.desiredToReportedMs).toMatchObject({ count: 2, p50: 900, max: 1100 });
    expect(s.desired).toEqual({ set: 2, written: 2, shown: 2 });
    expect(s.errors).toEqual(['HTTP 409: exists']);
    const md = devicesMarkdown(s);
    expect(md).toContain('| reads | 600 (10/s) |');
    expect(md).toContain('| read errors | timeout 2, refused 1 |');
    expect(md).toContain('| desired → reported, ms | p50 900');
  });

  it('rides in summary.json as `devices`, null when absent', () => {
    const base = {
      title: 't', twinlabVersion: '0', runId: 'r', startedAtMs: 0, endedAtMs: 1000, interrupted: false,
      cloud: { provider: 'loopback' as const, kubeedgeVersion: 'v1.23.1', nodeLimit: null, cloudhubUrl: '' },
      options: {}, requestedNodes: 0, fleet: undefined, live: undefined, peakConnected: 0, joinMs: [], podStartupMs: [],
      error: null, slis: {}, slos: [], controlPlane: null, cloudcoreConnectedNodes: [], workload: null,
    };
    expect(buildSummary(base).devices).toBeNull();
    const section = buildDevicesSection({ counters: counters(), durationSeconds: 1 });
    expect(buildSummary({ ...base, devices: section }).devices).toBe(section);
  });
});
