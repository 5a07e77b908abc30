/**
 * `pnpm bench devices`: what a fake device costs — Modbus reads per second per core and memory per
 * device (one server per port, and 247 unit ids per port), and memory per fake ONVIF camera.
 * Writes JSON like the fleet bench.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchModbus, type ModbusBenchResult } from '../fake-devices/modbus/modbus-bench.js';
import { benchOnvif, type OnvifBenchResult } from './onvif-bench.js';

export async function runDevicesBench(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      devices: { type: 'string', default: '1000' },
      cameras: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '10' },
      out: { type: 'string' },
    },
  });
  const devices = Number(values.devices);
  const cameras = Number(values.cameras);
  const seconds = Number(values.seconds);
  const out = values.out ?? path.join('reports', `bench-devices-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
  const modbus: ModbusBenchResult[] = [];
  for (const layout of ['ports', 'unit-ids'] as const) {
    const r = await benchModbus({ devices, seconds, layout });
    modbus.push(r);
    console.log(`modbus ${layout}: ${devices} devices, ${r.readsPerSecond} reads/s, ${Math.round(r.readsPerSecond / Math.max(1e-9, r.deviceCpuSeconds / r.seconds))} reads/s per core, ${(r.rssBytesPerDevice / 1024).toFixed(1)} KB RSS per device`);
  }
  const onvif: OnvifBenchResult = await benchOnvif({ cameras, seconds });
  console.log(`onvif: ${cameras} cameras, ${onvif.requestsPerSecond} SOAP requests/s, ${(onvif.rssBytesPerCamera / 1024).toFixed(1)} KB RSS per camera`);
  const report = {
    title: 'twinlab devices bench — fake Modbus TCP devices and ONVIF cameras',
    date: new Date().toISOString(),
    command: `pnpm bench devices ${argv.join(' ')}`.trim(),
    machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memGiB: Math.round(os.totalmem() / 2 ** 30) },
    method: {
      modbus: 'devices in a child process, one polling client keeping one read in flight per device; reads/s per core = reads / device-process CPU seconds; RSS per device = (device process RSS − its RSS before starting devices) / N, client connections included',
      onvif: 'cameras in a child process, clients calling GetDeviceInformation (WS-Security digest) in a loop; RSS per camera likewise',
    },
    modbus,
    onvif,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`JSON: ${out}`);
}
