/**
 * The WS-Security UsernameToken ONVIF uses, as a client sends it: the password travels as
 * Base64(SHA1(nonce + created + password)) with the nonce and the Created time beside it. The
 * digest is also what a camera recomputes to check a token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Ns } from './onvif-namespaces.js';
import type { XmlObject } from './soap-builder.js';

export const PASSWORD_DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
export const PASSWORD_TEXT_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Base64(SHA1(nonce + created + password)), nonce as raw bytes. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

export interface UsernameTokenOptions {
  /** Default 16 random bytes. */
  readonly nonce?: Buffer;
  /** Default now, as an ISO timestamp. */
  readonly created?: string;
  /** Mark the block env:mustUnderstand="1", as ONVIF clients do. */
  readonly mustUnderstand?: boolean;
}

/** The wsse:Security header block a client sends (for env:Header), with a PasswordDigest. */
export function usernameTokenHeader(credentials: Credentials, options: UsernameTokenOptions = {}): XmlObject {
  const nonce = options.nonce ?? randomBytes(16);
  const created = options.created ?? new Date().toISOString();
  return {
    'wsse:Security': {
      ...(options.mustUnderstand ? { '@_env:mustUnderstand': '1' } : {}),
      '@_xmlns:wsse': Ns.wsSecurity,
      '@_xmlns:wsu': Ns.wsSecurityUtility,
      'wsse:UsernameToken': {
        'wsse:Username': credentials.username,
        'wsse:Password': { '@_Type': PASSWORD_DIGEST_TYPE, '#text': passwordDigest(nonce, created, credentials.password) },
        'wsse:Nonce': { '@_EncodingType': BASE64_BINARY, '#text': nonce.toString('base64') },
        'wsu:Created': created,
      },
    },
  };
}
