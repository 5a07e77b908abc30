/**
 * Throwaway PKI for loopback-peer tests: a CA, a hub server certificate for 127.0.0.1/localhost and
 * one client certificate (any CA-signed cert works for any node_id, as with cloudcore's default
 * `authorization.enable=false`). Test-only: keys are generated fresh and never persisted.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface TestPki {
  caPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
const crypto = webcrypto as unknown as X509Crypto;

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Make a CA, a server cert (SAN IP 127.0.0.1 + DNS localhost) and a client cert `CN=system:node:<clientNode>`. */
export async function makeTestPki(clientNode = 'loopback-test'): Promise<TestPki> {
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + 30 * DAY_MS);
  const caKeys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=KubeEdge',
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
      ],
    },
    crypto,
  );

  const serverKeys = await keyPair();
  const server = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '02',
      subject: 'CN=loopback-cloudhub',
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      ],
    },
    crypto,
  );

  const clientKeys = await keyPair();
  const client = await x509.X509CertificateGenerator.create(
    {
      serialNumber: '03',
      subject: `O=system:nodes, CN=system:node:${clientNode}`,
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: clientKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      ],
    },
    crypto,
  );

  return {
    caPem: ca.toString('pem'),
    caKeyPem: await keyPem(caKeys.privateKey),
    serverCertPem: server.toString('pem'),
    serverKeyPem: await keyPem(serverKeys.privateKey),
    clientCertPem: client.toString('pem'),
    clientKeyPem: await keyPem(clientKeys.privateKey),
  };
}
