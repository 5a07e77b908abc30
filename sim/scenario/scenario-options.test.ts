/**
 * `--time-scale` on a scenario: the timeline and the mappers' cycles shrink, a device's own
 * latency and the phases' timeouts do not; edgecore's DMI report rate grows to match.
 */
import { describe, expect, it } from 'vitest';
import { EDGECORE_DEVICE_TIMINGS } from '../edge/device-twin/device-runtime.js';
import { parseScenario } from './scenario-loader.js';
import { scaleScenario, scaledDeviceTimings } from './scenario-options.js';

const TEXT = `name: t
description: a test
fleet:
  nodes: 10
devices:
  perNode: 2
  collectCycle: 20s
  reportCycle: 10s
  stateReportCycle: 60s
timeline:
  - phase: ramp
  - phase: devices
    duration: 1m
    timeout: 2m
    fault:
      latency: 200ms
      jitter: 40ms
`;

describe('scenario time scale', () => {
  it('scales phase durations and device cycles, not device latencies or timeouts', () => {
    const s = scaleScenario(parseScenario(TEXT, 't.yaml'), 0.1);
    expect(s.scenario.devices).toMatchObject({ collectCycle: 2000, reportCycle: 1000, stateReportCycle: 6000 });
    const phase = s.phases[1]!;
    expect(phase.phase === 'devices' && [phase.duration, phase.timeout, phase.fault]).toEqual([6000, 120_000, { latency: 200, jitter: 40 }]);
  });

  it('leaves a scenario without devices without a devices section', () => {
    const s = scaleScenario(parseScenario(TEXT.replace(/devices:\n( {2}.*\n)+/, '').replace(/ {2}- phase: devices\n( {4}.*\n| {6}.*\n)+/, ''), 't.yaml'), 0.5);
    expect(s.scenario.devices).toBeUndefined();
  });

  it('raises the DMI report rate and shortens the confirm re-send by the same factor', () => {
    expect(scaledDeviceTimings(1)).toBeUndefined();
    expect(scaledDeviceTimings(0.1)).toEqual({ dmiRatePerSecond: EDGECORE_DEVICE_TIMINGS.dmiRatePerSecond * 10, confirmResendMs: 6000 });
  });
});
