import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_NO_STATUS,
  CLOSE_PROTOCOL_ERROR,
  CLOSE_TOO_BIG,
  FrameDecoder,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_PONG,
  OP_TEXT,
  type FrameSink,
} from './ws-frame-decoder.js';
import { wsFrame, wsReceiver } from './ws-reference.js';

type Event =
  | { kind: 'message'; data: string; binary: boolean }
  | { kind: 'ping' | 'pong'; data: string }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; code: number };

class Recorder implements FrameSink {
  readonly events: Event[] = [];
  onFrameMessage(data: Buffer, binary: boolean): void {
    this.events.push({ kind: 'message', data: data.toString('hex'), binary });
  }
  onFramePing(data: Buffer): void {
    this.events.push({ kind: 'ping', data: data.toString('hex') });
  }
  onFramePong(data: Buffer): void {
    this.events.push({ kind: 'pong', data: data.toString('hex') });
  }
  onFrameClose(code: number, reason: Buffer): void {
    this.events.push({ kind: 'close', code, reason: reason.toString('hex') });
  }
  onFrameError(code: number): void {
    this.events.push({ kind: 'error', code });
  }
}

function decode(bytes: Buffer, splits: number[] = [], maxPayload?: number): Event[] {
  const rec = new Recorder();
  const d = new FrameDecoder(rec, maxPayload);
  let at = 0;
  for (const s of [...splits, bytes.length]) {
    d.push(bytes.subarray(at, s));
    at = s;
  }
  return rec.events;
}

const hex = (s: string): string => Buffer.from(s).toString('hex');

/** The same bytes through ws's own client-side Receiver, as events of the same shape. */
async function decodeWithWs(bytes: Buffer, maxPayload?: number): Promise<Event[]> {
  const events: Event[] = [];
  const r = wsReceiver({ isServer: false, skipUTF8Validation: true, maxPayload: maxPayload ?? 100 * 1024 * 1024 });
  r.on('message', (data, binary) => events.push({ kind: 'message', data: data.toString('hex'), binary }));
  r.on('ping', (data) => events.push({ kind: 'ping', data: data.toString('hex') }));
  r.on('pong', (data) => events.push({ kind: 'pong', data: data.toString('hex') }));
  r.on('conclude', (code, reason) => events.push({ kind: 'close', code, reason: reason.toString('hex') }));
  r.on('error', (err) => {
    const code = Object.getOwnPropertySymbols(err).map((s) => err[s]).find((v): v is number => typeof v === 'number');
    events.push({ kind: 'error', code: code ?? -1 });
  });
  r.write(bytes);
  await new Promise((resolve) => setImmediate(resolve));
  return events;
}

describe('FrameDecoder', () => {
  it('decodes unmasked frames of every length encoding', () => {
    for (const size of [0, 1, 125, 126, 65535, 65536, 200_000]) {
      const payload = randomBytes(size);
      expect(decode(wsFrame(payload, { opcode: OP_BINARY }))).toEqual([{ kind: 'message', data: payload.toString('hex'), binary: true }]);
    }
  });

  it('reassembles a fragmented text message with a ping between fragments, as cloudcore sends them', () => {
    const text = 'x'.repeat(4082) + 'y'.repeat(4082) + 'z'.repeat(100);
    const bytes = Buffer.concat([
      wsFrame(text.slice(0, 4082), { opcode: OP_TEXT, fin: false }),
      wsFrame('p', { opcode: OP_PING }),
      wsFrame(text.slice(4082, 8164), { opcode: OP_CONTINUATION, fin: false }),
      wsFrame(text.slice(8164), { opcode: OP_CONTINUATION, fin: true }),
      wsFrame('{"after":1}\n', { opcode: OP_TEXT }),
    ]);
    const expected: Event[] = [
      { kind: 'ping', data: hex('p') },
      { kind: 'message', data: hex(text), binary: false },
      { kind: 'message', data: hex('{"after":1}\n'), binary: false },
    ];
    expect(decode(bytes)).toEqual(expected);
    // The same at every single split point and byte by byte.
    for (let s = 1; s < bytes.length; s += 97) expect(decode(bytes, [s])).toEqual(expected);
    const small = Buffer.concat([wsFrame('ab', { opcode: OP_TEXT, fin: false }), wsFrame('c', { opcode: OP_PONG }), wsFrame('de', { opcode: OP_CONTINUATION })]);
    const everyByte = Array.from({ length: small.length - 1 }, (_, i) => i + 1);
    expect(decode(small, everyByte)).toEqual([
      { kind: 'pong', data: hex('c') },
      { kind: 'message', data: hex('abde'), binary: false },
    ]);
  });

  it('keeps nothing of a pushed chunk: pieces read into one reused buffer decode as the original bytes', () => {
    const text = 'x'.repeat(4082) + 'y'.repeat(4082) + 'z'.repeat(100);
    const bytes = Buffer.concat([
      wsFrame('{"first":1}\n', { opcode: OP_TEXT }),
      wsFrame(text.slice(0, 4082), { opcode: OP_TEXT, fin: false }),
      wsFrame('p', { opcode: OP_PING }),
      wsFrame(text.slice(4082, 8164), { opcode: OP_CONTINUATION, fin: false }),
      wsFrame(text.slice(8164), { opcode: OP_CONTINUATION, fin: true }),
      wsFrame(randomBytes(70_000), { opcode: OP_BINARY }),
    ]);
    const expected = decode(bytes);
    expect(expected.map((e) => e.kind)).toEqual(['message', 'ping', 'message', 'message']);
    for (const piece of [7, 100, 1000, 4096, 16_384]) {
      const rec = new Recorder();
      const d = new FrameDecoder(rec);
      const shared = Buffer.alloc(piece);
      for (let at = 0; at < bytes.length; at += piece) {
        const n = bytes.copy(shared, 0, at, at + piece);
        d.push(shared.subarray(0, n));
        shared.fill(0xee); // the socket's next read lands here
      }
      expect(rec.events, `pieces of ${piece}`).toEqual(expected);
    }
  });

  it('reports a close frame and ignores what follows', () => {
    const body = Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('bye')]);
    expect(decode(Buffer.concat([wsFrame(body, { opcode: OP_CLOSE }), wsFrame('late', { opcode: OP_TEXT })]))).toEqual([
      { kind: 'close', code: 4000, reason: hex('bye') },
    ]);
    expect(decode(wsFrame(Buffer.alloc(0), { opcode: OP_CLOSE }))).toEqual([{ kind: 'close', code: CLOSE_NO_STATUS, reason: '' }]);
  });

  it.each([
    ['a masked server frame', Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x41]), CLOSE_PROTOCOL_ERROR],
    ['RSV1 without an extension', Buffer.from([0xc1, 0x00]), CLOSE_PROTOCOL_ERROR],
    ['a continuation with nothing to continue', Buffer.from([0x80, 0x00]), CLOSE_PROTOCOL_ERROR],
    ['a new message inside a fragmented one', Buffer.from([0x01, 0x00, 0x81, 0x00]), CLOSE_PROTOCOL_ERROR],
    ['a fragmented ping', Buffer.from([0x09, 0x00]), CLOSE_PROTOCOL_ERROR],
    ['a control frame over 125 bytes', Buffer.concat([Buffer.from([0x89, 126, 0, 126]), Buffer.alloc(126)]), CLOSE_PROTOCOL_ERROR],
    ['a reserved opcode', Buffer.from([0x83, 0x00]), CLOSE_PROTOCOL_ERROR],
    ['a close body of one byte', Buffer.from([0x88, 0x01, 0x03]), CLOSE_PROTOCOL_ERROR],
    ['close code 1005 on the wire', Buffer.from([0x88, 0x02, 0x03, 0xed]), CLOSE_PROTOCOL_ERROR],
    ['a length above 2^53 - 1', Buffer.from([0x82, 127, 0, 0x20, 0, 0, 0, 0, 0, 0]), CLOSE_TOO_BIG],
  ])('fails on %s with the code ws uses', async (_name, bytes, code) => {
    expect(decode(bytes)).toEqual([{ kind: 'error', code }]);
    expect(await decodeWithWs(bytes)).toEqual([{ kind: 'error', code }]);
  });

  it('enforces maxPayload over the fragments of one message', () => {
    const bytes = Buffer.concat([wsFrame('a'.repeat(60), { opcode: OP_TEXT, fin: false }), wsFrame('b'.repeat(60), { opcode: OP_CONTINUATION })]);
    expect(decode(bytes, [], 100)).toEqual([{ kind: 'error', code: CLOSE_TOO_BIG }]);
  });

  it('never throws on random bytes, in random pieces, and stops after an error or a close', () => {
    for (let i = 0; i < 5000; i++) {
      const bytes = randomBytes(1 + Math.floor(Math.random() * 64));
      const splits = [...new Set(Array.from({ length: 3 }, () => Math.floor(Math.random() * bytes.length)))].sort((a, b) => a - b);
      let events: Event[] = [];
      expect(() => (events = decode(bytes, splits, 1 << 20))).not.toThrow();
      const last = events.findIndex((e) => e.kind === 'error' || e.kind === 'close');
      if (last >= 0) expect(events.length).toBe(last + 1);
    }
  });

  it('fails a reserved opcode before its extended length has arrived, as ws does', async () => {
    const bytes = Buffer.from('877f', 'hex');
    expect(decode(bytes, [], 1 << 20)).toEqual(await decodeWithWs(bytes, 1 << 20));
    expect(decode(bytes, [], 1 << 20)).toEqual([{ kind: 'error', code: 1002 }]);
  });

  it('agrees with ws on mutated valid streams (differential fuzz, seeded)', async () => {
    // Seeded so a failure reproduces; TWINLAB_FUZZ_SEED picks another stream of cases.
    let state = Number(process.env.TWINLAB_FUZZ_SEED ?? 0x7a1b2c3d) >>> 0;
    const rnd = (): number => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const prngBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const ops = [OP_TEXT, OP_BINARY, OP_PING, OP_PONG];
    for (let i = 0; i < 1500; i++) {
      const frames: Buffer[] = [];
      for (let f = 0; f < 1 + Math.floor(rnd() * 4); f++) {
        const opcode = ops[Math.floor(rnd() * ops.length)]!;
        const size = opcode >= OP_CLOSE ? Math.floor(rnd() * 20) : [0, 5, 130, 300][Math.floor(rnd() * 4)]!;
        if (opcode < OP_CLOSE && rnd() < 0.3) {
          frames.push(wsFrame(prngBytes(size), { opcode, fin: false }), wsFrame(prngBytes(3), { opcode: OP_CONTINUATION }));
        } else {
          frames.push(wsFrame(prngBytes(size), { opcode }));
        }
      }
      if (rnd() < 0.2) frames.push(wsFrame(Buffer.from([0x03, 0xe8, 0x41]), { opcode: OP_CLOSE }));
      const bytes = Buffer.concat(frames);
      for (let m = 0; m < 1 + Math.floor(rnd() * 3); m++) {
        const at = Math.floor(rnd() * bytes.length);
        bytes[at] = Math.floor(rnd() * 256);
      }
      const ours = decode(bytes, [], 1 << 20);
      const theirs = await decodeWithWs(bytes, 1 << 20);
      expect(ours, bytes.toString('hex')).toEqual(theirs);
    }
  });
});
