/**
 * WS-Discovery (2005/04, as ONVIF uses it) messages: Probe and ProbeMatches, built with
 * XMLBuilder and read through the namespace-resolving XML tree. Used by the camera's responder
 * and by anything that probes it.
 */
import { FrameMalformedError } from '../../sim/errors.js';
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import { buildSoapEnvelope, type XmlObject } from '../../sim/protocol/devices/soap-builder.js';
import { DISCOVERY_NAMESPACES } from './onvif-namespaces.js';
import { readSoapRequest, type SoapRequest } from './soap-envelope.js';
import { SoapFault } from './soap-fault.js';
import { attributeValue, childElement, childElements, childText, type XmlElement } from './xml-tree.js';

export const PROBE_ACTION = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe';
export const PROBE_MATCHES_ACTION = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches';
export const DISCOVERY_TO = 'urn:schemas-xmlsoap-org:ws:2005:04:discovery';
export const ANONYMOUS_TO = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';
export const MATCH_BY_RFC3986 = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986';
export const MATCH_BY_STRCMP0 = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0';

/** A qualified name with its namespace resolved. */
export interface DiscoveryType {
  readonly ns: string;
  readonly local: string;
}

export const NETWORK_VIDEO_TRANSMITTER: DiscoveryType = { ns: Ns.network, local: 'NetworkVideoTransmitter' };
export const ONVIF_DEVICE: DiscoveryType = { ns: Ns.device, local: 'Device' };

export interface Probe {
  readonly messageId: string;
  /** Empty: any type. */
  readonly types: readonly DiscoveryType[];
  /** Empty: any scope. */
  readonly scopes: readonly string[];
  readonly matchBy: string;
}

export interface ProbeMatch {
  readonly endpointAddress: string;
  readonly types: readonly DiscoveryType[];
  readonly scopes: readonly string[];
  readonly xaddrs: readonly string[];
  readonly metadataVersion: number;
}

export interface ProbeMatches {
  readonly messageId: string;
  readonly relatesTo: string;
  readonly instanceId: number;
  readonly messageNumber: number;
  readonly matches: readonly ProbeMatch[];
}

export function buildProbe(probe: Omit<Probe, 'matchBy'> & { matchBy?: string }): string {
  return buildSoapEnvelope({
    namespaces: DISCOVERY_NAMESPACES,
    header: {
      'wsa:MessageID': probe.messageId,
      'wsa:To': DISCOVERY_TO,
      'wsa:Action': PROBE_ACTION,
    },
    body: {
      'd:Probe': {
        'd:Types': probe.types.length > 0 ? qnameList(probe.types) : undefined,
        'd:Scopes':
          probe.scopes.length > 0 ? { '@_MatchBy': probe.matchBy, '#text': probe.scopes.join(' ') } : undefined,
      },
    },
  });
}

export function buildProbeMatches(message: ProbeMatches): string {
  return buildSoapEnvelope({
    namespaces: DISCOVERY_NAMESPACES,
    header: {
      'wsa:MessageID': message.messageId,
      'wsa:RelatesTo': message.relatesTo,
      'wsa:To': ANONYMOUS_TO,
      'wsa:Action': PROBE_MATCHES_ACTION,
      'd:AppSequence': { '@_InstanceId': String(message.instanceId), '@_MessageNumber': String(message.messageNumber) },
    },
    body: {
      'd:ProbeMatches': {
        'd:ProbeMatch': message.matches.map((match) => ({
          'wsa:EndpointReference': { 'wsa:Address': match.endpointAddress },
          'd:Types': qnameList(match.types),
          'd:Scopes': match.scopes.join(' '),
          'd:XAddrs': match.xaddrs.join(' '),
          'd:MetadataVersion': match.metadataVersion,
        })),
      },
    },
  });
}

/** Reads a datagram that should be a Probe; undefined for any other WS-Discovery message (Hello, Resolve…). */
export function parseProbe(text: string): Probe | undefined {
  const { header, operation } = readDiscoveryEnvelope(text);
  if (operation.ns !== Ns.wsDiscovery || operation.local !== 'Probe') return undefined;
  const messageId = addressingHeader(header, 'MessageID');
  if (messageId === undefined || messageId === '') throw new FrameMalformedError('a Probe needs a wsa:MessageID to be answered', { protocol: 'ws-discovery' });
  const typesElement = childElement(operation, Ns.wsDiscovery, 'Types');
  const scopesElement = childElement(operation, Ns.wsDiscovery, 'Scopes');
  return {
    messageId,
    types: typesElement === undefined ? [] : readQNameList(typesElement),
    scopes: words(scopesElement?.text ?? ''),
    matchBy: (scopesElement === undefined ? undefined : attributeValue(scopesElement, 'MatchBy')) ?? MATCH_BY_RFC3986,
  };
}

export function parseProbeMatches(text: string): ProbeMatches {
  const { header, operation } = readDiscoveryEnvelope(text);
  if (operation.ns !== Ns.wsDiscovery || operation.local !== 'ProbeMatches') {
    throw new FrameMalformedError(`expected ProbeMatches, got {${operation.ns}}${operation.local}`, { protocol: 'ws-discovery' });
  }
  const appSequence = childElement(header, Ns.wsDiscovery, 'AppSequence');
  return {
    messageId: addressingHeader(header, 'MessageID') ?? '',
    relatesTo: addressingHeader(header, 'RelatesTo') ?? '',
    instanceId: Number(appSequence === undefined ? NaN : attributeValue(appSequence, 'InstanceId')),
    messageNumber: Number(appSequence === undefined ? NaN : attributeValue(appSequence, 'MessageNumber')),
    matches: childElements(operation, Ns.wsDiscovery, 'ProbeMatch').map((match) => {
      const reference = childElement(match, Ns.wsAddressing2004, 'EndpointReference');
      const typesElement = childElement(match, Ns.wsDiscovery, 'Types');
      return {
        endpointAddress: childText(reference, Ns.wsAddressing2004, 'Address') ?? '',
        types: typesElement === undefined ? [] : readQNameList(typesElement),
        scopes: words(childText(match, Ns.wsDiscovery, 'Scopes') ?? ''),
        xaddrs: words(childText(match, Ns.wsDiscovery, 'XAddrs') ?? ''),
        metadataVersion: Number(childText(match, Ns.wsDiscovery, 'MetadataVersion') ?? NaN),
      };
    }),
  };
}

function readDiscoveryEnvelope(text: string): SoapRequest {
  try {
    return readSoapRequest(text);
  } catch (error) {
    // Over UDP nobody gets a fault back; the datagram is simply not a discovery message.
    if (error instanceof SoapFault) throw new FrameMalformedError(error.detail ?? error.reason, { protocol: 'ws-discovery' });
    throw error;
  }
}

/** WS-Addressing headers come in the 2004/08 namespace from ONVIF clients; 2005/08 is accepted too. */
function addressingHeader(header: XmlElement | undefined, local: string): string | undefined {
  return childText(header, Ns.wsAddressing2004, local) ?? childText(header, Ns.wsAddressing2005, local);
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

function readQNameList(element: XmlElement): DiscoveryType[] {
  return words(element.text).map((qname) => {
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const ns = element.resolvePrefix(prefix);
    if (ns === undefined) throw new FrameMalformedError(`type ${qname} uses an undeclared prefix`, { protocol: 'ws-discovery' });
    return { ns, local: qname.slice(colon + 1) };
  });
}

/** A QName list in the prefixes DISCOVERY_NAMESPACES declares, with extra declarations for other namespaces. */
function qnameList(types: readonly DiscoveryType[]): XmlObject {
  const prefixByNs = new Map(Object.entries(DISCOVERY_NAMESPACES).map(([prefix, ns]) => [ns, prefix] as const));
  const extra: Record<string, string> = {};
  const names = types.map((type) => {
    let prefix = prefixByNs.get(type.ns);
    if (prefix === undefined) {
      prefix = `t${prefixByNs.size}`;
      prefixByNs.set(type.ns, prefix);
      extra[`@_xmlns:${prefix}`] = type.ns;
    }
    return `${prefix}:${type.local}`;
  });
  return { ...extra, '#text': names.join(' ') };
}
