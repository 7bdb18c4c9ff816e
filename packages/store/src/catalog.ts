import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from './catalog-schema';
import { StoreError } from './errors';
import { type PlacedRecord } from './pack-writer';

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
}

/** Packs created and sealed since the catalog last recorded chunks (see Store's packChanges). */
export interface PackChanges {
  created: string[];
  sealed: string[];
}

/** A chunks-table row as SQLite returns it. */
export interface ChunkRow {
  id: Buffer;
  pack: string;
  offset: number;
  raw_length: number;
  stored_length: number;
  codec: number;
  kind: number;
  stored_at: number;
}

const BACKUP_COLUMNS = `b.id, c.name AS client, b.number, b.parent_id, b.status, b.reason, b.name, b.description,
  b.started_at, b.finished_at, b.file_count, b.logical_bytes, b.new_chunks, b.new_raw_bytes, b.new_stored_bytes, b.warnings, b.partial`;

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
  };
}

/** A chunks-table row as a ChunkLocation. */
export function toChunkLocation(r: ChunkRow): ChunkLocation {
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
    chunk: db.prepare(`SELECT * FROM chunks WHERE id = ?`),
    chunkExists: db.prepare(`SELECT 1 FROM chunks WHERE id = ?`).pluck(),
    groupHas: db.prepare(`SELECT 1 FROM group_chunks g JOIN chunks c ON c.id = g.chunk_id WHERE g.grp = ? AND g.chunk_id = ?`).pluck(),
    insertChunk: db.prepare(
      `INSERT OR IGNORE INTO chunks (id, pack, offset, raw_length, stored_length, codec, kind, stored_at)
       VALUES (@id, @pack, @offset, @rawLength, @storedLength, @codec, @kind, @storedAt)`,
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

/** Typed access to the SQLite catalog; every multi-row change is one transaction. */
export class Catalog {
  readonly db: Database.Database;
  private readonly stmts: Statements;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit that returned is on disk even after a power cut.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // 64 MiB of page cache (the default is 2 MiB): chunk lookups hit random pages of a large index.
    this.db.pragma('cache_size = -65536');
    this.db.exec(SCHEMA_SQL);
    const version = this.db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as string | undefined;
    if (version === undefined) {
      this.db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
    } else if (Number(version) > SCHEMA_VERSION || !(Number(version) >= 1)) {
      throw new StoreError(
        'STORE_CORRUPT',
        `catalog schema version ${version} is not supported (this build reads up to ${SCHEMA_VERSION}); use a newer cpsbackupd`,
      );
    } else {
      for (let v = Number(version); v < SCHEMA_VERSION; v++) {
        this.db
          .transaction(() => {
            this.db.exec(MIGRATIONS[v]!);
            this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(v + 1));
          })
          .immediate();
      }
    }
    this.stmts = prepareStatements(this.db);
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

  chunkExists(id: Buffer): boolean {
    return this.stmts.chunkExists.get(id) !== undefined;
  }

  /** Whether the chunk is stored and this dedup group has uploaded it (one statement, for one chunk at a time). */
  groupHasChunk(group: string, id: Buffer): boolean {
    return this.stmts.groupHas.get(group, id) !== undefined;
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
      const number = this.db.prepare(`SELECT next_number FROM clients WHERE id = ?`).pluck().get(clientId) as number;
      this.db.prepare(`UPDATE clients SET next_number = next_number + 1 WHERE id = ?`).run(clientId);
      const info = this.db
        .prepare(
          `INSERT INTO backups (client_id, number, parent_id, status, name, description, started_at)
           VALUES (?, ?, ?, 'creating', ?, ?, ?)`,
        )
        .run(clientId, number, parentId, name, description, Date.now());
      return Number(info.lastInsertRowid);
    });
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
    if (!blob) return [];
    const ids: Buffer[] = [];
    for (let off = 0; off < blob.length; off += 32) ids.push(Buffer.from(blob.subarray(off, off + 32)));
    return ids;
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
