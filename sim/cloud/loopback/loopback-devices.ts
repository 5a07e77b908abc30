/**
 * The devicecontroller part of the loopback peer (kubeedge v1.23.1 cloud/pkg/devicecontroller):
 * a Device bound to a node goes down as membership (no ACK), then its DeviceModel unless another
 * device on that node already uses it, then the Device (both on the ACK lane); a desired-value
 * change sends the model and the Device again as `update`; a delete sends membership removal and
 * the `delete`s. Upstream, `twin/edge_updated` and `state/update` are merged into the device's
 * status — in a DeviceStatus from 1.23, in Device.status before — and answered `response`/"OK",
 * with devicecontroller's quirks: only properties in the Device spec count, and the first report
 * of a property creates an empty twin and loses its value. It is a test peer, not KubeEdge.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '../../protocol/kubeedge/message.js';
import type { NodeSession } from './node-session.js';
import { isJsonObject, type JsonObject } from './status-merge.js';

export interface DeviceTwinView {
  propertyName: string;
  reported: { value: string; metadata?: Record<string, string> };
  observedDesired: { value: string; metadata?: Record<string, string> };
  /** Wall-clock ms the value was merged (0: created empty by the first report). */
  reportedAtMs: number;
}

export interface LoopbackDeviceStatus {
  namespace: string;
  name: string;
  node: string;
  uid: string;
  resourceVersion: string;
  /** Where devicecontroller writes the status for this version: `devicestatuses` (1.23) or `devices` (1.21/1.22). */
  writtenTo: 'devicestatuses' | 'devices';
  twins: DeviceTwinView[];
  state: string;
  lastOnlineTime: string;
  twinReports: number;
  stateReports: number;
}

export interface CreatedDevice {
  uid: string;
  resourceVersion: string;
}

interface StoredDevice {
  object: JsonObject & { metadata: JsonObject & { name: string; namespace: string; uid: string; resourceVersion: string } };
  node: string;
  model: string;
  twins: DeviceTwinView[];
  state: string;
  lastOnlineTime: string;
  twinReports: number;
  stateReports: number;
}

type StoredModel = JsonObject & { metadata: JsonObject & { name: string; namespace: string; uid: string; resourceVersion: string } };

export interface DeviceCounts {
  twinReports: number;
  stateReports: number;
  /** Reports about devices the peer does not know (no reply, as devicecontroller). */
  unknownDevice: number;
  detailRequests: number;
}

function parseContent(content: unknown): JsonObject | undefined {
  if (isJsonObject(content)) return content;
  if (typeof content !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(content);
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export class LoopbackDevices {
  private readonly devices = new Map<string, StoredDevice>();
  private readonly models = new Map<string, StoredModel>();
  private rv = 500_000;
  readonly counts: DeviceCounts = { twinReports: 0, stateReports: 0, unknownDevice: 0, detailRequests: 0 };

  constructor(
    private readonly sessionOf: (node: string) => NodeSession | undefined,
    private readonly writtenTo: 'devicestatuses' | 'devices',
  ) {}

  /**
   * Create (or replace) a DeviceModel and create a Device bound to `spec.nodeName`, then push
   * both to the node as devicecontroller's deviceAdded does.
   */
  createDevice(model: JsonObject, device: JsonObject): CreatedDevice {
    const storedModel = this.putModel(model);
    const meta = isJsonObject(device.metadata) ? device.metadata : {};
    const name = str(meta.name);
    const namespace = str(meta.namespace) || 'default';
    const spec = isJsonObject(device.spec) ? device.spec : {};
    const node = str(spec.nodeName);
    if (!name || !node) throw new Error('createDevice: the Device needs metadata.name and spec.nodeName');
    const key = `${namespace}/${name}`;
    if (this.devices.has(key)) throw new Error(`createDevice: device ${key} exists`);
    const object = {
      ...device,
      apiVersion: 'devices.kubeedge.io/v1beta1',
      kind: 'Device',
      metadata: { ...meta, name, namespace, uid: randomUUID(), resourceVersion: this.nextRv(), creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    };
    const stored: StoredDevice = { object, node, model: str(storedModel.metadata.name), twins: [], state: '', lastOnlineTime: '', twinReports: 0, stateReports: 0 };
    const modelShared = this.modelInUseOn(node, namespace, stored.model, key);
    this.devices.set(key, stored);
    this.membership(node, { added: [{ id: key, name }], removed: null });
    if (!modelShared) this.push(node, 'insert', 'devicemodel', storedModel);
    this.push(node, 'insert', 'device', object);
    return { uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion };
  }

  /** Set `spec.properties[name=property].desired.value`; the spec change goes down as model and Device `update`s (deviceUpdated). */
  setDesired(namespace: string, name: string, property: string, value: string): CreatedDevice | undefined {
    const d = this.devices.get(`${namespace}/${name}`);
    if (!d) return undefined;
    const spec = isJsonObject(d.object.spec) ? d.object.spec : {};
    const props = Array.isArray(spec.properties) ? (spec.properties as unknown[]) : [];
    let found = false;
    const next = props.map((p) => {
      if (!isJsonObject(p) || p.name !== property) return p;
      found = true;
      return { ...p, desired: { ...(isJsonObject(p.desired) ? p.desired : {}), value } };
    });
    if (!found) throw new Error(`setDesired: device ${namespace}/${name} has no property ${property}`);
    d.object = { ...d.object, spec: { ...spec, properties: next }, metadata: { ...d.object.metadata, resourceVersion: this.nextRv() } };
    const model = this.models.get(`${namespace}/${d.model}`);
    if (model) this.push(d.node, 'update', 'devicemodel', model);
    this.push(d.node, 'update', 'device', d.object);
    return { uid: d.object.metadata.uid, resourceVersion: d.object.metadata.resourceVersion };
  }

  /** deviceDeleted: membership removal, the model's delete when no other device on the node uses it, the Device's delete. */
  deleteDevice(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    const d = this.devices.get(key);
    if (!d) return false;
    this.devices.delete(key);
    this.membership(d.node, { added: null, removed: [{ id: key, name }] });
    const model = this.models.get(`${namespace}/${d.model}`);
    if (model && !this.modelInUseOn(d.node, namespace, d.model, key)) this.push(d.node, 'delete', 'devicemodel', model);
    this.push(d.node, 'delete', 'device', d.object);
    return true;
  }

  status(namespace: string, name: string): LoopbackDeviceStatus | undefined {
    const d = this.devices.get(`${namespace}/${name}`);
    if (!d) return undefined;
    return {
      namespace,
      name,
      node: d.node,
      uid: d.object.metadata.uid,
      resourceVersion: d.object.metadata.resourceVersion,
      writtenTo: this.writtenTo,
      twins: d.twins.map((t) => ({ ...t, reported: { ...t.reported }, observedDesired: { ...t.observedDesired } })),
      state: d.state,
      lastOnlineTime: d.lastOnlineTime,
      twinReports: d.twinReports,
      stateReports: d.stateReports,
    };
  }

  /** Upstream messages for devicecontroller; false when `m` is not one. */
  handle(session: NodeSession, m: Message): boolean {
    const resource = m.route.resource ?? '';
    if (resource === 'membership/detail') {
      // cloudcore's devicecontroller drops it (upstream.go dispatchMessage): no reply.
      this.counts.detailRequests++;
      return true;
    }
    if (!resource.startsWith('device/')) return false;
    const [, namespace = '', name = ''] = resource.split('/');
    const d = this.devices.get(`${namespace}/${name}`);
    const twin = resource.endsWith('/twin/edge_updated');
    const state = resource.endsWith('/state/update');
    if (!twin && !state) return false;
    const content = parseContent(m.content);
    if (!d || !content) {
      this.counts.unknownDevice++;
      return true;
    }
    if (twin) this.mergeTwins(d, content);
    else this.mergeState(d, content);
    // upstream.go: the "OK" goes back only after the status patch succeeded.
    session.send({
      header: { msg_id: randomUUID(), parent_msg_id: m.header.msg_id, timestamp: Date.now() },
      route: { source: 'devicecontroller', group: 'twin', operation: 'response', resource: 'twin' },
      content: 'OK',
    });
    return true;
  }

  private mergeTwins(d: StoredDevice, content: JsonObject): void {
    this.counts.twinReports++;
    d.twinReports++;
    const twins = isJsonObject(content.twin) ? content.twin : {};
    const spec = isJsonObject(d.object.spec) ? d.object.spec : {};
    const declared = new Set((Array.isArray(spec.properties) ? (spec.properties as unknown[]) : []).map((p) => (isJsonObject(p) ? str(p.name) : '')));
    const now = Date.now();
    for (const [prop, raw] of Object.entries(twins)) {
      if (!declared.has(prop) || !isJsonObject(raw)) continue;
      const existing = d.twins.find((t) => t.propertyName === prop);
      if (!existing) {
        // findOrCreateTwinByName appends a copy and hands back the original: this report's value is lost.
        d.twins.push({ propertyName: prop, reported: { value: '' }, observedDesired: { value: '' }, reportedAtMs: 0 });
        continue;
      }
      const type = isJsonObject(raw.metadata) ? str(raw.metadata.type) : undefined;
      const property = (v: unknown): { value: string; metadata: Record<string, string> } | undefined => {
        if (!isJsonObject(v) || typeof v.value !== 'string') return undefined;
        const metadata: Record<string, string> = {};
        if (isJsonObject(v.metadata) && typeof v.metadata.timestamp === 'number') metadata.timestamp = String(v.metadata.timestamp);
        if (type !== undefined) metadata.type = type;
        return { value: v.value, metadata };
      };
      const actual = property(raw.actual);
      const expected = property(raw.expected);
      if (actual) {
        existing.reported = actual;
        existing.reportedAtMs = now;
      }
      if (expected) existing.observedDesired = expected;
    }
  }

  private mergeState(d: StoredDevice, content: JsonObject): void {
    this.counts.stateReports++;
    d.stateReports++;
    const device = isJsonObject(content.device) ? content.device : isJsonObject(content.Device) ? content.Device : {};
    // devicecontroller copies both, an empty lastOnlineTime included.
    d.state = str(device.state);
    d.lastOnlineTime = str(device.lastOnlineTime);
  }

  private putModel(model: JsonObject): StoredModel {
    const meta = isJsonObject(model.metadata) ? model.metadata : {};
    const name = str(meta.name);
    const namespace = str(meta.namespace) || 'default';
    if (!name) throw new Error('createDevice: the DeviceModel needs metadata.name');
    const key = `${namespace}/${name}`;
    const prev = this.models.get(key);
    if (prev && JSON.stringify(prev.spec) === JSON.stringify(model.spec)) return prev;
    const stored: StoredModel = {
      ...model,
      apiVersion: 'devices.kubeedge.io/v1beta1',
      kind: 'DeviceModel',
      metadata: { ...meta, name, namespace, uid: prev?.metadata.uid ?? randomUUID(), resourceVersion: this.nextRv() },
    };
    this.models.set(key, stored);
    return stored;
  }

  /** isExistModel: another device on `node` in `namespace` uses `model`. */
  private modelInUseOn(node: string, namespace: string, model: string, except: string): boolean {
    for (const [key, d] of this.devices) {
      if (key !== except && d.node === node && d.model === model && d.object.metadata.namespace === namespace) return true;
    }
    return false;
  }

  private membership(node: string, change: { added: Array<{ id: string; name: string }> | null; removed: Array<{ id: string; name: string }> | null }): void {
    this.sessionOf(node)?.send({
      header: { msg_id: randomUUID(), timestamp: Date.now() },
      route: { source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'membership' },
      content: { event_id: randomUUID(), timestamp: Date.now(), added_devices: change.added, removed_devices: change.removed },
    });
  }

  private push(node: string, operation: 'insert' | 'update' | 'delete', type: 'device' | 'devicemodel', obj: StoredModel | StoredDevice['object']): void {
    const meta = obj.metadata;
    this.sessionOf(node)?.send({
      header: { msg_id: randomUUID(), timestamp: Date.now(), resourceversion: meta.resourceVersion },
      route: { source: 'devicecontroller', group: 'resource', operation, resource: `${meta.namespace}/${type}/${meta.name}` },
      content: obj,
    });
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }
}
