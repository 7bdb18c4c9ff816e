import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCa, issueCertificate, type KeyAndCert } from './certs';

/** File names inside a certificate directory (the layout conf/ examples point at). */
export const CERT_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  cert: (name: string) => `${name}.pem`,
  key: (name: string) => `${name}.key`,
};

function writeSecret(file: string, pem: string): void {
  fs.writeFileSync(file, pem, { mode: 0o600 });
}

/** Loads the CA from `dir`, creating it on first use. */
export function ensureCa(dir: string, cn = 'cpsbackup CA'): KeyAndCert {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = path.join(dir, CERT_FILES.caCert);
  const keyFile = path.join(dir, CERT_FILES.caKey);
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    return { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
  }
  const ca = createCa(cn);
  writeSecret(keyFile, ca.keyPem);
  fs.writeFileSync(certFile, ca.certPem);
  return ca;
}

/** Issues `<name>.pem` / `<name>.key` in `dir` unless they exist; returns whether it wrote them. */
export function ensureIssued(dir: string, ca: KeyAndCert, name: string, role: 'server' | 'client', altNames: string[] = []): boolean {
  const certFile = path.join(dir, CERT_FILES.cert(name));
  const keyFile = path.join(dir, CERT_FILES.key(name));
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) return false;
  const issued = issueCertificate(ca, name, role, altNames);
  writeSecret(keyFile, issued.keyPem);
  fs.writeFileSync(certFile, issued.certPem);
  return true;
}
