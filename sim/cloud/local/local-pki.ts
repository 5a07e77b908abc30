/**
 * The certificates and keys a loopback-only control plane needs, written under `<runDir>/pki`:
 * a cluster CA with the API server's serving cert and an admin client cert, a front-proxy CA and
 * client (for the aggregation-layer request headers), the service-account signing key, and the
 * KubeEdge edge CA. All keys are EC P-256; the edge CA key is written SEC1 (`EC PRIVATE KEY`)
 * because cloudcore reads it with x509.ParseECPrivateKey and uses its DER as the join-token HMAC key.
 */
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

export interface LocalPki {
  dir: string;
  clusterCaCert: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  frontProxyCaCert: string;
  frontProxyClientCert: string;
  frontProxyClientKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  edgeCaCert: string;
  /** SEC1 PEM. */
  edgeCaKey: string;
  /** DER of the edge CA certificate, as cloudcore serves it on /ca.crt. */
  edgeCaDer: Buffer;
}

// Node's WebCrypto; @peculiar/x509's typings name the DOM's Crypto, which this project does not load.
const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive INTEGER
  return b.toString('hex');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function sec1Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'sec1' }).toString();
}

async function spkiPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('spki', key), 'PUBLIC KEY');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + days * DAY_MS) };
}

async function selfSignedCa(name: string, days: number): Promise<Issued> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name,
      ...validity(days),
      keys,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert, keys };
}

type San = { type: 'ip' | 'dns'; value: string };

async function leaf(ca: Issued, subject: string, usage: 'server' | 'client', sans: San[] = []): Promise<Issued> {
  const keys = await keyPair();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false, crypto),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject,
      issuer: ca.cert.subject,
      ...validity(365),
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: EC_P256,
      extensions,
    },
    crypto,
  );
  return { cert, keys };
}

/** Generate everything and write it under `<runDir>/pki` (keys mode 0600). */
export async function writeLocalPki(runDir: string, serviceIp: string): Promise<LocalPki> {
  const dir = join(runDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const put = (name: string, text: string, secret = false): string => {
    const p = join(dir, name);
    writeFileSync(p, text.endsWith('\n') ? text : `${text}\n`, { mode: secret ? 0o600 : 0o644 });
    return p;
  };

  const [clusterCa, frontProxyCa, edgeCa, saKeys] = await Promise.all([
    selfSignedCa('CN=twinlab-cluster-ca', 3650),
    selfSignedCa('CN=twinlab-front-proxy-ca', 3650),
    selfSignedCa('CN=KubeEdge', 3650),
    keyPair(),
  ]);
  const [apiserver, admin, frontProxyClient] = await Promise.all([
    leaf(clusterCa, 'CN=kube-apiserver', 'server', [
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: serviceIp },
      { type: 'dns', value: 'localhost' },
      { type: 'dns', value: 'kubernetes' },
      { type: 'dns', value: 'kubernetes.default' },
      { type: 'dns', value: 'kubernetes.default.svc' },
      { type: 'dns', value: 'kubernetes.default.svc.cluster.local' },
    ]),
    leaf(clusterCa, 'O=system:masters, CN=twinlab-admin', 'client'),
    leaf(frontProxyCa, 'CN=front-proxy-client', 'client'),
  ]);

  return {
    dir,
    clusterCaCert: put('ca.crt', clusterCa.cert.toString('pem')),
    apiserverCert: put('apiserver.crt', apiserver.cert.toString('pem')),
    apiserverKey: put('apiserver.key', await pkcs8Pem(apiserver.keys.privateKey), true),
    adminCert: put('admin.crt', admin.cert.toString('pem')),
    adminKey: put('admin.key', await pkcs8Pem(admin.keys.privateKey), true),
    frontProxyCaCert: put('front-proxy-ca.crt', frontProxyCa.cert.toString('pem')),
    frontProxyClientCert: put('front-proxy-client.crt', frontProxyClient.cert.toString('pem')),
    frontProxyClientKey: put('front-proxy-client.key', await pkcs8Pem(frontProxyClient.keys.privateKey), true),
    serviceAccountKey: put('sa.key', await pkcs8Pem(saKeys.privateKey), true),
    serviceAccountPub: put('sa.pub', await spkiPem(saKeys.publicKey)),
    edgeCaCert: put('edge-ca.crt', edgeCa.cert.toString('pem')),
    edgeCaKey: put('edge-ca.key', await sec1Pem(edgeCa.keys.privateKey), true),
    edgeCaDer: Buffer.from(edgeCa.cert.rawData),
  };
}
