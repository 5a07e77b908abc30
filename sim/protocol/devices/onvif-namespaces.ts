/**
 * The XML namespaces of ONVIF's SOAP services and of the WS-* specifications they use, for both
 * ends of the wire (the virtual mappers' ONVIF client and the fake cameras). Messages are matched
 * on these URIs, never on the prefixes a peer happened to choose.
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
