import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from './catalog-schema';
import { StoreError } from './errors';
import { ChunkKind } from './pack-format';
import { type PlacedRecord } from './pack-writer';
import { CHUNK_ID_BYTES, type KeyCount, ManifestFormat, splitChunkIds } from '@cpsbackup/format';

/** A backup's lifecycle state. */
export type BackupStatus = 'creating' | 'available' | 'error' | 'deleting';

/** A backup as the catalog records it. */
export interface BackupInfo {
  id: number;
  client: string;
  number: number;
  parentId: number | null;
  status: BackupStatus;
  reason: string | null;
  name: string | null;
  description: string | null;
  startedAt: number;
  finishedAt: number | null;
  fileCount: number;
  logicalBytes: number;
  newChunks: number;
  newRawBytes: number;
  newStoredBytes: number;
  warnings: string[];
  /** Why an available backup lacks part of what it should hold (null: complete); see isComplete. */
  partial: string | null;
  /** How its manifest is laid out (ManifestFormat: 1 flat, 2 a tree of listings). */
  manifestFormat: number;
}

/** A backup by its global id; BACKUP_NOT_FOUND when there is none. */
export function backupById(catalog: Pick<Catalog, 'backup'>, id: number): BackupInfo {
  const b = catalog.backup(id);
  if (!b) throw new StoreError('BACKUP_NOT_FOUND', `no backup with id ${id}`, { backupId: id });
  return b;
}

/** How many available encrypted backups a client made with one key (Catalog.sealedBackupKeys). */
export interface SealedKeyCount extends KeyCount {
  client: string;
}

/** An available backup that holds all it should: what retention counts, `-i` restores by default and monitoring calls good. */
export function isComplete(b: BackupInfo): boolean {
  return b.status === 'available' && b.partial === null;
}

/** A chunk's catalog row. */
export interface ChunkLocation {
  id: Buffer;
  pack: string;
  offset: number;
  rawLength: number;
  storedLength: number;
  codec: number;
  kind: number;
  storedAt: number;
}

interface BackupRow {
  id: number;
  client: string;
  number: number;
  parent_id: number | null;
  status: BackupStatus;
  reason: string | null;
  name: string | null;
  description: string | null;
  started_at: number;
  finished_at: number | null;
  file_count: number;
  logical_bytes: number;
  new_chunks: number;
  new_raw_bytes: number;
  new_stored_bytes: number;
  warnings: string;
  partial: string | null;
  manifest_format: number;
}

/** What a commit records of a backup. */
export interface BackupCommit {
  /** The manifest's chunk ids, concatenated. */
  manifest: Buffer;
  fileCount: number;
  logicalBytes: number;
  newChunks: number;
  newRawBytes: number;
  newStoredBytes: number;
  warnings: readonly string[];
  partial: string | null;
  /** ManifestFormat of `manifest`. */
  manifestFormat: number;
  /** Listing chunks checked for this backup (see tree-check.ts): recorded with the commit, for its dedup group. */
  listings?: { group: string; checked: readonly ListingInfo[] };
}

/** What the store checked of one listing chunk (see the `listings` table). */
export interface ListingInfo {
  id: Buffer;
  dir: Buffer;
  first: Buffer;
  last: Buffer;
  entries: number;
  bytes: number;
}

/** A pack's state in the catalog. */
export type PackState = 'open' | 'sealed' | 'deleting';

/** A row of an old catalog, as SQLite returns it (see salvageRows). */
export type SalvagedRow = Record<string, unknown>;

/** What a repair puts into a new catalog. */
export interface RepairContents {
  packs: readonly string[];
  chunks: ReadonlyArray<Omit<ChunkLocation, 'storedAt'>>;
  clients: ReadonlyArray<{ id: number; name: string; dedupGroup: string; nextNumber: number }>;
  /** Backup rows as salvaged (all columns of `backups`), each with its dedup group and the chunks it references. */
  backups: ReadonlyArray<{ row: SalvagedRow & { id: number }; group: string; references: readonly Buffer[] }>;
}

/** Packs created and sealed since the catalog last recorded chunks (see Store's packChanges). */
export interface PackChanges {
  created: string[];
  sealed: string[];
}

/** A chunks-table row as SQLite returns it. */
interface ChunkRow {
  id: Buffer;
  pack: string;
  offset: number;
  raw_length: number;
  stored_length: number;
  codec: number;
  kind: number;
  stored_at: number;
}

/** A chunk row with its pack's name (rows hold the pack's number). */
const CHUNK_SELECT = `SELECT c.id, p.name AS pack, c.offset, c.raw_length, c.stored_length, c.codec, c.kind, c.stored_at FROM chunks c JOIN packs p ON p.id = c.pack`;
/** A pack's number, by name (a subquery). */
const PACK_ID = `(SELECT id FROM packs WHERE name = ?)`;

const BACKUP_COLUMNS = `b.id, c.name AS client, b.number, b.parent_id, b.status, b.reason, b.name, b.description,
  b.started_at, b.finished_at, b.file_count, b.logical_bytes, b.new_chunks, b.new_raw_bytes, b.new_stored_bytes, b.warnings, b.partial, b.manifest_format`;

function toBackupInfo(r: BackupRow): BackupInfo {
  return {
    id: r.id,
    client: r.client,
    number: r.number,
    parentId: r.parent_id,
    status: r.status,
    reason: r.reason,
    name: r.name,
    description: r.description,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    fileCount: r.file_count,
    logicalBytes: r.logical_bytes,
    newChunks: r.new_chunks,
    newRawBytes: r.new_raw_bytes,
    newStoredBytes: r.new_stored_bytes,
    warnings: JSON.parse(r.warnings) as string[],
    partial: r.partial ?? null,
    manifestFormat: r.manifest_format ?? 1,
  };
}

/** A chunks-table row as a ChunkLocation. */
function toChunkLocation(r: ChunkRow): ChunkLocation {
  return {
    id: r.id,
    pack: r.pack,
    offset: r.offset,
    rawLength: r.raw_length,
    storedLength: r.stored_length,
    codec: r.codec,
    kind: r.kind,
    storedAt: r.stored_at,
  };
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: Database.Database) {
  return {
    chunk: db.prepare(`${CHUNK_SELECT} WHERE c.id = ?`),
    chunkExists: db.prepare(`SELECT 1 FROM chunks WHERE id = ?`).pluck(),
    groupHas: db.prepare(`SELECT 1 FROM group_chunks g JOIN chunks c ON c.id = g.chunk_id WHERE g.grp = ? AND g.chunk_id = ?`).pluck(),
    chunkState: db.prepare(`SELECT EXISTS (SELECT 1 FROM chunks WHERE id = ?), EXISTS (SELECT 1 FROM group_chunks WHERE grp = ? AND chunk_id = ?)`).raw(),
    insertChunk: db.prepare(
      `INSERT OR IGNORE INTO chunks (id, pack, offset, raw_length, stored_length, codec, kind, stored_at)
       VALUES (@id, (SELECT id FROM packs WHERE name = @pack), @offset, @rawLength, @storedLength, @codec, @kind, @storedAt)`,
    ),
    insertGroupChunk: db.prepare(`INSERT OR IGNORE INTO group_chunks (grp, chunk_id) VALUES (?, ?)`),
    insertBackupChunk: db.prepare(`INSERT OR IGNORE INTO backup_chunks (backup_id, chunk_id) VALUES (?, ?)`),
    insertPack: db.prepare(`INSERT INTO packs (name, state, created_at) VALUES (?, 'open', ?)`),
    sealPack: db.prepare(`UPDATE packs SET state = 'sealed' WHERE name = ? AND state = 'open'`),
    client: db.prepare(`SELECT id, name, dedup_group AS dedupGroup FROM clients WHERE name = ?`),
    insertClient: db.prepare(`INSERT INTO clients (name, dedup_group) VALUES (?, ?)`),
    backup: db.prepare(`SELECT ${BACKUP_COLUMNS} FROM backups b JOIN clients c ON c.id = b.client_id WHERE b.id = ?`),
    backupByNumber: db.prepare(`SELECT ${BACKUP_COLUMNS} FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? AND b.number = ?`),
    backupsOfClient: db.prepare(`SELECT ${BACKUP_COLUMNS} FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? ORDER BY b.number`),
    allBackups: db.prepare(`SELECT ${BACKUP_COLUMNS} FROM backups b JOIN clients c ON c.id = b.client_id ORDER BY b.id`),
    manifest: db.prepare(`SELECT manifest FROM backups WHERE id = ?`).pluck(),
  };
}

/** SQLite's auto_vacuum mode in which free pages stay until `PRAGMA incremental_vacuum`. */
const AUTO_VACUUM_INCREMENTAL = 2;
/** Free pages (4 KiB each) a catalog keeps for the next inserts before giving them back: 256 KiB. */
const FREE_PAGES_KEPT = 64;
/** What the WAL file is cut back to after a checkpoint. */
const WAL_KEPT_BYTES = 1024 * 1024;

/** Typed access to the SQLite catalog; every multi-row change is one transaction. */
export class Catalog {
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  /** Whether free pages can be given back (auto_vacuum INCREMENTAL: every catalog made since it was set); read once at open. */
  private readonly givesPagesBack: boolean;

  constructor(file: string) {
    this.db = new Database(file);
    try {
      // Before any table exists (a new catalog): free pages can be given back (releaseFreePages). An existing catalog keeps its mode.
      this.db.pragma('auto_vacuum = INCREMENTAL');
      this.db.pragma('journal_mode = WAL');
      // The first write after a checkpoint cuts the WAL back to this: it is not left at its largest size beside the catalog.
      this.db.pragma(`journal_size_limit = ${WAL_KEPT_BYTES}`);
      // FULL: a commit that returned is on disk even after a power cut.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      // 64 MiB of page cache (the default is 2 MiB): chunk lookups hit random pages of a large index.
      this.db.pragma('cache_size = -65536');
      this.migrate();
      this.givesPagesBack = this.db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL;
    } catch (err) {
      this.db.close(); // a file that is no catalog, or one too new: nothing stays open
      throw err;
    }
    this.stmts = prepareStatements(this.db);
  }

  /**
   * Brings the schema to SCHEMA_VERSION. The version is SQLite's
   * `user_version` (catalogs of version 1 kept it in `meta` only); each
   * step runs in one transaction with its version bump, so a store made by
   * an older release opens and keeps every backup. `meta.schema_version`
   * mirrors it, for releases that read only that.
   */
  private migrate(): void {
    const fresh = this.db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() === 0;
    this.db.exec(SCHEMA_SQL);
    let version = this.db.pragma('user_version', { simple: true }) as number;
    if (fresh) version = SCHEMA_VERSION;
    else if (version === 0) version = Number(this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() ?? 0);
    if (version > SCHEMA_VERSION || !(version >= 1)) {
      throw new StoreError(
        'STORE_CORRUPT',
        `catalog schema version ${version} is not supported (this build reads up to ${SCHEMA_VERSION}); use a newer cpsbackupd`,
      );
    }
    for (let v = version; v < SCHEMA_VERSION; v++) {
      this.db.transaction(() => this.db.exec(MIGRATIONS[v]!)).immediate();
      this.setVersion(v + 1);
    }
    this.setVersion(SCHEMA_VERSION);
  }

  private setVersion(v: number): void {
    this.db.pragma(`user_version = ${v}`);
    this.db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(v));
  }

  /** The schema version this catalog is at. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---- chunks and packs ----

  chunk(id: Buffer): ChunkLocation | undefined {
    const r = this.stmts.chunk.get(id) as ChunkRow | undefined;
    return r && toChunkLocation(r);
  }

  /**
   * Where each chunk is (undefined: not stored), in one read transaction:
   * a statement on its own opens and closes a WAL snapshot, which cost a
   * restore's server more than the lookups (0.8 of 2.6 CPU-s for 32,000).
   */
  chunks(ids: readonly Buffer[]): Array<ChunkLocation | undefined> {
    return this.db.transaction(() => ids.map((id) => this.chunk(id))).deferred();
  }

  chunkExists(id: Buffer): boolean {
    return this.stmts.chunkExists.get(id) !== undefined;
  }

  /**
   * Whether the chunk is stored, and whether this dedup group has uploaded it
   * (and it is stored): what storing a received chunk must know, in one
   * statement (each statement on its own opens a WAL snapshot: 90,000
   * chunks took 0.62 s in two statements each, 0.56 s in one).
   */
  chunkState(group: string, id: Buffer): { stored: boolean; groupHas: boolean } {
    const [stored, claimed] = this.stmts.chunkState.get(id, group, id) as [number, number];
    return { stored: stored === 1, groupHas: stored === 1 && claimed === 1 };
  }

  /**
   * For each id, whether the chunk is stored and this dedup group has
   * uploaded it. One read transaction for all: a statement on its own opens
   * and closes a WAL snapshot, which cost more than the lookup.
   */
  groupHasChunks(group: string, ids: readonly Buffer[]): boolean[] {
    return this.db.transaction(() => ids.map((id) => this.stmts.groupHas.get(group, id) !== undefined)).deferred();
  }

  /**
   * Records durable chunk records, which groups uploaded them and which
   * backups reference them, in one transaction; with it, the packs created
   * and sealed since the last one (a pack's row comes before its chunks').
   */
  recordChunks(
    records: readonly PlacedRecord[],
    groups: ReadonlyArray<[string, Buffer]>,
    refs: ReadonlyArray<[number, Buffer]>,
    packs: PackChanges = { created: [], sealed: [] },
  ): void {
    const now = Date.now();
    this.transaction(() => {
      for (const name of packs.created) this.stmts.insertPack.run(name, now);
      for (const r of records) {
        this.stmts.insertChunk.run({
          id: r.id,
          pack: r.pack,
          offset: r.offset,
          rawLength: r.rawLength,
          storedLength: r.storedLength,
          codec: r.codec,
          kind: r.kind,
          storedAt: now,
        });
      }
      for (const [grp, id] of groups) this.stmts.insertGroupChunk.run(grp, id);
      for (const [backupId, id] of refs) this.stmts.insertBackupChunk.run(backupId, id);
      for (const name of packs.sealed) this.stmts.sealPack.run(name);
    });
  }

  /** Registers a new pack before its file exists, so a crash never leaves an unknown pack. */
  addPack(name: string): void {
    this.stmts.insertPack.run(name, Date.now());
  }

  /** Marks a pack complete (no more appends). */
  sealPack(name: string): void {
    this.stmts.sealPack.run(name);
  }

  // ---- clients ----

  /** The client's row, created on first use; `group` defaults to the client's own name. */
  ensureClient(name: string, group: string = name): { id: number; name: string; dedupGroup: string } {
    const existing = this.stmts.client.get(name) as { id: number; name: string; dedupGroup: string } | undefined;
    if (existing) return existing;
    const info = this.stmts.insertClient.run(name, group);
    return { id: Number(info.lastInsertRowid), name, dedupGroup: group };
  }

  /** The client's row, if it exists. */
  client(name: string): { id: number; name: string; dedupGroup: string } | undefined {
    return this.stmts.client.get(name) as { id: number; name: string; dedupGroup: string } | undefined;
  }

  // ---- backups ----

  /** Creates a backup row in state `creating` with the client's next number. */
  createBackup(clientId: number, parentId: number | null, name: string | null, description: string | null): number {
    return this.transaction(() => {
      // Never below a number already used (a lowered next_number would fail the insert on the unique number).
      const number = this.db
        .prepare(`SELECT max(c.next_number, coalesce((SELECT max(number) FROM backups WHERE client_id = c.id), 0) + 1) FROM clients c WHERE c.id = ?`)
        .pluck()
        .get(clientId) as number;
      this.db.prepare(`UPDATE clients SET next_number = ? WHERE id = ?`).run(number + 1, clientId);
      const info = this.db
        .prepare(
          `INSERT INTO backups (client_id, number, parent_id, status, name, description, started_at)
           VALUES (?, ?, ?, 'creating', ?, ?, ?)`,
        )
        .run(clientId, number, parentId, name, description, Date.now());
      return Number(info.lastInsertRowid);
    });
  }

  /** The highest number any backup of a client has, whatever its state (0: none). */
  maxBackupNumber(clientId: number): number {
    return this.db.prepare(`SELECT coalesce(max(number), 0) FROM backups WHERE client_id = ?`).pluck().get(clientId) as number;
  }

  /** Raises a client's next number to `to` when below it (it only skips numbers); whether it changed. */
  raiseNextNumber(clientId: number, to: number): boolean {
    return this.db.prepare(`UPDATE clients SET next_number = ? WHERE id = ? AND next_number < ?`).run(to, clientId, to).changes > 0;
  }

  backup(id: number): BackupInfo | undefined {
    const r = this.stmts.backup.get(id) as BackupRow | undefined;
    return r && toBackupInfo(r);
  }

  backupByNumber(client: string, number: number): BackupInfo | undefined {
    const r = this.stmts.backupByNumber.get(client, number) as BackupRow | undefined;
    return r && toBackupInfo(r);
  }

  backupsOfClient(client: string): BackupInfo[] {
    return (this.stmts.backupsOfClient.all(client) as BackupRow[]).map(toBackupInfo);
  }

  allBackups(): BackupInfo[] {
    return (this.stmts.allBackups.all() as BackupRow[]).map(toBackupInfo);
  }

  /** The manifest's chunk ids, in order. */
  manifestIds(backupId: number): Buffer[] {
    const blob = this.stmts.manifest.get(backupId) as Buffer | null | undefined;
    return blob ? splitChunkIds(blob) : [];
  }
  // ---- backups: lifecycle ----

  /** Makes a `creating` backup `available` with its manifest and counters; returns false if it was not `creating`. */
  commitBackup(id: number, c: BackupCommit): boolean {
    const committed = this.transaction(() => {
      const r = this.db
        .prepare(
          `UPDATE backups SET status = 'available', finished_at = ?, manifest = ?, manifest_format = ?, file_count = ?, logical_bytes = ?,
             new_chunks = ?, new_raw_bytes = ?, new_stored_bytes = ?, warnings = ?, partial = ?
           WHERE id = ? AND status = 'creating'`,
        )
        .run(
          Date.now(),
          c.manifest,
          c.manifestFormat,
          c.fileCount,
          c.logicalBytes,
          c.newChunks,
          c.newRawBytes,
          c.newStoredBytes,
          JSON.stringify(c.warnings),
          c.partial,
          id,
        );
      if (r.changes !== 1) return false;
      if (c.listings) {
        const add = this.db.prepare(`INSERT OR IGNORE INTO listings (grp, id, dir, first, last, entries, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)`);
        for (const l of c.listings.checked) add.run(c.listings.group, l.id, l.dir, l.first, l.last, l.entries, l.bytes);
      }
      // A tree manifest is its own index: the references recorded while it was written have served.
      if (c.manifestFormat !== 1) this.db.prepare(`DELETE FROM backup_chunks WHERE backup_id = ?`).run(id);
      return true;
    });
    if (committed) this.releaseFreePages();
    return committed;
  }

  /**
   * Gives the catalog's free pages back to the filesystem once they are
   * FREE_PAGES_KEPT or more. A backup's references fill pages that its
   * commit frees (on the small-file benchmark 962 of 6,026 pages, 3.9 MB,
   * sat free after three releases); GC frees the rows of dead chunks.
   * Catalogs made before auto_vacuum was set keep their free pages for
   * reuse, as they always did (the mode changes only with a VACUUM).
   * The vacuum is written to the WAL: the catalog file itself shrinks only
   * when a checkpoint copies it back, so one is run at once (PASSIVE: it
   * waits for no reader; what a reader still holds is copied by a later
   * one). Best effort, after the commit: a failure (a full disk) leaves
   * them free for the next time.
   */
  private releaseFreePages(): void {
    if (!this.givesPagesBack) return;
    try {
      if ((this.db.pragma('freelist_count', { simple: true }) as number) < FREE_PAGES_KEPT) return;
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Nothing lost: the pages stay free and are reused by the next insert.
    }
  }

  /** What the store checked of a listing chunk for a dedup group, if it did. */
  listing(group: string, id: Buffer): ListingInfo | undefined {
    return this.db.prepare(`SELECT id, dir, first, last, entries, bytes FROM listings WHERE grp = ? AND id = ?`).get(group, id) as ListingInfo | undefined;
  }

  /** Records a `creating` backup as failed, with the reason (and its warnings, when given); false if it was not `creating`. */
  failBackup(id: number, reason: string, warnings?: readonly string[]): boolean {
    const r =
      warnings === undefined
        ? this.db.prepare(`UPDATE backups SET status = 'error', reason = ?, finished_at = ? WHERE id = ? AND status = 'creating'`).run(reason, Date.now(), id)
        : this.db
            .prepare(`UPDATE backups SET status = 'error', reason = ?, finished_at = ?, warnings = ? WHERE id = ? AND status = 'creating'`)
            .run(reason, Date.now(), JSON.stringify(warnings), id);
    return r.changes === 1;
  }

  /** Sets a backup's name and description. */
  /**
   * The rows a catalog rebuilt from storage needs (backup-records.ts): every
   * client, and every backup that can be restored; with `backupId`, only
   * that backup (if it can be restored) and its client.
   */
  recordRows(backupId?: number): { clients: SalvagedRow[]; backups: SalvagedRow[] } {
    if (backupId === undefined) {
      return {
        clients: this.db.prepare(`SELECT * FROM clients ORDER BY id`).all() as SalvagedRow[],
        backups: this.db.prepare(`SELECT * FROM backups WHERE status = 'available' ORDER BY id`).all() as SalvagedRow[],
      };
    }
    return {
      clients: this.db.prepare(`SELECT c.* FROM clients c JOIN backups b ON b.client_id = c.id WHERE b.id = ?`).all(backupId) as SalvagedRow[],
      backups: this.db.prepare(`SELECT * FROM backups WHERE id = ? AND status = 'available'`).all(backupId) as SalvagedRow[],
    };
  }

  setLabel(id: number, name: string | null, description: string | null): void {
    this.db.prepare(`UPDATE backups SET name = ?, description = ? WHERE id = ?`).run(name, description, id);
  }

  /** Deletes a backup and its references in one transaction; backups built on it forget their parent. */
  /**
   * Deletes a backup as far as anything reading it goes: it becomes
   * `deleting` (listed so, never restored) and references nothing; its row
   * goes when GC has reclaimed its space (purgeDeleting) or at the next open.
   */
  deleteBackup(id: number): void {
    this.transaction(() => {
      this.db.prepare(`DELETE FROM backup_chunks WHERE backup_id = ?`).run(id);
      this.db.prepare(`UPDATE backups SET status = 'deleting' WHERE id = ?`).run(id);
    });
  }

  /** Forgets the backups left `deleting` (GC has run since they were deleted). */
  purgeDeleting(): void {
    this.transaction(() => {
      for (const id of this.db.prepare(`SELECT id FROM backups WHERE status = 'deleting'`).pluck().all() as number[]) {
        this.db.prepare(`UPDATE backups SET parent_id = NULL WHERE parent_id = ?`).run(id);
        this.db.prepare(`DELETE FROM backups WHERE id = ?`).run(id);
      }
    });
  }

  /**
   * What a client holds: its available backups, and the stored bytes of
   * every chunk its backups (failed ones included while they last)
   * reference: those the reference table holds, and `fromTrees` (hex ids
   * its tree manifests name).
   */
  clientUsage(client: string, fromTrees: Iterable<string>): { backups: number; storedBytes: number } {
    const backups = this.db
      .prepare(`SELECT COUNT(*) FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? AND b.status = 'available'`)
      .pluck()
      .get(client) as number;
    this.db.exec(`DROP TABLE IF EXISTS temp.usage; CREATE TEMP TABLE usage (id BLOB PRIMARY KEY) WITHOUT ROWID`);
    try {
      return this.transaction(() => {
        this.db
          .prepare(
            `INSERT OR IGNORE INTO temp.usage SELECT bc.chunk_id FROM backup_chunks bc JOIN backups b ON b.id = bc.backup_id JOIN clients c ON c.id = b.client_id
             WHERE c.name = ? AND b.status IN ('available', 'creating', 'error')`,
          )
          .run(client);
        const add = this.db.prepare(`INSERT OR IGNORE INTO temp.usage (id) VALUES (?)`);
        for (const hex of fromTrees) add.run(Buffer.from(hex, 'hex'));
        const storedBytes = this.db
          .prepare(`SELECT COALESCE(SUM(stored_length), 0) FROM chunks WHERE id IN (SELECT id FROM temp.usage)`)
          .pluck()
          .get() as number;
        return { backups, storedBytes };
      });
    } finally {
      this.db.exec(`DROP TABLE IF EXISTS temp.usage`);
    }
  }

  /** The chunks the reference table says a backup references. */
  referencesOf(backupId: number): Buffer[] {
    return this.db.prepare(`SELECT chunk_id FROM backup_chunks WHERE backup_id = ?`).pluck().all(backupId) as Buffer[];
  }

  // ---- recovery ----

  /** Names of the packs the catalog knows, all or in one state. */
  packNames(state?: PackState): string[] {
    return (
      state === undefined
        ? this.db.prepare(`SELECT name FROM packs`).pluck().all()
        : this.db.prepare(`SELECT name FROM packs WHERE state = ?`).pluck().all(state)
    ) as string[];
  }

  /** Whether any recorded chunk lies in this pack. */
  packHasChunks(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM chunks WHERE pack = ${PACK_ID} LIMIT 1`).pluck().get(name) !== undefined;
  }

  /** Sealed packs no recorded chunk lies in. */
  emptySealedPacks(): string[] {
    return this.db
      .prepare(`SELECT name FROM packs p WHERE state = 'sealed' AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.pack = p.id)`)
      .pluck()
      .all() as string[];
  }

  /** Ids of the backups still `creating`. */
  creatingBackupIds(): number[] {
    return this.db.prepare(`SELECT id FROM backups WHERE status = 'creating'`).pluck().all() as number[];
  }

  /**
   * After the last owner stopped: its `creating` backups fail with `reason`,
   * backups left `deleting` go, and open packs are sealed; one transaction.
   */
  settleAfterStop(reason: string): void {
    this.transaction(() => {
      this.db.prepare(`UPDATE backups SET status = 'error', reason = ?, finished_at = ? WHERE status = 'creating'`).run(reason, Date.now());
      for (const id of this.db.prepare(`SELECT id FROM backups WHERE status = 'deleting'`).pluck().all() as number[]) {
        this.db.prepare(`DELETE FROM backup_chunks WHERE backup_id = ?`).run(id);
        this.db.prepare(`UPDATE backups SET parent_id = NULL WHERE parent_id = ?`).run(id);
        this.db.prepare(`DELETE FROM backups WHERE id = ?`).run(id);
      }
      this.db.prepare(`UPDATE packs SET state = 'sealed' WHERE state = 'open'`).run();
    });
  }

  /** Forgets packs (their files are gone), in one transaction. */
  dropPacks(names: readonly string[]): void {
    if (names.length === 0) return;
    this.transaction(() => {
      const drop = this.db.prepare(`DELETE FROM packs WHERE name = ?`);
      for (const name of names) drop.run(name);
    });
  }

  // ---- stats ----

  /** Whole-catalog counts: backups by status (with their file bytes), chunks, clients. */
  totals(): { backups: Map<string, { n: number; bytes: number }>; chunks: { n: number; raw: number; stored: number }; clients: number } {
    const rows = this.db.prepare(`SELECT status, COUNT(*) AS n, COALESCE(SUM(logical_bytes), 0) AS bytes FROM backups GROUP BY status`).all() as Array<{
      status: string;
      n: number;
      bytes: number;
    }>;
    const chunks = this.db
      .prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(raw_length), 0) AS raw, COALESCE(SUM(stored_length), 0) AS stored FROM chunks`)
      .get() as { n: number; raw: number; stored: number };
    return {
      backups: new Map(rows.map((r) => [r.status, { n: r.n, bytes: r.bytes }])),
      chunks,
      clients: this.db.prepare(`SELECT COUNT(*) FROM clients`).pluck().get() as number,
    };
  }

  // ---- verify ----

  /** SQLite's own integrity check: the problems it names (none when the file is sound), at most `max`. */
  integrityProblems(max: number): string[] {
    const rows = this.db.pragma(`integrity_check(${Math.max(1, Math.floor(max))})`) as Array<{ integrity_check: string }>;
    return rows.map((r) => r.integrity_check).filter((p) => p !== 'ok');
  }

  /** Every chunk recorded in a pack, in file order (read whole: no cursor stays open while the caller reads the pack). */
  chunksInPack(pack: string): ChunkLocation[] {
    return (this.db.prepare(`${CHUNK_SELECT} WHERE c.pack = ${PACK_ID} ORDER BY c.offset`).all(pack) as ChunkRow[]).map(toChunkLocation);
  }

  // ---- garbage collection ----

  /** Failed backups that ended before `cutoff` stop keeping their chunks. */
  dropFailedReferences(cutoff: number): void {
    this.db.prepare(`DELETE FROM backup_chunks WHERE backup_id IN (SELECT id FROM backups WHERE status = 'error' AND finished_at < ?)`).run(cutoff);
  }

  /**
   * Builds GC's live set (a temporary table, until `dropLiveSet`): every
   * chunk the reference table names, every chunk the manifests name (given
   * as hex ids), every chunk stored at or after `storedSince`, and the
   * running backups' unrecorded references. Returns how many of the
   * manifests' references the reference table lacked (damage: not 0).
   */
  markLive(fromFlatManifests: Iterable<string>, fromTrees: ReadonlyArray<Iterable<string>>, unrecorded: Iterable<string>): { unindexed: number } {
    this.db.exec(`DROP TABLE IF EXISTS temp.live; CREATE TEMP TABLE live (id BLOB PRIMARY KEY) WITHOUT ROWID`);
    let unindexed = 0;
    this.db.transaction(() => {
      this.db.exec(`INSERT OR IGNORE INTO temp.live SELECT chunk_id FROM backup_chunks`);
      const add = this.db.prepare(`INSERT OR IGNORE INTO temp.live (id) VALUES (?)`);
      // A flat manifest's references are all in backup_chunks too: one it lacks is damage.
      for (const hex of fromFlatManifests) unindexed += add.run(Buffer.from(hex, 'hex')).changes;
      for (const ids of fromTrees) for (const hex of ids) add.run(Buffer.from(hex, 'hex'));
      for (const hex of unrecorded) add.run(Buffer.from(hex, 'hex'));
    })();
    return { unindexed };
  }

  /** Listing chunks (kind Manifest) referenced by backups not committed: being written, or failed within the grace period. */
  listingsReferencedByUncommitted(): Buffer[] {
    return this.db
      .prepare(
        `SELECT DISTINCT bc.chunk_id FROM backup_chunks bc JOIN backups b ON b.id = bc.backup_id JOIN chunks c ON c.id = bc.chunk_id
         WHERE b.status != 'available' AND c.kind = ${ChunkKind.Manifest}`,
      )
      .pluck()
      .all() as Buffer[];
  }

  /**
   * The keys available encrypted backups were made with (a sealed
   * manifest's first id, in the slot of a chunk id, is its key id), per client: how many, the oldest
   * and newest number. Of a dedup group's clients, or of one client.
   */
  sealedBackupKeys(of: { group: string } | { client: string }): SealedKeyCount[] {
    const where = 'group' in of ? 'c.dedup_group = ?' : 'c.name = ?';
    return this.db
      .prepare(
        `SELECT c.name AS client, substr(b.manifest, 1, ${CHUNK_ID_BYTES}) AS keyId, COUNT(*) AS count, MIN(b.number) AS oldest, MAX(b.number) AS newest
         FROM backups b JOIN clients c ON c.id = b.client_id
         WHERE ${where} AND b.manifest_format = ? AND b.status = 'available'
         GROUP BY c.name, keyId ORDER BY c.name, newest`,
      )
      .all('group' in of ? of.group : of.client, ManifestFormat.Sealed) as SealedKeyCount[];
  }

  /** Chunks outside the live set. */
  deadChunkIds(): Buffer[] {
    return this.db.prepare(`SELECT id FROM chunks WHERE id NOT IN (SELECT id FROM temp.live)`).pluck().all() as Buffer[];
  }

  /** Bytes of live records (headers included, `headerBytes` each) per pack. */
  liveBytesByPack(headerBytes: number): Map<string, number> {
    const rows = this.db
      .prepare(
        `SELECT p.name AS pack, SUM(c.stored_length + ?) AS bytes FROM chunks c JOIN packs p ON p.id = c.pack WHERE c.id IN (SELECT id FROM temp.live) GROUP BY c.pack`,
      )
      .all(headerBytes) as Array<{ pack: string; bytes: number }>;
    return new Map(rows.map((r) => [r.pack, r.bytes]));
  }

  /** The live chunks of a pack, in file order. */
  liveChunksInPack(pack: string): ChunkLocation[] {
    return (this.db.prepare(`${CHUNK_SELECT} WHERE c.pack = ${PACK_ID} AND c.id IN (SELECT id FROM temp.live) ORDER BY c.offset`).all(pack) as ChunkRow[]).map(
      toChunkLocation,
    );
  }

  /**
   * GC's one commit: moved chunks point at their new place, dead chunks
   * (and the groups' claims on them) go, and emptied packs become `deleting`.
   */
  applyGc(moved: ReadonlyArray<{ id: Buffer; pack: string; offset: number }>, dead: readonly Buffer[], emptied: readonly string[]): void {
    this.transaction(() => {
      const repoint = this.db.prepare(`UPDATE chunks SET pack = ${PACK_ID}, offset = ? WHERE id = ?`);
      for (const m of moved) repoint.run(m.pack, m.offset, m.id);
      const dropChunk = this.db.prepare(`DELETE FROM chunks WHERE id = ?`);
      const dropListing = this.db.prepare(`DELETE FROM listings WHERE id = ?`);
      for (const id of dead) {
        dropChunk.run(id);
        dropListing.run(id);
      }
      // The groups' claims on them: one pass over the claims (no index by chunk; it would repeat every id once more).
      if (dead.length > 0) this.db.exec(`DELETE FROM group_chunks WHERE chunk_id NOT IN (SELECT id FROM chunks)`);
      const mark = this.db.prepare(`UPDATE packs SET state = 'deleting' WHERE name = ?`);
      for (const p of emptied) mark.run(p);
    });
    this.releaseFreePages();
  }

  /** Drops GC's live set. */
  dropLiveSet(): void {
    this.db.exec(`DROP TABLE IF EXISTS temp.live`);
  }

  // ---- repair ----

  /** Fills a new catalog from a repair's findings (see repair.ts), in one transaction. */
  fillFromRepair(r: RepairContents): void {
    const now = Date.now();
    this.transaction(() => {
      for (const pack of r.packs) this.db.prepare(`INSERT INTO packs (name, state, created_at) VALUES (?, 'sealed', ?)`).run(pack, now);
      const insertChunk = this.db.prepare(
        `INSERT INTO chunks (id, pack, offset, raw_length, stored_length, codec, kind, stored_at) VALUES (?, ${PACK_ID}, ?, ?, ?, ?, ?, ?)`,
      );
      for (const c of r.chunks) insertChunk.run(c.id, c.pack, c.offset, c.rawLength, c.storedLength, c.codec, c.kind, now);
      const insertClient = this.db.prepare(`INSERT INTO clients (id, name, dedup_group, next_number) VALUES (?, ?, ?, ?)`);
      for (const c of r.clients) insertClient.run(c.id, c.name, c.dedupGroup, c.nextNumber);
      const insertBackup = this.db.prepare(
        `INSERT INTO backups (id, client_id, number, parent_id, status, reason, name, description, started_at, finished_at, manifest,
           file_count, logical_bytes, new_chunks, new_raw_bytes, new_stored_bytes, warnings, partial, manifest_format)
         VALUES (@id, @client_id, @number, @parent_id, @status, @reason, @name, @description, @started_at, @finished_at, @manifest,
           @file_count, @logical_bytes, @new_chunks, @new_raw_bytes, @new_stored_bytes, @warnings, @partial, @manifest_format)`,
      );
      const ref = this.db.prepare(`INSERT OR IGNORE INTO backup_chunks (backup_id, chunk_id) VALUES (?, ?)`);
      const member = this.db.prepare(`INSERT OR IGNORE INTO group_chunks (grp, chunk_id) VALUES (?, ?)`);
      for (const b of r.backups) {
        insertBackup.run(b.row);
        // A tree manifest is its own index: its references make the group's claims, no rows of their own.
        const indexed = b.row.manifest_format === 1;
        for (const id of b.references) {
          if (indexed) ref.run(b.row.id, id);
          member.run(b.group, id);
        }
      }
    });
  }
}

/**
 * An error SQLite raised because the catalog file is damaged, as a
 * StoreError that says what to do; undefined for any other error.
 */
export function catalogDamage(err: unknown, storeDir: string): StoreError | undefined {
  if (err instanceof StoreError) return err.code === 'CATALOG_CORRUPT' ? err : undefined;
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  if (!code.startsWith('SQLITE_CORRUPT') && code !== 'SQLITE_NOTADB') return undefined;
  return new StoreError(
    'CATALOG_CORRUPT',
    `the catalog of ${storeDir} is damaged (${(err as Error).message}): stop cpsbackupd, keep a copy of ${storeDir}, then run ` +
      `'cpsbackupd -c <server.conf> --repair-catalog' (docs/OPERATIONS.md, "A damaged catalog")`,
    { dir: storeDir },
  );
}

/**
 * The `clients` and `backups` rows of a (damaged) catalog file that can
 * still be read: in one scan if SQLite can, else one row id at a time,
 * skipping what it cannot read. Empty when the file is no catalog at all.
 */
export function salvageRows(file: string): { clients: SalvagedRow[]; backups: SalvagedRow[]; lostRows: number } {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return { clients: [], backups: [], lostRows: 0 };
  }
  try {
    const clients = readRows(db, 'clients');
    const backups = readRows(db, 'backups');
    return { clients: clients.rows, backups: backups.rows, lostRows: clients.lost + backups.lost };
  } finally {
    db.close();
  }
}

function readRows(db: Database.Database, table: 'clients' | 'backups'): { rows: SalvagedRow[]; lost: number } {
  try {
    return { rows: db.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as SalvagedRow[], lost: 0 };
  } catch {
    // fall through: row by row
  }
  let max: number;
  try {
    max = (db.prepare(`SELECT MAX(id) FROM ${table}`).pluck().get() as number | null) ?? 0;
  } catch {
    max = 100_000; // the B-tree's right edge is damaged: probe a generous range
  }
  const one = db.prepare(`SELECT * FROM ${table} WHERE id = ?`);
  const rows: SalvagedRow[] = [];
  let lost = 0;
  for (let id = 1; id <= max; id++) {
    try {
      const r = one.get(id) as SalvagedRow | undefined;
      if (r) rows.push(r);
    } catch {
      lost++;
    }
  }
  return { rows, lost };
}
