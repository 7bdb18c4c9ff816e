import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** A PEM certificate and its PEM private key. */
export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

/** What a certificate is for: the CA signs; servers and clients authenticate TLS. */
export type CertRole = 'ca' | 'server' | 'client';

const DAY = 24 * 3600 * 1000;

/**
 * RSA key generation is done by node:crypto (native, fast); node-forge does
 * the X.509 work. Keys are 3072-bit for the CA and 2048-bit for leaves.
 */
function newKeyPair(bits: number): forge.pki.rsa.KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
  };
}

function serial(): string {
  // Positive 16-byte serial (first bit cleared), as RFC 5280 wants.
  const b = randomBytes(16);
  b[0]! &= 0x7f;
  return b.toString('hex');
}

function baseCert(cn: string, publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + days * DAY);
  cert.setSubject([
    { name: 'commonName', value: cn },
    { name: 'organizationName', value: 'cpsbackup' },
  ]);
  return cert;
}

/** Creates a self-signed CA. */
export function createCa(cn = 'cpsbackup CA', days = 3650): KeyAndCert {
  const keys = newKeyPair(3072);
  const cert = baseCert(cn, keys.publicKey, days);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    // pathLen 0: a certificate this CA signs can never sign others, even one marked CA:TRUE.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { keyPem: forge.pki.privateKeyToPem(keys.privateKey), certPem: forge.pki.certificateToPem(cert) };
}

/** Issues a server or client certificate for `cn`, signed by `ca`. `altNames` go into subjectAltName (servers). */
export function issueCertificate(ca: KeyAndCert, cn: string, role: 'server' | 'client', altNames: string[] = [], days = 825): KeyAndCert {
  const keys = newKeyPair(2048);
  return { keyPem: forge.pki.privateKeyToPem(keys.privateKey), certPem: signPublicKey(ca, cn, role, keys.publicKey, altNames, days) };
}

/** Signs a certificate for a public key (used for CSRs at enrolment and by issueCertificate). */
export function signPublicKey(
  ca: KeyAndCert,
  cn: string,
  role: 'server' | 'client',
  publicKey: forge.pki.PublicKey,
  altNames: string[] = [],
  days = 825,
): string {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const cert = baseCert(cn, publicKey, days);
  cert.setIssuer(caCert.subject.attributes);
  const san = [cn, ...altNames].map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: role === 'server', clientAuth: role === 'client' },
    ...(role === 'server' ? [{ name: 'subjectAltName', altNames: san }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The subject CN of a PEM certificate. */
export function commonNameOf(certPem: string): string {
  const cert = forge.pki.certificateFromPem(certPem);
  const field = cert.subject.getField('CN') as { value: string } | null;
  return field?.value ?? '';
}

/** A new key pair and a CSR for `cn` (the key never leaves the node). */
export function createCsr(cn: string): { keyPem: string; csrPem: string } {
  const keys = newKeyPair(2048);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([{ name: 'commonName', value: cn }]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return { keyPem: forge.pki.privateKeyToPem(keys.privateKey), csrPem: forge.pki.certificationRequestToPem(csr) };
}

/**
 * Signs a client CSR after checking its self-signature. The certificate's
 * CN is `cn` (what the server expects), whatever the CSR asked for.
 */
export function signCsr(ca: KeyAndCert, csrPem: string, cn: string): string {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem);
  } catch (err) {
    throw new Error(`not a PEM certificate request: ${(err as Error).message}`, { cause: err });
  }
  if (!csr.verify()) throw new Error('the certificate request is not signed by its own key');
  if (!csr.publicKey) throw new Error('the certificate request has no public key');
  return signPublicKey(ca, cn, 'client', csr.publicKey);
}

/** SHA-256 fingerprint of a PEM certificate (hex, colon-separated). */
export function fingerprintOf(certPem: string): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes();
  return forge.md.sha256.create().update(der).digest().toHex().match(/../g)!.join(':');
}
