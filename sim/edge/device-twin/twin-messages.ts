/**
 * The devicetwin messages of a v1.23 edgecore, byte for byte as Go writes them, and the reading of
 * devicecontroller's membership pushes. Sources (kubeedge v1.23.1):
 * - twin values: edge/pkg/devicetwin/dtmanager/twin.go `dealSyncResult` (a `DeviceTwinResult`
 *   object: event_id, timestamp, twin map of `MsgTwin`), fed by the DMI server's one-twin-per-
 *   message `twin/update` (dmiserver/server.go `CreateMessageTwinUpdate`);
 * - state: dtmanager/device.go `dealDeviceStateUpdate` (`DeviceMsg` as a JSON *string*);
 * - membership/detail: dtmanager/communicate.go `detailRequest` (`GetDetailNode` as a JSON string);
 * - membership pushes: cloud/pkg/devicecontroller/types/device.go `MembershipUpdate`.
 * Every one is built by `DTContext.BuildModelMessage`: source `twin`, group `resource`, no parent.
 */
import { buildFrame } from '../../protocol/kubeedge/frame-builder.js';
import { goJsonString } from '../../protocol/kubeedge/go-json.js';
import { pick } from '../../util/json-pick.js';

export const TWIN_SOURCE = 'twin';
export const TWIN_GROUP = 'resource';
export const MEMBERSHIP_DETAIL_RESOURCE = 'membership/detail';
/** devicetwin's `MsgTwin.metadata.type` for twins the DMI path creates: it sends no type, so dealTwinAdd stores "string". */
export const DMI_TWIN_TYPE = 'string';

/** `device/<ns>/<name>/twin/edge_updated` */
export function twinResource(deviceId: string): string {
  return `device/${deviceId}/twin/edge_updated`;
}

/** `device/<ns>/<name>/state/update` */
export function stateResource(deviceId: string): string {
  return `device/${deviceId}/state/update`;
}

/** One upstream devicetwin frame (beehive model.Message field order, trailing newline); the content built here is in Go's spelling already. */
export function twinFrame(msgId: string, timestamp: number, operation: string, resource: string, contentJson: string): string {
  return buildFrame(msgId, undefined, timestamp, TWIN_SOURCE, TWIN_GROUP, operation, resource, contentJson);
}

/** One property's value as devicetwin syncs it to the cloud after a DMI report. */
export interface TwinReport {
  readonly property: string;
  /** `reported.value` from the mapper. */
  readonly actual: string;
  /** `observedDesired.value` from the mapper (the device's desired value; "" when none). */
  readonly expected: string;
  /**
   * How many times devicetwin has updated this twin, this report included: its edge version
   * (`TwinVersion.edge`, bumped by `dealVersion` for each RestDealType update; cloud stays 0).
   */
  readonly version: number;
  /** `ValueMetadata.timestamp`: when devicetwin applied the value, ms. */
  readonly valueTimestamp: number;
}

/**
 * The `MsgTwin` of one report. The first report of a property adds the twin (`dealTwinAdd`): its
 * copy omits `expected` when the value is "" (`DeviceTwinToMsgTwin` drops empty values) but keeps
 * the version. Later reports go through `dealTwinCompare`, which puts `expected` in whenever the
 * mapper sent one, "" included.
 */
function msgTwinJson(r: TwinReport): string {
  const ts = r.valueTimestamp;
  const expected = r.version > 1 || r.expected !== '' ? `"expected":{"value":${goJsonString(r.expected)},"metadata":{"timestamp":${ts}}},` : '';
  return (
    `{${expected}"actual":{"value":${goJsonString(r.actual)},"metadata":{"timestamp":${ts}}},` +
    `"optional":true,"metadata":{"type":"${DMI_TWIN_TYPE}"},` +
    `"expected_version":{"cloud":0,"edge":${r.version}},"actual_version":{"cloud":0,"edge":${r.version}}}`
  );
}

/** Content of `twin/edge_updated`: an object (`DeviceTwinResult`). */
export function twinUpdateContent(eventId: string, timestamp: number, r: TwinReport): string {
  return `{"event_id":"${eventId}","timestamp":${timestamp},"twin":{${goJsonString(r.property)}:${msgTwinJson(r)}}}`;
}

/** `time.Now().UTC().Format(time.RFC3339)` */
export function rfc3339Seconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Content of `state/update`: the `DeviceMsg` JSON as a JSON string. `lastOnlineTime` is set only
 * for online/ok (edgecore resets it to "" otherwise, and omitempty drops it).
 */
export function stateUpdateContent(eventId: string, timestamp: number, name: string, state: string, lastOnlineTime: string): string {
  const last = lastOnlineTime ? `,"lastOnlineTime":${goJsonString(lastOnlineTime)}` : '';
  const inner = `{"event_id":"${eventId}","timestamp":${timestamp},"device":{"name":${goJsonString(name)},"state":${goJsonString(state)}${last}}}`;
  return goJsonString(inner);
}

/** Content of `membership/detail`: `GetDetailNode` as a JSON string. */
export function membershipDetailContent(eventId: string, timestamp: number, node: string): string {
  const inner = `{"event_type":"group_membership_event","event_id":"${eventId}","group_id":${goJsonString(node)},"operation":"detail","timestamp":${timestamp}}`;
  return goJsonString(inner);
}

export interface MembershipDevice {
  /** `<ns>/<name>` */
  readonly id: string;
  readonly name: string;
}

export interface MembershipUpdate {
  readonly added: readonly MembershipDevice[];
  readonly removed: readonly MembershipDevice[];
}

function devicesOf(list: unknown): MembershipDevice[] {
  if (!Array.isArray(list)) return [];
  const out: MembershipDevice[] = [];
  for (const d of list as unknown[]) {
    const id = pick(d, 'id');
    const name = pick(d, 'name');
    if (typeof id === 'string' && id) out.push({ id, name: typeof name === 'string' ? name : id.slice(id.indexOf('/') + 1) });
  }
  return out;
}

/** devicecontroller's membership push (content an object, or the same as JSON text). */
export function parseMembershipUpdate(content: unknown): MembershipUpdate | undefined {
  let body = content;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (body === null || typeof body !== 'object') return undefined;
  return { added: devicesOf(pick(body, 'added_devices')), removed: devicesOf(pick(body, 'removed_devices')) };
}
