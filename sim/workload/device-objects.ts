/**
 * The device objects a workload writes (devices.kubeedge.io/v1beta1, the CRDs of kubeedge
 * build/crds/devices): a DeviceModel per device kind and a Device per fake device, bound to a node
 * by `spec.nodeName`, with `protocol.configData` pointing at the fake device and one property per
 * register point or camera operation (`visitors`, `collectCycle`, `reportCycle`, `reportToCloud`,
 * `desired`); and the readers that pull reported twins out of Device or DeviceStatus objects
 * arriving from a watch as `unknown`.
 */
import { REGISTER_WIDTH } from '../protocol/devices/modbus-register-codec.js';
import { pick as field } from '../util/json-pick.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from './workload-objects.js';

export const DEVICES_GROUP = 'devices.kubeedge.io';
export const DEVICES_VERSION = 'v1beta1';
export const DEVICES_API_VERSION = `${DEVICES_GROUP}/${DEVICES_VERSION}`;

/** The label every device object of the workload carries (with the driver's managed-by label). */
export const DEVICE_LABEL = 'twinlab.io/device';

export type RegisterTable = 'CoilRegister' | 'DiscreteInputRegister' | 'InputRegister' | 'HoldingRegister';
export type PointType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'bool' | 'string';

/** One Modbus point as a fake device serves it (the shape of a fake-devices profile point). */
export interface ModbusPointSpec {
  name: string;
  register: RegisterTable;
  offset: number;
  type: PointType;
  /** Registers (coils) the point occupies; needed for strings. */
  limit?: number;
  scale?: number;
  isSwap?: boolean;
  isRegisterSwap?: boolean;
  access?: 'ReadWrite' | 'ReadOnly';
}

/** One ONVIF property: what the mapper asks the camera. */
export interface OnvifPropertySpec {
  name: string;
  operation: 'GetDeviceInformation' | 'GetSystemDateAndTime' | 'GetStreamUri' | 'GetSnapshotUri' | 'Snapshot';
  /** For GetDeviceInformation: Manufacturer, Model, FirmwareVersion, SerialNumber or HardwareId. */
  field?: string;
}

/**
 * The points of fake-devices' built-in thermometer-plc profile, for callers that start the fake
 * devices with their defaults. Pass the fleet's own profile points when it has another.
 */
export const THERMOMETER_PLC_POINTS: readonly ModbusPointSpec[] = [
  { name: 'temperature', register: 'InputRegister', offset: 0, type: 'float32', access: 'ReadOnly' },
  { name: 'pressure', register: 'InputRegister', offset: 2, type: 'float32', isRegisterSwap: true, access: 'ReadOnly' },
  { name: 'humidity', register: 'HoldingRegister', offset: 0, type: 'int16', scale: 0.1, access: 'ReadWrite' },
  { name: 'targetTemperature', register: 'HoldingRegister', offset: 1, type: 'float32', access: 'ReadWrite' },
  { name: 'fanRpm', register: 'HoldingRegister', offset: 3, type: 'uint32', access: 'ReadOnly' },
  { name: 'serialNumber', register: 'HoldingRegister', offset: 10, type: 'string', limit: 8, access: 'ReadOnly' },
  { name: 'relay', register: 'CoilRegister', offset: 0, type: 'bool', access: 'ReadWrite' },
  { name: 'alarm', register: 'DiscreteInputRegister', offset: 0, type: 'bool', access: 'ReadOnly' },
];

export const DEFAULT_ONVIF_PROPERTIES: readonly OnvifPropertySpec[] = [
  { name: 'manufacturer', operation: 'GetDeviceInformation', field: 'Manufacturer' },
  { name: 'model', operation: 'GetDeviceInformation', field: 'Model' },
  { name: 'firmware', operation: 'GetDeviceInformation', field: 'FirmwareVersion' },
  { name: 'snapshotBytes', operation: 'Snapshot' },
];

/** DeviceModel `spec.properties[].type` for a point type. */
export function modelType(type: PointType): 'INT' | 'FLOAT' | 'DOUBLE' | 'BOOLEAN' | 'STRING' {
  switch (type) {
    case 'float32':
      return 'FLOAT';
    case 'float64':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
    case 'string':
      return 'STRING';
    default:
      return 'INT';
  }
}

function access(p: ModbusPointSpec): 'ReadWrite' | 'ReadOnly' {
  return p.access ?? (p.register === 'HoldingRegister' || p.register === 'CoilRegister' ? 'ReadWrite' : 'ReadOnly');
}

/** `visitors.configData` of a Modbus property: the modbus mapper's fields plus the mapper-framework `dataType`. */
export function modbusVisitor(p: ModbusPointSpec): Record<string, unknown> {
  return {
    register: p.register,
    offset: p.offset,
    limit: p.type === 'string' ? (p.limit ?? 1) : REGISTER_WIDTH[p.type],
    scale: p.scale ?? 1,
    isSwap: p.isSwap ?? false,
    isRegisterSwap: p.isRegisterSwap ?? false,
    dataType: p.type,
  };
}

const labels = (extra: Record<string, string> = {}): Record<string, string> => ({ [MANAGED_BY_LABEL]: MANAGED_BY, ...extra });

export function modbusModelManifest(name: string, namespace: string, points: readonly ModbusPointSpec[]): Record<string, unknown> {
  return {
    apiVersion: DEVICES_API_VERSION,
    kind: 'DeviceModel',
    metadata: { name, namespace, labels: labels() },
    spec: {
      protocol: 'modbus',
      properties: points.map((p) => ({ name: p.name, type: modelType(p.type), accessMode: access(p) })),
    },
  };
}

export function onvifModelManifest(name: string, namespace: string, props: readonly OnvifPropertySpec[]): Record<string, unknown> {
  return {
    apiVersion: DEVICES_API_VERSION,
    kind: 'DeviceModel',
    metadata: { name, namespace, labels: labels() },
    spec: { protocol: 'onvif', properties: props.map((p) => ({ name: p.name, type: p.operation === 'Snapshot' ? 'INT' : 'STRING', accessMode: 'ReadOnly' })) },
  };
}

export interface DeviceCycles {
  /** `collectCycle` of every property, ms (the mapper reads and reports at this period). */
  collectCycleMs: number;
  /** `reportCycle` of every property, ms (the mapper's push methods; cloud reports follow the collect). */
  reportCycleMs: number;
  /** `stateReport.reportCycle`, ms; 0 turns state reports off. */
  stateReportCycleMs: number;
}

export interface ModbusDeviceInput extends DeviceCycles {
  name: string;
  namespace: string;
  node: string;
  model: string;
  host: string;
  port: number;
  unitId: number;
  points: readonly ModbusPointSpec[];
  /** Desired values by point name (written by the mapper to writable points). */
  desired?: Readonly<Record<string, string>>;
}

function stateReport(c: DeviceCycles): Record<string, unknown> | undefined {
  return c.stateReportCycleMs > 0 ? { reportToCloud: true, reportCycle: c.stateReportCycleMs } : undefined;
}

/** The Device both protocols share: model, node, connection and one property per visitor, on the same cycles. */
function deviceManifest(
  d: DeviceCycles & { name: string; namespace: string; node: string; model: string },
  protocol: 'modbus' | 'onvif',
  configData: Record<string, unknown>,
  properties: ReadonlyArray<{ name: string; desired: string; visitor: Record<string, unknown> }>,
): Record<string, unknown> {
  const sr = stateReport(d);
  return {
    apiVersion: DEVICES_API_VERSION,
    kind: 'Device',
    metadata: { name: d.name, namespace: d.namespace, labels: labels({ [DEVICE_LABEL]: protocol }) },
    spec: {
      deviceModelRef: { name: d.model },
      nodeName: d.node,
      protocol: { protocolName: protocol, configData },
      properties: properties.map((p) => ({
        name: p.name,
        desired: { value: p.desired },
        visitors: { protocolName: protocol, configData: p.visitor },
        reportCycle: d.reportCycleMs,
        collectCycle: d.collectCycleMs,
        reportToCloud: true,
      })),
      ...(sr ? { stateReport: sr } : {}),
    },
  };
}

export function modbusDeviceManifest(d: ModbusDeviceInput): Record<string, unknown> {
  return deviceManifest(
    d,
    'modbus',
    { ip: d.host, port: d.port, slaveID: d.unitId },
    d.points.map((p) => ({ name: p.name, desired: d.desired?.[p.name] ?? '', visitor: modbusVisitor(p) })),
  );
}

export interface OnvifDeviceInput extends DeviceCycles {
  name: string;
  namespace: string;
  node: string;
  model: string;
  host: string;
  port: number;
  userName: string;
  password: string;
  properties: readonly OnvifPropertySpec[];
}

export function onvifDeviceManifest(d: OnvifDeviceInput): Record<string, unknown> {
  return deviceManifest(
    d,
    'onvif',
    { url: `${d.host}:${d.port}`, userName: d.userName, password: d.password },
    d.properties.map((p) => ({
      name: p.name,
      desired: '',
      visitor: { operation: p.operation, ...(p.field ? { field: p.field } : {}), dataType: p.operation === 'Snapshot' ? 'int' : 'string' },
    })),
  );
}

/** A Device name for the n-th device of a node: `twl-dev-<node>-<n>`. */
export function deviceName(node: string, index: number): string {
  return `twl-dev-${node}-${index}`;
}

export interface ReportedTwin {
  property: string;
  /** `reported.value`; undefined while the twin holds no report (devicecontroller's empty first entry). */
  reported: string | undefined;
  /** `reported.metadata.timestamp`: when the edge applied the value, wall ms. */
  reportedAtMs: number | undefined;
  observedDesired: string | undefined;
}

export interface DeviceStatusView {
  uid: string;
  name: string;
  namespace: string;
  resourceVersion: string;
  twins: ReportedTwin[];
  state: string;
  lastOnlineTime: string;
}

/**
 * The reported twins and state of a DeviceStatus (1.23: `status` of `devicestatuses`) or of a
 * Device (1.21/1.22: `status` of `devices`); both have the same status shape.
 */
export function readDeviceStatus(obj: unknown): DeviceStatusView | undefined {
  const uid = str(field(obj, 'metadata', 'uid'));
  const name = str(field(obj, 'metadata', 'name'));
  if (!uid || !name) return undefined;
  const twins: ReportedTwin[] = [];
  const list = field(obj, 'status', 'twins');
  if (Array.isArray(list)) {
    for (const t of list as unknown[]) {
      const property = str(field(t, 'propertyName'));
      if (!property) continue;
      const ts = Number(field(t, 'reported', 'metadata', 'timestamp'));
      const hasReport = Number.isFinite(ts) && ts > 0;
      twins.push({
        property,
        reported: hasReport ? str(field(t, 'reported', 'value')) : undefined,
        reportedAtMs: hasReport ? ts : undefined,
        observedDesired: field(t, 'observedDesired', 'metadata') !== undefined ? str(field(t, 'observedDesired', 'value')) : undefined,
      });
    }
  }
  return {
    uid,
    name,
    namespace: str(field(obj, 'metadata', 'namespace')),
    resourceVersion: str(field(obj, 'metadata', 'resourceVersion')),
    twins,
    state: str(field(obj, 'status', 'state')),
    lastOnlineTime: str(field(obj, 'status', 'lastOnlineTime')),
  };
}

/** Whether a reported twin value shows a desired value: equal as text, or as numbers (the mapper truncates or pads). */
export function reportShows(reported: string, desired: string): boolean {
  if (reported === desired) return true;
  const a = Number(reported);
  const b = Number(desired);
  if (reported.trim() === '' || desired.trim() === '' || !Number.isFinite(a) || !Number.isFinite(b)) return reported.replace(/\0+$/, '') === desired;
  return a === b || Math.trunc(a) === Math.trunc(b) && Number.isInteger(a);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
