/**
 * SOAP 1.2 faults as a fake camera answers them, with the ONVIF subcodes (ter:…) of the ONVIF
 * Core specification's generic fault table, and the HTTP status the SOAP 1.2 HTTP binding gives
 * each fault code (env:Sender → 400, anything else → 500).
 *
 * SoapFault is not a TwinlabError: it is the camera's answer on the wire, thrown by a handler to
 * end a request early and turned into a response; it never leaves the camera.
 */
import type { XmlObject } from '../../sim/protocol/devices/soap-builder.js';

export type SoapFaultCode = 'env:Sender' | 'env:Receiver' | 'env:VersionMismatch' | 'env:MustUnderstand';

export class SoapFault extends Error {
  readonly faultCode: SoapFaultCode;
  /** Outermost first, as qualified names in the ter: namespace (e.g. ['ter:InvalidArgVal', 'ter:NoProfile']). */
  readonly subcodes: readonly string[];
  readonly reason: string;
  readonly detail: string | undefined;

  constructor(faultCode: SoapFaultCode, subcodes: readonly string[], reason: string, detail?: string) {
    super(`${[faultCode, ...subcodes].join(' / ')}: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = new.target.name;
    this.faultCode = faultCode;
    this.subcodes = subcodes;
    this.reason = reason;
    this.detail = detail;
  }

  get httpStatus(): number {
    return this.faultCode === 'env:Sender' ? 400 : 500;
  }

  /** The innermost subcode, the one that says most precisely what happened. */
  get kind(): string {
    return this.subcodes[this.subcodes.length - 1] ?? this.faultCode;
  }

  /** The env:Fault element, for an env:Body. */
  toBody(): XmlObject {
    return {
      'env:Fault': {
        'env:Code': { 'env:Value': this.faultCode, ...nestSubcodes(this.subcodes) },
        'env:Reason': { 'env:Text': { '@_xml:lang': 'en', '#text': this.reason } },
        ...(this.detail === undefined ? {} : { 'env:Detail': { 'env:Text': this.detail } }),
      },
    };
  }
}

function nestSubcodes(subcodes: readonly string[]): XmlObject {
  const [first, ...rest] = subcodes;
  if (first === undefined) return {};
  return { 'env:Subcode': { 'env:Value': first, ...nestSubcodes(rest) } };
}

/** The faults a camera sends, by what went wrong. */
export const SoapFaults = {
  notAuthorized: (detail: string) => new SoapFault('env:Sender', ['ter:NotAuthorized'], 'Sender not Authorized', detail),
  wellFormed: (detail: string) => new SoapFault('env:Sender', ['ter:WellFormed'], 'Well-formed Error', detail),
  tagMismatch: (detail: string) => new SoapFault('env:Sender', ['ter:TagMismatch'], 'Tag Mismatch', detail),
  missingTag: (detail: string) => new SoapFault('env:Sender', ['ter:Tag'], 'No Tag', detail),
  versionMismatch: () => new SoapFault('env:VersionMismatch', [], 'SOAP version mismatch', 'this device speaks SOAP 1.2 only'),
  mustUnderstand: (header: string) => new SoapFault('env:MustUnderstand', [], 'SOAP header blocks not understood', header),
  unknownAction: (action: string) => new SoapFault('env:Sender', ['ter:UnknownAction'], 'Unknown Action', action),
  actionNotSupported: (action: string) => new SoapFault('env:Receiver', ['ter:ActionNotSupported'], 'Optional Action Not Implemented', action),
  noSuchService: (service: string) => new SoapFault('env:Receiver', ['ter:ActionNotSupported', 'ter:NoSuchService'], 'No such service', service),
  invalidArgVal: (subcode: string, detail: string) => new SoapFault('env:Sender', ['ter:InvalidArgVal', subcode], 'Argument Value Invalid', detail),
  noProfile: (token: string) => new SoapFault('env:Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], 'Argument Value Invalid', `no profile with token ${JSON.stringify(token)}`),
  actionFailed: (detail: string) => new SoapFault('env:Receiver', ['ter:Action'], 'Action Failed', detail),
} as const;
