/** `cpsbackupd --check`: the files server.conf names, read as the daemon reads them at its start. */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { ServerConfig } from '@cpsbackup/config';
import { readRecordsKey } from '@cpsbackup/store';
import { recordsKeyFile } from './storage';

/** What to do about a file the daemon could not read, by errno. */
function advice(key: string, file: string, code: string): string {
  if (code === 'ENOENT')
    return `it is missing: make it (scripts/make-certs makes the CA and the server's certificate and key), or set ${key} in server.conf to where it is`;
  if (code === 'EACCES') return `cpsbackupd may not read it: make it readable by the user cpsbackupd runs as (chgrp cpsbackup ${file} && chmod 0640 ${file})`;
  return `cpsbackupd cannot read it: see that ${file} is a readable file`;
}

/** The problems with the files server.conf names (CA, certificate, key, CA key, records key), one line each with the file and what to do; none: all usable. */
export function configFileProblems(config: ServerConfig): string[] {
  const problems: string[] = [];
  const read = (key: string, file: string): Buffer | undefined => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      problems.push(`${key} ${file} cannot be read (${code}): ${advice(key, file, code)}`);
      return undefined;
    }
  };
  const ca = read('ssl_cert_ca', config.ssl_cert_ca);
  const cert = read('ssl_cert', config.ssl_cert);
  const key = read('ssl_key', config.ssl_key);
  if (ca && cert && key) {
    try {
      tls.createSecureContext({ ca, cert, key });
    } catch (err) {
      problems.push(
        `ssl_cert ${config.ssl_cert}, ssl_key ${config.ssl_key} and ssl_cert_ca ${config.ssl_cert_ca} do not make a TLS identity (${(err as Error).message}): ` +
          "give PEM files, the key being the certificate's own (scripts/make-certs makes them)",
      );
    }
  }
  if (ca) problems.push(...caProblems(config.ssl_cert_ca, ca));
  if (config.ca_key !== undefined) read('ca_key', config.ca_key);
  const recordsKey = recordsKeyFile(config);
  try {
    if (!readRecordsKey(recordsKey)) {
      // Missing: the daemon makes it at its first start, where it may write (not under systemd, whose /etc is read-only).
      try {
        fs.accessSync(path.dirname(recordsKey), fs.constants.W_OK);
      } catch {
        problems.push(
          `records_key ${recordsKey} is missing and cpsbackupd cannot make it in ${path.dirname(recordsKey)}: make it as root with cpsbackupd -c ${config.configFile} --make-records-key --group cpsbackup, ` +
            "or restore it from the backup of the server's configuration",
        );
      }
    }
  } catch (err) {
    problems.push(`records_key: ${(err as Error).message}`);
  }
  return problems;
}

/**
 * ssl_cert_ca checks the nodes' certificates: an empty file, or a node's or the server's own certificate given in its
 * place, lets the daemon start and then refuse every node (SELF_SIGNED_CERT_IN_CHAIN). At least one certificate in it
 * must be a CA's.
 */
function caProblems(file: string, pem: Buffer): string[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch {
      // A block that does not parse: said below if no CA is left.
    }
  }
  if (!certs.length) return [`ssl_cert_ca ${file} holds no PEM certificate: give the CA that signs the nodes' certificates (ca.pem of scripts/make-certs)`];
  if (!certs.some((c) => c.ca))
    return [
      `ssl_cert_ca ${file} holds no CA certificate (${certs.map((c) => c.subject.replace(/\n/g, ', ')).join('; ')}: basicConstraints CA:FALSE): ` +
        "give the CA that signs the nodes' certificates (ca.pem of scripts/make-certs), not a node's or the server's own certificate",
    ];
  return [];
}
