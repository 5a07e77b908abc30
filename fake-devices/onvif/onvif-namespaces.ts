/**
 * The XML namespaces a fake ONVIF camera speaks, and the prefixes it declares on what it sends.
 * Requests are matched on namespace URIs, never on the prefixes a client happened to choose.
 */

export const Ns = {
  soapEnvelope: 'http://www.w3.org/2003/05/soap-envelope',
  /** SOAP 1.1: recognised only to answer env:VersionMismatch. */
  soap11Envelope: 'http://schemas.xmlsoap.org/soap/envelope/',
  onvifError: 'http://www.onvif.org/ver10/error',
  onvifSchema: 'http://www.onvif.org/ver10/schema',
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  deviceIo: 'http://www.onvif.org/ver10/deviceIO/wsdl',
  network: 'http://www.onvif.org/ver10/network/wsdl',
  wsSecurity: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsSecurityUtility: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  /** WS-Addressing as WS-Discovery 2005/04 uses it. */
  wsAddressing2004: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsAddressing2005: 'http://www.w3.org/2005/08/addressing',
  wsDiscovery: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** Prefix → URI declared on the envelope of every SOAP answer a camera sends. */
export const CAMERA_RESPONSE_NAMESPACES: Readonly<Record<string, string>> = {
  env: Ns.soapEnvelope,
  ter: Ns.onvifError,
  tt: Ns.onvifSchema,
  tds: Ns.device,
  trt: Ns.media,
  tmd: Ns.deviceIo,
};

/** Prefix → URI declared on WS-Discovery messages. */
export const DISCOVERY_NAMESPACES: Readonly<Record<string, string>> = {
  env: Ns.soapEnvelope,
  wsa: Ns.wsAddressing2004,
  d: Ns.wsDiscovery,
  dn: Ns.network,
  tds: Ns.device,
};
