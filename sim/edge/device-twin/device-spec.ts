/**
 * Device and DeviceModel objects (devices.kubeedge.io/v1beta1) as they arrive from devicecontroller,
 * read into the little a mapper needs: where the device is (protocol configData), which properties
 * it reads and how (visitors, collectCycle, reportToCloud), the desired values it must write, and
 * whether and how often it reports its state. The content is `unknown` from the wire; anything
 * that does not parse leaves the property (or device) without a visitor, which is what a mapper
 * does with a visitor it cannot unmarshal: it skips that property.
 */
import { REGISTER_WIDTH } from '../../protocol/devices/modbus-register-codec.js';
import { pick } from '../../util/json-pick.js';

/** KubeEdge's `visitors.configData.register` names for the four Modbus tables. */
export const MODBUS_REGISTERS = ['CoilRegister', 'DiscreteInputRegister', 'InputRegister', 'HoldingRegister'] as const;
export type ModbusRegister = (typeof MODBUS_REGISTERS)[number];

/** How the words of a register point are interpreted (mapper-framework `VisitorConfigData.DataType`). */
export const REGISTER_DATA_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'bool', 'string'] as const;
export type RegisterDataType = (typeof REGISTER_DATA_TYPES)[number];

export interface ModbusVisitor {
  readonly protocol: 'modbus';
  readonly register: ModbusRegister;
  readonly offset: number;
  /** Registers (or coils) read per collect. */
  readonly limit: number;
  readonly scale: number;
  readonly isSwap: boolean;
  readonly isRegisterSwap: boolean;
  readonly dataType: RegisterDataType;
}

/** What an ONVIF property reads from the camera. */
export const ONVIF_OPERATIONS = ['GetDeviceInformation', 'GetSystemDateAndTime', 'GetStreamUri', 'GetSnapshotUri', 'Snapshot'] as const;
export type OnvifOperation = (typeof ONVIF_OPERATIONS)[number];

export interface OnvifVisitor {
  readonly protocol: 'onvif';
  readonly operation: OnvifOperation;
  /** For GetDeviceInformation: the response field reported (Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareId). */
  readonly field: string;
}

export type PropertyVisitor = ModbusVisitor | OnvifVisitor;

export type AccessMode = 'ReadWrite' | 'ReadOnly';

export interface DevicePropertySpec {
  readonly name: string;
  /** `spec.properties[].desired.value`; "" when none. */
  readonly desired: string;
  readonly collectCycleMs: number;
  readonly reportToCloud: boolean;
  /** Undefined when the property has no visitor the mapper understands: it is never read. */
  readonly visitor: PropertyVisitor | undefined;
  /** From the model; a ReadOnly property's desired value is never written. */
  readonly accessMode: AccessMode;
  /** The model's property type, lower case (int, float, double, boolean, string, bytes, stream). */
  readonly modelType: string;
}

export interface ModbusEndpointSpec {
  readonly protocol: 'modbus';
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
}

export interface OnvifEndpointSpec {
  readonly protocol: 'onvif';
  readonly host: string;
  readonly port: number;
  /** Device service path, default /onvif/device_service. */
  readonly path: string;
  readonly userName: string;
  readonly password: string;
}

export type EndpointSpec = ModbusEndpointSpec | OnvifEndpointSpec;

export interface DeviceSpec {
  readonly namespace: string;
  readonly name: string;
  /** `<ns>/<name>`: devicetwin's device id. */
  readonly id: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly modelName: string;
  readonly protocolName: string;
  /** Undefined when the protocol is not one the virtual mapper speaks, or its configData is unusable. */
  readonly endpoint: EndpointSpec | undefined;
  readonly properties: readonly DevicePropertySpec[];
  /** `spec.stateReport` (1.23), or the older `status.reportToCloud`/`reportCycle`. */
  readonly stateReport: { readonly reportToCloud: boolean; readonly reportCycleMs: number };
}

export interface ModelPropertySpec {
  readonly name: string;
  readonly type: string;
  readonly accessMode: AccessMode;
  readonly visitors: unknown;
}

export interface DeviceModelSpec {
  readonly namespace: string;
  readonly name: string;
  readonly protocol: string;
  readonly properties: ReadonlyMap<string, ModelPropertySpec>;
}

/** mapper-framework's DefaultCollectCycle and DefaultReportCycle. */
export const DEFAULT_CYCLE_MS = 1000;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
const bool = (v: unknown): boolean => v === true || v === 'true';
const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** A cycle in ms: the CRDs carry ms (mapper-framework multiplies by time.Millisecond); 0 or absent means the default. */
function cycleMs(v: unknown): number {
  const n = num(v);
  return n !== undefined && n > 0 ? n : DEFAULT_CYCLE_MS;
}

export function parseDeviceModel(content: unknown): DeviceModelSpec | undefined {
  const name = str(pick(content, 'metadata', 'name'));
  if (!name) return undefined;
  const properties = new Map<string, ModelPropertySpec>();
  const list = pick(content, 'spec', 'properties');
  if (Array.isArray(list)) {
    for (const p of list as unknown[]) {
      const pname = str(pick(p, 'name'));
      if (!pname) continue;
      properties.set(pname, {
        name: pname,
        type: str(pick(p, 'type')).toLowerCase(),
        accessMode: pick(p, 'accessMode') === 'ReadOnly' ? 'ReadOnly' : 'ReadWrite',
        visitors: pick(p, 'visitors'),
      });
    }
  }
  return { namespace: str(pick(content, 'metadata', 'namespace')), name, protocol: str(pick(content, 'spec', 'protocol')), properties };
}

/** `<ns>/<name>` of a Device object, or undefined. */
export function deviceIdOf(content: unknown): string | undefined {
  const name = str(pick(content, 'metadata', 'name'));
  const namespace = str(pick(content, 'metadata', 'namespace'));
  return name ? `${namespace}/${name}` : undefined;
}

/**
 * A Device read against its model (the model's visitors are defaults a device property overrides,
 * as edgecore's GetOverriddenDevice does). `model` may be undefined when the model has not arrived.
 */
export function parseDevice(content: unknown, model: DeviceModelSpec | undefined): DeviceSpec | undefined {
  const name = str(pick(content, 'metadata', 'name'));
  if (!name) return undefined;
  const namespace = str(pick(content, 'metadata', 'namespace'));
  const protocolName = str(pick(content, 'spec', 'protocol', 'protocolName')) || model?.protocol || '';
  const configData = obj(pick(content, 'spec', 'protocol', 'configData'));
  const properties: DevicePropertySpec[] = [];
  const list = pick(content, 'spec', 'properties');
  if (Array.isArray(list)) {
    for (const p of list as unknown[]) {
      const pname = str(pick(p, 'name'));
      if (!pname) continue;
      const mp = model?.properties.get(pname);
      const visitors = pick(p, 'visitors') ?? mp?.visitors;
      const modelType = mp?.type ?? '';
      properties.push({
        name: pname,
        desired: str(pick(p, 'desired', 'value')),
        collectCycleMs: cycleMs(pick(p, 'collectCycle')),
        reportToCloud: bool(pick(p, 'reportToCloud')),
        visitor: parseVisitor(protocolName, visitors, modelType),
        accessMode: mp?.accessMode ?? 'ReadWrite',
        modelType,
      });
    }
  }
  const stateReport = obj(pick(content, 'spec', 'stateReport')) ?? obj(pick(content, 'status'));
  return {
    namespace,
    name,
    id: `${namespace}/${name}`,
    uid: str(pick(content, 'metadata', 'uid')),
    resourceVersion: str(pick(content, 'metadata', 'resourceVersion')),
    modelName: str(pick(content, 'spec', 'deviceModelRef', 'name')),
    protocolName,
    endpoint: parseEndpoint(protocolName, configData),
    properties,
    stateReport: { reportToCloud: bool(stateReport?.reportToCloud), reportCycleMs: cycleMs(stateReport?.reportCycle) },
  };
}

function parseEndpoint(protocol: string, config: Record<string, unknown> | undefined): EndpointSpec | undefined {
  if (!config) return undefined;
  if (protocol === 'modbus') {
    // Flat (ip, port, slaveID) as the mapper-framework modbus drivers read it, or v1alpha2's nested `tcp`.
    const tcp = obj(config.tcp);
    const host = str(config.ip) || str(config.host) || str(tcp?.ip);
    const port = num(config.port) ?? num(tcp?.port) ?? 502;
    const unitId = num(config.slaveID) ?? num(config.unitId) ?? 1;
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
    return { protocol: 'modbus', host, port, unitId: unitId & 0xff };
  }
  if (protocol === 'onvif') {
    // mapper-framework's onvif driver takes `url` as host:port (the camera's xaddr without a path).
    const raw = str(config.url);
    if (!raw) return undefined;
    let url: URL;
    try {
      url = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
    } catch {
      return undefined;
    }
    const port = url.port ? Number(url.port) : 80;
    const path = url.pathname && url.pathname !== '/' ? url.pathname : '/onvif/device_service';
    return { protocol: 'onvif', host: url.hostname, port, path, userName: str(config.userName), password: str(config.password) };
  }
  return undefined;
}

/** The register data type a model property type implies when the visitor names none. */
function defaultDataType(modelType: string, limit: number): RegisterDataType {
  switch (modelType) {
    case 'float':
      return 'float32';
    case 'double':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    default:
      // mappers-go's TransferData reads an int of one register as uint16, of two as uint32.
      return limit >= 2 ? 'uint32' : 'uint16';
  }
}

function parseVisitor(protocol: string, visitors: unknown, modelType: string): PropertyVisitor | undefined {
  const config = obj(pick(visitors, 'configData'));
  if (!config) return undefined;
  const visitorProtocol = str(pick(visitors, 'protocolName')) || protocol;
  if (visitorProtocol === 'modbus') {
    const register = str(config.register);
    if (!(MODBUS_REGISTERS as readonly string[]).includes(register)) return undefined;
    const offset = num(config.offset);
    if (offset === undefined || !Number.isInteger(offset) || offset < 0 || offset > 0xffff) return undefined;
    const declared = str(config.dataType).toLowerCase();
    const limitIn = num(config.limit);
    const dataType = (REGISTER_DATA_TYPES as readonly string[]).includes(declared)
      ? (declared as RegisterDataType)
      : defaultDataType(modelType, limitIn ?? 1);
    const limit = limitIn !== undefined && Number.isInteger(limitIn) && limitIn > 0 ? limitIn : dataType === 'string' ? 1 : REGISTER_WIDTH[dataType];
    const scale = num(config.scale);
    return {
      protocol: 'modbus',
      register: register as ModbusRegister,
      offset,
      limit,
      scale: scale === undefined || scale === 0 ? 1 : scale,
      isSwap: bool(config.isSwap),
      isRegisterSwap: bool(config.isRegisterSwap),
      dataType,
    };
  }
  if (visitorProtocol === 'onvif') {
    const operation = str(config.operation) || 'GetDeviceInformation';
    if (!(ONVIF_OPERATIONS as readonly string[]).includes(operation)) return undefined;
    return { protocol: 'onvif', operation: operation as OnvifOperation, field: str(config.field) || 'Model' };
  }
  return undefined;
}
