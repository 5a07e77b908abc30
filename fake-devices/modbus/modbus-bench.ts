/**
 * What a fake Modbus device costs: N devices run in their own process (so only they are
 * measured), and this process polls every device as fast as it answers, one request in flight per
 * device, cycling through every mapped range of the default profile the way a mapper polls its
 * properties. Reports device reads per second, device-process CPU per read (and so reads per
 * second per core), and resident memory per device (device process RSS with the fleet up and
 * polled, minus its RSS before the fleet existed).
 *
 * The polling client frames requests itself: it only has to be cheap, so it does not take CPU
 * from the devices being measured. A loopback self-test, not a Modbus conformance test.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { AddressMap } from './address-map.js';
import { defaultModbusProfile } from './default-profile.js';
import type { BenchDevice, BenchToDevices, DeviceProcessUsage, DevicesToBench } from './modbus-bench-ipc.js';
import type { ModbusLayout } from './modbus-fleet.js';
import { REGISTER_TYPES, type RegisterType } from './modbus-types.js';

export interface ModbusBenchOptions {
  devices: number;
  /** Length of the measured window. */
  seconds: number;
  /** Default `ports` (one port per device); `unit-ids` puts 247 devices behind each port. */
  layout?: ModbusLayout;
  /** Polling before the window opens, so connections and caches are warm. Default 2 s. */
  warmupSeconds?: number;
  host?: string;
}

export interface ModbusBenchResult {
  devices: number;
  layout: ModbusLayout;
  seconds: number;
  /** Answered read requests in the window. */
  reads: number;
  /** Exception answers and failed connections in the window (0 when healthy). */
  errors: number;
  readsPerSecond: number;
  /** CPU seconds (user + system) the device process spent in the window. */
  deviceCpuSeconds: number;
  /** Device-process CPU per read. */
  cpuSecondsPerRead: number;
  /** Reads one fully used core of device process would serve: 1 / cpuSecondsPerRead. */
  readsPerSecondPerCore: number;
  /** Device-process CPU as a fraction of one core over the window. */
  deviceCoreShare: number;
  /** Device process RSS before the fleet existed. */
  baselineRssBytes: number;
  /** Device process RSS at the end of the window. */
  rssBytes: number;
  rssBytesPerDevice: number;
  heapBytesPerDevice: number;
}

function childEntry(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) return { path: self.replace(/modbus-bench\.ts$/, 'modbus-bench-child.ts'), execArgv: ['--import', 'tsx'] };
  return { path: self.replace(/modbus-bench\.js$/, 'modbus-bench-child.js'), execArgv: [] };
}

interface DeviceProcess {
  devices: BenchDevice[];
  baselineRssBytes: number;
  baselineHeapBytes: number;
  usage(): Promise<DeviceProcessUsage>;
  stop(): Promise<void>;
}

async function startDeviceProcess(count: number, layout: ModbusLayout, host: string): Promise<DeviceProcess> {
  const entry = childEntry();
  const child: ChildProcess = fork(entry.path, [], { execArgv: [...entry.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (u: DeviceProcessUsage) => void>();
  let nextId = 1;
  const ready = new Promise<Extract<DevicesToBench, { type: 'ready' }>>((resolve, reject) => {
    child.on('message', (m: DevicesToBench) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'fatal') reject(new Error(`modbus bench device process failed: ${m.error}`));
      else if (m.type === 'usage') {
        pending.get(m.id)?.(m.usage);
        pending.delete(m.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`modbus bench device process exited (code ${code ?? 'null'})`)));
  });
  const send = (m: BenchToDevices): void => {
    child.send(m);
  };
  send({ type: 'start', count, layout, host, seed: 1 });
  const info = await ready.catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    devices: info.devices,
    baselineRssBytes: info.baselineRssBytes,
    baselineHeapBytes: info.baselineHeapBytes,
    usage: () =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        send({ type: 'usage', id });
      }),
    stop: async () => {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

const READ_FC: Readonly<Record<RegisterType, number>> = { CoilRegister: 1, DiscreteInputRegister: 2, HoldingRegister: 3, InputRegister: 4 };

/** One read request per mapped range of the profile, as Modbus TCP frames with the transaction id left 0. */
function pollPlan(unitId: number): Buffer[] {
  const map = new AddressMap(defaultModbusProfile());
  const frames: Buffer[] = [];
  for (const table of REGISTER_TYPES) {
    for (const run of map.runs(table)) {
      const f = Buffer.alloc(12);
      f.writeUInt16BE(6, 4);
      f.writeUInt8(unitId, 6);
      f.writeUInt8(READ_FC[table], 7);
      f.writeUInt16BE(run.address, 8);
      f.writeUInt16BE(run.count, 10);
      frames.push(f);
    }
  }
  return frames;
}

interface PollCounters {
  reads: number;
  errors: number;
}

/** Polls one device over its own connection, one request in flight, until `stop()`. */
function pollDevice(d: BenchDevice, counters: PollCounters): Promise<{ stop(): void }> {
  const plan = pollPlan(d.unitId);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: d.host, port: d.port });
    sock.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    let tid = 0;
    let step = 0;
    let running = true;
    const next = (): void => {
      if (!running) return;
      const frame = plan[step]!;
      step = (step + 1) % plan.length;
      tid = (tid + 1) & 0xffff;
      frame.writeUInt16BE(tid, 0);
      sock.write(frame);
    };
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 6 && buf.length >= 6 + buf.readUInt16BE(4)) {
        const len = 6 + buf.readUInt16BE(4);
        if (buf.length < 8 || (buf[7]! & 0x80) !== 0) counters.errors++;
        else counters.reads++;
        buf = buf.subarray(len);
        next();
      }
    });
    sock.once('error', (e) => {
      counters.errors++;
      if (running) reject(e);
    });
    sock.once('connect', () => {
      next();
      resolve({
        stop: () => {
          running = false;
          sock.destroy();
        },
      });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function benchModbus(options: ModbusBenchOptions): Promise<ModbusBenchResult> {
  const layout = options.layout ?? 'ports';
  const host = options.host ?? '127.0.0.1';
  const devicesProcess = await startDeviceProcess(options.devices, layout, host);
  const counters: PollCounters = { reads: 0, errors: 0 };
  const pollers: Array<{ stop(): void }> = [];
  try {
    // Connect in batches: thousands of simultaneous connects overflow a default listen backlog.
    for (let i = 0; i < devicesProcess.devices.length; i += 200) {
      pollers.push(...(await Promise.all(devicesProcess.devices.slice(i, i + 200).map((d) => pollDevice(d, counters)))));
    }
    await sleep((options.warmupSeconds ?? 2) * 1000);
    const before = await devicesProcess.usage();
    const reads0 = counters.reads;
    const errors0 = counters.errors;
    const t0 = performance.now();
    await sleep(options.seconds * 1000);
    const after = await devicesProcess.usage();
    const wall = (performance.now() - t0) / 1000;
    const reads = counters.reads - reads0;
    const cpu = (after.cpuMicros - before.cpuMicros) / 1e6;
    const n = options.devices;
    return {
      devices: n,
      layout,
      seconds: Math.round(wall * 100) / 100,
      reads,
      errors: counters.errors - errors0,
      readsPerSecond: Math.round(reads / wall),
      deviceCpuSeconds: Math.round(cpu * 1000) / 1000,
      cpuSecondsPerRead: reads > 0 ? cpu / reads : Number.NaN,
      readsPerSecondPerCore: cpu > 0 ? Math.round(reads / cpu) : Number.NaN,
      deviceCoreShare: Math.round((cpu / wall) * 100) / 100,
      baselineRssBytes: devicesProcess.baselineRssBytes,
      rssBytes: after.rssBytes,
      rssBytesPerDevice: Math.round((after.rssBytes - devicesProcess.baselineRssBytes) / n),
      heapBytesPerDevice: Math.round((after.heapUsedBytes - devicesProcess.baselineHeapBytes) / n),
    };
  } finally {
    for (const p of pollers) p.stop();
    await devicesProcess.stop();
  }
}
