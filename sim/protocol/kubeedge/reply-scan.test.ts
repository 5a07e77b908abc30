import { describe, expect, it } from 'vitest';
import { SeededStream } from '../../../fake-devices/modbus/seeded-random.js';
import { decodeMessage, MAX_NESTING_DEPTH } from './codec.js';
import { readTraceMessages, traceDirPresent } from './fixtures/trace-lines.js';
import { goJsonStringify } from './go-json.js';
import { isCanonicalJson, objectRespText, scanReplyEnvelope } from './reply-scan.js';

const canonical = (s: string): boolean => isCanonicalJson(s, 0, s.length);

/** A Lease reply as cloudcore v1.23.1 writes it (join.jsonl, shape and spelling). */
const LEASE = {
  metadata: {
    name: 'vn-1',
    namespace: 'kube-node-lease',
    uid: 'cf8376eb-fc52-4eca-af11-647662da22be',
    resourceVersion: '1981',
    creationTimestamp: '2026-11-25T12:00:03Z',
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'vn-1', uid: '98ba3f73-95b5-4663-93a0-9a16b3231727' }],
    managedFields: [
      {
        manager: 'cloudcore',
        operation: 'Update',
        apiVersion: 'coordination.k8s.io/v1',
        time: '2026-11-25T12:00:03Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:ownerReferences': { '.': {}, 'k:{"uid":"98ba3f73-95b5-4663-93a0-9a16b3231727"}': {} } } },
      },
    ],
  },
  spec: { holderIdentity: 'vn-1', leaseDurationSeconds: 40, renewTime: '2026-11-25T12:00:13.995027Z' },
};

function reply(content: unknown, head = '{"header":{"msg_id":"m-1","parent_msg_id":"p-1","timestamp":1795608003692}'): string {
  return `${head},"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"kube-node-lease/lease/vn-1"},"content":${goJsonStringify(content)}}\n`;
}

describe('scanReplyEnvelope', () => {
  it('reads a reply in Go’s layout as decodeMessage does, and points at its content', () => {
    const text = reply({ Object: LEASE, Err: null });
    const e = scanReplyEnvelope(text)!;
    const m = decodeMessage(text);
    expect(e).toMatchObject({ msgId: m.header.msg_id, parentMsgId: m.header.parent_msg_id, ...m.route });
    expect(JSON.parse(text.slice(e.contentStart, e.contentEnd))).toEqual(m.content);
  });

  it('takes the optional header fields Go writes, with or without the trailing newline', () => {
    const head = '{"header":{"msg_id":"m-1","parent_msg_id":"p-1","timestamp":1,"resourceversion":"77","sync":true,"type":"t"}';
    const text = reply('OK', head);
    expect(scanReplyEnvelope(text)?.parentMsgId).toBe('p-1');
    expect(scanReplyEnvelope(text.trimEnd())?.contentEnd).toBe(text.length - 2);
  });

  it.each([
    ['no parent (a push, not a reply)', reply('OK', '{"header":{"msg_id":"m-1","timestamp":1}')],
    ['fields out of Go’s order', reply('OK', '{"header":{"parent_msg_id":"p-1","msg_id":"m-1","timestamp":1}')],
    ['an escape in a header string', reply('OK', '{"header":{"msg_id":"m\\"1","parent_msg_id":"p-1","timestamp":1}')],
    ['a timestamp past 15 digits', reply('OK', '{"header":{"msg_id":"m-1","parent_msg_id":"p-1","timestamp":1234567890123456}')],
    ['whitespace', reply('OK').replace('"route":', '"route": ')],
    ['a frame not ending in }', reply('OK').replace(/}\n$/, '')],
  ])('declines %s', (_why, text) => {
    expect(scanReplyEnvelope(text)).toBeUndefined();
  });
});

describe('objectRespText', () => {
  it('hands out the Lease’s own text, which is what Go would write for it', () => {
    const text = reply({ Object: LEASE, Err: null });
    expect(objectRespText(text, scanReplyEnvelope(text)!)).toBe(goJsonStringify(LEASE));
  });

  it.each([
    ['an error reply', { Object: null, Err: { ErrStatus: { reason: 'NotFound', code: 404 } } }],
    ['an object with an error', { Object: LEASE, Err: { ErrStatus: {} } }],
    ['another shape', { Object: LEASE }],
    ['a float in the object', { Object: { ...LEASE, x: 1.5 }, Err: null }],
    ['an HTML-escaped character', { Object: { ...LEASE, x: '<b>' }, Err: null }],
    ['a non-ASCII character', { Object: { ...LEASE, x: 'é' }, Err: null }],
    ['a plain string', 'OK'],
  ])('declines %s', (_why, content) => {
    const text = reply(content);
    expect(objectRespText(text, scanReplyEnvelope(text)!)).toBeUndefined();
  });

  const traced = traceDirPresent() ? readTraceMessages().filter((m) => m.dir === 'cloud->edge') : [];
  it.runIf(traced.length > 0)('takes every successful Lease reply cloudcore v1.23.1 sent in the traces, as decodeMessage reads it', () => {
    let taken = 0;
    for (const m of traced) {
      const text = m.data + '\n';
      const e = scanReplyEnvelope(text);
      const decoded = decodeMessage(text);
      if (e === undefined) {
        expect(decoded.header.parent_msg_id, `${m.file}:${m.line}`).toBeUndefined();
        continue;
      }
      expect(e, `${m.file}:${m.line}`).toMatchObject({ msgId: decoded.header.msg_id, parentMsgId: decoded.header.parent_msg_id, ...decoded.route });
      const object = objectRespText(text, e);
      const content = decoded.content as { Object?: unknown; Err?: unknown };
      if (object === undefined) continue;
      expect(content.Err, `${m.file}:${m.line}`).toBeNull();
      expect(object, `${m.file}:${m.line}`).toBe(goJsonStringify(content.Object));
      if (decoded.route.resource?.includes('/lease/')) taken++;
    }
    expect(taken).toBeGreaterThanOrEqual(10);
  });
});

describe('isCanonicalJson', () => {
  it.each([
    '{}', '[]', '0', '-7', '123456789012345', 'true', 'false', 'null', '""', '"a\\"b\\\\c\\nd\\re\\tf"',
    '{"a":[1,{"b":[]},"x"],"c":{"d":null}}', '[[[[]]]]', '{"k:{\\"uid\\":\\"x\\"}":{}}',
  ])('accepts %s', (s) => {
    expect(canonical(s)).toBe(true);
    expect(goJsonStringify(JSON.parse(s))).toBe(s);
  });

  it.each([
    '', ' {}', '{} ', '{"a":1,}', '[1,]', '{"a"}', '{"a":}', '{1:2}', '[1 2]', '{"a":1}}', '[', '"abc', '01', '-0', '-', '1.5', '1e5',
    '1234567890123456', '"\\u003c"', '"\\/"', '"<"', '"&"', '"é"', '"\u2028"', '"\t"', 'tru', 'nul', '{"a":1}{', '{"a":[}',
  ])('declines %s', (s) => {
    expect(canonical(s)).toBe(false);
  });

  it(`bounds nesting at ${MAX_NESTING_DEPTH}, as the decoder does`, () => {
    expect(canonical('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH))).toBe(true);
    expect(canonical('['.repeat(MAX_NESTING_DEPTH + 1) + ']'.repeat(MAX_NESTING_DEPTH + 1))).toBe(false);
  });

  it('judges only its range', () => {
    const s = 'xx{"a":1}yy';
    expect(isCanonicalJson(s, 2, 9)).toBe(true);
    expect(isCanonicalJson(s, 2, 8)).toBe(false);
    expect(isCanonicalJson('{"a":"bc"}', 0, 8)).toBe(false);
  });

  it('accepted text always parses, and random Go-written values round-trip byte for byte (seeded)', () => {
    const rng = new SeededStream(0x1ea5e);
    const int = (n: number): number => Math.floor(rng.next() * n);
    const word = (): string => ['a', 'b-c', 'k:{"u":1}', 'x y', 'é', '<', 'line\nbreak', 'tab\t', '\\'][int(9)]!;
    const value = (depth: number): unknown => {
      const k = int(depth > 4 ? 5 : 8);
      if (k === 0) return int(2) === 0 ? int(1000) - 500 : 2 ** 40 + int(9);
      if (k === 1) return word();
      if (k === 2) return [true, false, null, 1.25][int(4)];
      if (k === 3 || k === 4) return int(3) === 0 ? LEASE : word();
      if (k === 5) return Array.from({ length: int(4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [`${word()}${i}`, value(depth + 1)]));
    };
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const text = goJsonStringify(value(0));
      if (!canonical(text)) continue;
      accepted++;
      expect(goJsonStringify(JSON.parse(text))).toBe(text);
    }
    expect(accepted).toBeGreaterThan(1000);

    // Mutations of a real Lease: whatever is accepted is JSON.
    const base = goJsonStringify(LEASE);
    const tokens = ['{', '}', '[', ']', '"', '\\', ',', ':', ' ', '1', '-', '.', 'e', 'null', '\\u0041', 'é'];
    let mutatedAccepted = 0;
    for (let i = 0; i < 100_000; i++) {
      let text = base;
      for (let n = 1 + int(3); n > 0; n--) {
        const at = int(text.length + 1);
        const op = int(3);
        if (op === 0) text = text.slice(0, at) + tokens[int(tokens.length)]! + text.slice(at);
        else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + int(4));
        else text = text.slice(0, at) + String.fromCharCode(32 + int(95)) + text.slice(at + 1);
      }
      if (!canonical(text)) continue;
      mutatedAccepted++;
      expect(() => JSON.parse(text), text).not.toThrow();
    }
    expect(mutatedAccepted).toBeGreaterThan(100);
  });
});
