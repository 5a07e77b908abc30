/**
 * Encode and decode KubeEdge messages for the CloudHub WebSocket: one JSON message per WebSocket
 * message, text or binary, with a trailing newline (pkg/viaduct/pkg/lane/wsnopack.go). The encoder
 * writes exactly the bytes Go's encoding/json writes for beehive's model.Message.
 *
 * Why decoded content can carry its wire text: a message decoded from the wire must re-encode to the
 * same bytes (relays, replays, golden traces), but some JSON cannot survive JSON.parse: integer-like
 * object keys are reordered by JS, number spellings such as `1.0`, `1e5` or integers beyond 2^53 are
 * normalised, and text from a sender that does not escape like Go (a raw `<`, an escaped `\/`) is
 * respelled. Every frame cloudcore and edgecore sent in the v1.23.1 traces re-encodes without help;
 * the five redacted trace frames (raw `<redacted-…>`) do not. So the decoder re-encodes object content
 * once, compares it with the content's wire text, and only when they differ remembers that text,
 * keyed by the content object. The encoder writes the remembered text only while the content still
 * re-encodes as it did when decoded, so replacing or mutating the content falls back to Go's
 * spelling of the new value. Primitive content (a string, a number) is always written in Go's
 * spelling. `decodeMessage(data, { wireContent: false })` skips the comparison for callers that never
 * re-encode what they receive.
 */
import { isUtf8 } from 'node:buffer';
import { FrameMalformedError } from '../../errors.js';
import { goJsonString, goJsonStringify } from './go-json.js';
import type { Message, MessageHeader, MessageRoute } from './message.js';

/**
 * Deepest nesting of arrays and objects accepted in a frame, the envelope's own object included.
 * Go's decoder allows 10000; JSON.stringify overflows Node's default stack at about 4000, so a
 * frame this codec accepted could not be encoded again. Real KubeEdge messages nest about 20 deep.
 */
export const MAX_NESTING_DEPTH = 1000;

export interface DecodeOptions {
  /**
   * Remember object content's wire text when Go's re-encoding would differ, so that encodeMessage
   * reproduces the received bytes. Costs one re-encode of object content per frame. Default true.
   */
  wireContent?: boolean;
}

interface WireContent {
  /** The content's bytes as received. */
  readonly text: string;
  /** What the content re-encoded to when it was decoded: the witness that it has not changed since. */
  readonly canonical: string;
}

const wireContentByObject = new WeakMap<object, WireContent>();

function malformed(reason: string, context: Record<string, unknown> = {}): never {
  throw new FrameMalformedError(reason, context);
}

function frameText(data: string | Uint8Array): string {
  if (typeof data === 'string') return data;
  if (!(data instanceof Uint8Array)) malformed('frame is neither text nor bytes');
  if (!isUtf8(data)) malformed('binary frame not UTF-8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/**
 * True when the JSON text nests deeper than `limit`. It jumps from quote to quote with indexOf instead
 * of visiting every char of a string. Text that is not JSON may be misjudged either way; JSON.parse
 * rejects it afterwards if it is let through.
 */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if ((backslashes & 1) === 0) break;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** True when `text` holds more than `cap` opening brackets: a cheap bound, as nesting cannot exceed it. */
function moreBracketsThan(text: string, cap: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++n > cap) return true;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++n > cap) return true;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Go's decoder turns an unpaired `\udXXX` escape into U+FFFD; do the same for envelope strings. */
function goDecodedString(s: string): string {
  return SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s;
}

/** Go leaves a field at its zero value for `null` or absence; the zero value is what omitempty omits. */
function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') malformed(`${where}.${key} is not a string`);
  return v === '' ? undefined : goDecodedString(v);
}

function decodeHeader(raw: unknown): MessageHeader {
  if (!isPlainObject(raw)) malformed(raw === undefined ? 'header missing' : 'header is not an object');
  const msgId = raw.msg_id;
  if (typeof msgId !== 'string') malformed('header.msg_id is not a string');
  const timestamp = raw.timestamp;
  if (typeof timestamp !== 'number') malformed('header.timestamp is not a number');
  // Go reads it into an int64; past 2^53 JS could not give the same number back.
  if (!Number.isSafeInteger(timestamp)) malformed('header.timestamp is not a safe integer');
  const parent = optionalString(raw, 'parent_msg_id', 'header');
  const rv = optionalString(raw, 'resourceversion', 'header');
  const sync = raw.sync;
  if (sync !== undefined && sync !== null && typeof sync !== 'boolean') malformed('header.sync is not a boolean');
  const type = optionalString(raw, 'type', 'header');
  // Built in Go's field order so that logs and JSON.stringify of a decoded header read like the wire.
  const id = goDecodedString(msgId);
  const header: MessageHeader =
    parent === undefined ? { msg_id: id, timestamp } : { msg_id: id, parent_msg_id: parent, timestamp };
  if (rv !== undefined) header.resourceversion = rv;
  if (sync === true) header.sync = true;
  if (type !== undefined) header.type = type;
  return header;
}

const ROUTE_KEYS = ['source', 'destination', 'group', 'operation', 'resource'] as const;

function decodeRoute(raw: unknown): MessageRoute {
  const route: MessageRoute = {};
  if (raw === undefined || raw === null) return route;
  if (!isPlainObject(raw)) malformed('route is not an object');
  for (const key of ROUTE_KEYS) {
    const v = optionalString(raw, key, 'route');
    if (v !== undefined) route[key] = v;
  }
  return route;
}

/** Go refuses a number its float64 cannot hold; JSON.parse gives Infinity. Iterative: content may nest. */
function hasNonFiniteNumber(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const item of Object.values(v)) stack.push(item);
    }
  }
  return false;
}

function encodeEnvelopeHead(header: MessageHeader, route: MessageRoute): string {
  if (!Number.isSafeInteger(header.timestamp)) {
    throw new RangeError(`header.timestamp must be a safe integer, got ${String(header.timestamp)}`);
  }
  let s = '{"header":{"msg_id":' + goJsonString(header.msg_id);
  if (header.parent_msg_id) s += ',"parent_msg_id":' + goJsonString(header.parent_msg_id);
  s += ',"timestamp":' + String(header.timestamp);
  if (header.resourceversion) s += ',"resourceversion":' + goJsonString(header.resourceversion);
  if (header.sync === true) s += ',"sync":true';
  if (header.type) s += ',"type":' + goJsonString(header.type);
  s += '},"route":{';
  let sep = '';
  if (route.source) { s += '"source":' + goJsonString(route.source); sep = ','; }
  if (route.destination) { s += sep + '"destination":' + goJsonString(route.destination); sep = ','; }
  if (route.group) { s += sep + '"group":' + goJsonString(route.group); sep = ','; }
  if (route.operation) { s += sep + '"operation":' + goJsonString(route.operation); sep = ','; }
  if (route.resource) { s += sep + '"resource":' + goJsonString(route.resource); }
  return s + '},"content":';
}

function encodeContent(content: unknown): string {
  if (content === null || content === undefined) return 'null';
  if (typeof content === 'string') return goJsonString(content);
  if (typeof content !== 'object') return goJsonStringify(content);
  const canonical = goJsonStringify(content);
  const wire = wireContentByObject.get(content);
  return wire !== undefined && wire.canonical === canonical ? wire.text : canonical;
}

/**
 * A number token whose exponent has three or more digits, or an integer part of 309 or more digits:
 * the only spellings that can overflow a float64. Strings can match too; a match only triggers the
 * exact (slower) check.
 */
const MAYBE_HUGE_NUMBER = /[-:,[\s]\d+(?:\.\d+)?[eE]\+?\d{3}|[-:,[\s]\d{309}/;

/**
 * Remember object content's wire text when re-encoding it would not reproduce it, and refuse a
 * number that overflows a float64 (Go does; JSON.parse makes it Infinity, which encodes as null).
 * The wire text is found by position: Go writes header, route, content in that order, so a frame
 * that starts with our own encoding of its header and route has its content between that prefix and
 * the final `}`. Frames laid out otherwise (not written by Go) are re-encoded canonically.
 */
function checkContent(text: string, header: MessageHeader, route: MessageRoute, content: object, keepWire: boolean): void {
  const head = keepWire ? encodeEnvelopeHead(header, route) : undefined;
  if (head === undefined || !text.startsWith(head)) {
    if (MAYBE_HUGE_NUMBER.test(text) && hasNonFiniteNumber(content)) malformed('number out of range');
    return;
  }
  let canonical: string;
  try {
    canonical = goJsonStringify(content);
  } catch (e) {
    // Only reachable when the caller's own stack is nearly exhausted: nesting is already bounded.
    if (e instanceof RangeError) malformed('nested too deeply');
    throw e;
  }
  const wireText = text.slice(head.length, text.lastIndexOf('}'));
  if (wireText === canonical) return;
  if (hasNonFiniteNumber(content)) malformed('number out of range');
  // A frame with members after `content` leaves `V,"k":W` here, which is not one JSON value.
  try {
    JSON.parse(wireText);
  } catch {
    return;
  }
  wireContentByObject.set(content, { text: wireText, canonical });
}

/**
 * Parse one WebSocket message (text, or binary holding UTF-8) into a Message. Throws
 * FrameMalformedError with a short, stable `reason` for anything that is not a KubeEdge message.
 * Absent or `null` optional fields decode as absent, and empty strings and `sync:false` as absent
 * too, as Go would hold them; unknown keys are dropped, as Go drops them.
 */
export function decodeMessage(data: string | Uint8Array, options: DecodeOptions = {}): Message {
  const text = frameText(data);
  if (text.length === 0) malformed('empty frame');
  // Before parsing, so that a deep bomb costs a scan rather than a million nested arrays. Nesting
  // needs an opening bracket per level (and two chars), so most frames skip the exact scan.
  if (
    text.length > 2 * MAX_NESTING_DEPTH &&
    moreBracketsThan(text, MAX_NESTING_DEPTH) &&
    nestsDeeperThan(text, MAX_NESTING_DEPTH)
  ) {
    malformed('nested too deeply');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    if (e instanceof RangeError) malformed('nested too deeply');
    if (text.trim().length === 0) malformed('empty frame');
    malformed('not JSON', { detail: e instanceof Error ? e.message : String(e) });
  }
  if (!isPlainObject(parsed)) malformed('not a JSON object');
  const header = decodeHeader(parsed.header);
  const route = decodeRoute(parsed.route);
  const content = parsed.content === undefined ? null : parsed.content;
  if (typeof content === 'number' && !Number.isFinite(content)) malformed('number out of range');
  if (typeof content === 'object' && content !== null) {
    checkContent(text, header, route, content, options.wireContent !== false);
  }
  return { header, route, content };
}

/**
 * Serialise a Message as Go's encoding/json would, plus the trailing newline viaduct writes:
 * header keys msg_id, parent_msg_id, timestamp, resourceversion, sync, type and route keys source,
 * destination, group, operation, resource, empty ones omitted; then content (`null` when absent).
 */
export function encodeMessage(message: Message): string {
  return encodeEnvelopeHead(message.header, message.route) + encodeContent(message.content) + '}\n';
}

/** True when `message.content` will be written from its remembered wire text rather than re-encoded. */
export function hasWireContent(message: Message): boolean {
  const content = message.content;
  if (typeof content !== 'object' || content === null) return false;
  const wire = wireContentByObject.get(content);
  return wire !== undefined && wire.canonical === goJsonStringify(content);
}
