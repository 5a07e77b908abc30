import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ConfigInvalidError } from '../../errors.js';
import { createNodeCsr } from './node-csr.js';

// Go's asn1 encoding of edgecore's pkix.Name for node trace-0001: one RDN per attribute, in
// ToRDNSequence order C, ST, L, O, CN, every value a PrintableString (tag 0x13).
const TRACE_0001_SUBJECT_DER = [
  '306b',
  '310b300906035504061302434e', // C=CN
  '3111300f060355040813085a68656a69616e67', // ST=Zhejiang
  '3111300f0603550407130848616e677a686f75', // L=Hangzhou
  '31153013060355040a130c73797374656d3a6e6f646573', // O=system:nodes
  '311f301d0603550403131673797374656d3a6e6f64653a74726163652d30303031', // CN=system:node:trace-0001
].join('');

describe('createNodeCsr', () => {
  it('builds the CSR edgecore sends for trace-0001 (trace: 298 bytes, P-256, ecdsa-with-SHA256, no attributes)', async () => {
    const { csrDer } = await createNodeCsr('trace-0001');
    const csr = new x509.Pkcs10CertificateRequest(csrDer);
    expect(csr.subject).toBe('C=CN, ST=Zhejiang, L=Hangzhou, O=system:nodes, CN=system:node:trace-0001');
    expect(Buffer.from(csr.subjectName.toArrayBuffer()).toString('hex')).toBe(TRACE_0001_SUBJECT_DER);
    expect(csr.attributes).toHaveLength(0);
    expect(csr.extensions).toHaveLength(0);
    expect(csr.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(csr.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(await csr.verify()).toBe(true);
    // An ECDSA signature's DER length varies by ±2 bytes; the trace's request was 298.
    expect(csrDer.byteLength).toBeGreaterThanOrEqual(296);
    expect(csrDer.byteLength).toBeLessThanOrEqual(299);
  });

  it('writes the key as SEC1 `EC PRIVATE KEY` PEM matching the CSR public key', async () => {
    const { keyPem, csrDer } = await createNodeCsr('vn-1');
    expect(keyPem).toMatch(/^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+\n-----END EC PRIVATE KEY-----\n$/);
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const csrSpki = Buffer.from(new x509.Pkcs10CertificateRequest(csrDer).publicKey.rawData);
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(csrSpki)).toBe(true);
  });

  it('makes a new key every time', async () => {
    const [a, b] = await Promise.all([createNodeCsr('vn-1'), createNodeCsr('vn-1')]);
    expect(a.keyPem).not.toBe(b.keyPem);
  });

  it.each(['', 'VN-1', 'vn_1', '-vn', 'a'.repeat(254)])('refuses node name %j', async (name) => {
    await expect(createNodeCsr(name)).rejects.toBeInstanceOf(ConfigInvalidError);
  });
});
