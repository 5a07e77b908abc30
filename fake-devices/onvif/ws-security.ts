/**
 * WS-Security UsernameToken as ONVIF uses it: the password travels as
 * Base64(SHA1(nonce + created + password)), and a token whose Created time is too far from the
 * camera's clock is refused so a captured request cannot be replayed later.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Ns } from './onvif-namespaces.js';
import type { XmlObject } from './soap-envelope.js';
import { attributeValue, childElement, type XmlElement } from './xml-tree.js';

export const PASSWORD_DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
export const PASSWORD_TEXT_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export type AuthFailureReason = 'missing-token' | 'malformed-token' | 'unknown-user' | 'wrong-password' | 'stale-created';

export type AuthVerdict = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly reason: AuthFailureReason; readonly detail: string };

/** Base64(SHA1(nonce + created + password)), nonce as raw bytes. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/**
 * The wsse:Security header block a client sends (for env:Header), with a PasswordDigest.
 * `nonce` and `created` default to 16 random bytes and now.
 */
export function usernameTokenHeader(credentials: Credentials, options: { nonce?: Buffer; created?: string } = {}): XmlObject {
  const nonce = options.nonce ?? randomBytes(16);
  const created = options.created ?? new Date().toISOString();
  return {
    'wsse:Security': {
      '@_xmlns:wsse': Ns.wsSecurity,
      '@_xmlns:wsu': Ns.wsSecurityUtility,
      'wsse:UsernameToken': {
        'wsse:Username': credentials.username,
        'wsse:Password': { '@_Type': PASSWORD_DIGEST_TYPE, '#text': passwordDigest(nonce, created, credentials.password) },
        'wsse:Nonce': nonce.toString('base64'),
        'wsu:Created': created,
      },
    },
  };
}

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
