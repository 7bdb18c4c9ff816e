/**
 * Which store directory the storage behind a backend belongs to. Recovery
 * deletes packs its catalog does not know (they are garbage of a crash),
 * so opening a catalog that does not describe the storage would delete
 * backups: a catalog lost while the packs remain (a deleted file, a server
 * rebuilt without `rebuild-catalog`), or a second server pointed at the
 * same bucket prefix. Both are refused here, before recovery runs.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFileDurably } from '@cpsbackup/durable';
import { type StorageBackend } from './backend';
import { StoreError } from './errors';

/** The object naming the directory the storage belongs to. */
const OWNER_OBJECT = 'owner';
/** This directory's identity (random, made once). */
const ID_FILE = 'store-id';

interface Owner {
  id: string;
  host: string;
  directory: string;
}

/** This store directory's id, made the first time it is asked for. */
function ownId(dir: string): string {
  const file = path.join(dir, ID_FILE);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  createFileDurably(file, randomBytes(16).toString('hex') + '\n', 0o600);
  return fs.readFileSync(file, 'utf8').trim();
}

/** Marks the storage as this directory's (a new store, or one whose catalog was just rebuilt from it). */
export async function claimStorage(dir: string, backend: StorageBackend): Promise<void> {
  const owner: Owner = { id: ownId(dir), host: os.hostname(), directory: path.resolve(dir) };
  await backend.writeObject(OWNER_OBJECT, Buffer.from(JSON.stringify(owner) + '\n'));
}

/**
 * Before a store opens: refuses a new (empty) catalog over storage that
 * holds backups, and storage another store directory claimed; claims
 * storage nobody has claimed yet.
 */
export async function checkStorageOwner(dir: string, backend: StorageBackend, catalogIsNew: boolean): Promise<void> {
  if (catalogIsNew) {
    const packs = (await backend.listPacks()).length;
    const clients = (await backend.listObjects('clients/')).length;
    if (packs > 0 || clients > 0) {
      throw new StoreError(
        'CATALOG_MISSING',
        `${path.join(dir, 'catalog.db')} is missing, but ${backend.location} holds ${packs} packs and the records of ${clients} clients: ` +
          'opening would take them for garbage. Rebuild the catalog from them: cpsbackupd -c server.conf rebuild-catalog (or put the catalog back)',
      );
    }
  }
  const bytes = await backend.readObject(OWNER_OBJECT);
  if (!bytes) {
    await claimStorage(dir, backend);
    return;
  }
  let owner: Partial<Owner> = {};
  try {
    owner = JSON.parse(bytes.toString('utf8')) as Partial<Owner>;
  } catch {
    // unreadable: treated as another owner's, below
  }
  if (owner.id === ownId(dir)) return;
  throw new StoreError(
    'STORE_LOCKED',
    `${backend.objectsLocation.replace(/records\/?$/, '')} belongs to another cpsbackupd (store directory ${owner.directory ?? '?'} on ${owner.host ?? '?'}): ` +
      'two servers must never share storage (give each its own s3_prefix). If this server replaces that one, run cpsbackupd -c server.conf rebuild-catalog',
  );
}
