import { describe, expect, it } from 'vitest';
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import { buildSoapEnvelope } from '../../sim/protocol/devices/soap-builder.js';
import { passwordDigest, usernameTokenHeader, PASSWORD_TEXT_TYPE } from '../../sim/protocol/devices/ws-security-token.js';
import { childElement, parseXmlTree, type XmlElement } from './xml-tree.js';
import { verifyUsernameToken } from './ws-security.js';

/** The worked example of the ONVIF Application Programmer's Guide (user "user", password "userpassword"). */
const GUIDE_VECTOR = {
  nonce: 'LKqI6G/AikKCQrN0zqZFlg==',
  created: '2010-09-16T07:50:45Z',
  password: 'userpassword',
  digest: 'tuOSpGlFlIXsozq4HFNeeGeFLEI=',
};

const CREDENTIALS = { username: 'admin', password: 'pa55-word' };
const TOLERANCE_MS = 60_000;

function headerOf(header: Record<string, unknown> | undefined): XmlElement | undefined {
  const xml = buildSoapEnvelope({ namespaces: { env: Ns.soapEnvelope }, header: header as never, body: { 'env:Nothing': '' } });
  return childElement(parseXmlTree(xml), Ns.soapEnvelope, 'Header');
}

describe('WS-Security UsernameToken', () => {
  it('computes the PasswordDigest of the ONVIF programmer guide example', () => {
    expect(passwordDigest(Buffer.from(GUIDE_VECTOR.nonce, 'base64'), GUIDE_VECTOR.created, GUIDE_VECTOR.password)).toBe(GUIDE_VECTOR.digest);
  });

  it('accepts the guide example itself at its own time', () => {
    const header = headerOf({
      'wsse:Security': {
        '@_xmlns:wsse': Ns.wsSecurity,
        '@_xmlns:wsu': Ns.wsSecurityUtility,
        'wsse:UsernameToken': {
          'wsse:Username': 'user',
          'wsse:Password': { '@_Type': 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest', '#text': GUIDE_VECTOR.digest },
          'wsse:Nonce': GUIDE_VECTOR.nonce,
          'wsu:Created': GUIDE_VECTOR.created,
        },
      },
    });
    const at = Date.parse(GUIDE_VECTOR.created);
    expect(verifyUsernameToken(header, { username: 'user', password: 'userpassword' }, at, TOLERANCE_MS)).toEqual({ ok: true, username: 'user' });
    expect(verifyUsernameToken(header, { username: 'user', password: 'userpassword2' }, at, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'wrong-password' });
  });

  it('accepts a fresh digest and refuses a wrong password, a wrong user, and no token', () => {
    const now = Date.now();
    const fresh = headerOf(usernameTokenHeader(CREDENTIALS, { created: new Date(now).toISOString() }));
    expect(verifyUsernameToken(fresh, CREDENTIALS, now, TOLERANCE_MS)).toEqual({ ok: true, username: 'admin' });

    const wrongPassword = headerOf(usernameTokenHeader({ ...CREDENTIALS, password: 'guess' }));
    expect(verifyUsernameToken(wrongPassword, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'wrong-password' });

    const wrongUser = headerOf(usernameTokenHeader({ ...CREDENTIALS, username: 'root' }));
    expect(verifyUsernameToken(wrongUser, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'unknown-user' });

    expect(verifyUsernameToken(headerOf(undefined), CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'missing-token' });
  });

  it('refuses a Created outside the tolerance, in the past or the future', () => {
    const now = Date.now();
    const old = headerOf(usernameTokenHeader(CREDENTIALS, { created: new Date(now - TOLERANCE_MS - 5_000).toISOString() }));
    expect(verifyUsernameToken(old, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'stale-created' });
    const future = headerOf(usernameTokenHeader(CREDENTIALS, { created: new Date(now + TOLERANCE_MS + 5_000).toISOString() }));
    expect(verifyUsernameToken(future, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'stale-created' });
    const edge = headerOf(usernameTokenHeader(CREDENTIALS, { created: new Date(now - TOLERANCE_MS + 1_000).toISOString() }));
    expect(verifyUsernameToken(edge, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: true });
  });

  it('refuses a Created without a time zone and a digest without a nonce', () => {
    const now = Date.parse('2024-05-01T12:00:00Z');
    const noZone = headerOf(usernameTokenHeader(CREDENTIALS, { created: '2024-05-01T12:00:00' }));
    expect(verifyUsernameToken(noZone, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'malformed-token' });

    const noNonce = headerOf({
      'wsse:Security': {
        '@_xmlns:wsse': Ns.wsSecurity,
        '@_xmlns:wsu': Ns.wsSecurityUtility,
        'wsse:UsernameToken': {
          'wsse:Username': 'admin',
          'wsse:Password': { '@_Type': 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest', '#text': 'AAAA' },
          'wsu:Created': '2024-05-01T12:00:00Z',
        },
      },
    });
    expect(verifyUsernameToken(noNonce, CREDENTIALS, now, TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'malformed-token' });
  });

  it('checks a PasswordText token by plain comparison', () => {
    const token = (password: string) =>
      headerOf({
        'wsse:Security': {
          '@_xmlns:wsse': Ns.wsSecurity,
          'wsse:UsernameToken': { 'wsse:Username': 'admin', 'wsse:Password': { '@_Type': PASSWORD_TEXT_TYPE, '#text': password } },
        },
      });
    expect(verifyUsernameToken(token('pa55-word'), CREDENTIALS, Date.now(), TOLERANCE_MS)).toMatchObject({ ok: true });
    expect(verifyUsernameToken(token('pa55-wore'), CREDENTIALS, Date.now(), TOLERANCE_MS)).toMatchObject({ ok: false, reason: 'wrong-password' });
  });
});
