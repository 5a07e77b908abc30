import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FrameMalformedError } from '../../errors.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { readTraceMessages, traceDirPresent } from './fixtures/trace-lines.js';
import type { Message } from './message.js';

/**
 * Seeded fuzzing of decodeMessage with real frames, mutated. Whatever comes in, the decoder returns a
 * well-formed Message or throws FrameMalformedError with a reason: never another exception, never a
 * hang. A decoded Message must also be well formed, and (checked on every fourth case) survive
 * encode → decode → encode unchanged.
 * Reproduce a failure with the printed seed and case index.
 */
const SEED = 0x7c0dec;

/** mulberry32: small, fast, and good enough to drive mutations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'protocol-doc');
const corpus: string[] = [
  ...readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readFileSync(join(FIXTURES, f), 'utf8')),
  ...(traceDirPresent() ? readTraceMessages().map((m) => m.data + '\n') : []),
];

type Frame = string | Buffer;
type Rng = () => number;

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)] as T;

const TOKENS = [
  '{', '}', '[', ']', '"', '\\', ',', ':', ' ', '\n', 'null', 'true', '0', '-', '.', 'e', '1e999', '-0',
  '"header"', '"msg_id"', '"timestamp"', '"route"', '"content"', '\\u0000', '\\ud800', '\ud800', '\u2028', '<', '&',
  '🚀', '\u0000', '\\"', '{"a":', '[[[[',
] as const;

const WEIRD_VALUES: readonly unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53 + 2, 1e308, '', 'x', '<&>', [], {}, [1, 'a'], { a: { b: [] } }, '\u2028',
];

const HUGE_NUMBERS = ['1e400', '-1e309', '9'.repeat(400), '1.0', '-0', '123456789012345678901234567890', '1E+2', '0.10'];

const INVALID_UTF8: readonly number[][] = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];

function byteFlips(rng: Rng, text: string): Frame {
  const buf = Buffer.from(text, 'utf8');
  const flips = 1 + int(rng, 4);
  for (let i = 0; i < flips; i++) {
    const at = int(rng, buf.length);
    buf[at] = (buf[at] ?? 0) ^ (1 << int(rng, 8));
  }
  return buf;
}

function truncate(rng: Rng, text: string): Frame {
  return text.slice(0, int(rng, text.length + 1));
}

function insert(rng: Rng, text: string): Frame {
  let out = text;
  const n = 1 + int(rng, 3);
  for (let i = 0; i < n; i++) {
    const at = int(rng, out.length + 1);
    out = out.slice(0, at) + pick(rng, TOKENS) + out.slice(at);
  }
  return out;
}

function deleteSpan(rng: Rng, text: string): Frame {
  const at = int(rng, text.length);
  return text.slice(0, at) + text.slice(at + 1 + int(rng, 40));
}

/** Replace one envelope field or one content node with a value of another type. */
function typeSwap(rng: Rng, text: string): Frame {
  const obj = JSON.parse(text) as Record<string, unknown>;
  const targets: [Record<string, unknown>, string][] = [[obj, 'header'], [obj, 'route'], [obj, 'content']];
  for (const part of ['header', 'route'] as const) {
    const v = obj[part];
    if (typeof v === 'object' && v !== null) {
      for (const k of ['msg_id', 'parent_msg_id', 'timestamp', 'resourceversion', 'sync', 'type', 'source', 'group', 'operation', 'resource']) {
        targets.push([v as Record<string, unknown>, k]);
      }
    }
  }
  let node: unknown = obj.content;
  while (typeof node === 'object' && node !== null && rng() < 0.8) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = pick(rng, keys);
    targets.push([node as Record<string, unknown>, k]);
    node = (node as Record<string, unknown>)[k];
  }
  const [holder, key] = pick(rng, targets);
  if (rng() < 0.1) delete holder[key];
  else holder[key] = pick(rng, WEIRD_VALUES);
  return JSON.stringify(obj) + (rng() < 0.5 ? '\n' : '');
}

function deepNesting(rng: Rng, text: string): Frame {
  // Mostly shallow; some straddle MAX_NESTING_DEPTH (1000); some are bombs.
  const r = rng();
  const depth = r < 0.92 ? 1 + int(rng, 64) : r < 0.96 ? 990 + int(rng, 20) : 10_000 + int(rng, 50_000);
  const open = rng() < 0.5 ? '['.repeat(depth) : '{"k":'.repeat(depth);
  const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
  const cut = text.lastIndexOf('}');
  const contentAt = text.indexOf('"content":');
  if (contentAt < 0 || rng() < 0.2) return open + text + close;
  const start = contentAt + '"content":'.length;
  return text.slice(0, start) + open + text.slice(start, cut) + close + text.slice(cut);
}

function hugeNumbers(rng: Rng, text: string): Frame {
  const numbers = [...text.matchAll(/(?<=[:,[])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=[,\]}])/g)];
  if (numbers.length === 0) return text.replace('"content":', `"content":${pick(rng, HUGE_NUMBERS)},"x":`);
  const m = pick(rng, numbers);
  const at = m.index ?? 0;
  return text.slice(0, at) + pick(rng, HUGE_NUMBERS) + text.slice(at + m[0].length);
}

function invalidUtf8(rng: Rng, text: string): Frame {
  const buf = Buffer.from(text, 'utf8');
  const at = int(rng, buf.length + 1);
  return Buffer.concat([buf.subarray(0, at), Buffer.from(pick(rng, INVALID_UTF8)), buf.subarray(at)]);
}

function garbage(rng: Rng): Frame {
  const len = int(rng, 200);
  if (rng() < 0.5) {
    const bytes = Buffer.alloc(len);
    for (let i = 0; i < len; i++) bytes[i] = int(rng, 256);
    return bytes;
  }
  let s = '';
  for (let i = 0; i < len; i++) s += rng() < 0.5 ? pick(rng, TOKENS) : String.fromCharCode(int(rng, 0x3000));
  return s;
}

function splice(rng: Rng, text: string): Frame {
  const other = pick(rng, corpus);
  return text.slice(0, int(rng, text.length)) + other.slice(int(rng, other.length));
}

const MUTATORS = { byteFlips, truncate, insert, deleteSpan, typeSwap, deepNesting, hugeNumbers, invalidUtf8, splice } as const;

const HEADER_KEYS = new Set(['msg_id', 'parent_msg_id', 'timestamp', 'resourceversion', 'sync', 'type']);
const ROUTE_KEYS = new Set(['source', 'destination', 'group', 'operation', 'resource']);

/** A problem with a decoded Message, or undefined when it is well formed. */
function shapeProblem(m: Message): string | undefined {
  const { header, route } = m;
  if (typeof header.msg_id !== 'string') return 'msg_id';
  if (!Number.isSafeInteger(header.timestamp)) return 'timestamp';
  for (const [k, v] of Object.entries(header)) {
    if (!HEADER_KEYS.has(k)) return `header key ${k}`;
    if (k !== 'timestamp' && k !== 'sync' && (typeof v !== 'string' || (k !== 'msg_id' && v === ''))) return `header.${k}`;
    if (k === 'sync' && v !== true) return 'sync';
  }
  for (const [k, v] of Object.entries(route)) {
    if (!ROUTE_KEYS.has(k) || typeof v !== 'string' || v === '') return `route.${k}`;
  }
  if (m.content === undefined) return 'content undefined';
  return undefined;
}

interface Outcome {
  decoded: number;
  rejected: number;
  reasons: Map<string, number>;
  failures: string[];
}

function run(name: string, cases: number, seed: number, make: (rng: Rng, i: number) => Frame): Outcome {
  const rng = prng(seed);
  const out: Outcome = { decoded: 0, rejected: 0, reasons: new Map(), failures: [] };
  for (let i = 0; i < cases; i++) {
    const input = make(rng, i);
    const fail = (what: string): void => {
      if (out.failures.length < 5) out.failures.push(`${name} seed=${seed} case=${i}: ${what}`);
    };
    let m: Message;
    try {
      m = decodeMessage(input);
    } catch (e) {
      if (!(e instanceof FrameMalformedError)) {
        fail(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      } else if (typeof e.reason !== 'string' || e.reason.length === 0) {
        fail('FrameMalformedError without a reason');
      } else {
        out.rejected++;
        out.reasons.set(e.reason, (out.reasons.get(e.reason) ?? 0) + 1);
      }
      continue;
    }
    out.decoded++;
    const problem = shapeProblem(m);
    if (problem !== undefined) {
      fail(`decoded a malformed Message (${problem})`);
      continue;
    }
    // The round trip costs two more parses and encodes; every fourth case keeps the run under 20 s.
    if (i % 4 !== 0) continue;
    try {
      const once = encodeMessage(m);
      const again = decodeMessage(once);
      const twice = encodeMessage(again);
      if (twice !== once) fail('encode → decode → encode changed the bytes');
      else if (JSON.stringify(again.header) !== JSON.stringify(m.header) || JSON.stringify(again.route) !== JSON.stringify(m.route)) {
        fail('encode → decode changed the envelope');
      }
    } catch (e) {
      fail(`re-encoding a decoded Message threw ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

const PER_MUTATOR = 10_000;
const GARBAGE = 12_000;

describe('decodeMessage fuzz (seeded)', () => {
  it('has a corpus of real frames', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(19);
  });

  const entries = Object.entries(MUTATORS);
  it(`runs ${entries.length * PER_MUTATOR + GARBAGE} frames in total`, () => {
    expect(entries.length * PER_MUTATOR + GARBAGE).toBeGreaterThanOrEqual(100_000);
  });

  entries.forEach(([name, mutate], index) => {
    it(`${name}: ${PER_MUTATOR} mutated real frames`, () => {
      const out = run(name, PER_MUTATOR, SEED + index, (rng) => mutate(rng, pick(rng, corpus)));
      expect(out.failures).toEqual([]);
      expect(out.decoded + out.rejected).toBe(PER_MUTATOR);
      // Both outcomes occur, so the mutator neither always breaks nor never touches the frame.
      if (name !== 'invalidUtf8') expect(out.rejected).toBeGreaterThan(0);
    });
  });

  it(`garbage: ${GARBAGE} random byte and text frames`, () => {
    const out = run('garbage', GARBAGE, SEED - 1, (rng) => garbage(rng));
    expect(out.failures).toEqual([]);
    expect(out.rejected).toBeGreaterThan(GARBAGE * 0.9);
  });

  it('typeSwap reaches every envelope reason', () => {
    const out = run('typeSwap', 5_000, SEED + 100, (rng) => typeSwap(rng, pick(rng, corpus)));
    expect(out.failures).toEqual([]);
    for (const reason of ['header.msg_id is not a string', 'header.timestamp is not a number', 'route.resource is not a string', 'header.sync is not a boolean']) {
      expect(out.reasons.get(reason) ?? 0, reason).toBeGreaterThan(0);
    }
    expect(out.decoded).toBeGreaterThan(0);
  });
});
