/**
 * The summary's devices section from device counters and workload timings written by hand.
 */
import { describe, expect, it } from 'vitest';
import { BucketHistogram, LATENCY_MS_BOUNDS } from '../model/bucket-histogram.js';
import { emptyDeviceCounters, type DeviceCountersSnapshot } from '../model/device-counters-snapshot.js';
import { buildDevicesSection } from './build-devices-section.js';
import { buildSummary } from './build-summary.js';

function counters(): DeviceCountersSnapshot {
  const read = new BucketHistogram(LATENCY_MS_BOUNDS);
  for (const ms of [2, 3, 4, 40]) read.observe(ms);
  const confirm = new BucketHistogram(LATENCY_MS_BOUNDS);
  confirm.observe(12);
  const zero = emptyDeviceCounters();
  return {
    ...zero,
    devices: 10,
    online: 9,
    members: 10,
    cloudMessages: 30,
    reads: 600,
    readErrors: { ...zero.readErrors, timeout: 2, refused: 1 },
    writes: 4,
    twinReports: 590,
    stateReports: 60,
    reportsConfirmed: 640,
    reportsRateLimited: 7,
    unconfirmed: 3,
    readLatencyMs: read.snapshot(),
    confirmLatencyMs: confirm.snapshot(),
  };
}

describe('buildDevicesSection', () => {
  it('is null for a run without devices', () => {
    expect(buildDevicesSection({ counters: emptyDeviceCounters(), durationSeconds: 60 })).toBeNull();
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
