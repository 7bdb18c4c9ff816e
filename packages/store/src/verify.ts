import { type BackupRecords } from './backup-records';
import { type BackupInfo, type Catalog, catalogDamage, type ChunkLocation } from './catalog';
import { type ChunkReader } from './chunk-reader';
import { ChunkSpool } from './chunk-spool';
import {
  decodeSealedRecord,
  EntryType,
  type FileEntry,
  formatChunkId,
  listingTreeIds,
  ManifestDecoder,
  ManifestFormat,
  splitSealedManifest,
  walkTree,
} from '@cpsbackup/format';
import { isStoreError, StoreError } from './errors';
import { manifestReferences, type ManifestSource } from './manifest-refs';
import { ChunkKind } from './pack-format';

/** What verify reads: the catalog, every chunk (read and checked), the records' problems. */
export interface VerifySource extends ManifestSource {
  /** The store directory (named when the catalog is found damaged). */
  readonly dir: string;
  readonly catalog: Pick<
    Catalog,
    'integrityProblems' | 'allBackups' | 'backupsOfClient' | 'backup' | 'chunk' | 'packNames' | 'chunksInPack' | 'chunkExists' | 'manifestIds' | 'referencesOf'
  >;
  readonly chunks: Pick<ChunkReader, 'readChunk' | 'readInOrder' | 'checkRecord'>;
  readonly records: Pick<BackupRecords, 'problemsOf'>;
}

/** A chunk that failed its check. */
export interface BadChunk {
  chunk: string;
  pack: string;
  offset: number;
  reason: string;
}

/** A backup that cannot be restored whole, and exactly what is lost. */
export interface DamagedBackup {
  backupId: number;
  client: string;
  number: number;
  /** The file list itself is unreadable: no file of this backup can be listed. */
  manifestDamaged: boolean;
  /** Files whose content hits a bad or missing chunk, or whose chunks do not add up to their size (`why`). */
  files: DamagedFile[];
}

export interface DamagedFile {
  path: string;
  /** The chunks that are bad or missing. */
  chunks: string[];
  /** What else is wrong with it, when its chunks are all there. */
  why?: string;
}

/** A damaged file as one line of a report: its path, and what is wrong when it is not a lost chunk. */
export function damagedFileText(f: DamagedFile): string {
  return f.why ? `${f.path}: ${f.why}` : f.path;
}

/** Verify's findings; `ok` only when nothing is wrong. */
export interface VerifyReport {
  ok: boolean;
  chunksChecked: number;
  bytesChecked: number;
  backupsChecked: number;
  badChunks: BadChunk[];
  damagedBackups: DamagedBackup[];
  /**
   * What is wrong with the catalog itself (SQLite's integrity check, or a
   * reference table that disagrees with the manifests), and with the
   * backup records kept beside the packs (one that fails its check, a
   * deleted backup's put back, one that disagrees with the catalog).
   * Backups may be intact all the same; the repair is `cpsbackupd --repair-catalog`.
   */
  catalogProblems: string[];
}

/** What to verify: everything, or one client's available backups (optionally one of them). */
export interface VerifyScope {
  client?: string;
  number?: number;
}

/** Chunks checked between two turns of the event loop. */
const PAGE = 256;

/**
 * Verify, giving the event loop a turn between small steps, so the server
 * runs it between other work: re-read every chunk in scope (decode +
 * SHA-256 against its id), then walk every available backup's manifest in
 * scope and name each file that references a chunk that is bad or absent.
 * Chunks are read a pack at a time in file order, each pack in few
 * streamed reads (one request on an object store, not one per chunk); the
 * file lists met on the way are kept on local disk for the walk (ChunkSpool).
 * A pack's chunks are listed when its turn comes, never through an open
 * cursor, so backups and deletes may commit between steps; a chunk that
 * disappears or moves meanwhile (its backup deleted, GC) is not reported.
 * `signal` stops it between steps and in a read (its reason thrown): the
 * server's verify stops when the request that started it goes.
 */
export async function runVerify(src: VerifySource, scope: VerifyScope = {}, signal?: AbortSignal): Promise<VerifyReport> {
  const spool = new ChunkSpool(src.dir);
  try {
    return await check(src, scope, spool, signal);
  } catch (err) {
    // SQLite found the catalog's structure broken mid-way: that is the finding, not a crash.
    const damage = catalogDamage(err, src.dir);
    if (!damage) throw err;
    return { ok: false, chunksChecked: 0, bytesChecked: 0, backupsChecked: 0, badChunks: [], damagedBackups: [], catalogProblems: [damage.message] };
  } finally {
    spool.close();
  }
}

/**
 * A storage that did not answer (an object store down, past its retries)
 * says nothing about the data: verify stops with that failure rather than
 * report sound chunks as damaged.
 */
function unreachable(err: unknown): void {
  if (isStoreError(err, 'STORE_REMOTE')) throw err;
}

/** Gives the event loop a turn (other work goes on between verify's steps). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function check(src: VerifySource, scope: VerifyScope, spool: ChunkSpool, signal: AbortSignal | undefined): Promise<VerifyReport> {
  // The whole catalog's structure, when the whole store is verified (a client's verify checks its own backups only).
  const catalogProblems = scope.client === undefined ? await catalogIntegrity(src) : [];
  const listed = scope.client === undefined ? src.catalog.allBackups() : src.catalog.backupsOfClient(scope.client);
  const backups = listed.filter((b) => b.status === 'available' && (scope.number === undefined || b.number === scope.number));
  // A client's verify checks the chunks its backups name (read from their manifests); the whole store's, every chunk.
  const inScope = scope.client === undefined ? undefined : await scopeChunks(src, backups, spool, signal);
  signal?.throwIfAborted();
  const chunks = await checkChunks(src, inScope ? namedChunksByPack(src, inScope) : allChunksByPack(src), spool, signal);
  const problem = (id: Buffer): boolean => chunks.bad.has(formatChunkId(id)) || !src.catalog.chunkExists(id);
  // File lists from the spool where the pass kept them; a chunk the pass found bad is not read again (a local copy may be sound where the storage's is not).
  const readChunk = async (id: Buffer): Promise<Buffer> => {
    const kept = spool.get(id);
    if (kept) return kept;
    const found = chunks.bad.get(formatChunkId(id));
    if (found) throw new StoreError('CHUNK_CORRUPT', found.reason, { chunk: found.chunk, pack: found.pack });
    return unlessStopped(src.chunks.readChunk(id), signal);
  };
  const step = async () => {
    await turn();
    signal?.throwIfAborted();
  };
  const damagedBackups: DamagedBackup[] = [];
  let backupsChecked = 0;
  for (const b of backups) {
    if (src.catalog.backup(b.id)?.status !== 'available') continue; // deleted meanwhile
    backupsChecked++;
    const damage = await checkBackup({ src, problem, catalogProblems, readChunk, step, signal }, b);
    if (damage.manifestDamaged || damage.files.length > 0) damagedBackups.push(damage);
  }
  // Records that fail their check or disagree with the catalog: the catalog's independent copy is not sound.
  for (const p of src.records.problemsOf(scope.client)) catalogProblems.push(`backup records: ${p.message}`);
  return {
    ok: chunks.bad.size === 0 && damagedBackups.length === 0 && catalogProblems.length === 0,
    chunksChecked: chunks.checked,
    bytesChecked: chunks.bytes,
    backupsChecked,
    badChunks: [...chunks.bad.values()],
    damagedBackups,
    catalogProblems,
  };
}

/** SQLite's integrity check of the whole catalog, as report lines. */
async function catalogIntegrity(src: VerifySource): Promise<string[]> {
  const problems = src.catalog.integrityProblems(100).map((p) => `catalog integrity: ${p}`);
  await turn();
  return problems;
}

/** One pack's chunks to check, in file order. */
interface PackChunks {
  pack: string;
  locs: ChunkLocation[];
}

/** Every chunk of the store, a pack at a time, each pack's listed when its turn comes (backups and deletes commit in between). */
function* allChunksByPack(src: VerifySource): Generator<PackChunks> {
  for (const pack of src.catalog.packNames().sort()) yield { pack, locs: src.catalog.chunksInPack(pack) };
}

/** The chunks `ids` names that the catalog has, by pack, in file order. */
function* namedChunksByPack(src: VerifySource, ids: readonly Buffer[]): Generator<PackChunks> {
  const byPack = new Map<string, ChunkLocation[]>();
  for (const id of ids) {
    const loc = src.catalog.chunk(id);
    if (!loc) continue;
    const locs = byPack.get(loc.pack) ?? [];
    locs.push(loc);
    byPack.set(loc.pack, locs);
  }
  for (const pack of [...byPack.keys()].sort()) yield { pack, locs: byPack.get(pack)!.sort((a, b) => a.offset - b.offset) };
}

/**
 * Reads every chunk of `packs`, a pack at a time in file order, and checks
 * it (decode + SHA-256 against its id), giving the event loop a turn after
 * every PAGE chunks; the file lists among them go to `spool`.
 */
async function checkChunks(
  src: VerifySource,
  packs: Iterable<PackChunks>,
  spool: ChunkSpool,
  signal: AbortSignal | undefined,
): Promise<{ bad: Map<string, BadChunk>; checked: number; bytes: number }> {
  const bad = new Map<string, BadChunk>();
  let checked = 0;
  let bytes = 0;
  let sinceTurn = 0;
  for (const { pack, locs } of packs) {
    for await (const r of src.chunks.readInOrder(pack, locs, signal, { fromStorage: true })) {
      const loc = r.loc;
      try {
        if (!r.record) throw r.error;
        const plain = src.chunks.checkRecord(loc, r.record);
        if (loc.kind === ChunkKind.Manifest) spool.add(loc.id, plain);
        checked++;
        bytes += loc.rawLength;
      } catch (err) {
        unreachable(err);
        const now = src.catalog.chunk(loc.id);
        if (!now || now.pack !== loc.pack || now.offset !== loc.offset) continue; // moved or deleted meanwhile
        checked++;
        const hex = formatChunkId(loc.id);
        bad.set(hex, { chunk: hex, pack: loc.pack, offset: loc.offset, reason: (err as Error).message });
      }
      if (++sinceTurn >= PAGE) {
        sinceTurn = 0;
        await turn();
        signal?.throwIfAborted();
      }
    }
    await turn();
    signal?.throwIfAborted();
  }
  return { bad, checked, bytes };
}

/** What checking one backup works with. */
interface BackupCheck {
  src: VerifySource;
  /** Whether a chunk is bad or absent. */
  problem: (id: Buffer) => boolean;
  /** Where a flat manifest's disagreement with the reference table is said. */
  catalogProblems: string[];
  /** Reads a file list's chunk (from the spool where the pass kept it). */
  readChunk: (id: Buffer) => Promise<Buffer>;
  /** A turn of the event loop; throws once verify was stopped. */
  step: () => Promise<void>;
  /** Stops verify: a walk that fails once it aborted was stopped, not damaged. */
  signal: AbortSignal | undefined;
}

/** What is lost of one backup: its file list, if a chunk of it is bad or gone, else the files its manifest's form lets the server name. */
async function checkBackup(c: BackupCheck, b: BackupInfo): Promise<DamagedBackup> {
  const damage: DamagedBackup = { backupId: b.id, client: b.client, number: b.number, manifestDamaged: false, files: [] };
  const stored = c.src.catalog.manifestIds(b.id);
  const manifestIds = b.manifestFormat === ManifestFormat.Sealed ? splitSealedManifest(stored).roots : stored;
  if (manifestIds.some(c.problem)) damage.manifestDamaged = true;
  else await (MANIFEST_CHECKS.get(b.manifestFormat) ?? checkFlatManifest)(c, b, manifestIds, damage);
  return damage;
}

/** How a manifest of each form is checked (any other form is a flat manifest's). */
const MANIFEST_CHECKS = new Map<number, ManifestCheck>([
  [ManifestFormat.Sealed, checkSealedTree],
  [ManifestFormat.Tree, checkTreeManifest],
]);

/** Checks what a backup's manifest names, noting in `damage` what is lost. */
type ManifestCheck = (c: BackupCheck, b: BackupInfo, manifestIds: readonly Buffer[], damage: DamagedBackup) => Promise<void>;

/** An encrypted tree: the server knows which chunks each listing names, not the files they make. */
async function checkSealedTree(c: BackupCheck, _b: BackupInfo, manifestIds: readonly Buffer[], damage: DamagedBackup): Promise<void> {
  const listingOf = (payload: Buffer) => {
    const r = decodeSealedRecord(payload, false); // readChunk checked it
    if (r.listingRefs.some(c.problem)) throw new Error('a listing is lost');
    const lost = r.dataRefs.filter(c.problem).map(formatChunkId);
    if (lost.length > 0) damage.files.push({ path: '(an encrypted file: its node can name it)', chunks: lost });
    return { listings: r.listingRefs, data: [] }; // only listings are walked: one turn each
  };
  try {
    for await (const _ of listingTreeIds(manifestIds, c.readChunk, listingOf, new Set())) await c.step();
  } catch (err) {
    c.signal?.throwIfAborted(); // stopped, not damaged
    unreachable(err);
    damage.manifestDamaged = true;
  }
}

/** A tree is its own index. A listing that is bad or gone makes the file list unreadable from there on. */
async function checkTreeManifest(c: BackupCheck, _b: BackupInfo, manifestIds: readonly Buffer[], damage: DamagedBackup): Promise<void> {
  try {
    let batch: FileEntry[] = [];
    for await (const e of walkTree(manifestIds, c.readChunk)) {
      if (e.type !== EntryType.Directory) batch.push(e);
      if (batch.length >= 1000) {
        checkFiles(c, batch, damage);
        batch = [];
        await c.step();
      }
    }
    checkFiles(c, batch, damage);
  } catch (err) {
    c.signal?.throwIfAborted(); // stopped, not damaged
    unreachable(err);
    damage.manifestDamaged = true;
  }
}

/** A flat manifest names every file; the reference table is an index of what it names: checked to agree. */
async function checkFlatManifest(c: BackupCheck, b: BackupInfo, manifestIds: readonly Buffer[], damage: DamagedBackup): Promise<void> {
  const indexed = new Set(c.src.catalog.referencesOf(b.id).map(formatChunkId));
  let unindexed = 0;
  const checkIndexed = (id: Buffer) => {
    if (!indexed.has(formatChunkId(id))) unindexed++;
  };
  try {
    const decoder = new ManifestDecoder();
    for (const id of manifestIds) {
      checkIndexed(id);
      const entries = decoder.push(await c.readChunk(id));
      checkFiles(c, entries, damage);
      for (const e of entries) e.chunks.forEach(checkIndexed);
      await c.step();
    }
    decoder.end();
  } catch (err) {
    c.signal?.throwIfAborted(); // stopped, not damaged
    unreachable(err);
    damage.manifestDamaged = true;
  }
  if (unindexed > 0) {
    c.catalogProblems.push(
      `backup ${b.number} of ${b.client}: ${unindexed} chunk references its manifest makes are missing from the catalog's reference table`,
    );
  }
}

/** Notes in `damage` each file whose content hits a bad or missing chunk, or whose chunks do not add up to its size. */
function checkFiles(c: BackupCheck, entries: Iterable<FileEntry>, damage: DamagedBackup): void {
  for (const e of entries) {
    const lost = e.chunks.filter(c.problem).map(formatChunkId);
    if (lost.length > 0) {
      damage.files.push({ path: e.path.toString(), chunks: lost });
      continue;
    }
    // A restore refuses a file whose chunks do not add up to its size (a forged or wrongly recorded entry): so does verify.
    if (!holdsContent(e)) continue;
    const held = e.chunks.reduce((sum, id) => sum + (c.src.catalog.chunk(id)?.rawLength ?? 0), 0);
    if (held !== e.size) {
      const why = `its entry says ${e.size} bytes, its ${e.chunks.length} chunks hold ${held} (the backup is damaged, or its node recorded the file wrongly)`;
      damage.files.push({ path: e.path.toString(), chunks: [], why });
    }
  }
}

/**
 * The chunks `backups` name, sorted: what their manifests name, read from
 * the manifests (a listing that cannot be read names nothing more here;
 * the per-backup check reports it).
 */
async function scopeChunks(src: VerifySource, backups: readonly BackupInfo[], spool: ChunkSpool, signal: AbortSignal | undefined): Promise<Buffer[]> {
  const ids = new Set<string>();
  const seenListings = new Set<string>();
  // The file lists read here (checked by readChunk) are kept for the walk after the chunks' check.
  const readChunk = async (id: Buffer): Promise<Buffer> => {
    const plain = spool.get(id) ?? (await unlessStopped(src.chunks.readChunk(id), signal));
    spool.add(id, plain);
    return plain;
  };
  const lists: ManifestSource = { catalog: src.catalog, chunks: { readChunk } };
  for (const b of backups) {
    try {
      for await (const id of manifestReferences(lists, b, seenListings)) ids.add(formatChunkId(id));
    } catch (err) {
      signal?.throwIfAborted(); // stopped, not unreadable
      unreachable(err);
      for (const id of src.catalog.manifestIds(b.id)) ids.add(formatChunkId(id));
    }
  }
  return [...ids].sort().map((hex) => Buffer.from(hex, 'hex'));
}

/**
 * `p`, or the signal's reason as soon as it aborts: a single read of a
 * chunk is not cut (it ends on its own), but verify does not wait for it
 * and starts nothing more.
 */
function unlessStopped<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Whether an entry's size is the bytes of its chunks: a file, or a FIFO or block device whose content was read (a link's size is its target's length). */
function holdsContent(e: FileEntry): boolean {
  return e.type === EntryType.File || ((e.type === EntryType.Fifo || e.type === EntryType.BlockDevice) && (e.size > 0 || e.chunks.length > 0));
}
