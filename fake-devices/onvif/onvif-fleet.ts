/**
 * Many fake ONVIF cameras in one process: one HTTP server per camera over a port range, seeded
 * identities, per-camera faults and counters, and optionally one loopback WS-Discovery responder
 * answering for all of them. The programmatic face of `pnpm devices onvif`.
 */
import { ConfigInvalidError } from '../../sim/errors.js';
import { hash32, SeededStream } from '../modbus/seeded-random.js';
import { sumCounters, type OnvifCameraCounters } from './camera-counters.js';
import { checkCameraFault, type CameraFault } from './camera-fault.js';
import { seededDeviceIdentity, type DeviceIdentity } from './device-identity.js';
import { startDiscoveryResponder, type DiscoveryResponderCounters, type StartedDiscoveryResponder } from './discovery-responder.js';
import { startOnvifCamera, type StartedOnvifCamera } from './onvif-camera.js';
import { DEFAULT_SNAPSHOT_SIZE, type SnapshotSize } from './snapshot-jpeg.js';

export interface OnvifFleetOptions {
  readonly count: number;
  /** Camera i listens on basePort + i; 0 gives every camera a free port. */
  readonly basePort: number;
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Address written into XAddrs and URIs; default `host`. Required when `host` is a wildcard address. */
  readonly advertiseHost?: string;
  /** Default 'admin'. */
  readonly username?: string;
  /** Default 'admin'. */
  readonly password?: string;
  /** Seeds device identities and fault dice; default 1. */
  readonly seed?: number;
  /** Start a WS-Discovery responder on 127.0.0.1 at this UDP port (0: a free port); none when absent. */
  readonly discoveryPort?: number;
  /** How long SystemReboot keeps a camera unavailable; default 3000 ms. */
  readonly rebootMs?: number;
  /** Largest accepted |camera clock − UsernameToken Created|; default 5 minutes. */
  readonly clockToleranceMs?: number;
  readonly snapshotSize?: SnapshotSize;
  /** Fault settings every camera starts with. */
  readonly fault?: CameraFault;
}

export interface OnvifCameraInfo {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** Device service address. */
  readonly xaddr: string;
  readonly snapshotUrl: string;
  readonly identity: DeviceIdentity;
}

export interface OnvifFleet {
  readonly cameras: readonly OnvifCameraInfo[];
  readonly discovery: { readonly host: string; readonly port: number } | undefined;
  /** Replaces camera `id`'s fault settings; {} clears them. */
  setFault(id: string, fault: CameraFault): void;
  counters(id: string): OnvifCameraCounters;
  /** Every camera's counters added up. */
  totals(): OnvifCameraCounters;
  discoveryCounters(): DiscoveryResponderCounters | undefined;
  stop(): Promise<void>;
}

export const DEFAULT_ONVIF_USERNAME = 'admin';
export const DEFAULT_ONVIF_PASSWORD = 'admin';
const DEFAULT_REBOOT_MS = 3_000;
const DEFAULT_CLOCK_TOLERANCE_MS = 5 * 60_000;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const MAX_SNAPSHOT_SIDE = 4096;

export async function startOnvifFleet(options: OnvifFleetOptions): Promise<OnvifFleet> {
  const settings = checkOptions(options);
  const started = await Promise.allSettled(
    Array.from({ length: settings.count }, (_, index) =>
      startOnvifCamera({
        id: `cam-${index}`,
        host: settings.host,
        advertiseHost: settings.advertiseHost,
        port: settings.basePort === 0 ? 0 : settings.basePort + index,
        credentials: { username: settings.username, password: settings.password },
        identity: seededDeviceIdentity(settings.seed, index, `cam-${index}`),
        rebootMs: settings.rebootMs,
        clockToleranceMs: settings.clockToleranceMs,
        snapshotSize: settings.snapshotSize,
        random: faultDice(settings.seed, index),
        fault: settings.fault,
      }),
    ),
  );
  const cameras = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(cameras.map((c) => c.stop()));
    throw failure.reason;
  }
  let responder: StartedDiscoveryResponder | undefined;
  if (options.discoveryPort !== undefined) {
    try {
      responder = await startDiscoveryResponder({
        port: options.discoveryPort,
        targets: cameras.map((camera) => ({
          endpointAddress: camera.identity.endpointAddress,
          xaddr: camera.xaddr,
          scopes: camera.scopes,
          isAvailable: () => camera.isAvailable(),
          recordProbeAnswered: () => camera.recordProbeAnswered(),
        })),
      });
    } catch (error) {
      await Promise.all(cameras.map((c) => c.stop()));
      throw error;
    }
  }
  return new RunningFleet(cameras, responder);
}

/** The seeded stream a camera's fault rates are drawn from (the generator the Modbus devices use). */
function faultDice(seed: number, index: number): () => number {
  const stream = new SeededStream(hash32(seed, index));
  return () => stream.next();
}

type Settings = Required<Omit<OnvifFleetOptions, 'discoveryPort' | 'fault'>> & { readonly fault: CameraFault | undefined };

function checkOptions(options: OnvifFleetOptions): Settings {
  const wholeNumber = (value: number, option: string, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigInvalidError(`${option} ${value} must be a whole number from ${min} to ${max}`, { option });
    }
    return value;
  };
  const count = wholeNumber(options.count, 'count', 1, 65_535);
  const basePort = wholeNumber(options.basePort, 'basePort', 0, 65_535);
  if (basePort !== 0 && basePort + count - 1 > 65_535) {
    throw new ConfigInvalidError(`basePort ${basePort} + count ${count} runs past port 65535`, { option: 'basePort' });
  }
  if (options.discoveryPort !== undefined) wholeNumber(options.discoveryPort, 'discoveryPort', 0, 65_535);
  const host = options.host ?? '127.0.0.1';
  const advertiseHost = options.advertiseHost ?? host;
  if (WILDCARD_HOSTS.has(advertiseHost)) {
    throw new ConfigInvalidError(`cameras bound to ${JSON.stringify(host)} need an advertiseHost clients can reach`, { option: 'advertiseHost' });
  }
  const username = options.username ?? DEFAULT_ONVIF_USERNAME;
  const password = options.password ?? DEFAULT_ONVIF_PASSWORD;
  if (username === '') throw new ConfigInvalidError('username must not be empty', { option: 'username' });
  if (password === '') throw new ConfigInvalidError('password must not be empty', { option: 'password' });
  const snapshotSize = options.snapshotSize ?? DEFAULT_SNAPSHOT_SIZE;
  wholeNumber(snapshotSize.width, 'snapshotSize.width', 16, MAX_SNAPSHOT_SIDE);
  wholeNumber(snapshotSize.height, 'snapshotSize.height', 16, MAX_SNAPSHOT_SIDE);
  return {
    count,
    basePort,
    host,
    advertiseHost,
    username,
    password,
    seed: wholeNumber(options.seed ?? 1, 'seed', 0, 2 ** 32 - 1),
    rebootMs: wholeNumber(options.rebootMs ?? DEFAULT_REBOOT_MS, 'rebootMs', 0, 3_600_000),
    clockToleranceMs: wholeNumber(options.clockToleranceMs ?? DEFAULT_CLOCK_TOLERANCE_MS, 'clockToleranceMs', 0, 86_400_000),
    snapshotSize,
    fault: options.fault === undefined ? undefined : checkCameraFault(options.fault, 'fault'),
  };
}

class RunningFleet implements OnvifFleet {
  readonly cameras: readonly OnvifCameraInfo[];
  readonly discovery: { readonly host: string; readonly port: number } | undefined;
  private readonly byId: ReadonlyMap<string, StartedOnvifCamera>;

  constructor(
    private readonly running: readonly StartedOnvifCamera[],
    private readonly responder: StartedDiscoveryResponder | undefined,
  ) {
    this.cameras = running.map((c) => ({ id: c.id, host: c.host, port: c.port, xaddr: c.xaddr, snapshotUrl: c.snapshotUrl, identity: c.identity }));
    this.discovery = responder === undefined ? undefined : { host: responder.host, port: responder.port };
    this.byId = new Map(running.map((c) => [c.id, c]));
  }

  setFault(id: string, fault: CameraFault): void {
    this.camera(id).setFault(fault);
  }

  counters(id: string): OnvifCameraCounters {
    return this.camera(id).counters();
  }

  totals(): OnvifCameraCounters {
    return sumCounters(this.running.map((c) => c.counters()));
  }

  discoveryCounters(): DiscoveryResponderCounters | undefined {
    return this.responder?.counters();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.map((c) => c.stop()), this.responder?.stop()]);
  }

  private camera(id: string): StartedOnvifCamera {
    const camera = this.byId.get(id);
    if (camera === undefined) throw new ConfigInvalidError(`no camera ${JSON.stringify(id)} in this fleet (ids cam-0 … cam-${this.running.length - 1})`, { option: 'id', id });
    return camera;
  }
}
