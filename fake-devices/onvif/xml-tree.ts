/**
 * Reads XML from the network into a small element tree with namespaces resolved, so SOAP and
 * WS-Discovery code matches elements on (namespace URI, local name) whatever prefixes the sender
 * used. Rejects what SOAP forbids (a DTD) and anything not well-formed with FrameMalformedError.
 */
import { XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';
import { FrameMalformedError } from '../../sim/errors.js';
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';

export interface XmlAttribute {
  /** '' for an unprefixed attribute: attributes do not take the default namespace. */
  readonly ns: string;
  readonly local: string;
  readonly value: string;
}

export interface XmlElement {
  /** '' when the element is in no namespace. */
  readonly ns: string;
  readonly local: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** The element's own character data (not its descendants'), entities decoded, trimmed. */
  readonly text: string;
  /** The namespace a prefix is bound to at this element ('' is the default namespace), for QName-valued text. */
  resolvePrefix(prefix: string): string | undefined;
}

/** One parsed entry in fast-xml-parser's preserveOrder form: a tag name → children, plus ':@' for attributes. */
type OrderedEntry = Record<string, unknown>;

const ATTRIBUTES_KEY = ':@';
const TEXT_KEY = '#text';

/**
 * Decodes only XML's predefined entities and character references. A document type declaration
 * (where other entities would come from) only marks the document as forbidden.
 */
class SoapEntityDecoder implements EntityDecoderOptions {
  sawDoctype = false;
  setExternalEntities(): void {}
  addInputEntities(): void {
    this.sawDoctype = true;
  }
  reset(): void {
    this.sawDoctype = false;
  }
  setXmlVersion(): void {}
  decode(text: string): string {
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, ref: string) => {
      switch (ref) {
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'amp':
          return '&';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
        default: {
          const codePoint = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
          if (codePoint === 0 || codePoint > 0x10ffff) throw new FrameMalformedError(`character reference &${ref}; is not a character`, { protocol: 'xml' });
          return String.fromCodePoint(codePoint);
        }
      }
    });
  }
}

const entityDecoder = new SoapEntityDecoder();
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  entityDecoder,
  maxNestedTags: 64,
});

/** Parses one XML document. Throws FrameMalformedError saying what is wrong and where. */
export function parseXmlTree(text: string): XmlElement {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new FrameMalformedError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`, { protocol: 'xml', line: valid.err.line, column: valid.err.col });
  }
  let entries: unknown;
  try {
    // parse() is synchronous, so the shared decoder's DOCTYPE flag belongs to this document.
    entries = parser.parse(text);
  } catch (error) {
    if (error instanceof FrameMalformedError) throw error;
    throw new FrameMalformedError(`not well-formed XML: ${error instanceof Error ? error.message : String(error)}`, { protocol: 'xml' });
  }
  if (entityDecoder.sawDoctype) throw new FrameMalformedError('a document type declaration is not allowed in a SOAP message', { protocol: 'xml' });
  const roots = toElements(asEntries(entries), new Map([['xml', Ns.xml]]));
  const root = roots[0];
  if (roots.length !== 1 || root === undefined) throw new FrameMalformedError(`expected one root element, found ${roots.length}`, { protocol: 'xml' });
  return root;
}

/** The first child element with this namespace and local name. */
export function childElement(parent: XmlElement | undefined, ns: string, local: string): XmlElement | undefined {
  return parent?.children.find((c) => c.ns === ns && c.local === local);
}

/** Every child element with this namespace and local name. */
export function childElements(parent: XmlElement | undefined, ns: string, local: string): XmlElement[] {
  return parent?.children.filter((c) => c.ns === ns && c.local === local) ?? [];
}

/** The text of the first matching child, or undefined when there is no such child. */
export function childText(parent: XmlElement | undefined, ns: string, local: string): string | undefined {
  return childElement(parent, ns, local)?.text;
}

export function attributeValue(element: XmlElement, local: string, ns = ''): string | undefined {
  return element.attributes.find((a) => a.ns === ns && a.local === local)?.value;
}

function asEntries(value: unknown): OrderedEntry[] {
  if (!Array.isArray(value)) throw new FrameMalformedError('XML parser returned no element list', { protocol: 'xml' });
  return value.filter((v): v is OrderedEntry => typeof v === 'object' && v !== null);
}

function splitQName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

function toElements(entries: OrderedEntry[], scope: ReadonlyMap<string, string>): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const entry of entries) {
    const name = Object.keys(entry).find((k) => k !== ATTRIBUTES_KEY);
    if (name === undefined || name === TEXT_KEY) continue;
    elements.push(toElement(name, entry, scope));
  }
  return elements;
}

function toElement(qname: string, entry: OrderedEntry, parentScope: ReadonlyMap<string, string>): XmlElement {
  const rawAttributes = entry[ATTRIBUTES_KEY];
  const declared = typeof rawAttributes === 'object' && rawAttributes !== null ? Object.entries(rawAttributes as Record<string, unknown>) : [];
  let scope = parentScope;
  for (const [name, value] of declared) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    if (scope === parentScope) scope = new Map(parentScope);
    (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice('xmlns:'.length), String(value));
  }
  const { prefix, local } = splitQName(qname);
  const ns = scope.get(prefix);
  if (ns === undefined) {
    if (prefix !== '') throw new FrameMalformedError(`element <${qname}> uses the undeclared prefix ${JSON.stringify(prefix)}`, { protocol: 'xml', element: qname });
  }
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of declared) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const attr = splitQName(name);
    const attrNs = attr.prefix === '' ? '' : scope.get(attr.prefix);
    if (attrNs === undefined) throw new FrameMalformedError(`attribute ${name} on <${qname}> uses an undeclared prefix`, { protocol: 'xml', element: qname });
    attributes.push({ ns: attrNs, local: attr.local, value: String(value) });
  }
  const childEntries = asEntries(entry[qname]);
  let text = '';
  for (const child of childEntries) {
    const value = child[TEXT_KEY];
    if (value !== undefined) text += String(value);
  }
  const finalScope = scope;
  return {
    ns: ns ?? '',
    local,
    attributes,
    children: toElements(childEntries, finalScope),
    text: text.trim(),
    resolvePrefix: (p: string) => finalScope.get(p),
  };
}
