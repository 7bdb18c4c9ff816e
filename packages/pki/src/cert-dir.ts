import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCa, issueCertificate, type KeyAndCert } from './certs';

/** File names inside a certificate directory (the layout conf/ examples point at). */
export const CERT_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  cert: (name: string) => `${name}.pem`,
  key: (name: string) => `${name}.key`,
  /** Where --renew keeps the certificate it replaced, so that it can still be revoked (cpsbackupd --revoke-cert). */
  replaced: (name: string, at: Date) => `${name}.replaced-${at.toISOString().replace(/[:.]/g, '-')}.pem`,
};

/** What was done about one certificate: an existing one kept, a new one made, or an existing one replaced. */
type CertOutcome = 'kept' | 'made' | 'renewed';

/** One certificate of a certificate directory, after ensureCa / ensureIssued. */
export interface CertFile {
  outcome: CertOutcome;
  certFile: string;
  keyFile: string;
  /** The end of the certificate's validity (the kept or the new one). */
  validTo: Date;
  /** renewed: where the replaced certificate is kept. */
  replacedCert?: string;
}

function writeSecret(file: string, pem: string): void {
  fs.writeFileSync(file, pem, { mode: 0o600 });
}

function validTo(certPem: string): Date {
  return new Date(new X509Certificate(certPem).validTo);
}

/** Loads the CA from `dir`, creating it on first use. */
export function ensureCa(dir: string, cn = 'cpsbackup CA'): { ca: KeyAndCert } & CertFile {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, CERT_FILES.caCert);
  const keyFile = path.join(dir, CERT_FILES.caKey);
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    const ca = { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
    return { ca, outcome: 'kept', certFile, keyFile, validTo: validTo(ca.certPem) };
  }
  const ca = createCa(cn);
  writeSecret(keyFile, ca.keyPem);
  fs.writeFileSync(certFile, ca.certPem);
  return { ca, outcome: 'made', certFile, keyFile, validTo: validTo(ca.certPem) };
}

/**
 * Issues `<name>.pem` / `<name>.key` in `dir`. Existing files are kept,
 * unless `renew`: then a new key and certificate replace them (each
 * written aside and renamed over the old one), and the old certificate is
 * kept beside them under CERT_FILES.replaced, to be revoked.
 */
export function ensureIssued(
  dir: string,
  ca: KeyAndCert,
  name: string,
  role: 'server' | 'client',
  altNames: string[] = [],
  opts: { renew?: boolean } = {},
): CertFile {
  const certFile = path.join(dir, CERT_FILES.cert(name));
  const keyFile = path.join(dir, CERT_FILES.key(name));
  const exists = fs.existsSync(certFile) && fs.existsSync(keyFile);
  if (exists && !opts.renew) return { outcome: 'kept', certFile, keyFile, validTo: validTo(fs.readFileSync(certFile, 'utf8')) };
  const issued = issueCertificate(ca, name, role, altNames);
  if (!exists) {
    writeSecret(keyFile, issued.keyPem);
    fs.writeFileSync(certFile, issued.certPem);
    return { outcome: 'made', certFile, keyFile, validTo: validTo(issued.certPem) };
  }
  const replacedCert = path.join(dir, CERT_FILES.replaced(name, new Date()));
  fs.copyFileSync(certFile, replacedCert, fs.constants.COPYFILE_EXCL);
  writeSecret(`${keyFile}.new`, issued.keyPem);
  fs.writeFileSync(`${certFile}.new`, issued.certPem);
  fs.renameSync(`${keyFile}.new`, keyFile);
  fs.renameSync(`${certFile}.new`, certFile);
  return { outcome: 'renewed', certFile, keyFile, validTo: validTo(issued.certPem), replacedCert };
}
