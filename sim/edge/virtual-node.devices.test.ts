/**
 * A VirtualNode with device twins (protocol doc §9; kubeedge v1.23.1 devicecontroller downstream.go,
 * edge/pkg/devicetwin): membership, DeviceModel and Device pushes and their ACKs, the mapper loop's
 * reports on the wheel, the cloud's "OK", re-sends, offline drops, the DMI rate limit, desired
 * writes and device deletion.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SentFrame } from './virtual-node.test-kit.js';
import { cloudFrame, flushPromises, NodeKit } from './virtual-node.test-kit.js';
import { deviceNode, deviceObject, modelObject, ScriptedDevices, type PropertyInit } from './device-twin/device-twin.test-kit.js';
import type { DeviceTimings } from './device-twin/device-runtime.js';
import type { VirtualNode } from './virtual-node.js';

let kit: NodeKit;
afterEach(() => kit?.dispose());

const PROPS: PropertyInit[] = [
  { name: 'temperature', offset: 0, dataType: 'int16' },
  { name: 'setpoint', offset: 1, dataType: 'int16', desired: '21' },
];

function membership(added: string[], removed: string[] | null = null, msgId?: string): string {
  return cloudFrame({
    ...(msgId ? { msgId } : {}),
    source: 'devicecontroller',
    group: 'twin',
    operation: 'update',
    resource: 'membership',
    content: {
      event_id: 'e5a0c1d2-0000-4000-8000-000000000001',
      timestamp: Date.now(),
      added_devices: added.map((id) => ({ id, name: id.split('/')[1] })),
      removed_devices: removed ? removed.map((id) => ({ id, name: id.split('/')[1] })) : null,
    },
  });
}

function push(operation: string, resource: string, content: Record<string, unknown>, msgId?: string): string {
  const rv = (content.metadata as { resourceVersion: string }).resourceVersion;
  return cloudFrame({ ...(msgId ? { msgId } : {}), source: 'devicecontroller', group: 'resource', operation, resource, rv, content });
}

function twinFrames(k: NodeKit, device = 'default/thermo-1'): SentFrame[] {
  return k.cloud.sent.filter((f) => f.message.route.resource === `device/${device}/twin/edge_updated`);
}

function stateFrames(k: NodeKit, device = 'default/thermo-1'): SentFrame[] {
  return k.cloud.sent.filter((f) => f.message.route.resource === `device/${device}/state/update`);
}

/** Run `ms` of virtual time in 100 ms steps, letting the scripted device answer in between. */
async function run(k: NodeKit, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    k.advance(Math.min(100, ms - t));
    await flushPromises();
  }
}

async function setup(
  opts: { timings?: Partial<DeviceTimings>; stateReport?: { reportToCloud: boolean; reportCycle: number }; member?: boolean; props?: PropertyInit[] } = {},
): Promise<{ k: NodeKit; node: VirtualNode; io: ScriptedDevices; writes: Array<{ property: string; value: string; ok: boolean }> }> {
  kit = new NodeKit();
  const io = new ScriptedDevices();
  io.values.set('default/thermo-1/temperature', '215');
  const writes: Array<{ property: string; value: string; ok: boolean }> = [];
  const { node } = deviceNode(kit, io, {
    ...(opts.timings ? { timings: opts.timings } : {}),
    events: { desiredWritten: (_n, _d, property, value, _r, _w, ok) => writes.push({ property, value, ok }) },
  });
  await kit.boot(node);
  const props = opts.props ?? PROPS;
  if (opts.member ?? true) kit.cloud.link.deliver(membership(['default/thermo-1']));
  kit.cloud.link.deliver(push('insert', 'default/devicemodel/thermo-model', modelObject('thermo-model', props)));
  kit.cloud.link.deliver(push('insert', 'default/device/thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', props, opts.stateReport ? { stateReport: opts.stateReport } : {})));
  await flushPromises();
  return { k: kit, node, io, writes };
}

describe('VirtualNode device twins: downstream', () => {
  it('ACKs DeviceModel and Device pushes (metamanager stores them) and never the membership push', async () => {
    kit = new NodeKit();
    const io = new ScriptedDevices();
    const { node } = deviceNode(kit, io);
    await kit.boot(node);
    const k = kit;
    k.cloud.link.deliver(membership(['default/thermo-1'], null, 'aaaaaaaa-0000-4000-8000-0000000000a1'));
    k.cloud.link.deliver(push('insert', 'default/devicemodel/thermo-model', modelObject('thermo-model', PROPS), 'aaaaaaaa-0000-4000-8000-0000000000a2'));
    k.cloud.link.deliver(push('insert', 'default/device/thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', PROPS), 'aaaaaaaa-0000-4000-8000-0000000000a3'));
    expect(k.cloud.acksOf('aaaaaaaa-0000-4000-8000-0000000000a1')).toHaveLength(0);
    const modelAck = k.cloud.acksOf('aaaaaaaa-0000-4000-8000-0000000000a2');
    const deviceAck = k.cloud.acksOf('aaaaaaaa-0000-4000-8000-0000000000a3');
    expect(modelAck).toHaveLength(1);
    expect(deviceAck).toHaveLength(1);
    expect(deviceAck[0]!.message.route).toEqual({ source: 'devicecontroller', group: 'resource', operation: 'response', resource: 'default/device/thermo-1' });
    expect(deviceAck[0]!.message.content).toBe('OK');
    expect(io.opened).toEqual(['default/thermo-1']);
    expect(k.counters.devices.members).toBe(1);
    expect(k.counters.devices.devices).toBe(1);
    expect(k.counters.devices.cloudMessages).toBe(3);
  });

  it('a node whose runtime has no device twins ACKs the objects and ignores the rest, as edgemark does', async () => {
    kit = new NodeKit();
    const node = kit.node();
    await kit.boot(node);
    const before = kit.cloud.sent.length;
    kit.cloud.link.deliver(membership(['default/thermo-1']));
    kit.cloud.link.deliver(push('insert', 'default/device/thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', PROPS), 'aaaaaaaa-0000-4000-8000-0000000000b1'));
    await run(kit, 3_000);
    expect(kit.cloud.acksOf('aaaaaaaa-0000-4000-8000-0000000000b1')).toHaveLength(1);
    expect(kit.cloud.sent.slice(before).filter((f) => f.message.route.source === 'twin')).toHaveLength(0);
  });
});

describe('VirtualNode device twins: the mapper loop and twin reports', () => {
  it('reads each reportToCloud property every collectCycle and reports it as twin/edge_updated, one property per message', async () => {
    const { k, io } = await setup();
    expect(twinFrames(k)).toHaveLength(0);
    await run(k, 1_000);
    const first = twinFrames(k);
    expect(first).toHaveLength(2);
    expect(io.reads.filter((r) => r.endsWith('/temperature'))).toHaveLength(1);
    const t = first.find((f) => f.text.includes('"temperature"'))!;
    expect(t.message.route).toEqual({ source: 'twin', group: 'resource', operation: 'update', resource: 'device/default/thermo-1/twin/edge_updated' });
    expect(t.message.header.parent_msg_id).toBeUndefined();
    const ts = t.message.header.timestamp;
    // dealTwinAdd: no desired value → no "expected", but both versions at edge 1; type "string".
    expect(t.text).toBe(
      `{"header":{"msg_id":"${t.message.header.msg_id}","timestamp":${ts}},"route":{"source":"twin","group":"resource","operation":"update","resource":"device/default/thermo-1/twin/edge_updated"},` +
        `"content":{"event_id":"${(t.message.content as { event_id: string }).event_id}","timestamp":${ts},"twin":{"temperature":{"actual":{"value":"215","metadata":{"timestamp":${ts}}},"optional":true,"metadata":{"type":"string"},"expected_version":{"cloud":0,"edge":1},"actual_version":{"cloud":0,"edge":1}}}}}\n`,
    );
    const s = first.find((f) => f.text.includes('"setpoint"'))!;
    // The desired value was written at start, so the read returns it; observedDesired rides along.
    expect((s.message.content as { twin: Record<string, { actual: { value: string }; expected: { value: string } }> }).twin.setpoint).toMatchObject({ actual: { value: '21' }, expected: { value: '21' } });

    await run(k, 1_000);
    const second = twinFrames(k).slice(2).find((f) => f.text.includes('"temperature"'))!;
    // dealTwinCompare: "expected" now always present (the mapper sends "" as observedDesired), versions at 2.
    expect(second.text).toContain(`"twin":{"temperature":{"expected":{"value":"","metadata":{"timestamp":${second.message.header.timestamp}}},"actual":{"value":"215"`);
    expect(second.text).toContain('"expected_version":{"cloud":0,"edge":2},"actual_version":{"cloud":0,"edge":2}');
    expect(k.counters.devices.reads).toBe(4);
    expect(k.counters.devices.twinReports).toBe(4);
  });

  it('the cloud\'s response "OK" confirms a report; it is not ACKed and is not a reply to any meta request', async () => {
    const { k } = await setup();
    await run(k, 1_000);
    const reports = twinFrames(k);
    expect(k.counters.devices.unconfirmed).toBe(2);
    const sentBefore = k.cloud.sent.length;
    for (const r of reports) {
      k.cloud.link.deliver(cloudFrame({ parentId: r.message.header.msg_id, source: 'devicecontroller', group: 'twin', operation: 'response', resource: 'twin', content: 'OK' }));
    }
    expect(k.counters.devices.reportsConfirmed).toBe(2);
    expect(k.counters.devices.unconfirmed).toBe(0);
    expect(k.cloud.sent.length).toBe(sentBefore);
  });

  it('re-sends unconfirmed reports every 60 s with the same msg_id and bytes (devicetwin checkConfirm)', async () => {
    const { k } = await setup({ props: [{ name: 'temperature', offset: 0, dataType: 'int16', collectCycle: 100_000 }] });
    await run(k, 100_000);
    const [report] = twinFrames(k);
    expect(report).toBeDefined();
    await run(k, 60_000);
    const again = k.cloud.sent.filter((f) => f.message.header.msg_id === report!.message.header.msg_id);
    expect(again).toHaveLength(2);
    expect(again[1]!.text).toBe(report!.text);
    expect(k.counters.devices.reportsResent).toBeGreaterThanOrEqual(1);
  });

  it('reports nothing for a device devicetwin has no membership for', async () => {
    const { k } = await setup({ member: false });
    await run(k, 2_000);
    expect(twinFrames(k)).toHaveLength(0);
    expect(k.counters.devices.reads).toBe(4);
    expect(k.counters.devices.reportsNotMember).toBe(4);
  });

  it('reports the device state every stateReport.reportCycle as a JSON string with lastOnlineTime', async () => {
    const { k } = await setup({ stateReport: { reportToCloud: true, reportCycle: 1500 } });
    await run(k, 3_000);
    const states = stateFrames(k);
    expect(states).toHaveLength(2);
    const s = states[1]!;
    expect(s.message.route).toEqual({ source: 'twin', group: 'resource', operation: 'update', resource: 'device/default/thermo-1/state/update' });
    expect(typeof s.message.content).toBe('string');
    const body = JSON.parse(s.message.content as string) as { event_id: string; timestamp: number; device: { name: string; state: string; lastOnlineTime: string } };
    expect(Object.keys(body)).toEqual(['event_id', 'timestamp', 'device']);
    expect(body.device).toEqual({ name: 'thermo-1', state: 'online', lastOnlineTime: new Date(s.at).toISOString().replace(/\.\d{3}Z$/, 'Z') });
  });

  it('reports offline without lastOnlineTime when the device stops answering', async () => {
    const { k, io } = await setup({ stateReport: { reportToCloud: true, reportCycle: 1000 }, props: [{ name: 'temperature', offset: 0, dataType: 'int16', collectCycle: 500 }] });
    io.failing.set('default/thermo-1/temperature', 'timeout');
    await run(k, 1_000);
    const body = JSON.parse(stateFrames(k).at(-1)!.message.content as string) as { device: Record<string, string> };
    expect(body.device).toEqual({ name: 'thermo-1', state: 'offline' });
    expect(k.counters.devices.snapshot().readErrors.timeout).toBe(2);
    expect(k.counters.devices.online).toBe(0);
  });

  it('drops reports while disconnected and asks for membership detail on reconnect', async () => {
    const { k } = await setup({ timings: { confirmResendMs: 600_000 } });
    k.cloud.link.drop();
    await run(k, 2_000);
    expect(k.counters.devices.reportsDroppedOffline).toBe(4);
    // edgehub notices the dead link at its next keepalive (15 s), sleeps 30 s, redials.
    await run(k, 50_000);
    const detail = k.cloud.sent.find((f) => f.message.route.resource === 'membership/detail');
    expect(detail).toBeDefined();
    expect(detail!.message.route).toEqual({ source: 'twin', group: 'resource', operation: 'get', resource: 'membership/detail' });
    const inner = JSON.parse(detail!.message.content as string) as Record<string, unknown>;
    expect(Object.keys(inner)).toEqual(['event_type', 'event_id', 'group_id', 'operation', 'timestamp']);
    expect(inner).toMatchObject({ event_type: 'group_membership_event', group_id: 'vn-test-1', operation: 'detail' });
  });

  it('applies edgecore\'s DMI rate limit (1/s, burst) to the reports of all the node\'s mappers', async () => {
    const { k } = await setup({ timings: { dmiBurst: 3, dmiRatePerSecond: 1 }, props: [{ name: 'temperature', offset: 0, dataType: 'int16', collectCycle: 100 }] });
    await run(k, 2_000);
    // 20 reads: the burst of 3 at 0.1–0.3 s, then one token a second (the next at 1.1 s)
    expect(k.counters.devices.reads).toBe(20);
    expect(twinFrames(k)).toHaveLength(4);
    expect(k.counters.devices.reportsRateLimited).toBe(16);
  });

  it('writes a changed desired value on the Device update, restarts the loop, and the next report shows it', async () => {
    const { k, io, writes } = await setup();
    await run(k, 1_000);
    expect(io.writes).toEqual([{ device: 'default/thermo-1', property: 'setpoint', value: '21' }]);
    const changed = PROPS.map((p) => (p.name === 'setpoint' ? { ...p, desired: '25' } : p));
    k.cloud.link.deliver(push('update', 'default/devicemodel/thermo-model', modelObject('thermo-model', changed, '101')));
    k.cloud.link.deliver(push('update', 'default/device/thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', changed, { rv: '201' }), 'aaaaaaaa-0000-4000-8000-0000000000c1'));
    expect(k.cloud.acksOf('aaaaaaaa-0000-4000-8000-0000000000c1')).toHaveLength(1);
    await flushPromises();
    expect(io.writes.at(-1)).toEqual({ device: 'default/thermo-1', property: 'setpoint', value: '25' });
    expect(writes.at(-1)).toEqual({ property: 'setpoint', value: '25', ok: true });
    const before = twinFrames(k).length;
    await run(k, 1_000);
    const next = twinFrames(k).slice(before).find((f) => f.text.includes('"setpoint"'))!;
    expect((next.message.content as { twin: Record<string, { actual: { value: string }; expected: { value: string } }> }).twin.setpoint).toMatchObject({ actual: { value: '25' }, expected: { value: '25' } });
    // The same spec again is no change: no second write.
    k.cloud.link.deliver(push('update', 'default/device/thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', changed, { rv: '202' })));
    await flushPromises();
    expect(io.writes.filter((w) => w.value === '25')).toHaveLength(1);
  });

  it('stops the loop and releases the connection on delete; membership removal stops the reports', async () => {
    const { k, io } = await setup();
    await run(k, 1_000);
    k.cloud.link.deliver(membership([], ['default/thermo-1']));
    k.cloud.link.deliver(push('delete', 'default/device/thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', PROPS, { rv: '300' })));
    const reads = io.reads.length;
    const reports = twinFrames(k).length;
    await run(k, 3_000);
    expect(io.reads.length).toBe(reads);
    expect(twinFrames(k).length).toBe(reports);
    expect(io.closed).toBe(1);
    expect(k.counters.devices.devices).toBe(0);
    expect(k.counters.devices.members).toBe(0);
  });

  it('skips a tick while the previous read of the property is still running (a Go ticker drops it)', async () => {
    const { k, io } = await setup({ props: [{ name: 'temperature', offset: 0, dataType: 'int16', collectCycle: 100 }] });
    io.hanging.add('default/thermo-1/temperature');
    await run(k, 1_000);
    expect(io.reads).toHaveLength(1);
    expect(k.counters.devices.readsSkipped).toBe(9);
    io.hanging.clear();
    io.release();
    await run(k, 200);
    expect(twinFrames(k).length).toBeGreaterThanOrEqual(2);
  });

  it('stopping the node stops its mappers and forgets its twins', async () => {
    const { k, node, io } = await setup();
    await run(k, 1_000);
    node.stop(false);
    expect(k.counters.devices.devices).toBe(0);
    expect(k.counters.devices.unconfirmed).toBe(0);
    expect(io.closed).toBe(1);
  });

  it('a restarted node runs the devices its meta store kept: members again, reports once connected, membership detail asked', async () => {
    kit = new NodeKit();
    const io = new ScriptedDevices();
    const { node } = deviceNode(kit, io);
    const record = (type: string, name: string, body: Record<string, unknown>) => ({
      key: `default/${type}/${name}`, type, namespace: 'default', name, uid: `${type}-${name}`, resourceVersion: '1', body: JSON.stringify(body), updatedAt: kit.wallNow(),
    });
    node.restore([
      record('device', 'thermo-1', deviceObject('thermo-1', 'thermo-model', 'vn-test-1', PROPS)),
      record('devicemodel', 'thermo-model', modelObject('thermo-model', PROPS)),
    ]);
    expect(kit.counters.devices.members).toBe(1);
    expect(kit.counters.devices.devices).toBe(1);
    await kit.boot(node);
    expect(kit.cloud.sent.some((f) => f.message.route.resource === 'membership/detail')).toBe(true);
    await run(kit, 1_000);
    expect(twinFrames(kit)).toHaveLength(2);
  });
});

