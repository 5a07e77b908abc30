/**
 * A camera's check of a WS-Security UsernameToken: the digest recomputed with the camera's
 * password (sim/protocol/devices/ws-security-token.ts), and a token whose Created time is too far from the
 * camera's clock refused so a captured request cannot be replayed later.
 */
import { timingSafeEqual } from 'node:crypto';
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import { PASSWORD_DIGEST_TYPE, PASSWORD_TEXT_TYPE, passwordDigest, type Credentials } from '../../sim/protocol/devices/ws-security-token.js';
import { attributeValue, childElement, type XmlElement } from './xml-tree.js';

export type AuthFailureReason = 'missing-token' | 'malformed-token' | 'unknown-user' | 'wrong-password' | 'stale-created';

export type AuthVerdict = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly reason: AuthFailureReason; readonly detail: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** xs:dateTime with an explicit zone: without one, Date.parse would read it in the local zone. */
const UTC_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Checks the UsernameToken in a SOAP header against the camera's one account.
 * `toleranceMs` bounds |now − Created| in both directions.
 */
export function verifyUsernameToken(header: XmlElement | undefined, credentials: Credentials, nowMs: number, toleranceMs: number): AuthVerdict {
  const token = childElement(childElement(header, Ns.wsSecurity, 'Security'), Ns.wsSecurity, 'UsernameToken');
  if (token === undefined) return fail('missing-token', 'no wsse:Security/wsse:UsernameToken header');
  const username = childElement(token, Ns.wsSecurity, 'Username')?.text;
  const passwordElement = childElement(token, Ns.wsSecurity, 'Password');
  if (username === undefined || passwordElement === undefined) return fail('malformed-token', 'UsernameToken needs Username and Password');
  const passwordType = attributeValue(passwordElement, 'Type') ?? PASSWORD_TEXT_TYPE;
  const created = childElement(token, Ns.wsSecurityUtility, 'Created')?.text;

  if (created !== undefined) {
    if (!UTC_DATETIME.test(created)) return fail('malformed-token', `Created ${JSON.stringify(created)} is not an xs:dateTime with a time zone`);
    const skewMs = Math.abs(nowMs - Date.parse(created));
    if (Number.isNaN(skewMs)) return fail('malformed-token', `Created ${JSON.stringify(created)} is not a date`);
    if (skewMs > toleranceMs) return fail('stale-created', `Created ${created} is ${Math.round(skewMs / 1000)} s from the device clock (tolerance ${Math.round(toleranceMs / 1000)} s)`);
  }

  let matches: boolean;
  if (passwordType === PASSWORD_DIGEST_TYPE) {
    const nonceText = childElement(token, Ns.wsSecurity, 'Nonce')?.text;
    if (nonceText === undefined || created === undefined) return fail('malformed-token', 'a PasswordDigest needs Nonce and Created');
    if (!BASE64.test(nonceText)) return fail('malformed-token', 'Nonce is not Base64');
    matches = sameSecret(passwordElement.text, passwordDigest(Buffer.from(nonceText, 'base64'), created, credentials.password));
  } else if (passwordType === PASSWORD_TEXT_TYPE) {
    matches = sameSecret(passwordElement.text, credentials.password);
  } else {
    return fail('malformed-token', `unsupported password type ${JSON.stringify(passwordType)}`);
  }
  if (username !== credentials.username) return fail('unknown-user', `no user ${JSON.stringify(username)}`);
  if (!matches) return fail('wrong-password', `wrong password for ${JSON.stringify(username)}`);
  return { ok: true, username };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function fail(reason: AuthFailureReason, detail: string): AuthVerdict {
  return { ok: false, reason, detail };
}
