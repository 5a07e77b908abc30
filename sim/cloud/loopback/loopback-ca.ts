/**
 * A stand-in for cloudcore's certificate authority: the self-signed `CN=KubeEdge` CA, its join token
 * (`<sha256 of CA DER>.<HS256 JWT>` keyed with the CA key's SEC1 DER), the hub's server certificate
 * and the signing of edge CSRs, with the shapes cloudcore v1.23.1 produces on the wire.
 */
import 'reflect-metadata';
import { createHash, createHmac, KeyObject, randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { BootstrapRejectedError } from '../../errors.js';

// @peculiar/x509 types its provider as the DOM `Crypto`; node's webcrypto implements it.
const x509Crypto = webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>;
const EC_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const SUBJECT_ALT_NAME_OID = '2.5.29.17';

export interface LoopbackCa {
  certDer: Uint8Array;
  certPem: string;
  /** Lowercase hex SHA-256 of `certDer`: the join token's part 0. */
  hash: string;
  /** The CA key as cloudcore stores it (SEC1 DER); also the join token's HMAC key. */
  keyDer: Uint8Array;
  keyPem: string;
  /** @internal signing handle */
  readonly signingKey: webcrypto.CryptoKey;
  /** @internal parsed form, for issuer names and key identifiers */
  readonly cert: x509.X509Certificate;
}

export interface ServerCertificate {
  certDer: Uint8Array;
  certPem: string;
  keyPem: string;
}

function randomSerialHex(): string {
  // Positive 63-bit, like Go's rand.Int(rand.Reader, MaxInt64) serials in cloudcore.
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function sec1(key: webcrypto.CryptoKey): { der: Uint8Array; pem: string } {
  const keyObject = KeyObject.from(key);
  return {
    der: new Uint8Array(keyObject.export({ type: 'sec1', format: 'der' })),
    pem: keyObject.export({ type: 'sec1', format: 'pem' }).toString(),
  };
}

async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
}

/**
 * cloudcore's CA (`NewCertificateAuthorityDer`): EC P-256, `CN=KubeEdge`, 100×365 days,
 * BasicConstraints CA:TRUE and KeyUsage DigitalSignature|KeyEncipherment|CertSign, both critical.
 */
export async function createLoopbackCa(options: { now?: Date } = {}): Promise<LoopbackCa> {
  const now = options.now ?? new Date();
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '0400', // cloudcore's fixed serial, 1024
      name: [{ CN: ['KubeEdge'] }],
      notBefore: now,
      notAfter: new Date(now.getTime() + 100 * 365 * DAY_MS),
      keys,
      signingAlgorithm: EC_P256_SHA256,
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyCertSign,
          true,
        ),
        new x509.BasicConstraintsExtension(true, undefined, true),
        // Go adds a subject key identifier to every CA it creates.
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, x509Crypto),
      ],
    },
    x509Crypto,
  );
  const certDer = new Uint8Array(cert.rawData);
  const key = sec1(keys.privateKey);
  return {
    certDer,
    certPem: cert.toString('pem'),
    hash: createHash('sha256').update(certDer).digest('hex'),
    keyDer: key.der,
    keyPem: key.pem,
    signingKey: keys.privateKey,
    cert,
  };
}

function authorityKeyId(ca: LoopbackCa): x509.Extension[] {
  const skid = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return skid ? [new x509.AuthorityKeyIdentifierExtension(skid.keyId)] : [];
}

/** The CloudHub / :10002 server certificate. Defaults: IP 127.0.0.1 and DNS localhost, 365 days. */
export async function issueServerCert(
  ca: LoopbackCa,
  options: { ipAddresses?: string[]; dnsNames?: string[]; now?: Date; validityDays?: number } = {},
): Promise<ServerCertificate> {
  const now = options.now ?? new Date();
  const keys = await newKeyPair();
  const names: x509.JsonGeneralNames = [
    ...(options.dnsNames ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      // cloudcore's `SignCerts`: O and CN both the project name, so the subject differs from the CA's.
      subject: [{ O: ['KubeEdge'] }, { CN: ['KubeEdge'] }],
      issuer: ca.cert.subjectName,
      notBefore: now,
      notAfter: new Date(now.getTime() + (options.validityDays ?? 365) * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: ca.signingKey,
      signingAlgorithm: EC_P256_SHA256,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        ...authorityKeyId(ca),
        new x509.SubjectAlternativeNameExtension(names),
      ],
    },
    x509Crypto,
  );
  return { certDer: new Uint8Array(cert.rawData), certPem: cert.toString('pem'), keyPem: sec1(keys.privateKey).pem };
}

/** Go's `json.Marshal` of jwt's header map (keys sorted) and of `{exp}` claims. */
const JWT_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

/** `<hex sha256(CA DER)>.<JWT {exp}>`, as cloudcore writes to Secret `kubeedge/tokensecret`. */
export function issueJoinToken(ca: LoopbackCa, ttlHours = 24, now: Date = new Date()): string {
  const exp = Math.floor((now.getTime() + ttlHours * HOUR_MS) / 1000);
  const payload = Buffer.from(JSON.stringify({ exp })).toString('base64url');
  const signingInput = `${JWT_HEADER}.${payload}`;
  const mac = createHmac('sha256', ca.keyDer).update(signingInput).digest('base64url');
  return `${ca.hash}.${signingInput}.${mac}`;
}

export type JwtVerdict = { valid: true } | { valid: false; reason: string };

const HMAC_ALGS: Readonly<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

function decodeClaims(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * cloudcore's check of the bearer JWT (`jwt.Parse` with the CA key): an HMAC method, a good MAC,
 * and `exp`/`nbf`/`iat` honoured when present. Reasons never quote the token.
 */
export function verifyJoinJwt(ca: LoopbackCa, jwt: string, now: Date = new Date()): JwtVerdict {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { valid: false, reason: 'token contains an invalid number of segments' };
  const [headerPart, payloadPart, macPart] = parts as [string, string, string];
  const header = decodeClaims(headerPart);
  const claims = decodeClaims(payloadPart);
  if (header === undefined || claims === undefined) return { valid: false, reason: 'token is malformed' };
  const hash = typeof header['alg'] === 'string' ? HMAC_ALGS[header['alg']] : undefined;
  if (hash === undefined) return { valid: false, reason: 'unexpected signing method' };
  const expected = createHmac(hash, ca.keyDer).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(macPart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'signature is invalid' };
  const seconds = Math.floor(now.getTime() / 1000);
  const claim = (name: string): number | undefined => (typeof claims[name] === 'number' ? (claims[name] as number) : undefined);
  const exp = claim('exp');
  if (exp !== undefined && seconds > exp) return { valid: false, reason: 'token is expired' };
  const nbf = claim('nbf');
  if (nbf !== undefined && seconds < nbf) return { valid: false, reason: 'token is not valid yet' };
  const iat = claim('iat');
  if (iat !== undefined && seconds < iat) return { valid: false, reason: 'token used before issued' };
  return { valid: true };
}

export type ExtKeyUsageName = 'clientAuth' | 'serverAuth';

/** Go's `x509.ExtKeyUsage` numbers, as sent in the optional `ExtKeyUsages` header. */
export const GO_EXT_KEY_USAGES: Readonly<Record<number, ExtKeyUsageName>> = { 1: 'serverAuth', 2: 'clientAuth' };

/**
 * Signs an edge CSR as cloudcore's `signCerts` does: the subject keeps only O and CN (C/ST/L are
 * dropped), DNS/IP SANs are copied, KeyUsage DigitalSignature|KeyEncipherment (critical), EKU
 * clientAuth by default, `validityDays` (365) from now. A bad CSR throws BootstrapRejectedError
 * with status 500, cloudcore's answer to a request it cannot sign.
 */
export async function signEdgeCsr(
  ca: LoopbackCa,
  csrDer: Uint8Array,
  options: { now?: Date; validityDays?: number; extKeyUsages?: readonly ExtKeyUsageName[] } = {},
): Promise<Uint8Array> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrDer);
  } catch {
    throw new BootstrapRejectedError('body is not a DER PKCS#10 request', { status: 500 });
  }
  if (!(await csr.verify(x509Crypto))) throw new BootstrapRejectedError('request signature does not verify', { status: 500 });

  const subject: x509.JsonName = [];
  const organizations = csr.subjectName.getField('O');
  if (organizations.length > 0) subject.push({ O: organizations });
  const commonName = csr.subjectName.getField('CN')[0];
  if (commonName !== undefined) subject.push({ CN: [commonName] });

  const sans: x509.JsonGeneralNames = [];
  const requested = csr.getExtension(SUBJECT_ALT_NAME_OID);
  const requestedNames = requested instanceof x509.SubjectAlternativeNameExtension ? requested.names.items : [];
  for (const name of requestedNames) {
    if (name.type === 'dns' || name.type === 'ip') sans.push({ type: name.type, value: name.value });
  }

  const usages = options.extKeyUsages ?? ['clientAuth'];
  const now = options.now ?? new Date();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject,
      issuer: ca.cert.subjectName,
      notBefore: now,
      notAfter: new Date(now.getTime() + (options.validityDays ?? 365) * DAY_MS),
      publicKey: csr.publicKey,
      signingKey: ca.signingKey,
      signingAlgorithm: EC_P256_SHA256,
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension(usages.map((u) => x509.ExtendedKeyUsage[u])),
        ...authorityKeyId(ca),
        ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      ],
    },
    x509Crypto,
  );
  return new Uint8Array(cert.rawData);
}
