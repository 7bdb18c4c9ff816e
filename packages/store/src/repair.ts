import * as fs from 'node:fs';
import * as path from 'node:path';
import { mkdirDurably } from '@cpsbackup/durable';
import { type StorageBackend } from './backend';
import { Catalog, type ChunkLocation, type RepairContents, salvageRows, type SalvagedRow } from './catalog';
import {
  CHUNK_ID_BYTES,
  decodeChunk,
  formatChunkId,
  ManifestDecoder,
  ManifestFormat,
  sealedTreeChunkIds,
  splitChunkIds,
  splitSealedManifest,
  treeChunkIds,
} from '@cpsbackup/format';
import { LocalDirectoryBackend } from './local-backend';
import { ChunkSpool } from './chunk-spool';
import { checkedContent, ChunkKind, decodeRecordHeader, PACK_MAGIC, RECORD_HEADER_BYTES } from './pack-format';
import { StreamCursor } from './pack-reads';
import {
  copiesAnotherClient,
  createRecordsKey,
  hasSignedRecords,
  readRecords,
  readRecordsKey,
  recordDifferences,
  rewriteRecords,
  type TrustedRecords,
} from './backup-records';
import { defaultRecordsKeyFile } from './options';
import { checkOwnership } from './private-modes';
import { lockStoreDirectory, StorageLease } from './storage-owner';
import { StoreError } from './errors';
import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';

/** What a catalog repair found and rebuilt. */
export interface RepairReport {
  /** What the clients and backups were rebuilt from: the old catalog's rows, or the backup records in storage. */
  from: RepairSource;
  /** Where the backup records were read (a rebuild from storage). */
  recordsAt: string;
  /** Where the damaged catalog was moved (null: there was none). */
  savedAs: string | null;
  clients: number;
  /** Backups carried over, by the status they have now. */
  backups: { available: number; error: number };
  /** Backups whose file list could not be read: kept as `error`, with the reason. */
  unreadableBackups: string[];
  packs: number;
  chunks: number;
  /** Records at the end of packs that failed their check (torn tails, damage): not indexed. */
  badRecords: number;
  /** Rows of the old catalog that could not be read. */
  lostRows: number;
  /** Backup records not used, each with why: they fail their check, or their backup was deleted. */
  refusedRecords: string[];
  /** Backups whose catalog row and record disagreed, each with the copy kept (the one that verifies against the packs). */
  disagreements: string[];
  /**
   * Backups a client's trusted record lists as live that the repair could not bring back (their own record
   * damaged): still listed, their record left in place, so GC deletes nothing of them until seen to.
   */
  unrecoveredBackups: string[];
  /** Refused records left where they are (not known to be stale): the start reports them, GC deletes nothing meanwhile. */
  recordsKeptInPlace: string[];
  /** Records written again from the rebuilt catalog, and records set aside under `rejected/`. */
  recordsWritten: number;
  recordsRejected: number;
}

/**
 * `catalog`: clients and backups from the rows of the damaged catalog that
 * can still be read (`--repair-catalog`). `storage`: from the backup
 * records kept beside the packs (backup-records.ts), for a catalog lost or
 * beyond salvage (`cpsbackupd rebuild-catalog`).
 */
export type RepairSource = 'catalog' | 'storage';

/** Where the scan found a chunk's intact record. */
type ChunkPlace = Omit<ChunkLocation, 'id' | 'storedAt'>;

/**
 * Rebuilds a store's catalog after SQLite damage. The damaged file is kept
 * (renamed); a new catalog is made from what the packs and the old file
 * still say:
 * - chunks and packs from the packs themselves (every record names its
 *   chunk; each is decoded and hashed, and a pack is read up to its first
 *   bad record);
 * - clients and backups from the old catalog, row by row, skipping rows it
 *   cannot read;
 * - the reference tables (which backup and which dedup group holds which
 *   chunk) from the available backups' manifests, as GC does.
 * A backup whose file list cannot be read becomes `error` with the reason.
 * Run it with cpsbackupd stopped.
 */
export async function repairCatalog(
  dir: string,
  from: RepairSource = 'catalog',
  openBackend?: (dir: string) => StorageBackend,
  recordsKeyFile: string = defaultRecordsKeyFile(dir),
  opts: { leaseMs?: number } = {},
): Promise<RepairReport> {
  mkdirDurably(dir); // a rebuild after the directory was lost whole starts from nothing
  // As at a start: root rebuilding the store of a daemon that runs as its own user would leave it files it cannot use.
  checkOwnership(dir);
  const backend = openBackend ? openBackend(dir) : new LocalDirectoryBackend(dir);
  const lock = await lockStoreDirectory(dir, backend, 'rebuild-catalog');
  let lease: StorageLease | undefined;
  try {
    // The records are trusted only through their key: without it neither a rebuild nor a repair can tell a forged record from a true one.
    // Checked before the lease is taken: a run refused for it writes nothing to the storage (a lease taken and released would
    // take the storage from its owner).
    const keyMissing = new StoreError(
      'RECORDS_KEY_MISSING',
      `the backup records in ${backend.objectsLocation} are signed, but the key that signs them is not at ${recordsKeyFile}: restore it from the backup of the server's configuration, then run this again (docs/OPERATIONS.md, "Backup records"); nothing was changed`,
      { file: recordsKeyFile },
    );
    let key = readRecordsKey(recordsKeyFile);
    if (!key && (await hasSignedRecords(backend))) throw keyMissing;
    // Refused while another server holds the storage; from the storage's records, also storage another directory owned (its lease ended); from this catalog, only this directory's.
    lease = await StorageLease.acquire(dir, backend, from === 'storage' ? 'rebuild-catalog' : 'start', { durationMs: opts.leaseMs });
    const file = path.join(dir, 'catalog.db');
    let unsigned = false;
    if (!key) {
      if (await hasSignedRecords(backend)) throw keyMissing; // signed by a server that held the lease until now
      // Records of a version that did not sign them (the one-time adoption): taken as they are, this once, and signed below.
      key = createRecordsKey(recordsKeyFile);
      unsigned = true;
    }
    const records = await readRecords(backend, key, unsigned);
    const old = from === 'storage' ? { clients: records.clients, backups: records.backups, lostRows: 0 } : salvageRows(file);
    const packNames = await backend.listPacks(); // listed once: on an object store each listing is requests
    if (old.clients.length === 0 && packNames.length > 0) {
      // A catalog of no client over full packs would let GC take every chunk: each source names the other.
      throw new StoreError(
        'CATALOG_CORRUPT',
        from === 'storage'
          ? records.refused.length > 0
            ? `no backup record in ${backend.objectsLocation} can be trusted (${records.refused.join('; ')}): nothing was changed; use --repair-catalog while the catalog remains`
            : `no backup records in ${backend.objectsLocation}: the store was last written by a version that kept none; use --repair-catalog`
          : `${fs.existsSync(file) ? `no client row of ${file} can be read` : `${file} is missing`}: a catalog rebuilt from it would name no backup over ${backend.location}. ` +
              'Rebuild it from the backup records kept with the packs instead: cpsbackupd -c server.conf rebuild-catalog',
      );
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const savedAs = fs.existsSync(file) ? `${file}.${from === 'catalog' ? 'damaged' : 'replaced'}-${stamp}` : null;
    for (const suffix of ['', '-wal', '-shm']) {
      if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, (savedAs ?? `${file}.stray-${stamp}`) + suffix);
    }
    const spool = new ChunkSpool(dir);
    const { places, packs, badRecords } = await scanPacks(backend, packNames, spool).catch((err: unknown) => {
      spool.close();
      throw err;
    });
    const catalog = new Catalog(file);
    try {
      const report = await rebuild(catalog, backend, from === 'catalog' ? withRecords(old, records) : single(old, 'record'), places, packs, spool);
      spool.close();
      // The rebuild read the storage as this process's, and what follows rewrites and sets records aside: read back, it still is.
      await lease.confirm('rebuilding the catalog');
      // The records now say what the repaired catalog says, every copy of it checked against the packs.
      // Live backups whose own record was refused: the repair could not judge them, so it does not give them up.
      const nameOfId = new Map(records.clients.map((c) => [c.id as number, c.name as string]));
      const judged = new Set(records.backups.map((b) => `${nameOfId.get(b.client_id as number)}\0${String(b.number)}`));
      const unjudged = new Map([...records.live].map(([client, live]) => [client, live.filter((n) => !judged.has(`${client}\0${n}`))]));
      // A backup its record vouches for whose file list is in no pack now (a pack missing, perhaps for a while): failed in this
      // catalog, but its record stays and its client's record lists it, so a rebuild once the pack is back brings it back.
      const unreadable = new Map<string, number[]>();
      for (const u of report.unreadable) {
        if (!records.live.get(u.client)?.includes(u.number)) continue;
        unreadable.set(u.client, [...(unreadable.get(u.client) ?? []), u.number]);
      }
      const rewritten = await rewriteRecords(backend, catalog, key, stamp, unjudged, records.undecided, unreadable);
      const again = from === 'storage' ? 'rebuild-catalog' : '--repair-catalog';
      const { unreadable: unread, ...counts } = report;
      return {
        from,
        recordsAt: backend.objectsLocation,
        savedAs,
        ...counts,
        unreadableBackups: unread.map((u) =>
          unreadable.get(u.client)?.includes(u.number)
            ? `${u.client} backup ${String(u.number)}: ${u.why} (failed in this catalog; its record is kept where it is and its client's record still lists it, ` +
              `so GC deletes nothing of it: put the missing pack back in ${backend.location} (from a copy of the storage), then run ${again} again)`
            : `${u.client} backup ${String(u.number)}: ${u.why} (kept as failed)`,
        ),
        packs: packs.length,
        chunks: places.size,
        badRecords,
        lostRows: old.lostRows,
        refusedRecords: records.refused,
        recordsWritten: rewritten.written,
        recordsRejected: rewritten.rejected,
        unrecoveredBackups: rewritten.unrecovered,
        recordsKeptInPlace: rewritten.keptInPlace,
      };
    } finally {
      spool.close();
      catalog.close();
    }
  } finally {
    await lease?.close(true); // released, this directory's: its server starts at once, any other is refused
    await backend.close();
    lock.release();
  }
}

/**
 * Every intact record of every pack, by chunk id (the first copy found
 * wins). A pack is read whole, once, as a stream (one request where it is
 * an object; memory holds a record at a time); the file lists met on the
 * way go to `spool`, for the walk of the backups' trees that follows.
 */
async function scanPacks(
  backend: StorageBackend,
  names: readonly string[],
  spool: ChunkSpool,
): Promise<{ places: Map<string, ChunkPlace>; packs: string[]; badRecords: number }> {
  const places = new Map<string, ChunkPlace>();
  const packs: string[] = [];
  let badRecords = 0;
  for (const pack of names) {
    const size = await backend.packSize(pack);
    if (size < PACK_MAGIC.length) {
      badRecords++;
      continue;
    }
    const cursor = new StreamCursor(backend.streamPack(pack, 0, size), 0);
    try {
      if (!(await cursor.take(PACK_MAGIC.length)).equals(PACK_MAGIC)) {
        badRecords++;
        continue;
      }
      packs.push(pack);
      let offset = PACK_MAGIC.length;
      while (offset + RECORD_HEADER_BYTES <= size) {
        const head = await cursor.take(RECORD_HEADER_BYTES);
        const header = decodeRecordHeader(head, `pack ${pack} offset ${offset}`);
        const end = offset + RECORD_HEADER_BYTES + header.storedLength;
        if (header.rawLength > ABSOLUTE_MAX_CHUNK_SIZE || header.storedLength > ABSOLUTE_MAX_CHUNK_SIZE + 1024 || end > size) {
          badRecords++;
          break;
        }
        const payload = await cursor.take(header.storedLength);
        let content: Buffer | undefined;
        try {
          content = payload.length === header.storedLength ? checkedContent(header.id, header.codec, payload, header.rawLength) : undefined;
        } catch {
          content = undefined;
        }
        if (!content) {
          badRecords++;
          break; // what follows a damaged record cannot be trusted to be aligned
        }
        const hex = formatChunkId(header.id);
        if (!places.has(hex)) {
          places.set(hex, { pack, offset, ...header });
          if (header.kind === ChunkKind.Manifest) spool.add(header.id, content);
        }
        offset = end;
      }
    } finally {
      await cursor.close();
    }
  }
  return { places, packs, badRecords };
}

/** A backup's copies, in the order a repair tries them, and what to say if they disagreed. */
interface BackupSources {
  candidates: Array<{ row: SalvagedRow; from: 'record' | 'catalog' }>;
  disagreement?: string;
}

/** Clients and backups to rebuild from: each backup with its copies. */
interface Sources {
  clients: SalvagedRow[];
  backups: BackupSources[];
}

/** One copy per backup: what a rebuild from storage, or a catalog without records, has. */
function single(old: { clients: SalvagedRow[]; backups: SalvagedRow[] }, from: 'record' | 'catalog'): Sources {
  return { clients: old.clients, backups: old.backups.map((row) => ({ candidates: [{ row, from }] })) };
}

/**
 * The damaged catalog's rows beside the records that pass their check
 * (matched by backup id). Where they disagree beyond a label, both are
 * candidates, the record first (it is signed; the catalog row carries no
 * check of its own): the repair keeps the first that verifies against the
 * packs, but never a row whose file list is not the record's (it may be
 * another backup's list, which would read whole). A record of a backup
 * whose row is lost brings it back.
 */
function withRecords(old: { clients: SalvagedRow[]; backups: SalvagedRow[] }, records: TrustedRecords): Sources {
  const clients = [...old.clients];
  const names = new Set(clients.map((c) => c.name));
  const ids = new Set(clients.map((c) => c.id));
  for (const c of records.clients) {
    if (names.has(c.name) || ids.has(c.id)) continue;
    clients.push(c);
  }
  const nameOf = new Map(clients.map((c) => [c.id as number, c.name as string]));
  const what = (r: SalvagedRow) => `backup ${String(r.number)} of ${nameOf.get(r.client_id as number) ?? `client id ${String(r.client_id)}`}`;
  const recordById = new Map(records.backups.map((r) => [r.id as number, r]));
  const backups: BackupSources[] = [];
  for (const row of old.backups) {
    const record = recordById.get(row.id as number);
    recordById.delete(row.id as number);
    const differ = record ? recordDifferences(record, row) : [];
    if (!record && records.backups.length + records.clients.length > 0 && row.status === 'available' && copiesAnotherClient(row, old.backups)) {
      // No signed record vouches for it and its file list is another client's: a forged row, kept as failed (never restored).
      const why = "no signed record vouched for it and its file list is that of another client's backup";
      backups.push({
        candidates: [{ row: { ...row, status: 'error', reason: `repair-catalog: ${why}` }, from: 'catalog' }],
        disagreement: `${what(row)}: ${why}; kept as failed`,
      });
      continue;
    }
    if (!record || differ.every((k) => k === 'name' || k === 'description' || k === 'parent_id')) {
      backups.push({ candidates: [{ row, from: 'catalog' }] });
      continue;
    }
    // The record is signed, the row is not: a row naming another file list is never taken for the backup, even if that
    // list reads whole (it may be another backup's): if the record's own list cannot be read, the backup is lost, and said so.
    const otherFileList = differ.includes('manifest') || differ.includes('manifest_format');
    backups.push({
      candidates: otherFileList
        ? [{ row: record, from: 'record' }]
        : [
            { row: record, from: 'record' },
            { row, from: 'catalog' },
          ],
      disagreement:
        `${what(record)}: its catalog row and its record disagreed (${differ.join(', ')})` +
        (otherFileList ? "; kept the record's copy: the catalog row named another file list, not used" : ''),
    });
  }
  for (const record of recordById.values()) {
    backups.push({ candidates: [{ row: record, from: 'record' }], disagreement: `${what(record)}: its record was kept, the catalog had no row for it` });
  }
  return { clients, backups };
}

/** A backup kept as failed because its file list could not be read whole from the packs. */
interface Unreadable {
  client: string;
  number: number;
  why: string;
}

/** Fills the new catalog (one transaction); returns the counts for the report. */
async function rebuild(
  catalog: Catalog,
  backend: StorageBackend,
  old: Sources,
  places: Map<string, ChunkPlace>,
  packs: string[],
  spool: ChunkSpool,
): Promise<Pick<RepairReport, 'clients' | 'backups' | 'disagreements'> & { unreadable: Unreadable[] }> {
  const groupOf = new Map<number, string>();
  const nameOf = new Map<number, string>();
  const unreadable: Unreadable[] = [];
  const disagreements: string[] = [];
  let available = 0;
  let failed = 0;

  /** A chunk's plaintext from the scanned packs (undefined if no intact copy exists): a file list's kept by the scan. */
  const read = async (id: Buffer): Promise<Buffer | undefined> => {
    const p = places.get(formatChunkId(id));
    if (!p) return undefined;
    return spool.get(id) ?? decodeChunk(p.codec, await backend.readPack(p.pack, p.offset + RECORD_HEADER_BYTES, p.storedLength), p.rawLength);
  };

  const clients = old.clients.map((c) => {
    groupOf.set(c.id as number, c.dedup_group as string);
    nameOf.set(c.id as number, c.name as string);
    return { id: c.id as number, name: c.name as string, dedupGroup: c.dedup_group as string, nextNumber: c.next_number as number };
  });
  const backups: RepairContents['backups'][number][] = [];
  const deleted = new Set<number>();
  const taken = new Map<string, number>(); // client id/number -> index in backups: one backup per number
  const fromRecord = new Set<number>(); // ids of the backups kept from a record
  for (const source of old.backups) {
    // The first copy whose file list reads whole from the packs; failing that, the first copy, as failed.
    let chosen: { row: SalvagedRow & { id: number }; refs: Buffer[]; from: 'record' | 'catalog'; ok: boolean } | undefined;
    let firstError: string | undefined;
    for (const { row: b, from } of source.candidates) {
      if (groupOf.get(b.client_id as number) === undefined) continue; // its client row is lost: nothing can name this backup
      const row: SalvagedRow & { id: number } = { partial: null, manifest_format: 1, ...b, id: b.id as number }; // older catalogs lack these columns
      if (row.status !== 'available') {
        chosen ??= { row, refs: [], from, ok: true };
        continue;
      }
      try {
        chosen = { row, refs: await referencesOf(row.manifest as Buffer | null, row.manifest_format as number, read), from, ok: true };
        break;
      } catch (err) {
        firstError ??= (err as Error).message;
        chosen ??= { row, refs: [], from, ok: false };
      }
    }
    if (!chosen) continue;
    const { row, refs, from, ok } = chosen;
    if (source.disagreement) {
      const verified = row.status === 'available' && ok ? 'which verifies against the packs' : 'though neither verifies against the packs';
      disagreements.push(source.candidates.length > 1 ? `${source.disagreement}: kept the ${from}'s copy, ${verified}` : source.disagreement);
    }
    if (row.status === 'deleting') {
      deleted.add(row.id); // deleted before the damage: it stays deleted
      continue;
    }
    if (row.status === 'creating') {
      row.status = 'error';
      row.reason = 'interrupted: the catalog was repaired while it was being written';
    }
    if (row.status === 'available' && !ok) {
      row.status = 'error';
      row.reason = `repair-catalog: its file list could not be read (${firstError})`;
      unreadable.push({ client: nameOf.get(row.client_id as number)!, number: row.number as number, why: firstError! });
    }
    const slot = `${String(row.client_id)}/${String(row.number)}`;
    const other = taken.get(slot);
    if (other !== undefined) {
      // Two copies claim one number (a damaged number or client): the one from a verified record or available wins.
      const mine = row.status === 'available' && ok;
      const theirs = backups[other]!.row.status === 'available';
      const keep = mine !== theirs ? mine : from === 'record' && !fromRecord.has(backups[other]!.row.id);
      disagreements.push(
        `backup ${String(row.number)} of ${nameOf.get(row.client_id as number)}: two rows claimed it; kept backup id ${keep ? row.id : backups[other]!.row.id}`,
      );
      if (!keep) continue;
      backups.splice(other, 1);
      for (const [k, v] of taken) if (v > other) taken.set(k, v - 1);
    }
    taken.set(slot, backups.length);
    if (from === 'record') fromRecord.add(row.id);
    // References to lost data are left out: verify names the files that need them.
    backups.push({ row, group: groupOf.get(row.client_id as number)!, references: refs.filter((id) => places.has(formatChunkId(id))) });
  }
  for (const b of backups) {
    if (b.row.status === 'available') available++;
    else failed++;
  }
  const kept = new Set(backups.map((b) => b.row.id));
  for (const b of backups) if (deleted.has(b.row.parent_id as number) || !kept.has(b.row.parent_id as number)) b.row.parent_id = null;
  catalog.fillFromRepair({
    packs,
    chunks: [...places].map(([hex, p]) => ({ id: Buffer.from(hex, 'hex'), ...p })),
    clients,
    backups,
  });
  return { clients: old.clients.length, backups: { available, error: failed }, unreadable, disagreements };
}

/** The chunks a manifest names (its own and its entries', or a tree's listings and theirs); throws if it cannot be read whole. */
async function referencesOf(manifest: Buffer | null, format: number, read: (id: Buffer) => Promise<Buffer | undefined>): Promise<Buffer[]> {
  if (!manifest || manifest.length % CHUNK_ID_BYTES !== 0) throw new Error('no manifest recorded');
  const ids = splitChunkIds(manifest);
  const readOrThrow = async (id: Buffer): Promise<Buffer> => {
    const piece = await read(id);
    if (!piece) throw new Error(`manifest chunk ${formatChunkId(id)} is in no pack`);
    return piece;
  };
  if (format === ManifestFormat.Tree || format === ManifestFormat.Sealed) {
    const refs: Buffer[] = [];
    const walk = format === ManifestFormat.Tree ? treeChunkIds(ids, readOrThrow) : sealedTreeChunkIds(splitSealedManifest(ids).roots, readOrThrow);
    for await (const id of walk) refs.push(id);
    return refs;
  }
  const refs: Buffer[] = [];
  const decoder = new ManifestDecoder();
  for (const id of ids) {
    const piece = await readOrThrow(id);
    refs.push(id);
    for (const e of decoder.push(piece)) refs.push(...e.chunks);
  }
  decoder.end();
  return refs;
}
