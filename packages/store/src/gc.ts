import { formatChunkId } from '@cpsbackup/format';
import { type AbortedUploads, type StorageBackend } from './backend';
import { type BackupRecords } from './backup-records';
import { type Catalog } from './catalog';
import { type ChunkReader } from './chunk-reader';
import { type DurabilityQueue } from './durability-queue';
import { PACK_MAGIC, RECORD_HEADER_BYTES } from './pack-format';
import { StoreError } from './errors';
import { belowListings, liveFromManifests, type ManifestSource } from './manifest-refs';
import { type ResolvedStoreOptions } from './options';
import { type PackPublisher } from './pack-publisher';
import { PackWriter } from './pack-writer';
import { abortStaleUploads, writeMakingRoom } from './recovery';
import { isOutOfSpace, SpaceReserve } from './space-reserve';
import { type StorageLease } from './storage-owner';
import { type StoreSpace } from './store-space';
import { moveCollectedTrees, TreeRecordCollector } from './tree-migration';

/** What GC works with (Store.gc builds it): the catalog and the packs, chunks read and checked, the lease, and the room it may free. */
export interface GcStore extends ManifestSource {
  /** The store directory (whose disk GC measures). */
  readonly dir: string;
  readonly options: Pick<ResolvedStoreOptions, 'gracePeriodMs' | 'gcLiveThreshold' | 'packTargetSize'>;
  readonly catalog: Pick<
    Catalog,
    | 'allBackups'
    | 'manifestIds'
    | 'chunk'
    | 'packNames'
    | 'deadChunkIds'
    | 'liveBytesByPack'
    | 'purgeDeleting'
    | 'dropLiveSet'
    | 'dropFailedReferences'
    | 'listingsReferencedByUncommitted'
    | 'markLive'
    | 'packHasChunks'
    | 'dropPacks'
    | 'addPack'
    | 'sealPack'
    | 'liveChunksInPack'
    | 'applyGc'
  >;
  /** Where the packs are: sized, written (the new packs) and deleted. */
  readonly backend: StorageBackend;
  readonly chunks: Pick<ChunkReader, 'readChunk' | 'readRecord' | 'checkRecord'>;
  /** The storage's lease: held before every deletion. */
  readonly owner: Pick<StorageLease, 'assertHeld' | 'confirm'>;
  /** Publishes the packs GC writes; the sweep waits for them. */
  readonly publisher: Pick<PackPublisher, 'sealed' | 'publishAll'>;
  /** Gives up a space reserve so a catalog write can go through on a full disk. */
  readonly space: Pick<StoreSpace, 'releaseReserve'>;
  /** A record that disagrees with the catalog stops GC. */
  readonly records: Pick<BackupRecords, 'problemsOf'>;
  /** What the running backups reference and the catalog has not recorded yet: kept. */
  readonly queue: Pick<DurabilityQueue, 'unrecordedRefs'>;
}

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
  /** Live chunks copied into new packs (file lists moved out of packs of earlier releases included). */
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
  /**
   * Packs due for a rewrite (live share under the threshold) left as they
   * are because the store's disk had no room to write their live data
   * first; undefined when every one was rewritten.
   */
  noRoom?: GcNoRoom;
  /** Incomplete multipart uploads aborted (an object store), or why none could be. */
  uploads?: AbortedUploads | { failed: string };
}

/** What GC could not rewrite for lack of room, and the room it needed (see gcNoRoomText). */
export interface GcNoRoom {
  /** Each pack left: its size and the live bytes a rewrite copies. */
  packs: Array<{ pack: string; bytes: number; liveBytes: number }>;
  /** What rewriting them all would free. */
  reclaimableBytes: number;
  /** Free on the store's disk when GC stopped rewriting. */
  freeBytes: number;
  /** Free bytes the smallest of these rewrites needs (its live data, and room for the catalog to record it). */
  neededBytes: number;
  /** The store directory, whose disk this is about. */
  dir: string;
}

/** A GC report's packs left for lack of room, for the log and `cpsbackupd gc`: what, how much, and what to do. */
export function gcNoRoomText(n: GcNoRoom): string {
  // Rounded so that freeing what it says is enough: what is needed up, what is there down.
  const more = n.neededBytes - n.freeBytes;
  const what = `${n.packs.length} pack${n.packs.length === 1 ? '' : 's'} not rewritten for lack of room, holding ${mib(n.reclaimableBytes, Math.floor)} that rewriting would free: `;
  const todo = "(files that are not the store's, or delete more backups: cpsbackup -d NUMBER, cpsbackupd prune), then run cpsbackupd gc again";
  // The estimate said it fits, the disk said otherwise (the catalog needed more, or something else wrote meanwhile).
  if (more <= 0)
    return `${what}the smallest rewrite was tried and did not fit in the ${mib(n.freeBytes, Math.floor)} free on the disk of ${n.dir}; free more there ${todo}`;
  return (
    what +
    `the smallest rewrite needs ${mib(n.neededBytes, Math.ceil)} free on the disk of ${n.dir}, ${mib(n.freeBytes, Math.floor)} is free; ` +
    `free ${mib(more, Math.ceil)} more there ${todo}`
  );
}

function mib(n: number, round: (x: number) => number): string {
  return `${(round((n / 1024 ** 2) * 10) / 10).toFixed(1)} MiB`;
}

/**
 * The free bytes a rewrite of `liveBytes` needs: the new pack (written whole
 * and made durable before the old one may go), and room for the catalog's
 * transaction that repoints its chunks in SQLite's log (a 4 KiB page per
 * chunk, 256 KiB on average: 1/64 of the data; 256 KiB for the rest and the
 * filesystem's blocks). An estimate: a rewrite the disk still cannot hold
 * is undone (see compact).
 */
function roomToRewrite(liveBytes: number): number {
  return liveBytes + PACK_MAGIC.length + Math.ceil(liveBytes / 64) + 256 * 1024;
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
 *   and marks the emptied packs `deleting`; then their files are removed;
 * - then the file lists mark read from packs of earlier releases (file
 *   data and file lists mixed), up to 64 MiB a run, are written into tree
 *   packs and repointed (tree-migration.ts).
 *
 * A rewrite needs room for its live data before the old pack may go. When
 * the disk has room for every rewrite, one repack and one sweep do all.
 * When it has not (a store short of space), GC goes in rounds: first what
 * needs no room (dead chunks, wholly dead packs), then the packs with the
 * least live data first, as many per round as the free space holds, each
 * round's sweep deleting the old packs and so freeing room for the next.
 * What still does not fit is left as it is and reported (`noRoom`).
 *
 * Crash safety, in every round: a crash before the sweep's transaction
 * leaves new packs no chunk row points into; after it, packs in
 * `deleting`; recovery removes both at the next open.
 */
export async function runGc(store: GcStore, now: number, opts: GcOptions = {}): Promise<GcReport> {
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
  const freeSpace = () => store.space.releaseReserve();
  try {
    // File lists mark reads from packs of earlier releases (data and file lists mixed) are moved into tree packs after the rewrites.
    const trees = new TreeRecordCollector(store);
    const { unindexed } = await mark(store, { catalog: store.catalog, chunks: { readChunk: trees.readChunk } }, now, opts, freeSpace);
    const dead = catalog.deadChunkIds();
    const liveBytes = catalog.liveBytesByPack(RECORD_HEADER_BYTES);
    const candidates = await select(store, liveBytes, sizeOf);
    const done = await compact(store, candidates, dead, liveBytes, freeSpace);
    const movedTrees = await moveCollectedTrees(store, trees.found, freeSpace);
    // Deleted backups were marked `deleting` (and held nothing live): their space is back, their rows go.
    writeMakingRoom(() => catalog.purgeDeleting(), freeSpace);
    // Parts of uploads cut short since the start (a gateway restart, a full cluster) are billed until aborted.
    let uploads: GcReport['uploads'];
    if (store.backend.abortStaleUploads) {
      await store.owner.confirm('GC aborting incomplete uploads');
      uploads = await abortStaleUploads(store.backend, store.owner);
    }
    const report: GcReport = {
      uploads,
      deadChunks: dead.length,
      rewrittenPacks: done.emptied.filter((p) => (liveBytes.get(p) ?? 0) > 0).length,
      deletedPacks: done.emptied.length,
      movedChunks: done.moved + movedTrees,
      corruptChunks: done.corruptChunks,
      unindexedReferences: unindexed,
      bytesBefore,
      bytesAfter: await totalSize(),
    };
    if (done.left.length > 0) {
      const packs = [];
      for (const pack of done.left) packs.push({ pack, bytes: await sizeOf(pack), liveBytes: liveBytes.get(pack) ?? 0 });
      report.noRoom = {
        packs,
        reclaimableBytes: packs.reduce((n, p) => n + Math.max(0, p.bytes - p.liveBytes), 0),
        freeBytes: done.freeBytes,
        neededBytes: roomToRewrite(packs[0]!.liveBytes),
        dir: store.dir,
      };
    }
    return report;
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
async function mark(store: GcStore, src: ManifestSource, now: number, opts: GcOptions, freeSpace: () => boolean): Promise<{ unindexed: number }> {
  // A record that disagrees with the catalog may name chunks no catalog row does (a row damaged into another backup's
  // file list): marking from the catalog alone would delete the only copy the repair can bring back.
  const problems = store.records.problemsOf();
  if (problems.length > 0) {
    throw new StoreError(
      'STORE_CORRUPT',
      `GC stopped before deleting anything: the backup records and the catalog disagree (${problems.length} problem${problems.length > 1 ? 's' : ''}; ` +
        `first: ${problems[0]!.message}). Deleting now could lose what only a record names; stop cpsbackupd and run cpsbackupd --repair-catalog first`,
      { problems: problems.length },
    );
  }
  const live = await liveFromManifests(src, store.catalog.allBackups());
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
  const unrecorded = store.queue.unrecordedRefs();
  // Backups being written hold whole unchanged directories by their listings: what those name lives too.
  const below = new Set<string>();
  const referenced = [...store.catalog.listingsReferencedByUncommitted(), ...[...unrecorded].map((hex) => Buffer.from(hex, 'hex'))];
  await belowListings(src, referenced, live.seenListings, below);
  return store.catalog.markLive(live.flat, [live.tree, below], unrecorded);
}

/** Select: sealed packs (never the one being appended to) whose live share of their size fell below the threshold. */
async function select(store: GcStore, liveBytes: ReadonlyMap<string, number>, sizeOf: (pack: string) => Promise<number>): Promise<string[]> {
  const open = new Set(store.catalog.packNames('open'));
  const out: string[] = [];
  for (const name of store.catalog.packNames('sealed')) {
    if (open.has(name)) continue;
    const size = await sizeOf(name);
    if (size > 0 && (liveBytes.get(name) ?? 0) / size < store.options.gcLiveThreshold) out.push(name);
  }
  return out;
}

/**
 * Repack and sweep, in as many rounds as the free space needs (see runGc):
 * returns the packs emptied, the chunks moved, and the candidates left for
 * lack of room (least live data first) with the free space then.
 */
async function compact(
  store: GcStore,
  candidates: readonly string[],
  dead: readonly Buffer[],
  liveBytes: ReadonlyMap<string, number>,
  freeSpace: () => boolean,
): Promise<{ emptied: string[]; moved: number; corruptChunks: string[]; left: string[]; freeBytes: number }> {
  const disk = new SpaceReserve(store.dir); // measures the store's disk (packs, their staging, the catalog); holds nothing
  const live = (p: string) => liveBytes.get(p) ?? 0;
  const emptied: string[] = [];
  const corruptChunks: string[] = [];
  let moved = 0;
  // Dead chunks and wholly dead packs need no room: they go with the first sweep, whatever fits.
  let deadLeft = dead;
  let wholeDead = candidates.filter((p) => live(p) === 0);
  let pending = candidates.filter((p) => live(p) > 0).sort((a, b) => live(a) - live(b));
  let first = true;
  let outOfRoom = false;
  for (;;) {
    let batch: string[] = [];
    if (!outOfRoom) {
      const free = disk.freeBytes();
      let sum = 0;
      for (const p of pending) {
        if (roomToRewrite(sum + live(p)) > free) break;
        sum += live(p);
        batch.push(p);
      }
      // None fits by the estimate, but the smallest's data does: tried alone (the catalog's log may have the room
      // already; if not, the rewrite is undone and reported).
      if (batch.length === 0 && pending.length > 0 && live(pending[0]!) + PACK_MAGIC.length + 64 * 1024 <= free) batch = [pending[0]!];
      // Not all of it fits: what needs no room goes first (wholly dead packs, dead chunks' rows), alone so that its
      // catalog writes do not compete with a rewrite's; the next round sees the room it freed.
      if (batch.length < pending.length && (wholeDead.length > 0 || deadLeft.length > 0)) batch = [];
    }
    if (batch.length === 0 && !first) break;
    first = false;
    const r = await repack(store, batch, freeSpace);
    corruptChunks.push(...r.corruptChunks);
    const rewritten = r.outOfRoom ? [] : batch.filter((p) => !r.kept.has(p));
    const round = { moved: r.moved, dead: deadLeft, emptied: [...wholeDead, ...rewritten], newPacks: r.newPacks };
    try {
      await sweep(store, round, freeSpace);
    } catch (err) {
      // The catalog had no room to record the rewrite (its transaction did not commit: nothing points into the new packs).
      if (!isOutOfSpace(err) || r.newPacks.length === 0 || r.newPacks.some((p) => store.catalog.packHasChunks(p))) throw err;
      await dropNewPacks(store, r.newPacks, freeSpace);
      outOfRoom = true;
      first = deadLeft.length > 0 || wholeDead.length > 0; // what needs no room is tried again alone
      continue;
    }
    moved += r.moved.length;
    emptied.push(...round.emptied);
    deadLeft = [];
    wholeDead = [];
    if (r.outOfRoom) {
      outOfRoom = true; // the disk filled under the rewrite (the estimate fell short, or something else wrote): this batch and the rest stay
      continue;
    }
    // A pack kept for a damaged chunk is not tried again this run (its good chunks were moved all the same).
    const taken = new Set(batch);
    pending = pending.filter((p) => !taken.has(p));
    if (pending.length === 0) break;
  }
  return { emptied, moved, corruptChunks, left: pending, freeBytes: disk.freeBytes() };
}

/** Removes packs GC wrote whose chunks the catalog never came to name. */
async function dropNewPacks(store: GcStore, newPacks: readonly string[], freeSpace: () => boolean): Promise<void> {
  if (newPacks.length > 0) await store.owner.confirm('GC removing the new packs it did not use');
  for (const p of newPacks) {
    store.owner.assertHeld(`GC removing pack ${p}`);
    await store.backend.deletePack(p);
  }
  writeMakingRoom(() => store.catalog.dropPacks(newPacks), freeSpace);
}

/**
 * Repack: copies the live chunks of `candidates` into new packs, each chunk
 * checked first (a damaged one is left in place, and so is its pack), and
 * makes the new packs durable. If the disk fills meanwhile it rewrites
 * nothing this round (`outOfRoom`): the new packs go, the candidates stay.
 */
async function repack(
  store: GcStore,
  candidates: readonly string[],
  freeSpace: () => boolean,
): Promise<{ moved: Array<{ id: Buffer; pack: string; offset: number }>; corruptChunks: string[]; kept: Set<string>; newPacks: string[]; outOfRoom: boolean }> {
  const catalog = store.catalog;
  const moved: Array<{ id: Buffer; pack: string; offset: number }> = [];
  const corruptChunks: string[] = [];
  const kept = new Set<string>();
  const newPacks: string[] = [];
  if (candidates.length === 0) return { moved, corruptChunks, kept, newPacks, outOfRoom: false };
  const writer = new PackWriter(store.backend, store.options.packTargetSize, {
    created: (name) => {
      catalog.addPack(name);
      newPacks.push(name);
    },
    sealed: (name) => {
      catalog.sealPack(name);
      store.publisher.sealed(name);
    },
  });
  try {
    for (const pack of candidates) {
      for (const loc of catalog.liveChunksInPack(pack)) {
        let record;
        try {
          record = await store.chunks.readRecord(loc);
          store.chunks.checkRecord(loc, record); // never copy a damaged chunk over a good name
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
    await store.publisher.publishAll(); // the sweep repoints chunks to the new packs: they must be where readers look
  } catch (err) {
    if (!isOutOfSpace(err)) throw err;
    writer.abandon();
    await dropNewPacks(store, newPacks, freeSpace);
    for (const pack of candidates) kept.add(pack);
    return { moved: [], corruptChunks, kept, newPacks: [], outOfRoom: true };
  }
  return { moved, corruptChunks, kept, newPacks, outOfRoom: false };
}

/**
 * Sweep: one transaction repoints what moved, drops the dead chunks and
 * marks the emptied packs `deleting`; then their files go, and new packs
 * that received nothing (every candidate was wholly dead) are removed.
 */
async function sweep(
  store: GcStore,
  g: { moved: ReadonlyArray<{ id: Buffer; pack: string; offset: number }>; dead: readonly Buffer[]; emptied: readonly string[]; newPacks: readonly string[] },
  freeSpace: () => boolean,
): Promise<void> {
  const catalog = store.catalog;
  // Deletions follow: only while this process holds the storage's lease (read again from the storage now).
  await store.owner.confirm('GC sweep');
  writeMakingRoom(() => catalog.applyGc(g.moved, g.dead, g.emptied), freeSpace);
  for (const p of g.emptied) {
    store.owner.assertHeld(`GC removing pack ${p}`);
    await store.backend.deletePack(p);
  }
  catalog.dropPacks(g.emptied);
  const unused = g.newPacks.filter((p) => !catalog.packHasChunks(p));
  for (const p of unused) {
    store.owner.assertHeld(`GC removing pack ${p}`);
    await store.backend.deletePack(p);
  }
  catalog.dropPacks(unused);
}
