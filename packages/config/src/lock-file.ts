/** Where a node's backup lock is by default: one per node.conf, so two configurations on one machine never share it. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The directory of the default locks: the systemd units' ReadWritePaths=/run/cpsbackup. */
const LOCK_DIRECTORY = '/run/cpsbackup';

/** The longest file name Linux file systems take (NAME_MAX, in bytes). */
const NAME_MAX = 255;

/** How much of a too-long escaped path a shortened name keeps, so that it stays recognisable. */
const SHORTENED_PREFIX_BYTES = 64;

/**
 * A path as one file name, as `systemd-escape --path` writes it: no outer slashes,
 * each / as -, each byte other than [A-Za-z0-9:_.] (and a leading .) as \xNN.
 * Distinct paths give distinct names.
 */
export function escapedPath(p: string): string {
  const trimmed = path.normalize(p).replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '-';
  let out = '';
  for (const [i, byte] of [...Buffer.from(trimmed, 'utf8')].entries()) {
    const c = String.fromCharCode(byte);
    if (c === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) out += c;
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * The lock's file name for the real path `real`: its escaped path + .lock, or, when that is longer
 * than NAME_MAX (a deep or non-ASCII directory would fail with ENAMETOOLONG), the escaped path's first
 * 64 bytes + the SHA-256 of the real path, which stays unique.
 */
export function lockFileName(real: string): string {
  const escaped = escapedPath(real);
  const name = `${escaped}.lock`;
  if (Buffer.byteLength(name) <= NAME_MAX) return name;
  const digest = crypto.createHash('sha256').update(real).digest('hex');
  // escaped is ASCII (every other byte is \xNN), so slicing by characters slices by bytes; a \xNN cut in two is dropped.
  const prefix = escaped.slice(0, SHORTENED_PREFIX_BYTES).replace(/\\(x[0-9a-f]?)?$/, '');
  return `${prefix}-${digest}.lock`;
}

/** The default lock_file of the node.conf `configFile`: named after its real path (a symlink to it shares its lock). */
export function defaultLockFile(configFile: string): string {
  let real: string;
  try {
    real = fs.realpathSync(configFile);
  } catch {
    real = path.resolve(configFile);
  }
  return path.join(LOCK_DIRECTORY, lockFileName(real));
}
