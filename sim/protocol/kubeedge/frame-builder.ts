/**
 * The edge's own encoder for the messages it writes: header, route and content put straight into
 * one string in Go's field order, without building a Message first. It serves the senders whose
 * content is already JSON text (a node's requests, ACKs, keepalives); encodeMessage in codec.ts
 * serves those holding a Message with object content.
 */
import { goJsonString, toGoSpelling } from './go-json.js';

/**
 * One wire message as beehive's model.Message marshals (msg_id, parent_msg_id when set, timestamp;
 * source, group, operation, resource) plus the trailing newline viaduct writes. `contentJson` is
 * JSON text and is put in Go's spelling; `msgId`, `parentId`, `source`, `group` and `operation` are
 * written unescaped, so they must be ids and names that need no JSON escape.
 */
export function buildFrame(
  msgId: string,
  parentId: string | undefined,
  timestamp: number,
  source: string,
  group: string,
  operation: string,
  resource: string,
  contentJson: string,
): string {
  const parent = parentId ? `,"parent_msg_id":"${parentId}"` : '';
  return `{"header":{"msg_id":"${msgId}"${parent},"timestamp":${timestamp}},"route":{"source":"${source}","group":"${group}","operation":"${operation}","resource":${goJsonString(resource)}},"content":${toGoSpelling(contentJson)}}\n`;
}
