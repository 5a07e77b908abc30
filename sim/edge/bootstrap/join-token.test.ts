import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { BootstrapTokenInvalidError, ErrorCodes } from '../../errors.js';
import { parseJoinToken, redactToken } from './join-token.js';

const CA_HASH = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const HEADER = b64('{"alg":"HS256","typ":"JWT"}');
const EXP = 1_795_694_393;
const PAYLOAD = b64(`{"exp":${EXP}}`);
const SIGNATURE = createHmac('sha256', 'ca-key').update(`${HEADER}.${PAYLOAD}`).digest('base64url');
const GOOD = `${CA_HASH}.${HEADER}.${PAYLOAD}.${SIGNATURE}`;

function parseError(token: string): BootstrapTokenInvalidError {
  try {
    parseJoinToken(token);
  } catch (error) {
    expect(error).toBeInstanceOf(BootstrapTokenInvalidError);
    return error as BootstrapTokenInvalidError;
  }
  throw new Error('token was accepted');
}

/** No part of the token (of at least 4 characters) may show in the message or its context. */
function expectNoLeak(error: BootstrapTokenInvalidError, token: string): void {
  const shown = `${error.message} ${JSON.stringify(error.context)} ${error.toLine()}`;
  for (const part of token.split('.').filter((p) => p.length >= 4)) {
    expect(shown).not.toContain(part);
    expect(shown).not.toContain(part.slice(0, 8));
  }
}

describe('parseJoinToken', () => {
  it('splits a cloudcore token into CA hash, bearer JWT and expiry', () => {
    const token = parseJoinToken(GOOD);
    expect(token.caHash).toBe(CA_HASH);
    expect(token.jwt).toBe(`${HEADER}.${PAYLOAD}.${SIGNATURE}`);
    expect(token.expiresAt?.toISOString()).toBe(new Date(EXP * 1000).toISOString());
  });

  it('ignores a trailing newline, as read from a file', () => {
    expect(parseJoinToken(`${GOOD}\n`).caHash).toBe(CA_HASH);
  });

  it('accepts a JWT without exp', () => {
    const payload = b64('{}');
    expect(parseJoinToken(`${CA_HASH}.${HEADER}.${payload}.${SIGNATURE}`).expiresAt).toBeUndefined();
  });

  const cases: Array<[string, string, RegExp]> = [
    ['wrong part count (the bare JWT)', `${HEADER}.${PAYLOAD}.${SIGNATURE}`, /has 3 dot-separated part\(s\), expected 4/],
    ['an empty token', '   ', /join token is empty/],
    ['uppercase CA hash', `${CA_HASH.toUpperCase()}.${HEADER}.${PAYLOAD}.${SIGNATURE}`, /part 0 of 4 \(CA hash\) is not 64 lowercase hex/],
    ['short CA hash', `${CA_HASH.slice(2)}.${HEADER}.${PAYLOAD}.${SIGNATURE}`, /part 0 of 4 \(CA hash\)/],
    ['header not base64url', `${CA_HASH}.${HEADER}+.${PAYLOAD}.${SIGNATURE}`, /part 1 of 4 \(JWT header\) is not base64url JSON/],
    ['header not JSON', `${CA_HASH}.${b64('alg=HS256')}.${PAYLOAD}.${SIGNATURE}`, /part 1 of 4 \(JWT header\) is not base64url JSON/],
    ['header with RS256', `${CA_HASH}.${b64('{"alg":"RS256"}')}.${PAYLOAD}.${SIGNATURE}`, /part 1 of 4 \(JWT header\) does not declare alg HS256/],
    ['payload not JSON', `${CA_HASH}.${HEADER}.${b64('{exp')}.${SIGNATURE}`, /part 2 of 4 \(JWT payload\) is not base64url JSON/],
    ['payload an array', `${CA_HASH}.${HEADER}.${b64('[1]')}.${SIGNATURE}`, /part 2 of 4 \(JWT payload\) is not a JSON object/],
    ['exp a string', `${CA_HASH}.${HEADER}.${b64('{"exp":"soon"}')}.${SIGNATURE}`, /part 2 of 4 \(JWT payload\) has an exp claim that is not a number/],
    ['signature with padding', `${CA_HASH}.${HEADER}.${PAYLOAD}.${SIGNATURE}=`, /part 3 of 4 \(JWT signature\) is not base64url/],
    ['signature too short', `${CA_HASH}.${HEADER}.${PAYLOAD}.${SIGNATURE.slice(0, 20)}`, /part 3 of 4 \(JWT signature\) is not 32 bytes/],
    ['empty signature', `${CA_HASH}.${HEADER}.${PAYLOAD}.`, /part 3 of 4 \(JWT signature\) is not base64url/],
  ];
  it.each(cases)('rejects %s, naming the part and quoting none of the token', (_label, token, message) => {
    const error = parseError(token);
    expect(error.code).toBe(ErrorCodes.BootstrapTokenInvalid);
    expect(error.message).toMatch(message);
    expectNoLeak(error, token);
  });
});

describe('redactToken', () => {
  it('shows only the first 8 characters of a well-formed CA hash', () => {
    const shown = redactToken(GOOD);
    expect(shown).toBe(`<redacted-token ca=${CA_HASH.slice(0, 8)}…>`);
    expect(shown).not.toContain(HEADER.slice(0, 8));
    expect(shown).not.toContain(SIGNATURE.slice(0, 8));
  });

  it('shows nothing of a token whose first part is not a hash', () => {
    expect(redactToken(`${HEADER}.${PAYLOAD}.${SIGNATURE}`)).toBe('<redacted-token>');
  });
});
