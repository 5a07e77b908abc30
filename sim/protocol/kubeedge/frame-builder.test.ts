import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import { buildFrame } from './frame-builder.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'protocol-doc');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8').trim();
}

describe('buildFrame', () => {
  it('writes the protocol doc frames an edge sends, byte for byte, with the trailing newline', () => {
    expect(buildFrame('5b7c1f1e-0f3a-4c55-9a43-0c2a8f1d0001', undefined, 1735689600000, 'websocket', 'resource', 'keepalive', 'node', '"ping"')).toBe(
      fixture('13-4-keepalive.json') + '\n',
    );
    expect(
      buildFrame('5b7c1f1e-0f3a-4c55-9a43-0c2a8f1d0003', 'c1a0d000-0000-4000-8000-000000000002', 1735689600100, 'edgecontroller', 'resource', 'response', 'null/node/vn-1', '"OK"'),
    ).toBe(fixture('13-6-node-echo-ack.json') + '\n');
    expect(buildFrame('5b7c1f1e-0f3a-4c55-9a43-0c2a8f1d0008', undefined, 1735689621000, 'edged', 'meta', 'query', 'default/configmap/web-config', 'null')).toBe(
      fixture('08-query-configmap.json') + '\n',
    );
  });

  it('agrees with encodeMessage on Go spelling of content and resource, and omits an empty parent', () => {
    const content = { note: 'a<b && c>d \u2028', n: [1, 2.5, null] };
    const resource = 'ns/configmap/odd"name<';
    const built = buildFrame('id-1', '', 42, 'edged', 'meta', 'update', resource, JSON.stringify(content));
    const encoded = encodeMessage({ header: { msg_id: 'id-1', timestamp: 42 }, route: { source: 'edged', group: 'meta', operation: 'update', resource }, content });
    expect(built).toBe(encoded);
    expect(built).toContain('\\u003c');
    expect(built).not.toContain('parent_msg_id');
    expect(decodeMessage(built).content).toEqual(content);
  });
});
