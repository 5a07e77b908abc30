/**
 * Test helpers for device twins: DeviceModel and Device objects as devicecontroller pushes them, a
 * scripted device driver (values to read, writes recorded, failures on demand), and a VirtualNode
 * on the NodeKit's manual wheel whose runtime runs device twins.
 */
import type { IoErrorKind } from './device-counters.js';
import type { DeviceIo, DeviceIoFactory, IoCallback } from './device-io.js';
import { DeviceRuntime, type DeviceEvents, type DeviceTimings } from './device-runtime.js';
import type { DevicePropertySpec, DeviceSpec } from './device-spec.js';
import type { NodeKit } from '../virtual-node.test-kit.js';
import { VirtualNode } from '../virtual-node.js';

export interface PropertyInit {
  name: string;
  /** Register point (Modbus) unless `onvif` is given. */
  register?: string;
  offset?: number;
  limit?: number;
  dataType?: string;
  scale?: number;
  desired?: string;
  collectCycle?: number;
  reportToCloud?: boolean;
  type?: string;
  accessMode?: 'ReadWrite' | 'ReadOnly';
}

export function modelObject(name: string, props: readonly PropertyInit[], rv = '100', namespace = 'default'): Record<string, unknown> {
  return {
    apiVersion: 'devices.kubeedge.io/v1beta1',
    kind: 'DeviceModel',
    metadata: { name, namespace, uid: `model-uid-${name}`, resourceVersion: rv },
    spec: {
      protocol: 'modbus',
      properties: props.map((p) => ({ name: p.name, type: (p.type ?? 'INT').toUpperCase(), accessMode: p.accessMode ?? 'ReadWrite' })),
    },
  };
}

export function deviceObject(
  name: string,
  model: string,
  node: string,
  props: readonly PropertyInit[],
  opts: { rv?: string; namespace?: string; host?: string; port?: number; unitId?: number; stateReport?: { reportToCloud: boolean; reportCycle: number } } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'devices.kubeedge.io/v1beta1',
    kind: 'Device',
    metadata: { name, namespace: opts.namespace ?? 'default', uid: `device-uid-${name}`, resourceVersion: opts.rv ?? '200' },
    spec: {
      deviceModelRef: { name: model },
      nodeName: node,
      protocol: { protocolName: 'modbus', configData: { ip: opts.host ?? '127.0.0.1', port: opts.port ?? 1502, slaveID: opts.unitId ?? 1 } },
      properties: props.map((p) => ({
        name: p.name,
        desired: { value: p.desired ?? '' },
        visitors: {
          protocolName: 'modbus',
          configData: {
            register: p.register ?? 'HoldingRegister',
            offset: p.offset ?? 0,
            limit: p.limit ?? 1,
            scale: p.scale ?? 1,
            isSwap: false,
            isRegisterSwap: false,
            ...(p.dataType ? { dataType: p.dataType } : {}),
          },
        },
        collectCycle: p.collectCycle ?? 1000,
        reportCycle: p.collectCycle ?? 1000,
        reportToCloud: p.reportToCloud ?? true,
      })),
      ...(opts.stateReport ? { stateReport: opts.stateReport } : {}),
    },
  };
}

export interface ScriptedWrite {
  device: string;
  property: string;
  value: string;
}

/** A driver whose reads return `values[<device id>/<property>]` (or fail) on the next microtask. */
export class ScriptedDevices implements DeviceIoFactory {
  readonly values = new Map<string, string>();
  readonly writes: ScriptedWrite[] = [];
  readonly opened: string[] = [];
  readonly reads: string[] = [];
  /** Reads of these properties fail with this kind. */
  readonly failing = new Map<string, IoErrorKind>();
  /** Reads of these properties never answer (until `release`). */
  readonly hanging = new Set<string>();
  private readonly held: Array<() => void> = [];
  closed = 0;

  open(device: DeviceSpec): DeviceIo {
    this.opened.push(device.id);
    const self = this;
    return {
      read(p: DevicePropertySpec, done: IoCallback): void {
        const key = `${device.id}/${p.name}`;
        self.reads.push(key);
        const answer = (): void => {
          const kind = self.failing.get(key);
          if (kind) done({ ok: false, kind, message: `scripted ${kind}` }, 1);
          else done({ ok: true, value: self.values.get(key) ?? '0' }, 1);
        };
        if (self.hanging.has(key)) self.held.push(answer);
        else queueMicrotask(answer);
      },
      write(p: DevicePropertySpec, value: string, done: IoCallback): void {
        self.writes.push({ device: device.id, property: p.name, value });
        // A write lands on the device: the next read sees it.
        self.values.set(`${device.id}/${p.name}`, value);
        queueMicrotask(() => done({ ok: true, value }, 1));
      },
      close(): void {
        self.closed += 1;
      },
    };
  }

  release(): void {
    for (const a of this.held.splice(0)) a();
  }
}

export interface DeviceNodeOptions {
  timings?: Partial<DeviceTimings>;
  events?: DeviceEvents;
  name?: string;
}

/** A node on the kit's runtime with device twins on, reading through `io`. */
export function deviceNode(kit: NodeKit, io: DeviceIoFactory, opts: DeviceNodeOptions = {}): { node: VirtualNode; devices: DeviceRuntime } {
  const devices = new DeviceRuntime({ wheel: kit.wheel, io, ...(opts.timings ? { timings: opts.timings } : {}), ...(opts.events ? { events: opts.events } : {}) });
  const node = new VirtualNode({ ...kit.rt, devices }, { name: opts.name ?? 'vn-test-1', index: 1 });
  return { node, devices };
}
