import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLocalPki, type LocalPki } from './local-pki.js';

describe('local PKI', () => {
  let dir = '';
  let pki: LocalPki;
  const cert = (p: string): X509Certificate => new X509Certificate(readFileSync(p));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'twinlab-pki-'));
    pki = await writeLocalPki(dir, '10.96.0.1');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the edge CA key as SEC1 EC P-256, as cloudcore parses it', () => {
    const pem = readFileSync(pki.edgeCaKey, 'utf8');
    expect(pem.startsWith('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert(pki.edgeCaCert).checkPrivateKey(key)).toBe(true);
    expect(cert(pki.edgeCaCert).ca).toBe(true);
    expect(Buffer.compare(cert(pki.edgeCaCert).raw, pki.edgeCaDer)).toBe(0);
  });

  it('issues an API server cert for loopback and the service IP, signed by the cluster CA', () => {
    const ca = cert(pki.clusterCaCert);
    const srv = cert(pki.apiserverCert);
    expect(srv.verify(ca.publicKey)).toBe(true);
    expect(srv.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(srv.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(srv.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(srv.checkPrivateKey(createPrivateKey(readFileSync(pki.apiserverKey)))).toBe(true);
  });

  it('issues an admin client in system:masters and a front-proxy client under its own CA', () => {
    const admin = cert(pki.adminCert);
    expect(admin.subject).toContain('O=system:masters');
    expect(admin.verify(cert(pki.clusterCaCert).publicKey)).toBe(true);
    const fp = cert(pki.frontProxyClientCert);
    expect(fp.subject).toBe('CN=front-proxy-client');
    expect(fp.verify(cert(pki.frontProxyCaCert).publicKey)).toBe(true);
    expect(fp.verify(cert(pki.clusterCaCert).publicKey)).toBe(false);
  });
});
