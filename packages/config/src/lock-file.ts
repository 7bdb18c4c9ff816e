/** Where a node's backup lock is by default: one per node.conf, so two configurations on one machine never share it. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The directory of the default locks: the systemd units' ReadWritePaths=/run/cpsbackup. */
const LOCK_DIRECTORY = '/run/cpsbackup';

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

/** The default lock_file of the node.conf `configFile`: named after its real path (a symlink to it shares its lock). */
export function defaultLockFile(configFile: string): string {
  let real: string;
  try {
    real = fs.realpathSync(configFile);
  } catch {
    real = path.resolve(configFile);
  }
  return path.join(LOCK_DIRECTORY, `${escapedPath(real)}.lock`);
}
