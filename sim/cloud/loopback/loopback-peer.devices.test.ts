/**
 * The loopback peer's devicecontroller on the wire (kubeedge v1.23.1 devicecontroller downstream.go,
 * upstream.go): membership without an ACK, the DeviceModel once per node, the Device on the ACK
 * lane, desired changes as model + Device updates, deletes; twin and state reports merged with
 * devicecontroller's first-report quirk and answered "OK"; unknown devices and membership/detail
 * left unanswered; Device.status instead of DeviceStatus for 1.22.
 */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../protocol/kubeedge/message.js';
import { modbusDeviceManifest, modbusModelManifest, type ModbusPointSpec } from '../../workload/device-objects.js';
import { ackPushes, loopbackPeerKit, registerNode } from './loopback-peer.test-kit.js';
import { sleep, type RawEdgeClient } from './raw-edge-client.js';

const kit = loopbackPeerKit({ reconcileIntervalMs: 0 });

const POINTS: ModbusPointSpec[] = [
  { name: 'temperature', register: 'InputRegister', offset: 0, type: 'float32' },
  { name: 'setpoint', register: 'HoldingRegister', offset: 0, type: 'int16' },
];

function manifests(name: string, node: string) {
  return {
    model: modbusModelManifest('thermo', 'default', POINTS),
    device: modbusDeviceManifest({ name, namespace: 'default', node, model: 'thermo', host: '127.0.0.1', port: 1502, unitId: 1, points: POINTS, collectCycleMs: 1000, reportCycleMs: 1000, stateReportCycleMs: 0 }),
  };
}

/** A registered edge that ACKs every ACK-required push, as metamanager does. */
async function node(name: string): Promise<RawEdgeClient> {
  const c = await kit.connect(name);
  ackPushes(c, (m) => m.route.group === 'resource');
  registerNode(c);
  await c.waitFor((m) => m.header.parent_msg_id !== undefined);
  return c;
}

async function start(kubeedgeVersion = 'v1.23.1'): Promise<void> {
  await kit.start({ kubeedgeVersion });
}

function twinReport(c: RawEdgeClient, device: string, property: string, actual: string, expected = ''): Message {
  return c.send(
    { source: 'twin', group: 'resource', operation: 'update', resource: `device/default/${device}/twin/edge_updated` },
    { event_id: 'e', timestamp: Date.now(), twin: { [property]: { expected: { value: expected, metadata: { timestamp: 1795608000000 } }, actual: { value: actual, metadata: { timestamp: 1795608000001 } }, optional: true, metadata: { type: 'string' } } } },
  );
}

describe('loopback devicecontroller: downstream', () => {
  it('sends membership (no ACK lane), the model once per node, and the Device on the ACK lane', async () => {
    await start();
    const c = await node('vn-1');
    const from = c.received.length;
    const a = manifests('thermo-1', 'vn-1');
    const created = kit.peer.createDevice(a.model, a.device);
    const membership = await c.waitFor((m) => m.route.resource === 'membership', 3000, from);
    expect(membership.route).toEqual({ source: 'devicecontroller', group: 'twin', operation: 'update', resource: 'membership' });
    expect(membership.content).toMatchObject({ added_devices: [{ id: 'default/thermo-1', name: 'thermo-1' }], removed_devices: null });
    const model = await c.waitFor((m) => m.route.resource === 'default/devicemodel/thermo', 3000, from);
    expect(model.route).toMatchObject({ source: 'devicecontroller', group: 'resource', operation: 'insert' });
    expect(model.header.resourceversion).toBeDefined();
    const device = await c.waitFor((m) => m.route.resource === 'default/device/thermo-1', 3000, from);
    expect(device.header.resourceversion).toBe(created.resourceVersion);
    expect(device.content).toMatchObject({ apiVersion: 'devices.kubeedge.io/v1beta1', kind: 'Device', metadata: { uid: created.uid }, spec: { nodeName: 'vn-1' } });
    await sleep(50);
    const stats = kit.peer.stats();
    expect(stats.acks).toBeGreaterThanOrEqual(2);

    const b = manifests('thermo-2', 'vn-1');
    const from2 = c.received.length;
    kit.peer.createDevice(b.model, b.device);
    await c.waitFor((m) => m.route.resource === 'default/device/thermo-2', 3000, from2);
    expect(c.messages().slice(from2).filter((m) => m.route.resource === 'default/devicemodel/thermo')).toHaveLength(0);
  });

  it('a desired change goes down as model and Device updates; a delete as membership removal and deletes', async () => {
    await start();
    const c = await node('vn-1');
    const a = manifests('thermo-1', 'vn-1');
    kit.peer.createDevice(a.model, a.device);
    await c.waitFor((m) => m.route.resource === 'default/device/thermo-1');
    await sleep(30);
    const from = c.received.length;
    kit.peer.setDesired('default', 'thermo-1', 'setpoint', '25');
    const upd = await c.waitFor((m) => m.route.resource === 'default/device/thermo-1' && m.route.operation === 'update', 3000, from);
    const props = (upd.content as { spec: { properties: Array<{ name: string; desired: { value: string } }> } }).spec.properties;
    expect(props.find((p) => p.name === 'setpoint')!.desired.value).toBe('25');
    expect(c.messages().slice(from).some((m) => m.route.resource === 'default/devicemodel/thermo' && m.route.operation === 'update')).toBe(true);
    expect(() => kit.peer.setDesired('default', 'thermo-1', 'nope', '1')).toThrow(/no property/);

    await sleep(30);
    const from2 = c.received.length;
    expect(kit.peer.deleteDevice('default', 'thermo-1')).toBe(true);
    const removal = await c.waitFor((m) => m.route.resource === 'membership', 3000, from2);
    expect(removal.content).toMatchObject({ added_devices: null, removed_devices: [{ id: 'default/thermo-1', name: 'thermo-1' }] });
    await c.waitFor((m) => m.route.resource === 'default/device/thermo-1' && m.route.operation === 'delete', 3000, from2);
    await c.waitFor((m) => m.route.resource === 'default/devicemodel/thermo' && m.route.operation === 'delete', 3000, from2);
    expect(kit.peer.deviceStatus('default', 'thermo-1')).toBeUndefined();
  });
});

describe('loopback devicecontroller: upstream', () => {
  it('merges twin reports (the first of a property is lost, as in devicecontroller) and answers "OK"', async () => {
    await start();
    const c = await node('vn-1');
    const a = manifests('thermo-1', 'vn-1');
    kit.peer.createDevice(a.model, a.device);
    await c.waitFor((m) => m.route.resource === 'default/device/thermo-1');
    const first = twinReport(c, 'thermo-1', 'temperature', '21.500000');
    const ok = await c.waitFor((m) => m.header.parent_msg_id === first.header.msg_id);
    expect(ok.route).toEqual({ source: 'devicecontroller', group: 'twin', operation: 'response', resource: 'twin' });
    expect(ok.content).toBe('OK');
    let s = kit.peer.deviceStatus('default', 'thermo-1')!;
    expect(s.twins).toEqual([{ propertyName: 'temperature', reported: { value: '' }, observedDesired: { value: '' }, reportedAtMs: 0 }]);
    const second = twinReport(c, 'thermo-1', 'temperature', '21.750000', '22');
    await c.waitFor((m) => m.header.parent_msg_id === second.header.msg_id);
    s = kit.peer.deviceStatus('default', 'thermo-1')!;
    expect(s.twins[0]).toMatchObject({
      propertyName: 'temperature',
      reported: { value: '21.750000', metadata: { timestamp: '1795608000001', type: 'string' } },
      observedDesired: { value: '22', metadata: { timestamp: '1795608000000', type: 'string' } },
    });
    expect(s.twins[0]!.reportedAtMs).toBeGreaterThan(0);
    expect(s.writtenTo).toBe('devicestatuses');
    // a property the Device does not declare is ignored
    const stray = twinReport(c, 'thermo-1', 'ghost', '1');
    await c.waitFor((m) => m.header.parent_msg_id === stray.header.msg_id);
    expect(kit.peer.deviceStatus('default', 'thermo-1')!.twins.map((t) => t.propertyName)).toEqual(['temperature']);
  });

  it('merges state reports (a JSON string) and answers "OK"; unknown devices and membership/detail get nothing', async () => {
    await start();
    const c = await node('vn-1');
    const a = manifests('thermo-1', 'vn-1');
    kit.peer.createDevice(a.model, a.device);
    await c.waitFor((m) => m.route.resource === 'default/device/thermo-1');
    const state = c.send(
      { source: 'twin', group: 'resource', operation: 'update', resource: 'device/default/thermo-1/state/update' },
      JSON.stringify({ event_id: 'e', timestamp: 1, device: { name: 'thermo-1', state: 'online', lastOnlineTime: '2026-11-25T12:00:00Z' } }),
    );
    await c.waitFor((m) => m.header.parent_msg_id === state.header.msg_id);
    expect(kit.peer.deviceStatus('default', 'thermo-1')).toMatchObject({ state: 'online', lastOnlineTime: '2026-11-25T12:00:00Z', stateReports: 1 });
    const unknown = twinReport(c, 'nobody', 'temperature', '1');
    const detail = c.send({ source: 'twin', group: 'resource', operation: 'get', resource: 'membership/detail' }, JSON.stringify({ event_type: 'group_membership_event', event_id: 'x', group_id: 'vn-1', operation: 'detail', timestamp: 1 }));
    await sleep(200);
    expect(c.messages().some((m) => m.header.parent_msg_id === unknown.header.msg_id || m.header.parent_msg_id === detail.header.msg_id)).toBe(false);
    expect(kit.peer.stats().unhandled).toBe(0);
  });

  it('1.22: the status goes to the Device itself', async () => {
    await start('v1.22.0');
    const c = await node('vn-1');
    const a = manifests('thermo-1', 'vn-1');
    kit.peer.createDevice(a.model, a.device);
    await c.waitFor((m) => m.route.resource === 'default/device/thermo-1');
    expect(kit.peer.deviceStatus('default', 'thermo-1')!.writtenTo).toBe('devices');
  });
});
