import { describe, expect, it } from 'vitest';
import { FrameMalformedError } from '../../sim/errors.js';
import { attributeValue, childElement, parseXmlTree } from './xml-tree.js';

describe('parseXmlTree', () => {
  it('resolves element and attribute namespaces whatever the prefixes', () => {
    const root = parseXmlTree(
      '<?xml version="1.0"?><a:Root xmlns:a="urn:one" xmlns="urn:default"><Child a:flag="x" plain="y">text</Child><b:Other xmlns:b="urn:one"/></a:Root>',
    );
    expect(root).toMatchObject({ ns: 'urn:one', local: 'Root' });
    const child = childElement(root, 'urn:default', 'Child');
    expect(child?.text).toBe('text');
    expect(attributeValue(child!, 'flag', 'urn:one')).toBe('x');
    expect(attributeValue(child!, 'plain')).toBe('y');
    expect(childElement(root, 'urn:one', 'Other')).toBeDefined();
    expect(child?.resolvePrefix('a')).toBe('urn:one');
  });

  it('decodes predefined entities and character references in text and attributes', () => {
    const root = parseXmlTree('<r q="a&amp;b&#x41;">x &lt; y &amp;&amp; &#65;&#x263A; <![CDATA[<raw>]]></r>');
    expect(root.text).toBe('x < y && A☺ <raw>');
    expect(attributeValue(root, 'q')).toBe('a&bA');
  });

  it.each([
    ['garbage', 'this is not xml'],
    ['an unclosed tag', '<a><b></a>'],
    ['an empty body', ''],
    ['a DTD with entities', '<!DOCTYPE r [<!ENTITY e "boom">]><r>&e;</r>'],
    ['an undeclared prefix', '<x:r/>'],
    ['two roots', '<a/><b/>'],
  ])('rejects %s with FrameMalformedError', (_, text) => {
    expect(() => parseXmlTree(text)).toThrow(FrameMalformedError);
  });
});
