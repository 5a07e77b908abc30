import { describe, expect, it } from 'vitest';
import { FrameMalformedError } from '../../errors.js';
import { decodeMessage, encodeMessage, hasWireContent, MAX_NESTING_DEPTH } from './codec.js';
import type { Message } from './message.js';

const ACK =
  '{"header":{"msg_id":"29aadfc2-39a0-4cb3-8330-523954296d1f","parent_msg_id":"08d38071-6c62-4ad7-9d3a-f73e0c85d54e","timestamp":1795608099933},' +
  '"route":{"source":"edgecontroller","group":"resource","operation":"response","resource":"default/pod/trace-pod"},"content":"OK"}';

function reasonOf(data: string | Uint8Array): string {
  try {
    decodeMessage(data);
  } catch (e) {
    expect(e).toBeInstanceOf(FrameMalformedError);
    return (e as FrameMalformedError).reason;
  }
  throw new Error('decoded without error');
}

function frame(content: string, header = '{"msg_id":"m","timestamp":1}', route = '{}'): string {
  return `{"header":${header},"route":${route},"content":${content}}\n`;
}

describe('decodeMessage: accepted forms', () => {
  it('decodes with and without the trailing newline, from text and from bytes', () => {
    const expected: Message = {
      header: { msg_id: '29aadfc2-39a0-4cb3-8330-523954296d1f', parent_msg_id: '08d38071-6c62-4ad7-9d3a-f73e0c85d54e', timestamp: 1795608099933 },
      route: { source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'default/pod/trace-pod' },
      content: 'OK',
    };
    expect(decodeMessage(ACK)).toEqual(expected);
    expect(decodeMessage(ACK + '\n')).toEqual(expected);
    expect(decodeMessage(Buffer.from(ACK + '\n'))).toEqual(expected);
    expect(decodeMessage(new TextEncoder().encode(ACK))).toEqual(expected);
    const padded = new Uint8Array(Buffer.from(`xx${ACK}yy`)).subarray(2, 2 + ACK.length);
    expect(decodeMessage(padded)).toEqual(expected);
  });

  it('decodes the blank message edgecore sends on SIGTERM and re-encodes it byte for byte', () => {
    const blank = '{"header":{"msg_id":"","timestamp":0},"route":{},"content":null}\n';
    expect(decodeMessage(blank)).toEqual({ header: { msg_id: '', timestamp: 0 }, route: {}, content: null });
    expect(encodeMessage(decodeMessage(blank))).toBe(blank);
  });

  it('holds fields as Go would: null, "" and sync:false are absent; unknown keys dropped; missing route/content', () => {
    const m = decodeMessage(
      '{"header":{"msg_id":"a","timestamp":5,"parent_msg_id":"","resourceversion":null,"sync":false,"type":"","x":1},"route":{"source":null,"group":"","operation":"query","extra":"y"},"other":true}',
    );
    expect(m).toEqual({ header: { msg_id: 'a', timestamp: 5 }, route: { operation: 'query' }, content: null });
    expect(Object.keys(m.header)).toEqual(['msg_id', 'timestamp']);
    expect(decodeMessage('{"header":{"msg_id":"a","timestamp":1,"sync":true,"type":"channel"}}').header).toEqual({
      msg_id: 'a',
      timestamp: 1,
      sync: true,
      type: 'channel',
    });
  });

  it('keeps any JSON content: object, array, string, number, boolean, null', () => {
    for (const content of ['{"a":[1,{"b":null}]}', '[1,"x"]', '"{\\"status\\":{}}"', '42', 'true', 'null']) {
      expect(decodeMessage(frame(content)).content).toEqual(JSON.parse(content));
    }
  });
});

describe('decodeMessage: every failure is a FrameMalformedError with a short reason', () => {
  it.each([
    ['', 'empty frame'],
    ['\n', 'empty frame'],
    ['  \r\n', 'empty frame'],
    ['{"header":', 'not JSON'],
    ['{"header":{}}x', 'not JSON'],
    ['\uFEFF{"header":{"msg_id":"a","timestamp":1}}', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['"text"', 'not a JSON object'],
    ['{}', 'header missing'],
    ['{"header":null}', 'header is not an object'],
    ['{"header":[1]}', 'header is not an object'],
    ['{"header":{"timestamp":1}}', 'header.msg_id is not a string'],
    ['{"header":{"msg_id":7,"timestamp":1}}', 'header.msg_id is not a string'],
    ['{"header":{"msg_id":"a"}}', 'header.timestamp is not a number'],
    ['{"header":{"msg_id":"a","timestamp":"1"}}', 'header.timestamp is not a number'],
    ['{"header":{"msg_id":"a","timestamp":1.5}}', 'header.timestamp is not a safe integer'],
    ['{"header":{"msg_id":"a","timestamp":9007199254740993}}', 'header.timestamp is not a safe integer'],
    ['{"header":{"msg_id":"a","timestamp":1e400}}', 'header.timestamp is not a safe integer'],
    ['{"header":{"msg_id":"a","timestamp":1,"parent_msg_id":1}}', 'header.parent_msg_id is not a string'],
    ['{"header":{"msg_id":"a","timestamp":1,"resourceversion":2}}', 'header.resourceversion is not a string'],
    ['{"header":{"msg_id":"a","timestamp":1,"sync":"yes"}}', 'header.sync is not a boolean'],
    ['{"header":{"msg_id":"a","timestamp":1,"type":{}}}', 'header.type is not a string'],
    ['{"header":{"msg_id":"a","timestamp":1},"route":"x"}', 'route is not an object'],
    ['{"header":{"msg_id":"a","timestamp":1},"route":[]}', 'route is not an object'],
    ['{"header":{"msg_id":"a","timestamp":1},"route":{"resource":["a"]}}', 'route.resource is not a string'],
    ['{"header":{"msg_id":"a","timestamp":1},"route":{"operation":false}}', 'route.operation is not a string'],
    ['{"header":{"msg_id":"a","timestamp":1},"content":1e400}', 'number out of range'],
  ])('%j → %s', (input, reason) => {
    expect(reasonOf(input)).toBe(reason);
  });

  it('puts the parser message in the context, not in the reason', () => {
    try {
      decodeMessage('{"a":');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FrameMalformedError);
      const err = e as FrameMalformedError;
      expect(err.reason).toBe('not JSON');
      expect(err.code).toBe('TWL_FRAME_MALFORMED');
      expect(typeof err.context.detail).toBe('string');
    }
  });

  it('rejects binary frames that are not UTF-8, and non-frames', () => {
    expect(reasonOf(Buffer.from([0x7b, 0xff, 0x7d]))).toBe('binary frame not UTF-8');
    expect(reasonOf(Buffer.from([0xc3]))).toBe('binary frame not UTF-8');
    expect(reasonOf(Buffer.from('{"header":"\ud800"}', 'utf16le'))).toBe('binary frame not UTF-8');
    expect(reasonOf(42 as unknown as string)).toBe('frame is neither text nor bytes');
  });

  it('refuses a content number that overflows float64, as Go does, however the frame is laid out', () => {
    const huge = '{"a":[1,-2e308]}';
    expect(reasonOf(frame(huge))).toBe('number out of range');
    expect(reasonOf(`{"content":${huge},"header":{"msg_id":"a","timestamp":1}}`)).toBe('number out of range');
    expect(() => decodeMessage(frame(huge), { wireContent: false })).toThrow(FrameMalformedError);
    expect(reasonOf(frame(`[${'9'.repeat(400)}]`))).toBe('number out of range');
    // Large but finite, and a huge-looking exponent inside a string, are fine.
    expect(decodeMessage(frame('[1e308,"x:1e999"]')).content).toEqual([1e308, 'x:1e999']);
  });
});

describe('decodeMessage: adversarial nesting', () => {
  const nested = (depth: number): string => frame('['.repeat(depth) + ']'.repeat(depth));

  it(`accepts nesting up to ${MAX_NESTING_DEPTH} levels, envelope included, and refuses one more`, () => {
    expect(() => decodeMessage(nested(MAX_NESTING_DEPTH - 1))).not.toThrow();
    expect(reasonOf(nested(MAX_NESTING_DEPTH))).toBe('nested too deeply');
    const objects = (depth: number): string => frame('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    expect(() => decodeMessage(objects(MAX_NESTING_DEPTH - 1))).not.toThrow();
    expect(reasonOf(objects(MAX_NESTING_DEPTH))).toBe('nested too deeply');
  });

  it('refuses a million nested arrays quickly, in content or anywhere else', () => {
    const start = Date.now();
    expect(reasonOf(nested(1_000_000))).toBe('nested too deeply');
    expect(reasonOf(`{"x":${'['.repeat(500_000)}${']'.repeat(500_000)},"header":{"msg_id":"a","timestamp":1}}`)).toBe('nested too deeply');
    expect(reasonOf('['.repeat(1_000_000))).toBe('nested too deeply');
    expect(reasonOf(`{"a":"${'['.repeat(1_000_000)}`)).toBe('not JSON');
    expect(Date.now() - start).toBeLessThan(1_000);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = frame(`{"s":"${'[{'.repeat(3000)}\\"${'['.repeat(3000)}"}`);
    expect(decodeMessage(text).content).toEqual({ s: `${'[{'.repeat(3000)}"${'['.repeat(3000)}` });
  });

  it('a deeply nested frame that passed still encodes', () => {
    const text = nested(MAX_NESTING_DEPTH - 1);
    expect(encodeMessage(decodeMessage(text))).toBe(text);
  });
});

describe('encodeMessage', () => {
  it("writes Go's key order whatever the insertion order, omitting empty fields, plus one newline", () => {
    const m: Message = {
      content: { z: 1, a: 2 },
      route: { resource: 'default/pod/p', operation: 'update', group: 'resource', destination: '', source: 'edgecontroller' },
      header: { type: 'channel', sync: true, resourceversion: '42', timestamp: 7, parent_msg_id: 'p', msg_id: 'm' },
    };
    expect(encodeMessage(m)).toBe(
      '{"header":{"msg_id":"m","parent_msg_id":"p","timestamp":7,"resourceversion":"42","sync":true,"type":"channel"},' +
        '"route":{"source":"edgecontroller","group":"resource","operation":"update","resource":"default/pod/p"},"content":{"z":1,"a":2}}\n',
    );
    const bare: Message = { header: { msg_id: 'm', timestamp: 0, sync: false, parent_msg_id: '' }, route: {}, content: undefined };
    expect(encodeMessage(bare)).toBe('{"header":{"msg_id":"m","timestamp":0},"route":{},"content":null}\n');
    const dest: Message = { header: { msg_id: 'm', timestamp: 0 }, route: { destination: 'd', operation: 'o' }, content: null };
    expect(encodeMessage(dest)).toBe('{"header":{"msg_id":"m","timestamp":0},"route":{"destination":"d","operation":"o"},"content":null}\n');
  });

  it('escapes like Go in header, route and content', () => {
    const m: Message = { header: { msg_id: '<id>', timestamp: 1 }, route: { resource: 'a&b' }, content: { '<k>': 'x\u2028y' } };
    expect(encodeMessage(m)).toBe(
      '{"header":{"msg_id":"\\u003cid\\u003e","timestamp":1},"route":{"resource":"a\\u0026b"},"content":{"\\u003ck\\u003e":"x\\u2028y"}}\n',
    );
  });

  it('refuses a timestamp Go could not have sent', () => {
    expect(() => encodeMessage({ header: { msg_id: 'm', timestamp: 1.5 }, route: {}, content: null })).toThrow(RangeError);
  });
});

describe('wire content: what JSON.parse would respell still round-trips', () => {
  it.each([
    ['integer-like keys, which JS reorders', '{"10":"a","2":"b","x":{"1":1,"0":0}}'],
    ['non-canonical numbers', '{"a":1.0,"b":1E5,"c":1e+21,"d":0.10,"e":-0,"f":12345678901234567890}'],
    ['escapes Go does not write', '{"a":"\\/\\u0041\\u00e9","b":"<raw>&"}'],
    ['Go’s escape for invalid UTF-8', '{"a":"\\ufffd"}'],
    ['a lone surrogate escape', '["\\ud800"]'],
  ])('%s', (_name, content) => {
    const text = frame(content, '{"msg_id":"m","timestamp":1}', '{"source":"edgecontroller","resource":"default/x/y"}');
    const m = decodeMessage(text);
    expect(hasWireContent(m)).toBe(true);
    expect(encodeMessage(m)).toBe(text);
    // Re-decoding the output keeps the same text, and a spread copy of the message still finds it.
    expect(encodeMessage(decodeMessage(encodeMessage(m)))).toBe(text);
    expect(encodeMessage({ ...m, header: { ...m.header, msg_id: 'n' } })).toBe(text.replace('"m"', '"n"'));
  });

  it('is not kept when Go’s re-encoding already matches', () => {
    const m = decodeMessage(frame('{"a":1,"b":"<"}'.replace('<', '\\u003c')));
    expect(hasWireContent(m)).toBe(false);
  });

  it('is dropped once the content is mutated in place or replaced', () => {
    const text = frame('{"10":"a","2":"b","n":1.0}');
    const m = decodeMessage(text);
    (m.content as Record<string, unknown>).n = 2;
    expect(hasWireContent(m)).toBe(false);
    expect(encodeMessage(m)).toBe(frame('{"2":"b","10":"a","n":2}'));
    const m2 = decodeMessage(text);
    expect(encodeMessage({ ...m2, content: { ...(m2.content as object) } })).toBe(frame('{"2":"b","10":"a","n":1}'));
  });

  it('is not kept with wireContent:false, nor for frames not laid out as Go writes them', () => {
    const content = '{"n":1.0}';
    expect(encodeMessage(decodeMessage(frame(content), { wireContent: false }))).toBe(frame('{"n":1}'));
    const reordered = `{"content":${content},"header":{"msg_id":"m","timestamp":1},"route":{}}`;
    expect(encodeMessage(decodeMessage(reordered))).toBe(frame('{"n":1}'));
    const trailing = `{"header":{"msg_id":"m","timestamp":1},"route":{},"content":${content},"extra":1}`;
    expect(encodeMessage(decodeMessage(trailing))).toBe(frame('{"n":1}'));
  });

  it('primitive content is always written in Go spelling', () => {
    expect(encodeMessage(decodeMessage(frame('"\\u0041<"')))).toBe(frame('"A\\u003c"'));
    expect(encodeMessage(decodeMessage(frame('1.0')))).toBe(frame('1'));
  });
});
