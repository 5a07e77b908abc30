/**
 * Golden devicetwin frames, written by hand from the Go structs that produce them (kubeedge v1.23.1:
 * dttype.MsgTwin/TwinValue/TwinVersion field order, DeviceTwinResult, DeviceMsg, GetDetailNode,
 * beehive model.Message) and protocol doc §5/§9 — not from what the builders emit.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../protocol/kubeedge/codec.js';
import {
  membershipDetailContent,
  parseMembershipUpdate,
  stateResource,
  stateUpdateContent,
  twinFrame,
  twinResource,
  twinUpdateContent,
} from './twin-messages.js';

const MSG = '7d3f5c1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f';
const EVENT = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
const T = 1795608000123;

describe('twin/edge_updated', () => {
  it('first report of a property without a desired value (dealTwinAdd): no expected, versions at edge 1, type string', () => {
    const text = twinFrame(MSG, T, 'update', twinResource('default/thermo-1'), twinUpdateContent(EVENT, T, { property: 'temperature', actual: '23.500000', expected: '', version: 1, valueTimestamp: T }));
    expect(text).toBe(
      '{"header":{"msg_id":"7d3f5c1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f","timestamp":1795608000123},' +
        '"route":{"source":"twin","group":"resource","operation":"update","resource":"device/default/thermo-1/twin/edge_updated"},' +
        '"content":{"event_id":"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f","timestamp":1795608000123,"twin":{"temperature":' +
        '{"actual":{"value":"23.500000","metadata":{"timestamp":1795608000123}},"optional":true,"metadata":{"type":"string"},' +
        '"expected_version":{"cloud":0,"edge":1},"actual_version":{"cloud":0,"edge":1}}}}}\n',
    );
  });

  it('first report with a desired value carries it as expected', () => {
    const content = twinUpdateContent(EVENT, T, { property: 'setpoint', actual: '21', expected: '21', version: 1, valueTimestamp: T });
    expect(content).toBe(
      '{"event_id":"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f","timestamp":1795608000123,"twin":{"setpoint":' +
        '{"expected":{"value":"21","metadata":{"timestamp":1795608000123}},"actual":{"value":"21","metadata":{"timestamp":1795608000123}},' +
        '"optional":true,"metadata":{"type":"string"},"expected_version":{"cloud":0,"edge":1},"actual_version":{"cloud":0,"edge":1}}}}',
    );
  });

  it('later reports (dealTwinCompare) always carry expected, "" included, and bump both edge versions', () => {
    const content = twinUpdateContent(EVENT, T, { property: 'temperature', actual: '23.750000', expected: '', version: 7, valueTimestamp: T });
    expect(content).toBe(
      '{"event_id":"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f","timestamp":1795608000123,"twin":{"temperature":' +
        '{"expected":{"value":"","metadata":{"timestamp":1795608000123}},"actual":{"value":"23.750000","metadata":{"timestamp":1795608000123}},' +
        '"optional":true,"metadata":{"type":"string"},"expected_version":{"cloud":0,"edge":7},"actual_version":{"cloud":0,"edge":7}}}}',
    );
  });

  it('escapes values as Go does (<, >, &) and keeps NUL padding of a string register', () => {
    const content = twinUpdateContent(EVENT, T, { property: 'label', actual: 'a<b>&c\u0000\u0000', expected: '', version: 1, valueTimestamp: T });
    expect(content).toContain('"actual":{"value":"a\\u003cb\\u003e\\u0026c\\u0000\\u0000"');
  });

  it('is what devicecontroller reads: DeviceTwinUpdate with actual.value, metadata.timestamp and metadata.type', () => {
    const m = decodeMessage(twinFrame(MSG, T, 'update', twinResource('ns-a/pump-7'), twinUpdateContent(EVENT, T, { property: 'rpm', actual: '1450', expected: '1500', version: 3, valueTimestamp: T })));
    const twin = (m.content as { twin: Record<string, { actual: { value: string; metadata: { timestamp: number } }; expected: { value: string }; metadata: { type: string } }> }).twin.rpm!;
    expect(twin.actual).toEqual({ value: '1450', metadata: { timestamp: T } });
    expect(twin.expected.value).toBe('1500');
    expect(twin.metadata.type).toBe('string');
    // messagelayer.GetDeviceID: the 2nd and 3rd segments
    expect(m.route.resource!.split('/').slice(1, 3).join('/')).toBe('ns-a/pump-7');
  });
});

describe('state/update', () => {
  it('online: DeviceMsg as a JSON string, with lastOnlineTime (RFC 3339, seconds)', () => {
    const text = twinFrame(MSG, T, 'update', stateResource('default/thermo-1'), stateUpdateContent(EVENT, T, 'thermo-1', 'online', '2026-11-25T12:00:00Z'));
    expect(text).toBe(
      '{"header":{"msg_id":"7d3f5c1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f","timestamp":1795608000123},' +
        '"route":{"source":"twin","group":"resource","operation":"update","resource":"device/default/thermo-1/state/update"},' +
        '"content":"{\\"event_id\\":\\"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\\",\\"timestamp\\":1795608000123,' +
        '\\"device\\":{\\"name\\":\\"thermo-1\\",\\"state\\":\\"online\\",\\"lastOnlineTime\\":\\"2026-11-25T12:00:00Z\\"}}"}\n',
    );
  });

  it('offline: lastOnlineTime reset to "" and so omitted', () => {
    expect(JSON.parse(stateUpdateContent(EVENT, T, 'thermo-1', 'offline', ''))).toBe(
      '{"event_id":"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f","timestamp":1795608000123,"device":{"name":"thermo-1","state":"offline"}}',
    );
  });
});

describe('membership', () => {
  it('membership/detail: GetDetailNode as a JSON string (protocol doc §5)', () => {
    expect(JSON.parse(membershipDetailContent(EVENT, T, 'vn-00042'))).toBe(
      '{"event_type":"group_membership_event","event_id":"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f","group_id":"vn-00042","operation":"detail","timestamp":1795608000123}',
    );
  });

  it('reads devicecontroller\'s MembershipUpdate: added_devices, removed_devices null (§9)', () => {
    const pushed = decodeMessage(
      '{"header":{"msg_id":"c1","timestamp":1},"route":{"source":"devicecontroller","group":"twin","operation":"update","resource":"membership"},' +
        '"content":{"event_id":"e1","timestamp":1795608000000,"added_devices":[{"id":"default/thermo-1","name":"thermo-1"}],"removed_devices":null}}\n',
    );
    expect(parseMembershipUpdate(pushed.content)).toEqual({ added: [{ id: 'default/thermo-1', name: 'thermo-1' }], removed: [] });
    expect(parseMembershipUpdate('{"event_id":"e2","timestamp":1,"added_devices":null,"removed_devices":[{"id":"default/a","name":"a"}]}')).toEqual({
      added: [],
      removed: [{ id: 'default/a', name: 'a' }],
    });
    expect(parseMembershipUpdate('not json')).toBeUndefined();
  });
});
