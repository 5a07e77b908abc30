/**
 * SOAP 1.2 envelopes as text, built with fast-xml-parser's XMLBuilder so text and attributes are
 * always escaped: the requests the virtual mappers' ONVIF client sends and the answers the fake
 * cameras give. The envelope's own prefix is `env`.
 */
import { XMLBuilder } from 'fast-xml-parser';

/**
 * What XMLBuilder turns into XML: keys are qualified element names, '@_name' keys are attributes,
 * '#text' is character data, arrays repeat an element, undefined leaves it out.
 */
export type XmlValue = string | number | XmlObject | readonly XmlValue[] | undefined;
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

/** An envelope declaring `namespaces` (prefix → URI; `env` must be the SOAP 1.2 envelope's). */
export function buildSoapEnvelope(parts: { namespaces: Readonly<Record<string, string>>; header?: XmlObject; body: XmlObject }): string {
  const declarations: Record<string, string> = {};
  for (const [prefix, uri] of Object.entries(parts.namespaces)) declarations[`@_xmlns:${prefix}`] = uri;
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'env:Envelope': { ...declarations, 'env:Header': parts.header, 'env:Body': parts.body },
  }) as string;
}
