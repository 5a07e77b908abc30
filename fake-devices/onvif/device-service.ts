/**
 * The ONVIF device service (tds): clock, identity, services and capabilities, scopes, hostname,
 * reboot — everything the onvif client's connect sequence asks before it reaches media.
 */
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import type { XmlObject } from '../../sim/protocol/devices/soap-builder.js';
import type { CameraEndpoints, SoapAction } from './soap-action.js';
import { SoapFaults } from './soap-fault.js';
import { childElements, childText } from './xml-tree.js';

/** The ONVIF release the services report (GetServices Version, GetCapabilities SupportedVersions). */
const ONVIF_VERSION = { major: 21, minor: 12 } as const;

const bool = (value: boolean): string => (value ? 'true' : 'false');

function dateTimeElement(date: Date): XmlObject {
  return {
    'tt:Time': { 'tt:Hour': date.getUTCHours(), 'tt:Minute': date.getUTCMinutes(), 'tt:Second': date.getUTCSeconds() },
    'tt:Date': { 'tt:Year': date.getUTCFullYear(), 'tt:Month': date.getUTCMonth() + 1, 'tt:Day': date.getUTCDate() },
  };
}

function version(): XmlObject {
  return { 'tt:Major': ONVIF_VERSION.major, 'tt:Minor': ONVIF_VERSION.minor };
}

/** tt:Capabilities sections by GetCapabilities category. */
function capabilitySections(endpoints: CameraEndpoints): Record<'Device' | 'Media', XmlObject> {
  return {
    Device: {
      'tt:XAddr': endpoints.deviceXAddr,
      'tt:Network': { 'tt:IPFilter': bool(false), 'tt:ZeroConfiguration': bool(false), 'tt:IPVersion6': bool(false), 'tt:DynDNS': bool(false) },
      'tt:System': {
        'tt:DiscoveryResolve': bool(false),
        'tt:DiscoveryBye': bool(false),
        'tt:RemoteDiscovery': bool(false),
        'tt:SystemBackup': bool(false),
        'tt:SystemLogging': bool(false),
        'tt:FirmwareUpgrade': bool(false),
        'tt:SupportedVersions': version(),
      },
      'tt:IO': { 'tt:InputConnectors': 0, 'tt:RelayOutputs': 0 },
      'tt:Security': {
        'tt:TLS1.1': bool(false),
        'tt:TLS1.2': bool(false),
        'tt:OnboardKeyGeneration': bool(false),
        'tt:AccessPolicyConfig': bool(false),
        'tt:X.509Token': bool(false),
        'tt:SAMLToken': bool(false),
        'tt:KerberosToken': bool(false),
        'tt:RELToken': bool(false),
      },
    },
    Media: {
      'tt:XAddr': endpoints.mediaXAddr,
      'tt:StreamingCapabilities': { 'tt:RTPMulticast': bool(false), 'tt:RTP_TCP': bool(true), 'tt:RTP_RTSP_TCP': bool(true) },
    },
  };
}

const CATEGORIES_NOT_OFFERED = new Set(['Analytics', 'Events', 'Imaging', 'PTZ']);

const getSystemDateAndTime: SoapAction = {
  namespace: Ns.device,
  name: 'GetSystemDateAndTime',
  // ONVIF lets a client read the clock before it can authenticate: the digest's Created comes from it.
  anonymous: true,
  handle: (_request, context) => {
    const now = context.now();
    return {
      'tds:GetSystemDateAndTimeResponse': {
        'tds:SystemDateAndTime': {
          'tt:DateTimeType': 'NTP',
          'tt:DaylightSavings': bool(false),
          'tt:TimeZone': { 'tt:TZ': 'UTC0' },
          'tt:UTCDateTime': dateTimeElement(now),
          'tt:LocalDateTime': dateTimeElement(now),
        },
      },
    };
  },
};

const getCapabilities: SoapAction = {
  namespace: Ns.device,
  name: 'GetCapabilities',
  handle: (request, context) => {
    const asked = childElements(request, Ns.device, 'Category').map((c) => c.text);
    const sections = capabilitySections(context.endpoints);
    const all = asked.length === 0 || asked.includes('All');
    for (const category of asked) {
      if (CATEGORIES_NOT_OFFERED.has(category)) throw SoapFaults.noSuchService(category);
      if (category !== 'All' && category !== 'Device' && category !== 'Media') throw SoapFaults.invalidArgVal('ter:InvalidArgs', `unknown category ${JSON.stringify(category)}`);
    }
    return {
      'tds:GetCapabilitiesResponse': {
        'tds:Capabilities': {
          'tt:Device': all || asked.includes('Device') ? sections.Device : undefined,
          'tt:Media': all || asked.includes('Media') ? sections.Media : undefined,
          'tt:Extension': all
            ? {
                'tt:DeviceIO': {
                  'tt:XAddr': context.endpoints.deviceIoXAddr,
                  'tt:VideoSources': 1,
                  'tt:VideoOutputs': 0,
                  'tt:AudioSources': 0,
                  'tt:AudioOutputs': 0,
                  'tt:RelayOutputs': 0,
                },
              }
            : undefined,
        },
      },
    };
  },
};

const getServices: SoapAction = {
  namespace: Ns.device,
  name: 'GetServices',
  handle: (request, context) => {
    const includeCapability = childText(request, Ns.device, 'IncludeCapability') === 'true';
    const { endpoints } = context;
    const service = (namespace: string, xaddr: string, capabilities: XmlObject): XmlObject => ({
      'tds:Namespace': namespace,
      'tds:XAddr': xaddr,
      'tds:Capabilities': includeCapability ? capabilities : undefined,
      'tds:Version': version(),
    });
    return {
      'tds:GetServicesResponse': {
        'tds:Service': [
          service(Ns.device, endpoints.deviceXAddr, {
            'tds:Capabilities': {
              'tds:Network': { '@_IPFilter': 'false', '@_ZeroConfiguration': 'false', '@_IPVersion6': 'false', '@_DynDNS': 'false' },
              'tds:Security': { '@_UsernameToken': 'true', '@_HttpDigest': 'false', '@_TLS1.2': 'false' },
              'tds:System': { '@_DiscoveryResolve': 'false', '@_DiscoveryBye': 'false', '@_RemoteDiscovery': 'false', '@_SystemBackup': 'false', '@_FirmwareUpgrade': 'false' },
            },
          }),
          service(Ns.media, endpoints.mediaXAddr, {
            'trt:Capabilities': {
              '@_SnapshotUri': 'true',
              '@_Rotation': 'false',
              'trt:ProfileCapabilities': { '@_MaximumNumberOfProfiles': '2' },
              'trt:StreamingCapabilities': { '@_RTPMulticast': 'false', '@_RTP_TCP': 'true', '@_RTP_RTSP_TCP': 'true' },
            },
          }),
          service(Ns.deviceIo, endpoints.deviceIoXAddr, {
            'tmd:Capabilities': { '@_VideoSources': '1', '@_VideoOutputs': '0', '@_AudioSources': '0', '@_AudioOutputs': '0', '@_RelayOutputs': '0' },
          }),
        ],
      },
    };
  },
};

const getDeviceInformation: SoapAction = {
  namespace: Ns.device,
  name: 'GetDeviceInformation',
  handle: (_request, { identity }) => ({
    'tds:GetDeviceInformationResponse': {
      'tds:Manufacturer': identity.manufacturer,
      'tds:Model': identity.model,
      'tds:FirmwareVersion': identity.firmwareVersion,
      'tds:SerialNumber': identity.serialNumber,
      'tds:HardwareId': identity.hardwareId,
    },
  }),
};

const getScopes: SoapAction = {
  namespace: Ns.device,
  name: 'GetScopes',
  handle: (_request, { scopes }) => ({
    'tds:GetScopesResponse': { 'tds:Scopes': scopes.map((scope) => ({ 'tt:ScopeDef': 'Fixed', 'tt:ScopeItem': scope })) },
  }),
};

const getHostname: SoapAction = {
  namespace: Ns.device,
  name: 'GetHostname',
  handle: (_request, { identity }) => ({
    'tds:GetHostnameResponse': { 'tds:HostnameInformation': { 'tt:FromDHCP': bool(false), 'tt:Name': identity.hostname } },
  }),
};

const systemReboot: SoapAction = {
  namespace: Ns.device,
  name: 'SystemReboot',
  handle: (_request, context) => {
    context.beginReboot();
    return { 'tds:SystemRebootResponse': { 'tds:Message': `Rebooting in ${Math.ceil(context.rebootMs / 1000)} seconds` } };
  },
};

export const DEVICE_ACTIONS: readonly SoapAction[] = [
  getSystemDateAndTime,
  getCapabilities,
  getServices,
  getDeviceInformation,
  getScopes,
  getHostname,
  systemReboot,
];
