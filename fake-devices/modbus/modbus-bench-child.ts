/**
 * The device process of the Modbus bench (forked by modbus-bench.ts): records its memory before
 * the fleet exists, starts the fleet, and reports CPU and memory when asked.
 */
import type { BenchToDevices, DeviceProcessUsage, DevicesToBench } from './modbus-bench-ipc.js';
import { startModbusFleet, type ModbusFleet } from './modbus-fleet.js';

let fleet: ModbusFleet | undefined;

function post(m: DevicesToBench): void {
  process.send?.(m);
}

/** With --expose-gc, measure live memory rather than garbage not yet collected. */
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function usage(): DeviceProcessUsage {
  settle();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const totals = fleet?.totals();
  return { cpuMicros: cpu.user + cpu.system, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, reads: totals?.reads ?? 0, exceptions: totals?.exceptions ?? 0 };
}

process.on('message', (raw: BenchToDevices) => {
  switch (raw.type) {
    case 'start': {
      settle();
      const before = process.memoryUsage();
      startModbusFleet({ count: raw.count, basePort: 0, layout: raw.layout, host: raw.host, seed: raw.seed }).then(
        (f) => {
          fleet = f;
          post({ type: 'ready', devices: f.devices.map((d) => ({ host: d.host, port: d.port, unitId: d.unitId })), baselineRssBytes: before.rss, baselineHeapBytes: before.heapUsed });
        },
        (e: unknown) => post({ type: 'fatal', error: e instanceof Error ? e.message : String(e) }),
      );
      return;
    }
    case 'usage':
      post({ type: 'usage', id: raw.id, usage: usage() });
      return;
    case 'stop':
      void (fleet?.stop() ?? Promise.resolve()).then(() => process.exit(0));
      return;
  }
});
process.on('disconnect', () => process.exit(0));
