import * as fs from 'node:fs';
import * as path from 'node:path';
import { type StorageBackend } from './backend';
import { BackupWriter, type BeginBackupOptions } from './backup-writer';
import { type BackupInfo, Catalog, catalogDamage, type ChunkLocation, isComplete, type PackChanges } from './catalog';
import { chunkIdOf, decodeChunk, type FileEntry, formatChunkId, ManifestDecoder } from '@cpsbackup/format';
import { fsyncDir } from '@cpsbackup/durable';
import { isOutOfSpace, SpaceReserve } from './space-reserve';
import { StoreError } from './errors';
import { runGc, type GcReport } from './gc';
import { LocalDirectoryBackend } from './local-backend';
import { decodeRecordHeader, RECORD_HEADER_BYTES, type RecordHeader } from './pack-format';
import { type FlushRound, PackWriter, type PlacedRecord } from './pack-writer';
import { recoverStore, type RecoveryReport } from './recovery';
import { computeStats, type StoreStats } from './stats';
import { StoreLock } from './store-lock';
import { type ResolvedStoreOptions, resolveStoreOptions, type StoreOptions } from './options';
import { runVerify, runVerifyAsync, type VerifyReport, type VerifyScope } from './verify';

/** Free bytes under which the store gives up its reserve before opening the catalog. */
const OPEN_ROOM_BYTES = 4 * 1024 * 1024;

/** Chunks (or group memberships) written but not yet recorded, past which the store records them. */
const MAX_PENDING_CHUNKS = 131_072;

/**
 * A background flush round, as the store will record it. It stays in
 * `Store.round` until recorded; whichever of its completion, a synchronous
 * flush or a storage failure comes first clears it there, and the others
 * then leave it alone.
 */
interface PendingRound {
  records: PlacedRecord[];
  /** Hex ids of its chunks (ingest dedups against them until recorded). */
  chunks: Set<string>;
  groups: Map<string, [string, Buffer]>;
  refs: Array<[number, Buffer]>;
}

/**
 * The chunk store: packs of compressed chunks behind a SQLite catalog.
 * One process owns a store directory at a time (lock file). All methods are
 * synchronous and run on the owner's thread; there is no interleaving inside
 * one call, which is what keeps GC and ingest from racing.
 */
export class Store {
  readonly options: ResolvedStoreOptions;
  /** What open-time recovery found and repaired. */
  readonly recovery: RecoveryReport;
  private readonly packs: PackWriter;
  /** Chunks written to a pack since the last flush or round, not yet recorded in the catalog (hex ids). */
  private pending = new Set<string>();
  /** (group, chunk) pairs not yet recorded, keyed `group\0hex`. */
  private pendingGroups = new Map<string, [string, Buffer]>();
  /** What a background flush round will record once its packs are durable. */
  private round: PendingRound | undefined;
  private readonly writers = new Set<BackupWriter>();
  /** Set when a write failed for lack of space: the next GC reclaims failed backups' chunks at once. */
  private spacePressure = false;
  /** Bytes written to packs since the last flush. */
  private unflushedBytes = 0;
  private closed = false;

  /**
   * Pack rows the catalog learns in the next transaction that records
   * chunks, rather than in a committed (fsynced) statement each: those cost
   * the ingest thread 3-4 s per 5 GB. A new pack is thus known no later
   * than its first recorded chunk; a crash before leaves a file the catalog
   * never heard of, which recovery deletes.
   */
  private packChanges: PackChanges = { created: [], sealed: [] };

  private constructor(
    readonly dir: string,
    /** @internal */ readonly catalog: Catalog,
    /** @internal */ readonly backend: StorageBackend,
    private readonly lock: StoreLock,
    private readonly reserve: SpaceReserve,
    options: StoreOptions,
  ) {
    this.options = resolveStoreOptions(options);
    this.recovery = recoverStore(catalog, backend, () => reserve.release());
    reserve.ensure();
    this.packs = new PackWriter(backend, this.options.packTargetSize, {
      created: (name) => this.packChanges.created.push(name),
      sealed: (name) => this.packChanges.sealed.push(name),
    });
  }

  /** Opens (creating if needed) the store in `dir`, recovering from any crash of the last owner. */
  static open(dir: string, options: StoreOptions = {}): Store {
    const created = fs.mkdirSync(dir, { recursive: true });
    // A new store's directories must survive a power cut, as the files in them will.
    if (created !== undefined) fsyncNewDirs(created, dir);
    const lock = StoreLock.acquire(dir);
    try {
      // SQLite needs a little room to open (its -wal and -shm files): on a full disk, the reserve gives it.
      const reserve = new SpaceReserve(dir);
      if (reserve.freeBytes() < OPEN_ROOM_BYTES) reserve.release();
      const catalog = new Catalog(path.join(dir, 'catalog.db'));
      const backend = new LocalDirectoryBackend(dir);
      fsyncDir(dir); // catalog.db and packs/, if they were just created
      return new Store(dir, catalog, backend, lock, reserve, options);
    } catch (err) {
      lock.release();
      throw catalogDamage(err, dir) ?? err;
    }
  }

  /** Finishes pending writes and releases the directory. Active backups are aborted. */
  close(): void {
    if (this.closed) return;
    for (const w of [...this.writers]) w.abort('the store was closed before the backup was committed');
    this.flush();
    this.packs.close(); // seals the pack in progress; rolled and GC packs were sealed when closed
    this.flush(); // records that seal
    if (this.backend instanceof LocalDirectoryBackend) this.backend.closeReaders();
    this.catalog.close();
    this.lock.release();
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', `store ${this.dir} is closed`);
  }

  // ---- backups ----

  /** Starts a backup for `client` (registered on first use) in state `creating`. */
  beginBackup(opts: BeginBackupOptions): BackupWriter {
    this.assertOpen();
    this.recordFailures();
    for (const w of this.writers) {
      if (w.client === opts.client) {
        throw new StoreError('BACKUP_RUNNING', `client ${opts.client} already has backup ${w.number} running`, { client: opts.client });
      }
    }
    const client = this.catalog.ensureClient(opts.client, opts.dedupGroup);
    if (opts.parentId != null) {
      const parent = this.catalog.backup(opts.parentId);
      if (!parent || parent.client !== opts.client) {
        throw new StoreError('BACKUP_NOT_FOUND', `parent backup ${opts.parentId} does not belong to client ${opts.client}`);
      }
    }
    const id = this.catalog.createBackup(client.id, opts.parentId ?? null, opts.name ?? null, opts.description ?? null);
    const info = this.catalog.backup(id)!;
    const writer = new BackupWriter(this, info, client.dedupGroup, (w) => this.writers.delete(w));
    this.writers.add(writer);
    return writer;
  }

  /** Backups that failed while the catalog could not be written (disk full), by id → reason. */
  private readonly unrecordedFailures = new Map<number, string>();

  /** @internal A failure the catalog could not take yet: shown now, recorded as soon as possible. */
  rememberFailure(backupId: number, reason: string): void {
    this.unrecordedFailures.set(backupId, reason);
  }

  private recordFailures(): void {
    for (const [id, reason] of this.unrecordedFailures) {
      try {
        this.catalog.db
          .prepare(`UPDATE backups SET status = 'error', reason = ?, finished_at = ? WHERE id = ? AND status = 'creating'`)
          .run(reason, Date.now(), id);
        this.unrecordedFailures.delete(id);
      } catch {
        return; // still no space; try again next time
      }
    }
  }

  /** Every backup of a client, oldest first (all clients when omitted). */
  listBackups(client?: string): BackupInfo[] {
    this.recordFailures();
    const all = client === undefined ? this.catalog.allBackups() : this.catalog.backupsOfClient(client);
    return all.map((b) => {
      const reason = this.unrecordedFailures.get(b.id);
      return reason && b.status === 'creating' ? { ...b, status: 'error' as const, reason } : b;
    });
  }

  /** A backup by its global id. */
  getBackup(id: number): BackupInfo {
    const b = this.catalog.backup(id);
    if (!b) throw new StoreError('BACKUP_NOT_FOUND', `no backup with id ${id}`, { backupId: id });
    return b;
  }

  /** A client's backup by its per-client number. */
  getBackupByNumber(client: string, number: number): BackupInfo {
    const b = this.catalog.backupByNumber(client, number);
    if (!b) throw new StoreError('BACKUP_NOT_FOUND', `client ${client} has no backup ${number}`, { client, number });
    return b;
  }

  /** The newest `available` backup of a client, partial or not. */
  latestAvailable(client: string): BackupInfo | undefined {
    const all = this.catalog.backupsOfClient(client).filter((b) => b.status === 'available');
    return all[all.length - 1];
  }

  /** The newest complete backup of a client (see isComplete): what a restore without a number means, and a new backup's parent. */
  latestComplete(client: string): BackupInfo | undefined {
    const all = this.catalog.backupsOfClient(client).filter(isComplete);
    return all[all.length - 1];
  }

  /**
   * What a client holds: its available backups, and the stored bytes of
   * every chunk its backups reference, failed ones included while they
   * last (their chunks stay stored for gc_grace, so a client cannot pile up
   * data through backups that fail). Shared chunks count in full for each
   * client: it is what the client would occupy alone.
   */
  clientUsage(client: string): { backups: number; storedBytes: number } {
    const db = this.catalog.db;
    const backups = db
      .prepare(`SELECT COUNT(*) FROM backups b JOIN clients c ON c.id = b.client_id WHERE c.name = ? AND b.status = 'available'`)
      .pluck()
      .get(client) as number;
    const storedBytes = db
      .prepare(
        `SELECT COALESCE(SUM(ch.stored_length), 0) FROM chunks ch WHERE ch.id IN (
           SELECT bc.chunk_id FROM backup_chunks bc JOIN backups b ON b.id = bc.backup_id JOIN clients c ON c.id = b.client_id
           WHERE c.name = ? AND b.status IN ('available', 'creating', 'error'))`,
      )
      .pluck()
      .get(client) as number;
    return { backups, storedBytes };
  }

  /** Sets a backup's name and description. */
  setBackupLabel(id: number, name: string | null, description: string | null): void {
    this.getBackup(id);
    this.catalog.db.prepare(`UPDATE backups SET name = ?, description = ? WHERE id = ?`).run(name, description, id);
  }

  /**
   * Deletes a backup and its references in one transaction. Other backups
   * never depend on it (every backup is complete), so nothing else changes;
   * GC later reclaims chunks no one references.
   */
  deleteBackup(id: number): void {
    this.assertOpen();
    const b = this.getBackup(id);
    for (const w of this.writers) {
      if (w.backupId === id) throw new StoreError('BACKUP_RUNNING', `backup ${b.number} of ${b.client} is still being written`);
    }
    this.catalog.transaction(() => {
      this.catalog.db.prepare(`DELETE FROM backup_chunks WHERE backup_id = ?`).run(id);
      this.catalog.db.prepare(`UPDATE backups SET parent_id = NULL WHERE parent_id = ?`).run(id);
      this.catalog.db.prepare(`DELETE FROM backups WHERE id = ?`).run(id);
    });
  }

  /** The entries of a backup's manifest, in the order they were added. */
  *readManifest(backupId: number): Generator<FileEntry> {
    const decoder = new ManifestDecoder();
    for (const piece of this.readManifestStream(backupId)) yield* decoder.push(piece);
    decoder.end();
  }

  /** An available backup's manifest as stored: its byte stream (see manifest-codec.ts), piece by piece. */
  *readManifestStream(backupId: number): Generator<Buffer> {
    const b = this.getBackup(backupId);
    if (b.status !== 'available') {
      throw new StoreError('BACKUP_STATE', `backup ${b.number} of ${b.client} is ${b.status}, not available`, { backupId });
    }
    for (const id of this.catalog.manifestIds(backupId)) yield this.readChunk(id);
  }

  /** The content of a file entry, chunk by chunk (each verified against its id). */
  *readContent(entry: FileEntry): Generator<Buffer> {
    for (const id of entry.chunks) yield this.readChunk(id);
  }

  // ---- chunks ----

  /** Reads a chunk's plaintext and checks it still hashes to its id. */
  readChunk(id: Buffer): Buffer {
    this.assertOpen();
    if (this.isPending(formatChunkId(id))) this.flush();
    const loc = this.catalog.chunk(id);
    if (!loc) throw new StoreError('CHUNK_MISSING', `chunk ${formatChunkId(id)} is not in the store`, { chunk: formatChunkId(id) });
    return this.readLocated(loc);
  }

  /**
   * A chunk as stored (codec, plaintext length, encoded payload), without
   * decoding: a restore sends it as is and the receiver verifies the hash.
   */
  readEncodedChunk(id: Buffer): { codec: number; rawLength: number; payload: Buffer } {
    this.assertOpen();
    if (this.isPending(formatChunkId(id))) this.flush();
    const loc = this.catalog.chunk(id);
    if (!loc) throw new StoreError('CHUNK_MISSING', `chunk ${formatChunkId(id)} is not in the store`, { chunk: formatChunkId(id) });
    const { header, payload } = this.readRecord(loc);
    return { codec: header.codec, rawLength: header.rawLength, payload };
  }

  /** @internal Reads and checks the chunk at a catalog location. */
  readLocated(loc: ChunkLocation): Buffer {
    const { header, payload } = this.readRecord(loc);
    const plain = decodeChunk(header.codec, payload, header.rawLength);
    if (!chunkIdOf(plain).equals(loc.id)) {
      throw new StoreError('CHUNK_CORRUPT', `chunk ${formatChunkId(loc.id)} in pack ${loc.pack} at ${loc.offset} does not match its hash`, {
        chunk: formatChunkId(loc.id),
        pack: loc.pack,
      });
    }
    return plain;
  }

  /** @internal Reads a record's header and raw payload, checking the header matches the catalog. */
  readRecord(loc: ChunkLocation): { header: RecordHeader; payload: Buffer } {
    const buf = this.backend.readPack(loc.pack, loc.offset, RECORD_HEADER_BYTES + loc.storedLength);
    const where = `pack ${loc.pack} offset ${loc.offset}`;
    const header = decodeRecordHeader(buf, where);
    if (!header.id.equals(loc.id) || header.storedLength !== loc.storedLength || header.rawLength !== loc.rawLength) {
      throw new StoreError('CHUNK_CORRUPT', `record header at ${where} does not match chunk ${formatChunkId(loc.id)}`, {
        chunk: formatChunkId(loc.id),
        pack: loc.pack,
      });
    }
    return { header, payload: buf.subarray(RECORD_HEADER_BYTES) };
  }

  /**
   * For each id, whether `group` may reference it (it uploaded it, and it is
   * still stored); one catalog read for the ids not pending.
   */
  groupHasChunks(group: string, ids: readonly Buffer[]): boolean[] {
    const out = new Array<boolean>(ids.length).fill(true);
    const ask: number[] = [];
    ids.forEach((id, i) => {
      if (!this.isPendingGroup(group + '\0' + formatChunkId(id))) ask.push(i);
    });
    if (ask.length === 0) return out;
    const found = this.catalog.groupHasChunks(
      group,
      ask.map((i) => ids[i]!),
    );
    ask.forEach((i, k) => (out[i] = found[k]!));
    return out;
  }

  /**
   * @internal Stores an encoded chunk whose id the caller has verified.
   * Writes the record only when no copy exists; always records that `group`
   * has it. Returns whether `group` had it before: what a client may be told
   * (whether the store as a whole had it is another group's business).
   */
  ingest(group: string, header: RecordHeader, payload: Buffer): { newToGroup: boolean } {
    this.assertOpen();
    const hex = formatChunkId(header.id);
    const key = group + '\0' + hex;
    const newToGroup = !this.isPendingGroup(key) && !this.catalog.groupHasChunk(group, header.id);
    let stored = 0;
    if (!this.isPending(hex) && !this.catalog.chunkExists(header.id)) {
      try {
        this.packs.add(header, payload);
      } catch (err) {
        this.failStorage(err);
      }
      this.pending.add(hex);
      stored = RECORD_HEADER_BYTES + payload.length;
    }
    if (newToGroup) this.pendingGroups.set(key, [group, header.id]);
    this.unflushedBytes += stored;
    // Many tiny chunks weigh little but each costs memory until recorded: bound their number too.
    if (this.unflushedBytes >= this.options.flushThreshold || this.pendingGroups.size >= MAX_PENDING_CHUNKS) this.flushInBackground();
    return { newToGroup };
  }

  private isPending(hex: string): boolean {
    return this.pending.has(hex) || (this.round !== undefined && this.round.chunks.has(hex));
  }

  private isPendingGroup(key: string): boolean {
    return this.pendingGroups.has(key) || (this.round !== undefined && this.round.groups.has(key));
  }

  /**
   * Starts making what is pending durable without waiting: the packs'
   * fsyncs run on libuv's pool while ingest goes on, and the catalog
   * records the round once they complete. If the previous round is still
   * in flight the disk is behind, and this waits for it (a synchronous
   * flush), which bounds what is pending to two rounds.
   */
  private flushInBackground(): void {
    if (this.round) {
      this.flush();
      return;
    }
    let flush: FlushRound;
    try {
      flush = this.packs.startFlush();
    } catch (err) {
      this.failStorage(err);
    }
    const refs = this.pendingRefs();
    for (const w of this.writers) w.clearPendingRefs();
    const round: PendingRound = { records: flush.records, chunks: this.pending, groups: this.pendingGroups, refs };
    this.round = round;
    this.pending = new Set();
    this.pendingGroups = new Map();
    this.unflushedBytes = 0;
    flush.durable.then(
      () => this.recordRound(round),
      (err: unknown) => this.roundFailed(round, err),
    );
  }

  /** A round's packs are durable: the catalog may name its chunks (unless a synchronous flush did already). */
  private recordRound(round: PendingRound): void {
    if (this.round !== round) return;
    this.round = undefined;
    try {
      this.record(round.records, [...round.groups.values()], round.refs);
    } catch (err) {
      this.storageFailed(err);
    }
  }

  /** One catalog transaction: the pack changes so far, then the chunks, groups and references. */
  private record(records: readonly PlacedRecord[], groups: ReadonlyArray<[string, Buffer]>, refs: ReadonlyArray<[number, Buffer]>): void {
    this.catalog.recordChunks(records, groups, refs, this.packChanges);
    this.packChanges = { created: [], sealed: [] };
  }

  /**
   * After a failed write: the pack rows go in on their own if the catalog
   * still takes them (GC then reclaims the abandoned packs); if not, they
   * are dropped, so later reads and verifies do not fail on them, and
   * recovery deletes those files at the next start. No recorded chunk can
   * be in such a pack: its row would have been recorded with it.
   */
  private settlePackChanges(): void {
    try {
      this.record([], [], []);
    } catch {
      this.packChanges = { created: [], sealed: [] }; // the catalog is full as well
    }
  }

  /**
   * Deletes the given-up packs the catalog has not heard of yet (their rows
   * were still queued): no recorded chunk can be in them, and on a full
   * disk their space is what the next backup needs. The others may hold
   * recorded chunks; they stay, sealed, and GC compacts them.
   */
  private dropUnnamedPacks(abandoned: string[]): void {
    const unnamed = new Set(this.packChanges.created.filter((name) => abandoned.includes(name)));
    if (unnamed.size === 0) return;
    for (const name of unnamed) {
      try {
        this.backend.deletePack(name);
      } catch {
        // left for recovery, which deletes unknown packs at the next start
      }
    }
    this.packChanges = {
      created: this.packChanges.created.filter((n) => !unnamed.has(n)),
      sealed: this.packChanges.sealed.filter((n) => !unnamed.has(n)),
    };
  }

  private hasPackChanges(): boolean {
    return this.packChanges.created.length > 0 || this.packChanges.sealed.length > 0;
  }

  /** A round's fsync failed: as any failed write, every running backup fails (see failStorage). */
  private roundFailed(round: PendingRound, err: unknown): void {
    if (this.round !== round) return; // a synchronous flush had made it durable
    this.round = undefined;
    this.storageFailed(err);
  }

  /**
   * Makes pending chunks durable: fsync the pack, then record chunks, group
   * membership and the running backups' references in one transaction.
   */
  flush(): void {
    // A round not yet recorded is completed here: packs.flush() fsyncs its packs too.
    const round = this.round;
    this.round = undefined;
    try {
      let records = this.packs.flush();
      let groups = [...this.pendingGroups.values()];
      let refs = this.pendingRefs();
      if (round) {
        records = round.records.concat(records);
        groups = [...round.groups.values(), ...groups];
        refs = round.refs.concat(refs);
      }
      if (records.length === 0 && groups.length === 0 && refs.length === 0 && !this.hasPackChanges()) return;
      this.record(records, groups, refs);
      for (const w of this.writers) w.clearPendingRefs();
    } catch (err) {
      this.failStorage(err);
    }
    this.pending.clear();
    this.pendingGroups.clear();
    this.unflushedBytes = 0;
  }

  /**
   * A write to the packs or the catalog failed (disk full, I/O error). What
   * was not yet durable is gone, and every running backup may have been told
   * "the server has it" for some of it, so all of them fail: none may commit
   * a reference to a chunk that was never stored. Stored data is untouched.
   */
  private failStorage(err: unknown): never {
    throw this.storageFailed(err);
  }

  /** failStorage's work, for a failure seen outside any caller (a background round): returns the error instead of throwing. */
  private storageFailed(err: unknown): StoreError {
    const e = err as NodeJS.ErrnoException;
    const full = isOutOfSpace(err);
    const why = full ? 'the storage is full' : `storage write failed (${e.code ?? e.message})`;
    if (full) {
      // Room for the catalog to record what follows; GC reclaims the failed backups' chunks next.
      this.reserve.release();
      this.spacePressure = true;
    }
    this.dropUnnamedPacks(this.packs.abandon());
    this.settlePackChanges();
    this.round = undefined; // its chunks are as lost as the pending ones
    this.pending.clear();
    this.pendingGroups.clear();
    this.unflushedBytes = 0;
    for (const w of this.writers) w.poison(why);
    return new StoreError('STORE_IO', `${why}: ${e.message}; nothing already stored is affected`, { code: e.code });
  }

  /** The running backups' references not yet handed to the catalog, as (backup id, chunk id). */
  private pendingRefs(): Array<[number, Buffer]> {
    const refs: Array<[number, Buffer]> = [];
    for (const w of this.writers) for (const id of w.peekPendingRefs()) refs.push([w.backupId, id]);
    return refs;
  }

  /** @internal Ids the running backups reference but have not recorded yet (GC keeps them). */
  unrecordedRefs(): Set<string> {
    const out = new Set<string>();
    for (const w of this.writers) for (const hex of w.pendingRefHexes()) out.add(hex);
    if (this.round) for (const [, id] of this.round.refs) out.add(formatChunkId(id));
    return out;
  }

  // ---- maintenance ----

  /** Reclaims space of chunks no backup needs (see gc.ts). */
  gc(now: number = Date.now()): GcReport {
    this.assertOpen();
    this.flush();
    // Seal the pack being appended to, so its garbage can be reclaimed too;
    // the next chunk starts a new pack.
    this.packs.close();
    this.flush(); // records that seal: GC only compacts sealed packs
    const report = runGc(this, now, { reclaimFailed: this.spacePressure });
    this.spacePressure = false;
    this.reserve.ensure();
    return report;
  }

  /** @internal For GC and recovery: gives up the space reserve so a catalog write can go through on a full disk. */
  releaseReserve(): boolean {
    return this.reserve.release();
  }

  /** Re-reads every chunk and checks every manifest reference (see verify.ts). */
  verify(scope: VerifyScope = {}): VerifyReport {
    this.assertOpen();
    this.flush();
    return runVerify(this, scope);
  }

  /** The same, a little at a time, letting other work (backups) run in between. */
  verifyAsync(scope: VerifyScope = {}): Promise<VerifyReport> {
    this.assertOpen();
    this.flush();
    return runVerifyAsync(this, scope);
  }

  /** Sizes and ratios for the whole store. */
  stats(): StoreStats {
    this.assertOpen();
    return computeStats(this);
  }

  /** @internal Name of the pack currently appended to (GC leaves it alone). */
  get openPackNames(): Set<string> {
    const rows = this.catalog.db.prepare(`SELECT name FROM packs WHERE state = 'open'`).pluck().all() as string[];
    return new Set(rows);
  }
}

/** fsync the parent of every directory from `first` (the topmost one mkdir created) down to `last`. */
function fsyncNewDirs(first: string, last: string): void {
  for (let d = last; ; d = path.dirname(d)) {
    fsyncDir(path.dirname(d));
    if (d === first || path.dirname(d) === d) return;
  }
}
