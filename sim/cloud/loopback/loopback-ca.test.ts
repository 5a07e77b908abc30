import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createHash, createHmac, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createLoopbackCa, issueJoinToken, issueServerCert, signEdgeCsr, verifyJoinJwt } from './loopback-ca.js';

const DAY_MS = 86_400_000;
const ca = await createLoopbackCa({ now: new Date('2026-11-25T11:37:56Z') });

async function csrFor(subject: string, sans?: x509.JsonGeneralNames): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: alg,
    ...(sans ? { extensions: [new x509.SubjectAlternativeNameExtension(sans)] } : {}),
  });
  return new Uint8Array(csr.rawData);
}

describe('createLoopbackCa', () => {
  it("matches cloudcore's CA: CN=KubeEdge, CA:TRUE and KeyUsage critical, 100×365 days", () => {
    const cert = new x509.X509Certificate(ca.certDer);
    expect(cert.subject).toBe('CN=KubeEdge');
    expect(cert.issuer).toBe('CN=KubeEdge');
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(100 * 365 * DAY_MS);
    // The trace's CA: notBefore Nov 25 11:37:56 2026, notAfter Nov 1 11:37:56 2126.
    expect(cert.notAfter.toISOString()).toBe('2126-11-01T11:37:56.000Z');
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.critical).toBe(true);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign);
    expect(ca.hash).toBe(createHash('sha256').update(ca.certDer).digest('hex'));
    expect(ca.keyPem).toContain('-----BEGIN EC PRIVATE KEY-----');
  });
});

describe('issueJoinToken / verifyJoinJwt', () => {
  it('makes <sha256(CA DER)>.<HS256 JWT {exp}> keyed with the SEC1 CA key', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const token = issueJoinToken(ca, 24, now);
    const [hash, header, payload, mac] = token.split('.');
    expect(hash).toBe(ca.hash);
    expect(Buffer.from(header ?? '', 'base64url').toString()).toBe('{"alg":"HS256","typ":"JWT"}');
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toEqual({ exp: now.getTime() / 1000 + 24 * 3600 });
    expect(mac).toBe(createHmac('sha256', ca.keyDer).update(`${header}.${payload}`).digest('base64url'));
    const jwt = token.split('.').slice(1).join('.');
    expect(verifyJoinJwt(ca, jwt, now)).toEqual({ valid: true });
  });

  it('refuses an expired JWT, a JWT keyed by another CA and the full 4-part token', async () => {
    const now = new Date();
    const jwt = (t: string): string => t.split('.').slice(1).join('.');
    expect(verifyJoinJwt(ca, jwt(issueJoinToken(ca, -1, now)), now)).toEqual({ valid: false, reason: 'token is expired' });
    const other = await createLoopbackCa();
    expect(verifyJoinJwt(ca, jwt(issueJoinToken(other)), now)).toEqual({ valid: false, reason: 'signature is invalid' });
    expect(verifyJoinJwt(ca, issueJoinToken(ca), now).valid).toBe(false);
  });
});

describe('signEdgeCsr', () => {
  it('keeps only O and CN, adds clientAuth and 365 days (as the trace shows cloudcore doing)', async () => {
    const now = new Date('2026-11-25T11:59:53Z');
    const der = await signEdgeCsr(ca, await csrFor('C=CN, ST=Zhejiang, L=Hangzhou, O=system:nodes, CN=system:node:trace-0001'), { now });
    const cert = new x509.X509Certificate(der);
    expect(cert.subject).toBe('O=system:nodes, CN=system:node:trace-0001');
    expect(cert.issuer).toBe('CN=KubeEdge');
    expect(cert.notBefore.toISOString()).toBe('2026-11-25T11:59:53.000Z');
    expect(cert.notAfter.toISOString()).toBe('2027-11-25T11:59:53.000Z');
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(ku?.critical).toBe(true);
    expect(new X509Certificate(der).verify(new X509Certificate(ca.certDer).publicKey)).toBe(true);
  });

  it('copies DNS and IP SANs from the request', async () => {
    const csr = await csrFor('CN=system:node:vn-2, O=system:nodes', [
      { type: 'dns', value: 'vn-2.local' },
      { type: 'ip', value: '10.0.0.2' },
    ]);
    const cert = new X509Certificate(await signEdgeCsr(ca, csr));
    expect(cert.subjectAltName).toBe('DNS:vn-2.local, IP Address:10.0.0.2');
  });

  it('refuses a body that is not a CSR', async () => {
    await expect(signEdgeCsr(ca, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ status: 500 });
  });
});

describe('issueServerCert', () => {
  it('covers IP 127.0.0.1 and DNS localhost, signed by the CA', async () => {
    const server = await issueServerCert(ca);
    const cert = new X509Certificate(server.certDer);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(cert.checkIssued(new X509Certificate(ca.certDer))).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });
});
