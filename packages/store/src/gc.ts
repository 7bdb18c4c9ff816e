import { formatChunkId } from '@cpsbackup/format';
import { RECORD_HEADER_BYTES } from './pack-format';
import { StoreError } from './errors';
import { belowListings, liveFromManifests } from './manifest-refs';
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
 * Garbage collection, in four phases:
 * - mark: a chunk is live when an available backup's manifest names it
 *   (read from the manifests themselves: a tree's listings are each read
 *   once, however many backups share them), when a backup that is
 *   `creating`, `available`, or `error` within the grace period references
 *   it, when a running backup holds an unrecorded reference to it, or when
 *   a listing so referenced names it (directly or below). Nothing else:
 *   the chunks of a deleted backup that no other backup names go at the
 *   next GC, however recent (the grace period is for failed backups, so a
 *   retry need not send their chunks again);
 * - select: sealed packs whose live share fell below the threshold;
 * - repack: their live chunks (each re-verified) are copied into new packs,
 *   which are fsynced;
 * - sweep: one transaction repoints the moved chunks, drops the dead ones
 *   and marks the emptied packs `deleting`; then their files are removed.
 *
 * Crash safety: a crash before the sweep's transaction leaves new packs no
 * chunk row points into; after it, packs in `deleting`; recovery removes
 * both at the next open.
 */
export async function runGc(store: Store, now: number, opts: GcOptions = {}): Promise<GcReport> {
  const catalog = store.catalog;
  const sizes = new Map<string, number>();
  const sizeOf = async (name: string): Promise<number> => {
    let size = sizes.get(name);
    if (size === undefined) {
      try {
        size = await store.backend.packSize(name);
      } catch {
        size = 0;
      }
      sizes.set(name, size);
    }
    return size;
  };
  const totalSize = async () => {
    let n = 0;
    for (const p of catalog.packNames()) n += await sizeOf(p);
    return n;
  };
  const bytesBefore = await totalSize();
  const freeSpace = () => store.releaseReserve();
  try {
    const { unindexed } = await mark(store, now, opts, freeSpace);
    const dead = catalog.deadChunkIds();
    const liveBytes = catalog.liveBytesByPack(RECORD_HEADER_BYTES);
    const candidates = await select(store, liveBytes, sizeOf);
    const { moved, corruptChunks, kept, newPacks } = await repack(store, candidates, liveBytes, freeSpace);
    const emptied = candidates.filter((p) => !kept.has(p));
    await sweep(store, { moved, dead, emptied, newPacks }, freeSpace);
    // Deleted backups were marked `deleting` (and held nothing live): their space is back, their rows go.
    writeMakingRoom(() => catalog.purgeDeleting(), freeSpace);
    return {
      deadChunks: dead.length,
      rewrittenPacks: emptied.filter((p) => (liveBytes.get(p) ?? 0) > 0).length,
      deletedPacks: emptied.length,
      movedChunks: moved.length,
      corruptChunks,
      unindexedReferences: unindexed,
      bytesBefore,
      bytesAfter: await totalSize(),
    };
  } finally {
    catalog.dropLiveSet();
  }
}

/**
 * Mark: builds the live set. What the committed backups need comes from
 * their manifests, not only from the reference table: a damaged table (a
 * flipped bit, a lost row) must never let GC delete what a backup still
 * needs, and a manifest that cannot be read stops GC before it deletes
 * anything. Under space pressure the grace period is dropped: failed
 * backups no longer keep their chunks for a retry.
 */
async function mark(store: Store, now: number, opts: GcOptions, freeSpace: () => boolean): Promise<{ unindexed: number }> {
  // A record that disagrees with the catalog may name chunks no catalog row does (a row damaged into another backup's
  // file list): marking from the catalog alone would delete the only copy the repair can bring back.
  const problems = store.recordProblems();
  if (problems.length > 0) {
    throw new StoreError(
      'STORE_CORRUPT',
      `GC stopped before deleting anything: the backup records and the catalog disagree (${problems.length} problem${problems.length > 1 ? 's' : ''}; ` +
        `first: ${problems[0]!.message}). Deleting now could lose what only a record names; stop cpsbackupd and run cpsbackupd --repair-catalog first`,
      { problems: problems.length },
    );
  }
  const live = await liveFromManifests(store);
  if (live.unreadable.length > 0) {
    const { backup, reason } = live.unreadable[0]!;
    throw new StoreError(
      'STORE_CORRUPT',
      `GC stopped before deleting anything: the file list of backup ${backup.number} of ${backup.client} cannot be read (${reason}); run verify`,
      { backupId: backup.id },
    );
  }
  const cutoff = opts.reclaimFailed ? Number.MAX_SAFE_INTEGER : now - store.options.gracePeriodMs;
  writeMakingRoom(() => store.catalog.dropFailedReferences(cutoff), freeSpace);
  const unrecorded = store.unrecordedRefs();
  // Backups being written hold whole unchanged directories by their listings: what those name lives too.
  const below = new Set<string>();
  const referenced = [...store.catalog.listingsReferencedByUncommitted(), ...[...unrecorded].map((hex) => Buffer.from(hex, 'hex'))];
  await belowListings(store, referenced, live.seenListings, below);
  return store.catalog.markLive(live.flat, [live.tree, below], unrecorded);
}

/** Select: sealed packs (never the one being appended to) whose live share of their size fell below the threshold. */
async function select(store: Store, liveBytes: ReadonlyMap<string, number>, sizeOf: (pack: string) => Promise<number>): Promise<string[]> {
  const open = store.openPackNames;
  const out: string[] = [];
  for (const name of store.catalog.packNames('sealed')) {
    if (open.has(name)) continue;
    const size = await sizeOf(name);
    if (size > 0 && (liveBytes.get(name) ?? 0) / size < store.options.gcLiveThreshold) out.push(name);
  }
  return out;
}

/**
 * Repack: copies the live chunks of `candidates` into new packs, each chunk
 * checked first (a damaged one is left in place, and so is its pack), and
 * makes the new packs durable. With no room to write (a full disk) it
 * rewrites nothing this time: only wholly dead packs go.
 */
async function repack(
  store: Store,
  candidates: readonly string[],
  liveBytes: ReadonlyMap<string, number>,
  freeSpace: () => boolean,
): Promise<{ moved: Array<{ id: Buffer; pack: string; offset: number }>; corruptChunks: string[]; kept: Set<string>; newPacks: string[] }> {
  const catalog = store.catalog;
  const moved: Array<{ id: Buffer; pack: string; offset: number }> = [];
  const corruptChunks: string[] = [];
  const kept = new Set<string>();
  const newPacks: string[] = [];
  const writer = new PackWriter(store.backend, store.options.packTargetSize, {
    created: (name) => {
      catalog.addPack(name);
      newPacks.push(name);
    },
    sealed: (name) => {
      catalog.sealPack(name);
      store.publishPack(name);
    },
  });
  try {
    for (const pack of candidates) {
      for (const loc of catalog.liveChunksInPack(pack)) {
        let record;
        try {
          record = await store.readRecord(loc);
          store.checkRecord(loc, record); // never copy a damaged chunk over a good name
        } catch {
          corruptChunks.push(formatChunkId(loc.id));
          kept.add(pack);
          continue;
        }
        const { header, payload } = record;
        const placed = writer.add(header, payload);
        moved.push({ id: loc.id, pack: placed.pack, offset: placed.offset });
      }
    }
    writer.flush();
    writer.close();
    await store.publishAll(); // the sweep repoints chunks to the new packs: they must be where readers look
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    writer.abandon();
    for (const p of newPacks) {
      store.assertOwner(`GC removing pack ${p}`);
      await store.backend.deletePack(p);
    }
    writeMakingRoom(() => catalog.dropPacks(newPacks), freeSpace);
    for (const pack of candidates) if ((liveBytes.get(pack) ?? 0) > 0) kept.add(pack);
    return { moved: [], corruptChunks, kept, newPacks: [] };
  }
  return { moved, corruptChunks, kept, newPacks };
}

/**
 * Sweep: one transaction repoints what moved, drops the dead chunks and
 * marks the emptied packs `deleting`; then their files go, and new packs
 * that received nothing (every candidate was wholly dead) are removed.
 */
async function sweep(
  store: Store,
  g: { moved: ReadonlyArray<{ id: Buffer; pack: string; offset: number }>; dead: readonly Buffer[]; emptied: readonly string[]; newPacks: readonly string[] },
  freeSpace: () => boolean,
): Promise<void> {
  const catalog = store.catalog;
  // Deletions follow: only while this process holds the storage's lease (read again from the storage now).
  await store.confirmOwner('GC sweep');
  writeMakingRoom(() => catalog.applyGc(g.moved, g.dead, g.emptied), freeSpace);
  for (const p of g.emptied) {
    store.assertOwner(`GC removing pack ${p}`);
    await store.backend.deletePack(p);
  }
  catalog.dropPacks(g.emptied);
  const unused = g.newPacks.filter((p) => !catalog.packHasChunks(p));
  for (const p of unused) {
    store.assertOwner(`GC removing pack ${p}`);
    await store.backend.deletePack(p);
  }
  catalog.dropPacks(unused);
}
