/**
 * SOAP 1.2 envelopes as a camera reads them: a request into its header and its one operation
 * element, or the fault the sender gets back; and a fault as a complete envelope.
 */
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import { buildSoapEnvelope } from '../../sim/protocol/devices/soap-builder.js';
import { FrameMalformedError } from '../../sim/errors.js';
import { SoapFault, SoapFaults } from './soap-fault.js';
import { attributeValue, childElement, parseXmlTree, type XmlElement } from './xml-tree.js';

export interface SoapRequest {
  readonly header: XmlElement | undefined;
  /** The first element of env:Body: the operation asked for. */
  readonly operation: XmlElement;
}

/** Header blocks a camera processes; any other block marked mustUnderstand earns env:MustUnderstand. */
const UNDERSTOOD_HEADER_NAMESPACES = new Set<string>([Ns.wsSecurity, Ns.wsAddressing2004, Ns.wsAddressing2005]);

/** Reads a SOAP 1.2 request. Throws the SoapFault the sender should get back when it is not one. */
export function readSoapRequest(text: string): SoapRequest {
  let root: XmlElement;
  try {
    root = parseXmlTree(text);
  } catch (error) {
    if (error instanceof FrameMalformedError) throw SoapFaults.wellFormed(error.reason);
    throw error;
  }
  if (root.local === 'Envelope' && root.ns === Ns.soap11Envelope) throw SoapFaults.versionMismatch();
  if (root.local !== 'Envelope' || root.ns !== Ns.soapEnvelope) {
    throw SoapFaults.tagMismatch(`root element is {${root.ns}}${root.local}, expected a SOAP 1.2 Envelope`);
  }
  const header = childElement(root, Ns.soapEnvelope, 'Header');
  for (const block of header?.children ?? []) {
    const mustUnderstand = attributeValue(block, 'mustUnderstand', Ns.soapEnvelope);
    if ((mustUnderstand === 'true' || mustUnderstand === '1') && !UNDERSTOOD_HEADER_NAMESPACES.has(block.ns)) {
      throw SoapFaults.mustUnderstand(`{${block.ns}}${block.local}`);
    }
  }
  const body = childElement(root, Ns.soapEnvelope, 'Body');
  if (body === undefined) throw SoapFaults.missingTag('the envelope has no Body');
  const operation = body.children[0];
  if (operation === undefined) throw SoapFaults.missingTag('the Body names no operation');
  return { header, operation };
}

/** A fault as a complete envelope, ready to send. */
export function buildFaultEnvelope(fault: SoapFault, namespaces: Readonly<Record<string, string>>): string {
  return buildSoapEnvelope({ namespaces, body: fault.toBody() });
}
