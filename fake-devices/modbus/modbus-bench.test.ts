import { describe, expect, it } from 'vitest';
import { benchModbus } from './modbus-bench.js';

describe('benchModbus', () => {
  it('polls a small fleet in its own process and reports reads, CPU and memory per device', async () => {
    const r = await benchModbus({ devices: 5, seconds: 1, warmupSeconds: 0.5 });
    expect(r.devices).toBe(5);
    expect(r.errors).toBe(0);
    expect(r.reads).toBeGreaterThan(100);
    expect(r.readsPerSecond).toBeGreaterThan(100);
    expect(r.deviceCpuSeconds).toBeGreaterThan(0);
    expect(r.cpuSecondsPerRead * r.reads).toBeCloseTo(r.deviceCpuSeconds, 2);
    expect(r.readsPerSecondPerCore).toBeGreaterThan(0);
    expect(r.rssBytes).toBeGreaterThan(r.baselineRssBytes);
    expect(Number.isFinite(r.rssBytesPerDevice)).toBe(true);
  }, 60_000);
});
