import * as fs from 'node:fs';
import * as path from 'node:path';
import { type StorageBackend } from './backend';
import { type StorageWait } from './s3-retry';
import { BackupWriter, type BeginBackupOptions, type WriterStore } from './backup-writer';
import { RunningRefs } from './backup-refs';
import { backupById, type BackupInfo, Catalog, catalogDamage, isComplete } from './catalog';
import { ChunkReader } from './chunk-reader';
import { DurabilityQueue } from './durability-queue';
import { FailedBackups } from './failed-backups';
import { type FileEntry, formatChunkId, ManifestDecoder, ManifestFormat, walkTree } from '@cpsbackup/format';
import { fsyncDir, mkdirDurably } from '@cpsbackup/durable';
import { manifestReferences, type ManifestSource } from './manifest-refs';
import { SpaceReserve } from './space-reserve';
import { type LowSpace, StoreSpace } from './store-space';
import { checkOwnership, makePrivate } from './private-modes';
import { isStoreError, StoreError } from './errors';
import { runGc, type GcReport, type GcStore } from './gc';
import { GcTurn } from './gc-turn';
import { LocalDirectoryBackend } from './local-backend';
import { PackPublisher } from './pack-publisher';
import { recoverStore, type RecoveryReport } from './recovery';
import { computeStats, type StoreStats } from './stats';
import { type StoreLock } from './store-lock';
import { checkCatalogMatchesStorage, lockStoreDirectory, StorageLease } from './storage-owner';
import { defaultRecordsKeyFile, type ResolvedStoreOptions, resolveStoreOptions, type StoreOptions } from './options';
import { BackupRecords, catalogBehindRecords, createRecordsKey, hasSignedRecords, readRecordsKey, type RecordProblem, type RecordsKey } from './backup-records';
import { runVerify, type VerifyReport, type VerifyScope, type VerifySource } from './verify';
import { type ClientKey, ClientKeyRecords } from './client-keys';
import { type ChunkLocation, type SealedKeyCount } from './catalog';

/** An available backup that cannot be served, or whose file list cannot be read (see Store.clientUsage). */
export interface BackupDamage {
  number: number;
  /** 'untrusted': its record does not vouch for its catalog row; 'damaged': its file list cannot be read. */
  status: 'untrusted' | 'damaged';
  /** What is wrong and what to do, for the node's user and the server's operator. */
  reason: string;
}

/** What a client holds (Store.clientUsage). */
export interface ClientUsage {
  /** Available backups, damaged ones included. */
  backups: number;
  storedBytes: number;
  /** Its available backups that cannot be restored now, oldest first. */
  damaged: BackupDamage[];
}

/** What a list says of a backup its record does not vouch for: why, and what the operator must do. */
function untrustedText(b: BackupInfo, why: string): string {
  return (
    `backup ${b.number} of ${b.client} cannot be restored until the server's operator repairs the catalog (${why}): ` +
    `the operator must run cpsbackupd --repair-catalog (docs/OPERATIONS.md, "Backup records")`
  );
}

/** Free bytes under which the store gives up its start reserve before opening the catalog. */
const OPEN_ROOM_BYTES = 4 * 1024 * 1024;

/**
 * The chunk store: packs of compressed chunks behind a SQLite catalog.
 * One process owns a store directory at a time (lock file). Writes (ingest,
 * the catalog) are synchronous on the owner's thread; reads of packs and
 * what touches the backend's objects are asynchronous (the backend may be
 * an object store). GC runs alone: while it runs no backup may write
 * (BackupWriter refuses), which is what keeps GC and ingest from racing;
 * the server starts it only when no backup runs, and holds new ones until
 * it ends.
 */
export class Store {
  readonly options: ResolvedStoreOptions;
  /** What open-time recovery found and repaired. */
  recovery: RecoveryReport = { interruptedBackups: [], removedPacks: [] };
  /** What the open found readable by others and made private ("path old -> new" modes, see makePrivate). */
  tightened: string[] = [];
  /** Chunks on their way from packs to the catalog (see durability-queue.ts). */
  private readonly queue: DurabilityQueue;
  private readonly writers = new Set<BackupWriter>();
  /** The running backups' references the catalog has not recorded yet (backup-refs.ts). */
  private readonly runningRefs = new RunningRefs();
  /** The backup records (backup-records.ts): signed, checked at open, never overwritten by a catalog row that disagrees. */
  private readonly records: BackupRecords;
  /** Records signed at this open because they were written before records were signed (the one-time adoption). */
  recordsAdopted = 0;
  private closed = false;
  /** GC runs alone (gc-turn.ts). */
  private readonly gcTurn: GcTurn;
  /** Sealed packs on their way to where the backend publishes them (pack-publisher.ts). */
  private readonly publisher: PackPublisher;
  /** Every client's key record (client-keys.ts): read at open, kept up to date by registerKey. */
  private readonly keys: ClientKeyRecords;
  /** The room kept on the disk, and whether the store is short of it (store-space.ts). */
  private readonly space: StoreSpace;
  /** Chunks read where the catalog puts them, each checked (chunk-reader.ts). */
  private readonly reader: ChunkReader;
  /** Failed backups, recorded now or when the catalog can (failed-backups.ts). */
  private readonly failures: FailedBackups;
  /** What every backup writer works with (backup-writer.ts). */
  private readonly writerStore: WriterStore;
  /** What reading the chunks a backup needs takes (manifest-refs.ts). */
  private readonly manifests: ManifestSource;

  private constructor(
    readonly dir: string,
    /**
     * The catalog (SQLite). The store's operations are handed it (each the
     * part it uses). Public only for this package's tests, which look into
     * it (where a chunk lies, a pack's state); code outside the store reads
     * through the store's methods (manifestIds, getBackup...).
     */
    readonly catalog: Catalog,
    /** Where the packs and records are. */
    private readonly backend: StorageBackend,
    private readonly lock: StoreLock,
    reserve: SpaceReserve,
    options: StoreOptions,
    /** The key that signs the records, and whether it was made at this open. */
    readonly recordsKey: RecordsKey,
    /** The storage's lease: checked before every acknowledgement and every deletion. */
    private readonly lease: StorageLease,
  ) {
    this.options = resolveStoreOptions(options);
    this.records = new BackupRecords(backend, catalog, recordsKey);
    this.space = new StoreSpace(dir, reserve);
    this.publisher = new PackPublisher(backend);
    this.gcTurn = new GcTurn(dir);
    this.keys = new ClientKeyRecords(backend, catalog);
    this.failures = new FailedBackups(catalog);
    this.queue = new DurabilityQueue(catalog, backend, this.options, this.runningRefs, this.space, this.publisher);
    this.reader = new ChunkReader(dir, catalog, backend, this.queue);
    this.manifests = { catalog, chunks: this.reader };
    this.writerStore = {
      zstdLevel: this.options.zstdLevel,
      publishesPacks: backend.publishesPacks,
      catalog,
      queue: this.queue,
      refs: this.runningRefs,
      chunks: this.reader,
      publisher: this.publisher,
      owner: lease,
      gc: this.gcTurn,
      keys: this.keys,
      records: this.records,
      failures: this.failures,
    };
  }

  /**
   * Opens (creating if needed) the store in `dir`, recovering from any
   * crash of the last owner. Packs and records live in `backend` (the
   * directory itself by default); the catalog always in `dir`.
   */
  static async open(dir: string, options: StoreOptions = {}, backend?: (dir: string) => StorageBackend): Promise<Store> {
    mkdirDurably(dir); // a new store's directories survive a power cut, as the files in them will
    checkOwnership(dir); // before anything is written in it: a store another user owns stays theirs whatever its modes
    const packs = backend ? backend(dir) : new LocalDirectoryBackend(dir);
    const lock = await lockStoreDirectory(dir, packs, 'start');
    let tightened: string[];
    try {
      tightened = makePrivate(dir); // ours alone from here on: nothing else writes in it while we hold the lock
    } catch (err) {
      lock.release();
      await packs.close().catch(() => undefined);
      throw err;
    }
    let store: Store | undefined;
    let lease: StorageLease | undefined;
    try {
      // SQLite needs a little room to open (its -wal and -shm files), and recovery, deletes and GC to write
      // the catalog: on a full disk the start's reserve gives it (the running one only if that is gone too).
      const reserve = new SpaceReserve(dir);
      if (reserve.freeBytes() < OPEN_ROOM_BYTES && !new SpaceReserve(dir, 'reserve-open').release()) reserve.release();
      const catalogFile = path.join(dir, 'catalog.db');
      // Before recovery, which deletes the packs a catalog does not know: this process must own the storage, and this catalog be the storage's.
      let lost: string | undefined;
      lease = await StorageLease.acquire(dir, packs, 'start', {
        durationMs: options.leaseMs,
        onLost: (message) => {
          lost = message;
          store?.ownershipLost(message);
        },
      });
      await checkCatalogMatchesStorage(dir, packs, !fs.existsSync(catalogFile));
      const { key, adopt } = await recordsKeyFor(dir, packs, options.recordsKey);
      // SQLite makes the file with 0644 less the umask, and its -wal and -shm with the file's mode: made private first.
      fs.closeSync(fs.openSync(catalogFile, 'a', 0o600));
      const catalog = new Catalog(catalogFile);
      fsyncDir(dir); // catalog.db and packs/, if they were just created
      const opened = new Store(dir, catalog, packs, lock, reserve, options, key, lease);
      lease.makeRoom = () => opened.space.noteOutOfSpace();
      store = opened;
      store.tightened = tightened;
      if (lost) store.ownershipLost(lost);
      // Recovery deletes what the catalog does not know: never with a catalog the signed records prove stale.
      const behind = await catalogBehindRecords(packs, key, catalog);
      if (behind) {
        throw new StoreError(
          'CATALOG_BEHIND',
          `the store ${dir} was not opened and nothing was deleted: ${behind}. The packs this catalog does not know hold those backups. ` +
            `Run cpsbackupd -c <server.conf> rebuild-catalog: it keeps this catalog aside and rebuilds one from the packs and records (docs/OPERATIONS.md, "Backup records")`,
          { dir },
        );
      }
      store.recovery = await recoverStore(catalog, packs, () => opened.space.releaseReserve(), lease);
      await store.reconcileRecords(adopt);
      await store.keys.load();
      store.checkSpace();
      return store;
    } catch (err) {
      if (store) store.catalog.close();
      await lease?.close(true).catch(() => undefined);
      await packs.close().catch(() => undefined);
      lock.release();
      throw catalogDamage(err, dir) ?? err;
    }
  }

  /** The last message saying this server lost the storage's lease (undefined: it holds it). */
  ownershipProblem: string | undefined;
  private ownershipHandler: ((message: string) => void) | undefined;

  /** Called (once per event) when the storage's lease is lost or lapses: the server logs it. */
  onOwnershipLost(handler: (message: string) => void): void {
    this.ownershipHandler = handler;
    if (this.ownershipProblem) handler(this.ownershipProblem);
  }

  private ownershipLost(message: string): void {
    this.ownershipProblem = message;
    this.ownershipHandler?.(message);
  }

  /** Finishes pending writes and releases the directory. Active backups are aborted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
    this.space.close();
    try {
      for (const w of [...this.writers]) w.abort('the store was closed before the backup was committed');
      this.flush();
      this.queue.closePack(); // seals the pack in progress; rolled and GC packs were sealed when closed
      this.flush(); // records that seal
      await this.publisher.publishAll().catch(() => undefined); // what is not published now is published at the next open
      await this.lease.close(true); // released: this directory's next start need not wait for it to expire
      await this.backend.close();
    } finally {
      this.catalog.close();
      this.space.keepOpenReserve();
      this.lock.release();
    }
  }

  /**
   * Whether the store is short of space (see LowSpace): makes its reserves
   * again where there is room for them (the start's first), and says when
   * that changes (onSpaceChange). Cheap when they are in place.
   */
  checkSpace(): LowSpace | undefined {
    return this.space.check();
  }

  /** The store is short of space (LowSpace), or undefined; as last found (checkSpace looks again). */
  get lowSpace(): LowSpace | undefined {
    return this.space.lowSpace;
  }

  /** Told when the store becomes short of space (a LowSpace) or has room again (undefined). */
  get onSpaceChange(): ((low: LowSpace | undefined) => void) | undefined {
    return this.space.onChange;
  }

  set onSpaceChange(told: ((low: LowSpace | undefined) => void) | undefined) {
    this.space.onChange = told;
  }

  /** Whether the store waits on its storage now (a remote one retrying a request, or holding it unanswered); undefined: it does not. */
  storageWait(): StorageWait | undefined {
    return this.backend.storageWait?.();
  }

  /** Where the packs live, for messages (a directory, or a bucket and prefix; never credentials). */
  get packsLocation(): string {
    return this.backend.location;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', `store ${this.dir} is closed`);
  }

  /** Whether GC runs now. */
  get gcRunning(): boolean {
    return this.gcTurn.running;
  }

  /** Settles once no GC runs (at once if none does). */
  gcDone(): Promise<void> {
    return this.gcTurn.done();
  }

  // ---- backups ----

  /** Starts a backup for `client` (registered on first use) in state `creating`. */
  beginBackup(opts: BeginBackupOptions): BackupWriter {
    this.assertOpen();
    this.gcTurn.assertNotRunning();
    this.space.assertRoom(); // before any row: a refused backup leaves nothing behind
    this.failures.record();
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
      this.assertTrusted(parent);
    }
    if (opts.keyId) this.assertBackupKey(opts.client, client.dedupGroup, opts.keyId); // before the row: a refused backup leaves none behind
    const id = this.catalog.createBackup(client.id, opts.parentId ?? null, opts.name ?? null, opts.description ?? null);
    const info = this.catalog.backup(id)!;
    const writer = new BackupWriter(this.writerStore, info, client.dedupGroup, (w) => this.writers.delete(w), opts.keyId);
    this.writers.add(writer);
    return writer;
  }

  /**
   * Refuses an encrypted backup of `client` whose key is not its
   * registered one, or not the one its dedup group's backups are bound to
   * (see client-keys.ts). Read from the backups and the key records, so it
   * holds across a rebuilt catalog and lifts once the last backup bound to
   * another key is gone. `registered`: the client's key as if registered
   * (a registration checks the key it registers).
   */
  assertBackupKey(client: string, group: string, keyId: Buffer, registered = this.keys.get(client)?.keyId): void {
    this.keys.assertBackupKey(client, group, keyId, registered);
  }

  /** The key id an encrypted backup was made with (undefined: a plain one). */
  sealedKeyOf(b: BackupInfo): Buffer | undefined {
    return b.manifestFormat === ManifestFormat.Sealed ? this.catalog.manifestIds(b.id)[0] : undefined; // a sealed manifest starts with its key id
  }

  /** A client's available encrypted backups, per key they were made with (oldest key first). */
  sealedBackupKeys(client: string): SealedKeyCount[] {
    this.assertOpen();
    return this.catalog.sealedBackupKeys({ client });
  }

  /** What the store keeps of a client's key (undefined: nothing). */
  clientKey(client: string): ClientKey | undefined {
    return this.keys.get(client);
  }

  /**
   * Registers `keyId` as the client's key, with its master key wrapped by
   * the passphrase (undefined: no copy). The record is written whole and
   * durably, replacing the one before; it counts once written.
   */
  async registerKey(client: string, keyId: Buffer, wrapped: Buffer | undefined): Promise<void> {
    this.assertOpen();
    await this.keys.register(client, keyId, wrapped);
  }

  /** Every backup of a client, oldest first (all clients when omitted). */
  listBackups(client?: string): BackupInfo[] {
    this.failures.record();
    const all = client === undefined ? this.catalog.allBackups() : this.catalog.backupsOfClient(client);
    return all.map((b) => this.failures.shown(b));
  }

  /** A backup by its global id. */
  getBackup(id: number): BackupInfo {
    return backupById(this.catalog, id);
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
   *
   * One damaged backup never fails the answer: a backup its record does not
   * vouch for is not read (its row's file list may be anyone's), and one
   * whose file list cannot be read counts what was read of it; both are in
   * `damaged`, with what to do. Only a damaged catalog or a closed store fails it.
   */
  async clientUsage(client: string): Promise<ClientUsage> {
    const fromTrees = new Set<string>();
    const seenListings = new Set<string>();
    const damaged: BackupDamage[] = [];
    for (const b of this.listBackups(client)) {
      if (b.status !== 'available') continue;
      const why = this.untrustedReason(b);
      if (why !== undefined) {
        damaged.push({ number: b.number, status: 'untrusted', reason: untrustedText(b, why) });
        continue;
      }
      if (b.manifestFormat === ManifestFormat.Flat) continue; // the reference table holds what it names
      try {
        for await (const id of manifestReferences(this.manifests, b, seenListings)) fromTrees.add(formatChunkId(id));
      } catch (err) {
        if (isStoreError(err, 'STORE_CLOSED')) throw err;
        const catalog = catalogDamage(err, this.dir);
        if (catalog) throw catalog;
        const what = (err as Error).message;
        if (!isStoreError(err, 'STORE_REMOTE')) this.unreadableFileLists.set(b.id, what);
        damaged.push({
          number: b.number,
          status: 'damaged',
          // An object store that did not answer says nothing of the backup itself: no repair for that.
          reason: isStoreError(err, 'STORE_REMOTE')
            ? `backup ${b.number} of ${b.client} cannot be read now: its file list could not be fetched (${what}): try again once the storage answers`
            : `backup ${b.number} of ${b.client} is damaged: its file list cannot be read (${what}): restore another backup; ` +
              `the server's operator must run cpsbackupd verify, then cpsbackupd --repair-catalog (docs/OPERATIONS.md, "A damaged catalog")`,
        });
      }
    }
    return { ...this.catalog.clientUsage(client, fromTrees), damaged };
  }

  /** Backups whose file list was found not to read whole (since this open), with why: no parent for a new backup. */
  private readonly unreadableFileLists = new Map<number, string>();

  /** Remembers that a backup's file list does not read whole (a chunk of it damaged or missing). */
  noteUnreadableFileList(id: number, why: string): void {
    this.unreadableFileLists.set(id, why);
  }

  /** Why a backup's file list is known not to read whole (undefined: not known to be damaged). */
  unreadableFileList(id: number): string | undefined {
    return this.unreadableFileLists.get(id);
  }

  /** Sets a backup's name and description. */
  async setBackupLabel(id: number, name: string | null, description: string | null): Promise<void> {
    this.getBackup(id);
    this.catalog.setLabel(id, name, description);
    try {
      await this.records.relabelled(id);
    } catch {
      this.records.stale = true; // a label is all that differs: the record follows the catalog at the next GC or open
    }
  }

  /** What the last start corrected in the catalog (a client's next number raised, a delete finished), one line each: to log. */
  get recordCorrections(): readonly string[] {
    return this.records.corrections;
  }

  /**
   * Why a backup must not be served (undefined: nothing against it): its
   * catalog row disagrees with its signed record, its record fails its
   * check, or it has none where one is expected (backup-records.ts).
   */
  untrustedReason(b: BackupInfo): string | undefined {
    return b.status === 'available' ? this.records.untrustedReason(b.client, b.number) : undefined;
  }

  /** Refuses a backup the records do not vouch for: restore, show, verify and a parent wait for --repair-catalog. */
  assertTrusted(b: BackupInfo): void {
    const why = this.untrustedReason(b);
    if (why === undefined) return;
    throw new StoreError(
      'BACKUP_UNTRUSTED',
      `backup ${b.number} of ${b.client} cannot be trusted until the server's operator repairs the catalog (${why}): ` +
        `the operator must run cpsbackupd --repair-catalog (docs/OPERATIONS.md, "Backup records")`,
      { backupId: b.id, client: b.client, number: b.number },
    );
  }

  /**
   * What is wrong with the backup records now (a record that fails its
   * check, a deleted backup's record put back, a record and a catalog row
   * that disagree): each says what to do. Verify and the status port report them.
   */
  recordProblems(client?: string): RecordProblem[] {
    return this.records.problemsOf(client);
  }

  /** Checks every record and writes those the catalog proves missing (at open, and at GC after a failed write). */
  private async reconcileRecords(adopt = false): Promise<void> {
    try {
      await this.lease.confirm('bringing the backup records in line with the catalog'); // it may rewrite and set records aside: read back first
      const r = await this.records.reconcile(adopt);
      this.recordsAdopted += r.signed;
      this.records.stale = false;
    } catch {
      this.records.stale = true;
    }
  }

  /**
   * Deletes a backup and its references in one transaction: it lists as
   * `deleting` until GC has reclaimed the chunks no one else references,
   * then its row goes. Other backups never depend on it (every backup is
   * complete), so nothing else changes. A backup its signed record does not
   * vouch for is refused, whoever asks (a node, retention, a key change):
   * deleting it would remove the record, which may be its only sound copy.
   */
  async deleteBackup(id: number): Promise<void> {
    this.assertOpen();
    const b = this.getBackup(id);
    this.assertTrusted(b);
    for (const w of this.writers) {
      if (w.backupId === id) throw new StoreError('BACKUP_RUNNING', `backup ${b.number} of ${b.client} is still being written`);
    }
    await this.lease.confirm(`deleting backup ${b.number} of ${b.client}`);
    await this.records.deleting(b.client, b.number); // first: a catalog rebuilt from storage must not bring it back
    try {
      this.catalog.deleteBackup(id);
    } catch (err) {
      this.records.stale = true; // still in the catalog: its record comes back at the next GC
      throw err;
    }
  }

  /**
   * The ids an available backup's manifest starts from, as the catalog
   * holds them: a tree's root listing's, a flat manifest's chunks, an
   * encrypted backup's key id and then its root records. What a read of a
   * backup (restore, show, a parent's list) starts from; a backup not
   * available, or one its record does not vouch for, is refused here too.
   */
  manifestIds(backupId: number): Buffer[] {
    this.availableBackup(backupId);
    return this.catalog.manifestIds(backupId);
  }

  /**
   * Every entry of an available backup's manifest, in walk order (a
   * directory before what it holds): the server reads a flat manifest
   * (backups made before trees) whole to know the chunks it names.
   */
  async *walkManifest(backupId: number): AsyncGenerator<FileEntry> {
    const b = this.readableBackup(backupId);
    const ids = this.catalog.manifestIds(backupId);
    if (b.manifestFormat === ManifestFormat.Tree) {
      yield* walkTree(ids, (id) => this.readChunk(id));
      return;
    }
    const decoder = new ManifestDecoder();
    for (const id of ids) yield* decoder.push(await this.readChunk(id));
    decoder.end();
  }

  /** Every chunk an available backup needs (its manifest's chunks and all they name), read from the manifest itself; ids may repeat. */
  async *chunksOf(backupId: number): AsyncGenerator<Buffer> {
    yield* manifestReferences(this.manifests, this.availableBackup(backupId));
  }

  /** An available backup whose file list the server can read (not an encrypted node's). */
  private readableBackup(backupId: number): BackupInfo {
    const b = this.availableBackup(backupId);
    if (b.manifestFormat === ManifestFormat.Sealed) {
      throw new StoreError('BACKUP_ENCRYPTED', `backup ${b.number} of ${b.client} is encrypted: only its node can read its file list`, { backupId });
    }
    return b;
  }

  private availableBackup(backupId: number): BackupInfo {
    const b = this.getBackup(backupId);
    if (b.status !== 'available') {
      throw new StoreError('BACKUP_STATE', `backup ${b.number} of ${b.client} is ${b.status}, not available`, { backupId });
    }
    this.assertTrusted(b);
    return b;
  }

  // ---- chunks ----

  /** Reads a chunk's plaintext and checks it still hashes to its id. */
  readChunk(id: Buffer): Promise<Buffer> {
    return this.reader.readChunk(id);
  }

  /**
   * A chunk as stored (codec, plaintext length, encoded payload), without
   * decoding: a restore sends it as is and the receiver verifies the hash.
   */
  readEncodedChunk(id: Buffer, at?: ChunkLocation): Promise<{ codec: number; rawLength: number; payload: Buffer }> {
    return this.reader.readEncodedChunk(id, at);
  }

  /**
   * Where each of `ids` is stored (undefined: not stored), looked up in one
   * read transaction, to give each to readEncodedChunk: a restore asks for
   * hundreds of chunks in one message.
   */
  locateChunks(ids: readonly Buffer[]): Array<ChunkLocation | undefined> {
    return this.reader.locate(ids);
  }

  /**
   * For each id, whether `group` may reference it (it uploaded it, and it
   * is still stored, or on its way).
   */
  groupHasChunks(group: string, ids: readonly Buffer[]): boolean[] {
    return this.queue.groupHasChunks(group, ids);
  }

  /** Makes every chunk written so far durable and recorded, with the running backups' references. */
  flush(): void {
    this.queue.flush();
  }

  // ---- maintenance ----

  /**
   * Reclaims space of chunks no backup needs (see gc.ts). It runs alone:
   * backups may not write until it ends (a writer's calls fail with
   * STORE_BUSY meanwhile; the server holds them back, see gcDone).
   */
  async gc(now: number = Date.now()): Promise<GcReport> {
    this.assertOpen();
    return this.gcTurn.run(async () => {
      this.flush();
      // Seal the pack being appended to, so its garbage can be reclaimed too;
      // the next chunk starts a new pack.
      this.queue.closePack();
      this.flush(); // records that seal: GC only compacts sealed packs
      await this.publisher.publishAll(); // GC rewrites published packs only
      this.failures.record(); // under space pressure, the chunks of backups that just failed go too
      const report = await runGc(this.gcStore(), now, { reclaimFailed: this.space.pressure });
      this.space.pressure = false;
      if (this.records.stale) await this.reconcileRecords();
      this.checkSpace();
      return report;
    });
  }

  /** What GC works with (gc.ts). */
  private gcStore(): GcStore {
    return {
      dir: this.dir,
      options: this.options,
      catalog: this.catalog,
      backend: this.backend,
      chunks: this.reader,
      owner: this.lease,
      publisher: this.publisher,
      space: this.space,
      records: this.records,
      queue: this.queue,
    };
  }

  /**
   * A write met a full disk (the store's own, or something else filled it):
   * the running reserve is given up so the catalog, the lease and the
   * deletes that free room can still write, and the store says it is short
   * of space (low-space mode: log, status) until there is room again.
   * True if a reserve was given up.
   */
  noteOutOfSpace(): boolean {
    return this.space.noteOutOfSpace();
  }

  /**
   * Re-reads every chunk and checks every manifest reference (see verify.ts), a little at a time, letting other work
   * (backups) run in between; `signal` stops it (rejecting with its reason), in a read too.
   */
  verify(scope: VerifyScope = {}, signal?: AbortSignal): Promise<VerifyReport> {
    this.assertOpen();
    this.flush();
    this.failures.record();
    const src: VerifySource = { dir: this.dir, catalog: this.catalog, chunks: this.reader, records: this.records };
    return runVerify(src, scope, signal);
  }

  /** Sizes and ratios for the whole store. */
  stats(): Promise<StoreStats> {
    this.assertOpen();
    return computeStats({ catalog: this.catalog, backend: this.backend, records: this.records });
  }
}

/**
 * The records key for a store: read from its file, or made there on the
 * first open of a store whose records are not signed yet (`adopt`: they are
 * signed at this open where they agree with the catalog). A store whose
 * records are signed and whose key is missing is refused: a new key would
 * make every record untrusted.
 */
async function recordsKeyFor(dir: string, backend: StorageBackend, file = defaultRecordsKeyFile(dir)): Promise<{ key: RecordsKey; adopt: boolean }> {
  const key = readRecordsKey(file);
  if (key) return { key, adopt: false };
  if (await hasSignedRecords(backend)) {
    throw new StoreError(
      'RECORDS_KEY_MISSING',
      `the backup records in ${backend.objectsLocation} are signed, but the key that signs them is not at ${file}: restore ${file} from the backup of the server's configuration ` +
        `(docs/OPERATIONS.md, "Backup records")`,
      { file },
    );
  }
  return { key: createRecordsKey(file), adopt: true };
}
