/** @cpsbackup/pki: the CA and the certificates cpsbackupd and the agents authenticate with. */
export { createCa, issueCertificate, signPublicKey, commonNameOf, createCsr, signCsr, fingerprintOf, type KeyAndCert, type CertRole } from './certs';
export { ensureCa, ensureIssued, CERT_FILES } from './cert-dir';
