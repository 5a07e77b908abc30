/**
 * The client side of the WebSocket opening handshake (RFC 6455 §4.1) as bytes: the GET request,
 * byte for byte what the `ws` client sends for a hub dial, and the checks `ws` applies to the
 * server's 101 response.
 */
import { createHash, randomBytes } from 'node:crypto';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Node's default limit on a response head (--max-http-header-size). */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/**
 * The request head. `headers` come first, in order, then what `ws` adds (version, key,
 * Connection, Upgrade), then the `Host` Node's http client appends — the order the ws client
 * produces with the same options.
 */
export function upgradeRequest(path: string, host: string, headers: ReadonlyArray<readonly [string, string]>, key: string): string {
  let head = `GET ${path} HTTP/1.1\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return `${head}Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nHost: ${host}\r\n\r\n`;
}

export type UpgradeVerdict = { ok: true } | { ok: false; reason: string };

/** Check a complete response head (without the blank line) against the key that was sent. */
export function checkUpgradeResponse(head: string, key: string): UpgradeVerdict {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!status) return { ok: false, reason: 'Invalid HTTP response' };
  if (status[1] !== '101') return { ok: false, reason: `Unexpected server response: ${Number(status[1])}` };
  const fields = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, reason: 'Invalid HTTP response' };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = fields.get(name);
    fields.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  if ((fields.get('upgrade') ?? '').toLowerCase() !== 'websocket') return { ok: false, reason: 'Invalid Upgrade header' };
  if (!(fields.get('connection') ?? '').toLowerCase().split(/\s*,\s*/).includes('upgrade')) {
    return { ok: false, reason: 'Invalid Connection header' };
  }
  if (fields.get('sec-websocket-accept') !== acceptFor(key)) return { ok: false, reason: 'Invalid Sec-WebSocket-Accept header' };
  if (fields.has('sec-websocket-protocol')) return { ok: false, reason: 'Server sent a subprotocol but none was requested' };
  if (fields.has('sec-websocket-extensions')) {
    return { ok: false, reason: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested' };
  }
  return { ok: true };
}
