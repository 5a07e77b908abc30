/**
 * The key and PKCS#10 request an edge node sends to `/edge.crt`, built as edgecore builds them
 * (`edge/pkg/edgehub/certificate/certmanager.go`): ECDSA P-256, subject
 * `C=CN, ST=Zhejiang, L=Hangzhou, O=system:nodes, CN=system:node:<node>`, no SANs, no attributes.
 */
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ConfigInvalidError } from '../../errors.js';

// @peculiar/x509 types its provider as the DOM `Crypto`; node's webcrypto implements it.
const x509Crypto = webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>;

const EC_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export const NODE_ORGANIZATION = 'system:nodes';
export const NODE_CN_PREFIX = 'system:node:';

// Kubernetes node names are DNS-1123 subdomains; anything else would be refused later by the API server.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface NodeKeyAndCsr {
  nodeName: string;
  /** The private key as edgecore writes `server.key`: PEM `EC PRIVATE KEY` (SEC1). */
  keyPem: string;
  /** The request body for `GET /edge.crt`. */
  csrDer: Uint8Array;
}

export function assertNodeName(nodeName: string): void {
  if (nodeName.length === 0 || nodeName.length > 253 || !DNS1123_SUBDOMAIN.test(nodeName)) {
    throw new ConfigInvalidError(`node name "${nodeName}" is not a DNS-1123 subdomain (lowercase a-z, 0-9, '-', '.'; at most 253)`, {
      nodeName,
    });
  }
}

export function nodeCommonName(nodeName: string): string {
  return `${NODE_CN_PREFIX}${nodeName}`;
}

/**
 * Subject RDNs in the order Go's `pkix.Name.ToRDNSequence` emits edgecore's fields (C, ST, L, O, CN),
 * one attribute per RDN, PrintableString where the value allows it (as Go's asn1 does).
 */
function nodeSubject(nodeName: string): x509.JsonName {
  return [
    { C: ['CN'] },
    { ST: ['Zhejiang'] },
    { L: ['Hangzhou'] },
    { O: [NODE_ORGANIZATION] },
    { CN: [nodeCommonName(nodeName)] },
  ];
}

/** A fresh P-256 key and its CSR for `nodeName`. */
export async function createNodeCsr(nodeName: string): Promise<NodeKeyAndCsr> {
  assertNodeName(nodeName);
  const keys = await webcrypto.subtle.generateKey(EC_P256_SHA256, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: nodeSubject(nodeName), keys, signingAlgorithm: EC_P256_SHA256 },
    x509Crypto,
  );
  // KeyObject.from avoids a PKCS#8 export/parse round trip; SEC1 is what Go's MarshalECPrivateKey writes.
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'sec1', format: 'pem' }).toString();
  return { nodeName, keyPem, csrDer: new Uint8Array(csr.rawData) };
}
