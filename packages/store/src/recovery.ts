import { type StorageBackend } from './backend';
import { type Catalog } from './catalog';
import { isOutOfSpace } from './space-reserve';

/** What opening a store repaired after an unclean stop. */
export interface RecoveryReport {
  /** Backups that were `creating` when the last owner stopped; now `error`. */
  interruptedBackups: number[];
  /** Pack files removed: left by GC, or holding no recorded chunk. */
  removedPacks: string[];
  /** Set when the catalog could not be written (the disk is full): what was left for the next start. */
  deferred?: string;
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
export function recoverStore(catalog: Catalog, backend: StorageBackend, freeSpace: () => boolean): RecoveryReport {
  const db = catalog.db;
  const removedPacks: string[] = [];

  // Files the catalog never heard of cannot hold a recorded chunk.
  const known = new Set(db.prepare(`SELECT name FROM packs`).pluck().all() as string[]);
  const referenced = db.prepare(`SELECT 1 FROM chunks WHERE pack = ? LIMIT 1`).pluck();
  for (const name of backend.listPacks()) {
    if (!known.has(name) && referenced.get(name) === undefined) {
      backend.deletePack(name);
      removedPacks.push(name);
    }
  }

  const interruptedBackups = db.prepare(`SELECT id FROM backups WHERE status = 'creating'`).pluck().all() as number[];
  const repair = () =>
    catalog.transaction(() => {
      db.prepare(`UPDATE backups SET status = 'error', reason = ?, finished_at = ? WHERE status = 'creating'`).run(INTERRUPTED_REASON, Date.now());
      // A delete is one transaction, so 'deleting' only appears if a future
      // version deletes in steps; finish it the same way.
      const deleting = db.prepare(`SELECT id FROM backups WHERE status = 'deleting'`).pluck().all() as number[];
      for (const id of deleting) {
        db.prepare(`DELETE FROM backup_chunks WHERE backup_id = ?`).run(id);
        db.prepare(`DELETE FROM backups WHERE id = ?`).run(id);
      }
      // No process appends any more: whatever was open is as complete as it will get.
      db.prepare(`UPDATE packs SET state = 'sealed' WHERE state = 'open'`).run();
    });
  try {
    writeMakingRoom(repair, freeSpace);
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    return { interruptedBackups: [], removedPacks, deferred: `the catalog cannot be written (${(err as Error).message}): free space on the store's disk` };
  }

  // Packs GC had emptied (their chunks were moved in a committed transaction),
  // and packs no recorded chunk points into (a crash between writing and recording).
  const doomed = db.prepare(`SELECT name FROM packs WHERE state = 'deleting'`).pluck().all() as string[];
  const empty = db
    .prepare(`SELECT name FROM packs p WHERE state = 'sealed' AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.pack = p.name)`)
    .pluck()
    .all() as string[];
  for (const name of [...doomed, ...empty]) {
    backend.deletePack(name);
    removedPacks.push(name);
  }
  try {
    writeMakingRoom(
      () =>
        catalog.transaction(() => {
          const drop = db.prepare(`DELETE FROM packs WHERE name = ?`);
          for (const name of [...doomed, ...empty]) drop.run(name);
        }),
      freeSpace,
    );
  } catch (err) {
    if (!isOutOfSpace(err)) throw err; // the rows of files already gone: the next start drops them
  }
  return { interruptedBackups, removedPacks };
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
