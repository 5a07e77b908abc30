/** The devices section as summary.md shows it, from a section written by hand. */
import { describe, expect, it } from 'vitest';
import { devicesMarkdown } from './devices-markdown.js';
import type { DevicesSection } from '../model/devices-section.js';
import type { Percentiles } from '../model/percentiles.js';

const none: Percentiles = { count: 0, p50: null, p90: null, p99: null, max: null };
const zeros = { timeout: 0, refused: 0, unreachable: 0, reset: 0, exception: 0, protocol: 0, decode: 0, http: 0, other: 0 };

const section: DevicesSection = {
  devices: { created: 10, createFailed: 1, onNodes: 10, online: 9, members: 10 },
  reads: { total: 600, perSecond: 10, errors: { ...zeros, timeout: 2, refused: 1 }, errorRatio: 0.005, skipped: 0, latencyMs: { count: 4, p50: 3, p90: 40, p99: 40, max: null } },
  writes: { total: 4, errors: zeros },
  reports: { twin: 590, state: 60, confirmed: 640, resent: 0, droppedOffline: 0, notMember: 0, rateLimited: 7, overflow: 0, unconfirmedAtEnd: 3, confirmLatencyMs: none },
  latency: {
    reportToApiMs: { count: 4, p50: 30, p90: 50, p99: 50, max: 50 },
    desiredToReportedMs: { count: 2, p50: 900, p90: 1100, p99: 1100, max: 1100 },
    desiredToDeviceWriteMs: none,
  },
  desired: { set: 2, written: 2, shown: 2 },
  errors: ['HTTP 409: exists'],
  setup: null,
  fakeDevices: null,
  byPhase: [],
  series: null,
};

describe('devicesMarkdown', () => {
  it('shows reads with their rate, read errors by kind and the desired → reported latency', () => {
    const md = devicesMarkdown(section);
    expect(md).toContain('| reads | 600 (10/s) |');
    expect(md).toContain('| read errors | timeout 2, refused 1 |');
    expect(md).toContain('| desired → reported, ms | p50 900');
  });
});
