import { formatChunkId } from '@cpsbackup/format';
import { type ChunkRow, toChunkLocation } from './catalog';
import { RECORD_HEADER_BYTES } from './pack-format';
import { StoreError } from './errors';
import { liveFromManifests } from './manifest-refs';
import { PackWriter } from './pack-writer';
import { writeMakingRoom } from './recovery';
import { isOutOfSpace } from './space-reserve';
import type { Store } from './store';

/** How a GC run treats what is only kept for a while. */
export interface GcOptions {
  /** Reclaim failed backups' chunks and recently stored unreferenced ones now (the disk filled up). */
  reclaimFailed?: boolean;
}

/** What a GC run did. */
export interface GcReport {
  deadChunks: number;
  rewrittenPacks: number;
  deletedPacks: number;
  /** Live chunks copied into new packs. */
  movedChunks: number;
  /** Chunks left in place because they failed their hash check (run verify). */
  corruptChunks: string[];
  /**
   * References a backup's manifest makes that the catalog's reference table
   * lacks (kept all the same): not 0 means the catalog is damaged; run
   * verify, then `cpsbackupd --repair-catalog`.
   */
  unindexedReferences: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Garbage collection. A chunk is live when an available backup's manifest
 * names it (read from the manifests themselves), when a backup that is `creating`,
 * `available`, or `error` within the grace period references it, when it was
 * stored within the grace period, or when a running backup holds an
 * unrecorded reference to it. Dead chunks lose their rows; packs whose live
 * share fell below the threshold have their live chunks copied into new
 * packs and are deleted.
 *
 * Crash safety: the new pack is fsynced before one transaction repoints the
 * chunks and marks the old packs `deleting`; files are removed only after.
 * A crash before the transaction leaves an unreferenced new pack (removed at
 * open); after it, `deleting` packs (removed at open).
 */
export function runGc(store: Store, now: number, opts: GcOptions = {}): GcReport {
  const db = store.catalog.db;
  // Under space pressure the grace period is dropped: failed backups no longer keep their chunks for a retry.
  const cutoff = opts.reclaimFailed ? Number.MAX_SAFE_INTEGER : now - store.options.gracePeriodMs;
  const sizeOf = (name: string): number => {
    try {
      return store.backend.packSize(name);
    } catch {
      return 0;
    }
  };
  const packNames = db.prepare(`SELECT name FROM packs`).pluck().all() as string[];
  const bytesBefore = packNames.reduce((n, p) => n + sizeOf(p), 0);

  writeMakingRoom(
    () => db.prepare(`DELETE FROM backup_chunks WHERE backup_id IN (SELECT id FROM backups WHERE status = 'error' AND finished_at < ?)`).run(cutoff),
    () => store.releaseReserve(),
  );

  // What the committed backups need comes from their manifests, not only from
  // the reference table: a damaged table (a flipped bit, a lost row) must never
  // let GC delete what a backup still needs. A manifest it cannot read stops it.
  const fromManifests = liveFromManifests(store);
  if (fromManifests.unreadable.length > 0) {
    const { backup, reason } = fromManifests.unreadable[0]!;
    throw new StoreError(
      'STORE_CORRUPT',
      `GC stopped before deleting anything: the file list of backup ${backup.number} of ${backup.client} cannot be read (${reason}); run verify`,
      { backupId: backup.id },
    );
  }

  db.exec(`DROP TABLE IF EXISTS temp.live; CREATE TEMP TABLE live (id BLOB PRIMARY KEY) WITHOUT ROWID`);
  let unindexedReferences = 0;
  db.transaction(() => {
    db.exec(`INSERT OR IGNORE INTO temp.live SELECT chunk_id FROM backup_chunks`);
    const addManifestRef = db.prepare(`INSERT OR IGNORE INTO temp.live (id) VALUES (?)`);
    for (const hex of fromManifests.ids) unindexedReferences += addManifestRef.run(Buffer.from(hex, 'hex')).changes;
    db.prepare(`INSERT OR IGNORE INTO temp.live SELECT id FROM chunks WHERE stored_at >= ?`).run(cutoff);
    const addLive = db.prepare(`INSERT OR IGNORE INTO temp.live (id) VALUES (?)`);
    for (const hex of store.unrecordedRefs()) addLive.run(Buffer.from(hex, 'hex'));
  })();

  const dead = db.prepare(`SELECT id FROM chunks WHERE id NOT IN (SELECT id FROM temp.live)`).pluck().all() as Buffer[];

  // Which packs to rewrite or drop, by live share of their file size.
  const open = store.openPackNames;
  const liveBytesByPack = new Map<string, number>();
  for (const row of db
    .prepare(`SELECT pack, SUM(stored_length + ?) AS bytes FROM chunks WHERE id IN (SELECT id FROM temp.live) GROUP BY pack`)
    .all(RECORD_HEADER_BYTES) as Array<{ pack: string; bytes: number }>) {
    liveBytesByPack.set(row.pack, row.bytes);
  }
  const candidates = (db.prepare(`SELECT name FROM packs WHERE state = 'sealed'`).pluck().all() as string[]).filter((name) => {
    if (open.has(name)) return false;
    const size = sizeOf(name);
    return size > 0 && (liveBytesByPack.get(name) ?? 0) / size < store.options.gcLiveThreshold;
  });

  // Copy the live chunks of those packs into fresh packs.
  const moved: Array<{ id: Buffer; pack: string; offset: number }> = [];
  const corruptChunks: string[] = [];
  const keep = new Set<string>();
  const newPacks: string[] = [];
  const writer = new PackWriter(store.backend, store.options.packTargetSize, {
    created: (name) => {
      store.catalog.addPack(name);
      newPacks.push(name);
    },
    sealed: (name) => store.catalog.sealPack(name),
  });
  const liveInPack = db.prepare(`SELECT * FROM chunks WHERE pack = ? AND id IN (SELECT id FROM temp.live) ORDER BY offset`);
  try {
    for (const pack of candidates) {
      for (const row of liveInPack.all(pack) as ChunkRow[]) {
        const loc = toChunkLocation(row);
        try {
          store.readLocated(loc); // never copy a damaged chunk over a good name
        } catch {
          corruptChunks.push(formatChunkId(loc.id));
          keep.add(pack);
          continue;
        }
        const { header, payload } = store.readRecord(loc);
        const placed = writer.add(header, payload);
        moved.push({ id: loc.id, pack: placed.pack, offset: placed.offset });
      }
    }
    writer.flush();
    writer.close();
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    // No room to copy into (a full disk): rewrite nothing this time, but still drop what is wholly dead.
    writer.abandon();
    for (const p of newPacks) store.backend.deletePack(p);
    writeMakingRoom(
      () => store.catalog.transaction(() => newPacks.forEach((p) => db.prepare(`DELETE FROM packs WHERE name = ?`).run(p))),
      () => store.releaseReserve(),
    );
    newPacks.length = 0;
    moved.length = 0;
    for (const pack of candidates) if ((liveBytesByPack.get(pack) ?? 0) > 0) keep.add(pack);
  }

  const doomed = candidates.filter((p) => !keep.has(p));
  writeMakingRoom(
    () =>
      store.catalog.transaction(() => {
        const repoint = db.prepare(`UPDATE chunks SET pack = ?, offset = ? WHERE id = ?`);
        for (const m of moved) repoint.run(m.pack, m.offset, m.id);
        const dropChunk = db.prepare(`DELETE FROM chunks WHERE id = ?`);
        const dropGroup = db.prepare(`DELETE FROM group_chunks WHERE chunk_id = ?`);
        for (const id of dead) {
          dropChunk.run(id);
          dropGroup.run(id);
        }
        const mark = db.prepare(`UPDATE packs SET state = 'deleting' WHERE name = ?`);
        for (const p of doomed) mark.run(p);
      }),
    () => store.releaseReserve(),
  );
  for (const p of doomed) {
    store.backend.deletePack(p);
    db.prepare(`DELETE FROM packs WHERE name = ?`).run(p);
  }
  // A new pack that received nothing (all candidates were fully dead) is just removed.
  for (const p of newPacks) {
    if (db.prepare(`SELECT 1 FROM chunks WHERE pack = ? LIMIT 1`).pluck().get(p) === undefined) {
      store.backend.deletePack(p);
      db.prepare(`DELETE FROM packs WHERE name = ?`).run(p);
    }
  }
  db.exec(`DROP TABLE IF EXISTS temp.live`);

  const after = db.prepare(`SELECT name FROM packs`).pluck().all() as string[];
  return {
    deadChunks: dead.length,
    rewrittenPacks: doomed.filter((p) => (liveBytesByPack.get(p) ?? 0) > 0).length,
    deletedPacks: doomed.length,
    movedChunks: moved.length,
    corruptChunks,
    unindexedReferences,
    bytesBefore,
    bytesAfter: after.reduce((n, p) => n + sizeOf(p), 0),
  };
}
