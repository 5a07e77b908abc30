/**
 * Encode and decode KubeEdge messages for the CloudHub WebSocket: one JSON message per
 * WebSocket message, with a trailing newline (pkg/viaduct/pkg/lane/wsnopack.go).
 */
import { FrameMalformedError } from '../../errors.js';
import type { Message } from './message.js';

/** Parse one WebSocket message into a Message, or throw FrameMalformedError naming what was wrong. */
export function decodeMessage(data: string | Buffer): Message {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FrameMalformedError(`not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FrameMalformedError('not a JSON object');
  }
  const obj = parsed as Record<string, unknown>;
  const header = obj.header;
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FrameMalformedError('missing header');
  }
  const route = obj.route ?? {};
  if (route === null || typeof route !== 'object' || Array.isArray(route)) {
    throw new FrameMalformedError('route is not an object');
  }
  return { header: header as Message['header'], route: route as Message['route'], content: obj.content ?? null };
}

/** Serialise a Message as the wire text, trailing newline included. */
export function encodeMessage(message: Message): string {
  return JSON.stringify(message) + '\n';
}
