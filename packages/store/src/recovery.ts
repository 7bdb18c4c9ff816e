import { type AbortedUploads, type StorageBackend } from './backend';
import { type Catalog } from './catalog';
import { isStoreError } from './errors';
import { isOutOfSpace } from './space-reserve';

/** What opening a store repaired after an unclean stop. */
export interface RecoveryReport {
  /** Backups that were `creating` when the last owner stopped; now `error`. */
  interruptedBackups: number[];
  /** Pack files removed: left by GC, or holding no recorded chunk. */
  removedPacks: string[];
  /** Set when the catalog could not be written (the disk is full): what was left for the next start. */
  deferred?: string;
  /** Incomplete multipart uploads of earlier runs aborted (an object store), or why none could be. */
  uploads?: AbortedUploads | { failed: string };
}

/** Reason recorded on a backup whose writer vanished. */
export const INTERRUPTED_REASON = 'interrupted: the server stopped before the backup was committed';

/**
 * Brings the store back to a consistent state at open. Safe at any crash
 * point because the catalog only names chunks whose bytes were fsynced:
 * everything not named is garbage, everything named is intact.
 *
 * It frees space before it writes: files the catalog never heard of go
 * first (that needs only reads), so a store whose disk filled up can start;
 * if the catalog still cannot be written, `freeSpace` (the store's reserve)
 * is given up and the write tried once more, and failing that the repairs
 * wait for the next start rather than keep the server down.
 */
export async function recoverStore(
  catalog: Catalog,
  backend: StorageBackend,
  freeSpace: () => boolean,
  owner: { assertHeld(what: string): void; confirm(what: string): Promise<void> },
): Promise<RecoveryReport> {
  const removedPacks: string[] = [];
  // What follows deletes what this catalog does not know: only while this process holds the storage's lease (storage-owner.ts).
  await owner.confirm('removing packs the catalog does not know');

  // Files the catalog never heard of cannot hold a recorded chunk.
  const known = new Set(catalog.packNames());
  for (const name of backend.unpublishedPacks()) {
    if (known.has(name)) continue; // published below, once settled
    backend.discardPack(name);
    removedPacks.push(name);
  }
  for (const name of await backend.listPacks()) {
    if (!known.has(name) && !catalog.packHasChunks(name)) {
      owner.assertHeld(`removing pack ${name}, which the catalog does not know`);
      await backend.deletePack(name);
      removedPacks.push(name);
    }
  }

  const uploads = await abortStaleUploads(backend, owner);

  const interruptedBackups = catalog.creatingBackupIds();
  try {
    // No process appends any more: what was open is as complete as it will get.
    writeMakingRoom(() => catalog.settleAfterStop(INTERRUPTED_REASON), freeSpace);
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    return {
      interruptedBackups: [],
      removedPacks,
      uploads,
      deferred: `the catalog cannot be written (${(err as Error).message}): free space on the store's disk`,
    };
  }

  // Packs GC had emptied (their chunks were moved in a committed transaction),
  // and packs no recorded chunk points into (a crash between writing and recording).
  const doomed = [...catalog.packNames('deleting'), ...catalog.emptySealedPacks()];
  if (doomed.length > 0) await owner.confirm('removing the packs GC had emptied'); // read back again: the listing above may have taken long
  for (const name of doomed) {
    owner.assertHeld(`removing pack ${name}`);
    await backend.deletePack(name);
    removedPacks.push(name);
  }
  try {
    writeMakingRoom(() => catalog.dropPacks(doomed), freeSpace);
  } catch (err) {
    if (!isOutOfSpace(err)) throw err; // the rows of files already gone: the next start drops them
  }
  // Packs sealed but not yet published when the last owner stopped (an object store): publish them now.
  const gone = new Set(doomed);
  for (const name of backend.unpublishedPacks()) if (!gone.has(name)) await backend.publishPack(name);
  return { interruptedBackups, removedPacks, uploads };
}

/**
 * Aborts the incomplete multipart uploads earlier runs left under this
 * storage's packs (their parts are billed, and no listing shows them),
 * each while the lease is held. A failure (a store whose key may not list
 * uploads) is reported, not fatal: the uploads wait for the next GC.
 */
export async function abortStaleUploads(
  backend: StorageBackend,
  owner: { assertHeld(what: string): void },
): Promise<AbortedUploads | { failed: string } | undefined> {
  if (!backend.abortStaleUploads) return undefined;
  try {
    return await backend.abortStaleUploads(() => owner.assertHeld('aborting an incomplete upload'));
  } catch (err) {
    if (isStoreError(err, 'STORE_LOCKED')) throw err;
    return { failed: (err as Error).message };
  }
}

/** Runs a catalog write; if the disk is full, gives up the reserve and tries once more. */
export function writeMakingRoom<T>(write: () => T, freeSpace: () => boolean): T {
  try {
    return write();
  } catch (err) {
    if (!isOutOfSpace(err) || !freeSpace()) throw err;
    return write();
  }
}
