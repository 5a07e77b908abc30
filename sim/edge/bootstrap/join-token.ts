/**
 * Parses cloudcore's join token, `<caHash>.<JWT>` (4 dot-separated parts), the way edgecore uses it:
 * part 0 pins the CA, parts 1–3 are sent as the bearer JWT. Errors name the faulty part and never
 * echo any of the token, because the JWT is a fleet-wide secret.
 */
import { BootstrapTokenInvalidError } from '../../errors.js';

export interface JoinToken {
  /** Lowercase hex SHA-256 of the CA certificate's DER. */
  caHash: string;
  /** Parts 1–3: what goes after `Authorization: Bearer `. */
  jwt: string;
  /** The JWT's `exp`, when it has one (cloudcore's always does). */
  expiresAt?: Date;
}

const PART_NAMES = ['CA hash', 'JWT header', 'JWT payload', 'JWT signature'] as const;
const CA_HASH = /^[0-9a-f]{64}$/;
// Go's jwt library decodes with RawURLEncoding: no padding, URL alphabet only.
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** HMAC-SHA256 output. */
const HS256_SIGNATURE_BYTES = 32;

function invalid(part: number, problem: string): BootstrapTokenInvalidError {
  return new BootstrapTokenInvalidError(`join token: part ${part} of 4 (${PART_NAMES[part]}) ${problem}`, { part });
}

function decodeJsonObject(part: number, text: string): Record<string, unknown> {
  if (!BASE64URL.test(text)) throw invalid(part, 'is not base64url JSON');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid(part, 'is not base64url JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(part, 'is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * Splits and checks a join token. Surrounding whitespace (a trailing newline from a file or
 * `base64 -d`) is ignored. It does not reject an expired token: like edgecore, the caller still
 * presents it and lets cloudcore decide; `expiresAt` is there to explain a 401.
 */
export function parseJoinToken(token: string): JoinToken {
  const trimmed = token.trim();
  if (trimmed === '') throw new BootstrapTokenInvalidError('join token is empty', { parts: 0 });
  const parts = trimmed.split('.');
  if (parts.length !== 4) {
    throw new BootstrapTokenInvalidError(
      `join token has ${parts.length} dot-separated part(s), expected 4 (<CA hash>.<JWT header>.<JWT payload>.<JWT signature>)`,
      { parts: parts.length },
    );
  }
  const [caHash, header, payload, signature] = parts as [string, string, string, string];

  if (!CA_HASH.test(caHash)) throw invalid(0, 'is not 64 lowercase hex characters (a SHA-256 of the CA DER)');

  const headerJson = decodeJsonObject(1, header);
  if (headerJson['alg'] !== 'HS256') throw invalid(1, 'does not declare alg HS256');

  const payloadJson = decodeJsonObject(2, payload);
  let expiresAt: Date | undefined;
  const exp = payloadJson['exp'];
  if (exp !== undefined) {
    if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid(2, 'has an exp claim that is not a number');
    expiresAt = new Date(exp * 1000);
  }

  if (!BASE64URL.test(signature)) throw invalid(3, 'is not base64url');
  if (Buffer.from(signature, 'base64url').length !== HS256_SIGNATURE_BYTES) {
    throw invalid(3, `is not ${HS256_SIGNATURE_BYTES} bytes (an HS256 MAC)`);
  }

  const parsed: JoinToken = { caHash, jwt: `${header}.${payload}.${signature}` };
  if (expiresAt !== undefined) parsed.expiresAt = expiresAt;
  return parsed;
}

/**
 * A loggable stand-in for a token. The CA hash is public (anyone can hash /ca.crt), so its first
 * 8 characters are shown when part 0 is well formed; nothing of the JWT ever is.
 */
export function redactToken(token: string): string {
  const caHash = token.trim().split('.', 1)[0] ?? '';
  return CA_HASH.test(caHash) ? `<redacted-token ca=${caHash.slice(0, 8)}…>` : '<redacted-token>';
}
