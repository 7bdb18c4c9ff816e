import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFileDurably, fsyncDir } from '@cpsbackup/durable';

/** A certificate's SHA-256 fingerprint as the server records it: lower-case hex, colon-separated. */
function normalizeFingerprint(fp: string): string {
  return fp.trim().toLowerCase();
}

/**
 * Client certificates the operator revoked (`cpsbackupd --revoke`), by
 * fingerprint, one per line of `<directory>/revoked`: "fingerprint client
 * date". Read again whenever the file changes, so a running server refuses
 * a revoked certificate from its next connection.
 */
export class RevokedCertificates {
  private readonly file: string;
  private seen = { mtimeMs: -1, size: -1 };
  private fingerprints = new Set<string>();

  constructor(directory: string) {
    this.file = path.join(directory, 'revoked');
  }

  has(fingerprint: string): boolean {
    this.refresh();
    return this.fingerprints.has(normalizeFingerprint(fingerprint));
  }

  private refresh(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      this.fingerprints = new Set();
      return;
    }
    if (st.mtimeMs === this.seen.mtimeMs && st.size === this.seen.size) return;
    this.seen = { mtimeMs: st.mtimeMs, size: st.size };
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    this.fingerprints = new Set(
      lines
        .map((l) => l.split(' ')[0]!)
        .filter(Boolean)
        .map(normalizeFingerprint),
    );
  }
}

/**
 * Adds a fingerprint to `<directory>/revoked`, durably (appended and
 * fsynced; the file and its directory when new). Run by root on a store
 * its daemon's user owns (systemd's User=), a new list is given to that
 * user: a root-owned 0600 file is one the daemon cannot read and its
 * ownership check refuses at the next start. The list is never opened
 * through a link: whoever owns the directory could point it anywhere.
 */
export function revokeFingerprint(directory: string, fingerprint: string, client: string): void {
  const file = path.join(directory, 'revoked');
  const line = `${normalizeFingerprint(fingerprint)} ${client} ${new Date().toISOString()}\n`;
  try {
    const dir = fs.statSync(directory);
    createFileDurably(file, line, 0o600, process.geteuid?.() === 0 && dir.uid !== 0 ? { uid: dir.uid, gid: dir.gid } : undefined);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    throw new Error(
      `${file} is a symbolic link, not the list of revoked certificates: nothing was revoked. Whoever can write the store made it: ` +
        `check the store, remove the link, and revoke again`,
      { cause: err },
    );
  }
  try {
    fs.writeSync(fd, line);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `cpsbackupd --revoke NAME`: the certificate NAME enrolled with stops
 * working, and NAME may enrol again. Returns the revoked fingerprint.
 */
export function revokeEnrolled(directory: string, name: string): string {
  const marker = path.join(directory, 'enrolled', name);
  let text: string;
  try {
    text = fs.readFileSync(marker, 'utf8');
  } catch {
    throw new Error(`client ${name} has no enrolled certificate on this server (${marker}); for a certificate made by make-certs, use --revoke-cert FILE`);
  }
  const fingerprint = text.trim().split(' ')[1];
  if (!fingerprint) throw new Error(`${marker} names no certificate`);
  revokeFingerprint(directory, fingerprint, name);
  fs.rmSync(marker);
  fsyncDir(path.dirname(marker));
  return normalizeFingerprint(fingerprint);
}

/** `cpsbackupd --revoke-cert FILE`: revokes a certificate given as a PEM file. Returns its fingerprint and CN. */
export function revokeCertificateFile(directory: string, pemFile: string): { fingerprint: string; cn: string } {
  const cert = new X509Certificate(fs.readFileSync(pemFile));
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? '?';
  revokeFingerprint(directory, cert.fingerprint256, cn);
  return { fingerprint: normalizeFingerprint(cert.fingerprint256), cn };
}
