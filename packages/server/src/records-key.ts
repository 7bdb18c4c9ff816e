/**
 * The key that signs the backup records (store's backup-records.ts), where
 * server.conf's records_key says (default: records.key beside server.conf):
 * with the TLS keys, never in the store directory or the bucket.
 *
 * The packaged daemon runs as the user cpsbackup with /etc read-only
 * (ProtectSystem=strict): it cannot make its key there. make install makes
 * it, or `cpsbackupd --make-records-key` run as root; cpsbackupd makes it at
 * its first start only where it may write (a test or a demo).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type ServerConfig } from '@cpsbackup/config';
import { createRecordsKey, hasSignedRecords, LocalDirectoryBackend, readRecordsKey, type StorageBackend } from '@cpsbackup/store';
import { backendFor, recordsKeyFile } from './storage';

/** What --make-records-key made. */
export interface MadeKey {
  file: string;
  /** `owner:group`, as ls shows them. */
  owner: string;
  mode: number;
}

/** Why --make-records-key refused (nothing was written). */
class RecordsKeyRefused extends Error {}

/**
 * `cpsbackupd --make-records-key`: makes the key server.conf names, never
 * over one that is there, and never while the storage holds records signed
 * by another key (a new key would make each of them untrusted: the old key
 * must be restored instead). Run as root, the key is root's and readable by
 * `group` (a name or gid), by default the group that owns the store
 * directory (the daemon's: systemd's StateDirectory= makes it so), mode
 * 0640; with no such group (root's, or no store yet), or run as another
 * user, it is the caller's alone, mode 0600.
 */
export async function makeRecordsKey(config: ServerConfig, group?: string): Promise<MadeKey> {
  const file = recordsKeyFile(config);
  if (readRecordsKey(file)) {
    throw new RecordsKeyRefused(`a records key is already at ${file}: it is kept (a new key would make every signed backup record untrusted)`);
  }
  const location = await signedRecordsAt(config);
  if (location) {
    throw new RecordsKeyRefused(
      `the backup records in ${location} are signed with a key that is not at ${file}: restore that key from the backup of the server's configuration ` +
        `(a new key would make every record untrusted; if it is lost for good, see docs/OPERATIONS.md, "Backup records")`,
    );
  }
  const gid = group !== undefined ? groupId(group) : process.getuid?.() === 0 ? storeGroup(config.directory) : undefined;
  const made = createRecordsKey(file, gid || undefined); // gid 0: root's own group adds nobody, 0600
  const st = fs.statSync(made.file);
  return { file, owner: `${ownerName('passwd', st.uid)}:${ownerName('group', st.gid)}`, mode: st.mode & 0o777 };
}

/** Where the storage holds a signed record (undefined: none), read without writing anything there. */
async function signedRecordsAt(config: ServerConfig): Promise<string | undefined> {
  const open = backendFor(config).backend;
  let backend: StorageBackend;
  let scratch: string | undefined;
  let madePacks = false;
  if (open) {
    // The S3 backend keeps a local cache under the directory it is given: a scratch one, so root leaves nothing in the daemon's store.
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cpsbackupd-key-'));
    backend = open(scratch);
  } else {
    // A new server has no store yet; opening the backend would make packs/ (as root, in the daemon's directory) where there is none.
    if (!fs.existsSync(path.join(config.directory, 'records'))) return undefined;
    madePacks = !fs.existsSync(path.join(config.directory, 'packs'));
    backend = new LocalDirectoryBackend(config.directory);
  }
  try {
    return (await hasSignedRecords(backend)) ? backend.objectsLocation : undefined;
  } finally {
    await backend.close();
    if (madePacks) fs.rmdirSync(path.join(config.directory, 'packs'));
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The group owning the store directory, if it exists (the daemon's). */
function storeGroup(directory: string): number | undefined {
  try {
    return fs.statSync(directory).gid;
  } catch {
    return undefined;
  }
}

/** A group's gid, from its name or number. */
function groupId(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  const entry = getent('group', group);
  if (!entry) throw new RecordsKeyRefused(`there is no group ${group} on this machine (--group names the group cpsbackupd runs as)`);
  return Number(entry.split(':')[2]);
}

function ownerName(db: 'passwd' | 'group', id: number): string {
  return getent(db, String(id))?.split(':')[0] ?? String(id);
}

/** One entry of getent (NSS: /etc files, LDAP...), or undefined when there is none. */
function getent(db: 'passwd' | 'group', key: string): string | undefined {
  try {
    return execFileSync('getent', [db, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
