/** The prefixes a fake ONVIF camera declares on what it sends. */
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';

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
