/**
 * The device metrics in the exposition: gauges, counters by kind and reason, and the two
 * histograms in seconds, from fleet totals written by hand; zeros before any shard counted devices.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../fleet/controller/aggregate.js';
import { DeviceCounters } from '../edge/device-twin/device-counters.js';
import { FleetMetrics } from './fleet-metrics.js';

function totalsWithDevices() {
  const c = new DeviceCounters();
  c.devices = 40;
  c.online = 38;
  c.reads = 12000;
  c.readError('timeout');
  c.readError('timeout');
  c.readError('exception');
  c.writes = 7;
  c.writeError('refused');
  c.twinReports = 11000;
  c.stateReports = 900;
  c.reportsConfirmed = 11500;
  c.reportsResent = 12;
  c.reportsDroppedOffline = 30;
  c.reportsNotMember = 2;
  c.reportsRateLimited = 1000;
  c.unconfirmedOverflow = 1;
  c.readLatencyMs.observe(3);
  c.confirmLatencyMs.observe(40);
  const totals = aggregate([]);
  totals.devices = c.snapshot();
  return totals;
}

describe('device metrics', () => {
  it('renders the devices counters', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(totalsWithDevices(), []);
    const text = await m.metrics();
    expect(text).toContain('twinlab_devices 40');
    expect(text).toContain('twinlab_devices_online 38');
    expect(text).toContain('twinlab_device_reads_total 12000');
    expect(text).toContain('twinlab_device_read_errors_total{kind="timeout"} 2');
    expect(text).toContain('twinlab_device_read_errors_total{kind="exception"} 1');
    expect(text).toContain('twinlab_device_read_errors_total{kind="refused"} 0');
    expect(text).toContain('twinlab_device_write_errors_total{kind="refused"} 1');
    expect(text).toContain('twinlab_device_reports_total{kind="twin"} 11000');
    expect(text).toContain('twinlab_device_reports_total{kind="state"} 900');
    expect(text).toContain('twinlab_device_reports_dropped_total{reason="rate_limited"} 1000');
    expect(text).toContain('twinlab_device_reports_dropped_total{reason="offline"} 30');
    expect(text).toContain('twinlab_device_read_latency_seconds_bucket{le="0.005"} 1');
    expect(text).toContain('twinlab_device_read_latency_seconds_sum 0.003');
    expect(text).toContain('twinlab_device_report_confirm_seconds_count 1');
  });

  it('reads zeros when no shard reported device counters', async () => {
    const m = new FleetMetrics({ processMetrics: false });
    m.update(aggregate([]), []);
    const text = await m.metrics();
    expect(text).toContain('twinlab_devices 0');
    expect(text).toContain('twinlab_device_reads_total 0');
  });
});
