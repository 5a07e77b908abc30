/**
 * Read a cloud reply without parsing it. A node's steady traffic is one Lease update every 10 s,
 * answered by the updated Lease, which the node must send back with only `renewTime` changed. Parsing
 * that reply into objects and serialising it again costs more than everything else the node does
 * with it; this module checks the frame instead and hands out the Lease's own bytes.
 *
 * It accepts only what it can vouch for: a frame in exactly the layout Go's encoding/json gives
 * beehive's model.Message, and content in Go's canonical spelling (printable ASCII, no
 * HTML-escaped characters, only the escapes Go writes for them, safe integers, no whitespace).
 * For such text, JSON.parse would succeed and Go would write the decoded value back byte for byte
 * (Go sorts map keys and writes struct fields in order, so the received text already is that
 * spelling). Anything else returns undefined and goes through decodeMessage, which handles and
 * judges every frame.
 */
import { MAX_NESTING_DEPTH } from './codec.js';

/** The envelope of a frame whose header and route Go wrote. */
export interface ReplyEnvelope {
  readonly msgId: string;
  readonly parentMsgId: string;
  readonly source: string;
  readonly group: string;
  readonly operation: string;
  readonly resource: string;
  /** The content's first char and one past its last. */
  readonly contentStart: number;
  readonly contentEnd: number;
}

/** A string field's value: printable ASCII without `"` or `\`, so that it needs no unescaping. */
const S = '([ !#-\\[\\]-~]*)';
const S_SET = '([ !#-\\[\\]-~]+)';
/**
 * model.Message as Go writes it: header (msg_id, parent_msg_id, timestamp, resourceversion, sync,
 * type; empty ones omitted), then route (source, destination, group, operation, resource), then
 * content. A reply has a parent and all of source, group, operation and resource.
 */
const REPLY_HEAD = new RegExp(
  `^\\{"header":\\{"msg_id":"${S}","parent_msg_id":"${S_SET}","timestamp":(?:0|[1-9]\\d{0,14})` +
    `(?:,"resourceversion":"${S}")?(?:,"sync":true)?(?:,"type":"${S}")?\\},` +
    `"route":\\{"source":"${S_SET}"(?:,"destination":"${S}")?,"group":"${S_SET}","operation":"${S_SET}","resource":"${S_SET}"\\},"content":`,
);

/**
 * The envelope of a reply frame in Go's layout (ending in `}` or `}\n`), or undefined. `text` is the
 * frame read as latin1: the content check below admits ASCII only, so latin1 and UTF-8 agree.
 */
export function scanReplyEnvelope(text: string): ReplyEnvelope | undefined {
  const m = REPLY_HEAD.exec(text);
  if (m === null) return undefined;
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x0a) end--;
  if (text.charCodeAt(end - 1) !== 0x7d) return undefined;
  return {
    msgId: m[1]!,
    parentMsgId: m[2]!,
    source: m[5]!,
    group: m[7]!,
    operation: m[8]!,
    resource: m[9]!,
    contentStart: m[0].length,
    contentEnd: end - 1,
  };
}

const OBJECT_PREFIX = '{"Object":{';
const OBJECT_SUFFIX = '},"Err":null}';

/**
 * The object of an edgecontroller reply `{"Object":{…},"Err":null}` (a successful Lease query,
 * insert or update), as its own canonical text; undefined for anything else (an error, another
 * shape, or text this module does not vouch for).
 */
export function objectRespText(text: string, envelope: ReplyEnvelope): string | undefined {
  const { contentStart: start, contentEnd: end } = envelope;
  if (end - start < OBJECT_PREFIX.length + OBJECT_SUFFIX.length) return undefined;
  if (!text.startsWith(OBJECT_PREFIX, start) || !text.endsWith(OBJECT_SUFFIX, end)) return undefined;
  const objectStart = start + OBJECT_PREFIX.length - 1;
  const objectEnd = end - OBJECT_SUFFIX.length + 1;
  return isCanonicalJson(text, objectStart, objectEnd) ? text.slice(objectStart, objectEnd) : undefined;
}

const IN_OBJECT = 1;
const IN_ARRAY = 2;
/** Container kinds by depth; shared, as the check never yields. */
const containers = new Uint8Array(MAX_NESTING_DEPTH + 1);

/**
 * Whether `text[start, end)` is exactly one JSON value in Go's canonical spelling, nested at most
 * MAX_NESTING_DEPTH deep: printable ASCII only; in strings no `<`, `>` or `&` (Go writes them as
 * \u escapes, which this check does not accept either) and only the escapes `\"`, `\\`, `\n`, `\r`,
 * `\t`; numbers are integers of at most 15 digits; no whitespace outside strings. Duplicate keys are
 * not looked for. One pass, no allocation.
 */
export function isCanonicalJson(text: string, start: number, end: number): boolean {
  let i = start;
  let depth = 0;
  for (;;) {
    // ── a value at i
    if (i >= end) return false;
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING_DEPTH) return false;
      containers[depth] = c === 0x7b ? IN_OBJECT : IN_ARRAY;
      i++;
      if (text.charCodeAt(i) === c + 2 && i < end) {
        // `{}` or `[]`
        i++;
        depth--;
      } else {
        if (c === 0x7b) {
          i = afterKey(text, i, end);
          if (i < 0) return false;
        }
        continue;
      }
    } else if (c === 0x22) {
      i = afterString(text, i, end);
      if (i < 0) return false;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = afterInteger(text, i, end);
      if (i < 0) return false;
    } else if (c === 0x74 && text.startsWith('true', i)) {
      i += 4;
    } else if (c === 0x66 && text.startsWith('false', i)) {
      i += 5;
    } else if (c === 0x6e && text.startsWith('null', i)) {
      i += 4;
    } else {
      return false;
    }
    // ── after a value: close containers, or a separator before the next value
    for (;;) {
      if (depth === 0) return i === end;
      if (i >= end) return false;
      const d = text.charCodeAt(i);
      const kind = containers[depth];
      if (d === 0x2c) {
        i++;
        if (kind === IN_OBJECT) {
          i = afterKey(text, i, end);
          if (i < 0) return false;
        }
        break;
      }
      if (d !== (kind === IN_OBJECT ? 0x7d : 0x5d)) return false;
      i++;
      depth--;
    }
  }
}

/** Index after `"key":` starting at `i`, or -1. */
function afterKey(text: string, i: number, end: number): number {
  const j = afterString(text, i, end);
  if (j < 0 || j >= end || text.charCodeAt(j) !== 0x3a) return -1;
  return j + 1;
}

/** Index after the string starting at `i` (its opening quote), or -1. */
function afterString(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) !== 0x22) return -1;
  for (let j = i + 1; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      const e = text.charCodeAt(++j);
      if (j >= end || (e !== 0x22 && e !== 0x5c && e !== 0x6e && e !== 0x72 && e !== 0x74)) return -1;
    } else if (c < 0x20 || c > 0x7e || c === 0x3c || c === 0x3e || c === 0x26) {
      return -1;
    }
  }
  return -1;
}

/** Index after the integer starting at `i`: `0` or `-?[1-9][0-9]{0,14}` (Go writes no `-0`), or -1. */
function afterInteger(text: string, i: number, end: number): number {
  const negative = text.charCodeAt(i) === 0x2d;
  let j = negative ? i + 1 : i;
  const first = text.charCodeAt(j);
  if (j >= end || first < 0x30 || first > 0x39) return -1;
  j++;
  if (first === 0x30) return negative ? -1 : j;
  const limit = Math.min(end, j + 14);
  while (j < limit) {
    const c = text.charCodeAt(j);
    if (c < 0x30 || c > 0x39) break;
    j++;
  }
  return j;
}
