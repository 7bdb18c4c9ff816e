import * as fs from 'node:fs';
import * as path from 'node:path';
import { type StorageBackend } from './backend';
import { BackupWriter, type BeginBackupOptions } from './backup-writer';
import { type BackupInfo, Catalog, catalogDamage, type ChunkLocation, isComplete } from './catalog';
import { DurabilityQueue } from './durability-queue';
import { type FileEntry, formatChunkId, isUnder, prefixSelection, ManifestDecoder, ManifestFormat, walkTree, walkTreeRecords } from '@cpsbackup/format';
import { fsyncDir, mkdirDurably } from '@cpsbackup/durable';
import { manifestReferences } from './manifest-refs';
import { SpaceReserve } from './space-reserve';
import { checkOwnership, makePrivate } from './private-modes';
import { isStoreError, StoreError } from './errors';
import { runGc, type GcReport } from './gc';
import { LocalDirectoryBackend } from './local-backend';
import { checkedContent, decodeRecordHeader, RECORD_HEADER_BYTES, type RecordHeader } from './pack-format';
import { recoverStore, type RecoveryReport } from './recovery';
import { computeStats, type StoreStats } from './stats';
import { type StoreLock } from './store-lock';
import { checkCatalogMatchesStorage, lockStoreDirectory, StorageLease } from './storage-owner';
import { defaultRecordsKeyFile, type ResolvedStoreOptions, resolveStoreOptions, type StoreOptions } from './options';
import {
  BackupRecords,
  catalogBehindRecords,
  createRecordsKey,
  hasSignedRecords,
  readRecordsKey,
  type RecordProblem,
  type RecordsKey,
  wrappedKeyObject,
} from './backup-records';
import { runVerify, type VerifyReport, type VerifyScope } from './verify';
import { checkBackupKey, type ClientKey, encodeClientKey, loadClientKeys } from './client-keys';
import { type SealedKeyCount } from './catalog';

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
 * The store is short of space: its running space reserve is spent (a write
 * failed for lack of space, or the store opened on a full disk) and there
 * is not room to make it again. It then lists, restores, deletes and
 * collects garbage, but takes no new backup (beginBackup: STORE_FULL).
 */
export interface LowSpace {
  /** Since when (ms since the epoch). */
  since: number;
  /** Free bytes on the store directory's filesystem when last looked. */
  freeBytes: number;
  /** Free bytes the store needs to take backups again (its reserve, and as much again). */
  neededBytes: number;
  /** The store directory (whose disk is full). */
  dir: string;
}

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
  /** Set when a write failed for lack of space: the next GC reclaims failed backups' chunks at once. */
  private spacePressure = false;
  /** Set when a backup record could not be written: the records are reconciled with the catalog at the next GC. */
  private recordsStale = false;
  /** The backup records (backup-records.ts): signed, checked at open, never overwritten by a catalog row that disagrees. */
  private readonly records: BackupRecords;
  /** Records signed at this open because they were written before records were signed (the one-time adoption). */
  recordsAdopted = 0;
  private closed = false;
  /** Set while GC runs (see gc()). */
  private gcInProgress: Promise<unknown> | undefined;
  /** Sealed packs being published (uploaded), and those whose publishing failed (tried again before the next commit). */
  private readonly publishing = new Map<string, Promise<void>>();
  private readonly unpublished = new Set<string>();
  /** Packs discarded while their publishing may still run: its failure is no failure. */
  private readonly discarded = new Set<string>();
  /** Every client's key record (client-keys.ts) by object name: read at open, kept up to date by registerKey. */
  private clientKeys = new Map<string, ClientKey>();
  /** Set while the store is short of space (see LowSpace). */
  private low: LowSpace | undefined;
  /** Told when the store becomes short of space (a LowSpace) or has room again (undefined). */
  onSpaceChange: ((low: LowSpace | undefined) => void) | undefined;
  /** The start's reserve (see space-reserve.ts): given up only by an open on a full disk. */
  private readonly openReserve: SpaceReserve;

  private constructor(
    readonly dir: string,
    /** @internal */ readonly catalog: Catalog,
    /** @internal */ readonly backend: StorageBackend,
    private readonly lock: StoreLock,
    private readonly reserve: SpaceReserve,
    options: StoreOptions,
    /** The key that signs the records, and whether it was made at this open. */
    readonly recordsKey: RecordsKey,
    /** The storage's lease: checked before every acknowledgement and every deletion. */
    private readonly lease: StorageLease,
  ) {
    this.options = resolveStoreOptions(options);
    this.records = new BackupRecords(backend, catalog, recordsKey);
    this.openReserve = new SpaceReserve(dir, 'reserve-open');
    const writers = this.writers;
    this.queue = new DurabilityQueue(
      catalog,
      backend,
      this.options,
      {
        pendingRefs: () => [...writers].flatMap((w) => w.peekPendingRefs().map((id): [number, Buffer] => [w.backupId, id])),
        clearPendingRefs: () => writers.forEach((w) => w.clearPendingRefs()),
        poisonAll: (why: string, code: string | undefined) => writers.forEach((w) => w.poison(why, code)),
      },
      () => void this.noteOutOfSpace(),
      { sealed: (name) => this.publishPack(name), discarded: (name) => this.forgetPack(name) },
    );
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
      lease.makeRoom = () => opened.noteOutOfSpace();
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
      store.recovery = await recoverStore(catalog, packs, () => opened.releaseReserve(), lease);
      await store.reconcileRecords(adopt);
      store.clientKeys = await loadClientKeys(packs);
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

  /** @internal Before anything that acknowledges a backup or deletes from the storage (see storage-owner.ts). */
  assertOwner(what: string): void {
    this.lease.assertHeld(what);
  }

  /** @internal assertOwner, after reading the lease from the storage again (before a batch of deletions). */
  confirmOwner(what: string): Promise<void> {
    return this.lease.confirm(what);
  }

  /** Finishes pending writes and releases the directory. Active backups are aborted. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const w of [...this.writers]) w.abort('the store was closed before the backup was committed');
      this.flush();
      this.queue.closePack(); // seals the pack in progress; rolled and GC packs were sealed when closed
      this.flush(); // records that seal
      await this.publishAll().catch(() => undefined); // what is not published now is published at the next open
      await this.lease.close(true); // released: this directory's next start need not wait for it to expire
      await this.backend.close();
    } finally {
      this.catalog.close();
      // The next start on a full disk needs its reserve: take back what closing the catalog freed (its -wal).
      this.openReserve.ensure(1);
      this.lock.release();
    }
  }

  /**
   * Whether the store is short of space (see LowSpace): makes its reserves
   * again where there is room for them (the start's first), and says when
   * that changes (onSpaceChange). Cheap when they are in place.
   */
  checkSpace(): LowSpace | undefined {
    if (this.closed) return this.low;
    this.openReserve.ensure();
    const was = this.low;
    if (this.reserve.ensure()) this.low = undefined;
    else {
      const freeBytes = this.reserve.freeBytes();
      this.low = { since: was?.since ?? Date.now(), freeBytes, neededBytes: 2 * this.reserve.size(), dir: this.dir };
    }
    if ((was === undefined) !== (this.low === undefined)) this.onSpaceChange?.(this.low);
    return this.low;
  }

  /** The store is short of space (LowSpace), or undefined; as last found (checkSpace looks again). */
  get lowSpace(): LowSpace | undefined {
    return this.low;
  }

  /** Refuses a new backup while the store is short of space, saying what is wrong and what to do. */
  private assertRoom(): void {
    const low = this.checkSpace();
    if (!low) return;
    throw new StoreError(
      'STORE_FULL',
      `the storage is full (${low.freeBytes} bytes free in ${low.dir}, ${low.neededBytes} needed): ` +
        'the server takes no new backup until space is freed; it still lists, restores and deletes backups. ' +
        "Delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on the server's disk; " +
        'backups resume by themselves once there is room',
      { dir: low.dir, freeBytes: low.freeBytes, neededBytes: low.neededBytes },
    );
  }

  /** Where the packs live, for messages (a directory, or a bucket and prefix; never credentials). */
  get packsLocation(): string {
    return this.backend.location;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', `store ${this.dir} is closed`);
  }

  /** @internal Refuses a write while GC runs (the server never lets one happen: it holds backups until GC ends). */
  assertNoGc(): void {
    if (this.gcInProgress) throw new StoreError('STORE_BUSY', `garbage collection is running on ${this.dir}; try again when it ends`);
  }

  /** Whether GC runs now. */
  get gcRunning(): boolean {
    return this.gcInProgress !== undefined;
  }

  /** Settles once no GC runs (at once if none does). */
  async gcDone(): Promise<void> {
    while (this.gcInProgress) await this.gcInProgress.catch(() => undefined);
  }

  // ---- publishing packs ----

  /** @internal A pack was sealed (its bytes synced): the backend publishes it (uploads it) from now on. */
  publishPack(name: string): void {
    this.unpublished.delete(name);
    const p = this.backend.publishPack(name).then(
      () => {
        this.publishing.delete(name);
      },
      (err: unknown) => {
        this.publishing.delete(name);
        if (this.discarded.delete(name)) return;
        this.unpublished.add(name);
        throw err;
      },
    );
    p.catch(() => undefined); // reported by whoever waits for it (publishAll)
    this.publishing.set(name, p);
  }

  /** A pack given up before anything named its chunks (discarded): nothing to publish. */
  private forgetPack(name: string): void {
    this.unpublished.delete(name);
    if (this.publishing.has(name)) this.discarded.add(name);
  }

  /**
   * Settles once every sealed pack is published: those in flight, and those
   * whose publishing failed before (tried again now). Rejects with the
   * first failure, naming the pack.
   */
  async publishAll(): Promise<void> {
    for (const name of [...this.unpublished]) this.publishPack(name);
    const results = await Promise.allSettled([...this.publishing.values()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new StoreError('STORE_REMOTE', `storage did not take a pack (${(failed.reason as Error).message})`);
  }

  /**
   * @internal Before a commit names chunks to a client: every chunk
   * written so far recorded and durable, and, where packs are published
   * (an object store), the pack in progress sealed and every pack published.
   */
  async makeDurable(): Promise<void> {
    this.flush();
    if (this.backend.publishesPacks) {
      this.queue.closePack();
      this.flush();
    }
    try {
      await this.publishAll();
    } catch (err) {
      throw new StoreError('STORE_REMOTE', `${(err as Error).message}; nothing was committed, try again`);
    }
    // The commit follows at once: a server that no longer owns the storage must not tell a client its backup is kept.
    this.assertOwner('committing a backup');
  }

  // ---- backups ----

  /** Starts a backup for `client` (registered on first use) in state `creating`. */
  beginBackup(opts: BeginBackupOptions): BackupWriter {
    this.assertOpen();
    this.assertNoGc();
    this.assertRoom(); // before any row: a refused backup leaves nothing behind
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
      this.assertTrusted(parent);
    }
    if (opts.keyId) this.assertBackupKey(opts.client, client.dedupGroup, opts.keyId); // before the row: a refused backup leaves none behind
    const id = this.catalog.createBackup(client.id, opts.parentId ?? null, opts.name ?? null, opts.description ?? null);
    const info = this.catalog.backup(id)!;
    const writer = new BackupWriter(this, info, client.dedupGroup, (w) => this.writers.delete(w), opts.keyId);
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
  assertBackupKey(client: string, group: string, keyId: Buffer, registered = this.clientKey(client)?.keyId): void {
    checkBackupKey(client, group, keyId, this.catalog.sealedBackupKeys({ group }), (c) => (c === client ? registered : this.clientKey(c)?.keyId));
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
    return this.clientKeys.get(wrappedKeyObject(client));
  }

  /**
   * Registers `keyId` as the client's key, with its master key wrapped by
   * the passphrase (undefined: no copy). The record is written whole and
   * durably, replacing the one before; it counts once written.
   */
  async registerKey(client: string, keyId: Buffer, wrapped: Buffer | undefined): Promise<void> {
    this.assertOpen();
    const key = wrapped ? { keyId, wrapped } : { keyId };
    await this.backend.writeObject(wrappedKeyObject(client), encodeClientKey(key));
    this.clientKeys.set(wrappedKeyObject(client), key);
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
        this.catalog.failBackup(id, reason);
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
        for await (const id of manifestReferences(this, b, seenListings)) fromTrees.add(formatChunkId(id));
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
      this.recordsStale = true; // a label is all that differs: the record follows the catalog at the next GC or open
    }
  }

  /** @internal After a commit: the backup's client record lists it, then its own record is written (backup-records.ts). */
  async recordBackup(id: number): Promise<void> {
    try {
      await this.records.committed(id);
    } catch {
      this.recordsStale = true; // the catalog has it; the record follows at the next GC or open
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
    return this.records.problems.filter((p) => client === undefined || p.client === client);
  }

  /** Checks every record and writes those the catalog proves missing (at open, and at GC after a failed write). */
  private async reconcileRecords(adopt = false): Promise<void> {
    try {
      this.assertOwner('bringing the backup records in line with the catalog'); // it may rewrite and set records aside
      const r = await this.records.reconcile(adopt);
      this.recordsAdopted += r.signed;
      this.recordsStale = false;
    } catch {
      this.recordsStale = true;
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
    await this.confirmOwner(`deleting backup ${b.number} of ${b.client}`);
    await this.records.deleting(b.client, b.number); // first: a catalog rebuilt from storage must not bring it back
    try {
      this.catalog.deleteBackup(id);
    } catch (err) {
      this.recordsStale = true; // still in the catalog: its record comes back at the next GC
      throw err;
    }
  }

  /**
   * The entries of a backup's manifest in walk order (a directory before
   * what it holds). With `under`, only those paths and what lies below
   * them: a tree manifest then reads only the listings on their way.
   */
  async *readManifest(backupId: number, under: readonly Buffer[] = []): AsyncGenerator<FileEntry> {
    const { selected } = prefixSelection(under);
    for await (const e of this.walkManifest(backupId, under)) if (selected(e.path)) yield e;
  }

  /**
   * The entries of an available backup's manifest the walk reaches, in
   * walk order: with `under`, those at or below it and the directories on
   * the way to them (only the listings on the way are read), with
   * `onlyTheWay` nothing below them; a flat manifest's, all of them.
   */
  async *walkManifest(backupId: number, under: readonly Buffer[] = [], opts: { onlyTheWay?: boolean } = {}): AsyncGenerator<FileEntry> {
    const b = this.readableBackup(backupId);
    const ids = this.catalog.manifestIds(backupId);
    // onlyTheWay: the directories on the way to `under` and the entries at it, nothing below.
    const descend = opts.onlyTheWay ? (dir: Buffer) => under.some((p) => p.length > dir.length && isUnder(p, dir)) : prefixSelection(under).descend;
    if (b.manifestFormat === ManifestFormat.Tree) {
      // A directory is read when a selected path lies below it, or it lies below one.
      yield* walkTree(ids, (id) => this.readChunk(id), descend);
      return;
    }
    const decoder = new ManifestDecoder();
    for (const id of ids) yield* decoder.push(await this.readChunk(id));
    decoder.end();
  }

  /**
   * An available backup's manifest as a flat stream (MANIFEST_MAGIC, then
   * entry records in walk order), piece by piece: what an agent spools to
   * find the files that did not change. A flat manifest is sent as
   * stored; a tree is walked, its files' records copied as stored
   * (walkTreeRecords).
   */
  async *readManifestStream(backupId: number): AsyncGenerator<Buffer> {
    const b = this.readableBackup(backupId);
    const ids = this.catalog.manifestIds(backupId);
    if (b.manifestFormat === ManifestFormat.Tree) {
      yield* walkTreeRecords(ids, (id) => this.readChunk(id));
      return;
    }
    for (const id of ids) yield await this.readChunk(id);
  }

  /** Every chunk an available backup needs (its manifest's chunks and all they name), read from the manifest itself; ids may repeat. */
  async *chunksOf(backupId: number): AsyncGenerator<Buffer> {
    yield* manifestReferences(this, this.availableBackup(backupId));
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

  /** The content of a file entry, chunk by chunk (each verified against its id). */
  async *readContent(entry: FileEntry): AsyncGenerator<Buffer> {
    for (const id of entry.chunks) yield await this.readChunk(id);
  }

  // ---- chunks ----

  /** Reads a chunk's plaintext and checks it still hashes to its id. */
  readChunk(id: Buffer): Promise<Buffer> {
    return this.readAt(id, (loc) => this.readLocated(loc));
  }

  /**
   * A chunk as stored (codec, plaintext length, encoded payload), without
   * decoding: a restore sends it as is and the receiver verifies the hash.
   */
  readEncodedChunk(id: Buffer): Promise<{ codec: number; rawLength: number; payload: Buffer }> {
    return this.readAt(id, async (loc) => {
      const { header, payload } = await this.readRecord(loc);
      return { codec: header.codec, rawLength: header.rawLength, payload };
    });
  }

  /**
   * Reads a chunk where the catalog puts it. A read takes time (the pack
   * may be remote), and GC may move the chunk meanwhile: a read that fails
   * is tried again where the catalog puts the chunk now, if that changed.
   */
  private async readAt<T>(id: Buffer, read: (loc: ChunkLocation) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.queue.isPending(formatChunkId(id))) this.flush();
    let loc = this.catalog.chunk(id);
    for (let attempt = 1; ; attempt++) {
      if (!loc) throw new StoreError('CHUNK_MISSING', `chunk ${formatChunkId(id)} is not in the store`, { chunk: formatChunkId(id) });
      try {
        return await read(loc);
      } catch (err) {
        const now = this.catalog.chunk(id);
        if (attempt >= 3 || (now && now.pack === loc.pack && now.offset === loc.offset)) throw err;
        loc = now;
      }
    }
  }

  /** @internal Reads and checks the chunk at a catalog location. */
  async readLocated(loc: ChunkLocation): Promise<Buffer> {
    return this.checkRecord(loc, await this.readRecord(loc));
  }

  /** @internal A record's plaintext, checked against the chunk id the catalog gives it. */
  checkRecord(loc: ChunkLocation, { header, payload }: { header: RecordHeader; payload: Buffer }): Buffer {
    const plain = checkedContent(loc.id, header.codec, payload, header.rawLength);
    if (!plain) {
      throw new StoreError('CHUNK_CORRUPT', `chunk ${formatChunkId(loc.id)} in pack ${loc.pack} at ${loc.offset} does not match its hash`, {
        chunk: formatChunkId(loc.id),
        pack: loc.pack,
      });
    }
    return plain;
  }

  /** @internal Reads a record's header and raw payload, checking the header matches the catalog. */
  async readRecord(loc: ChunkLocation): Promise<{ header: RecordHeader; payload: Buffer }> {
    const buf = await this.backend.readPack(loc.pack, loc.offset, RECORD_HEADER_BYTES + loc.storedLength);
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
   * For each id, whether `group` may reference it (it uploaded it, and it
   * is still stored, or on its way).
   */
  groupHasChunks(group: string, ids: readonly Buffer[]): boolean[] {
    return this.queue.groupHasChunks(group, ids);
  }

  /**
   * @internal Stores an encoded chunk whose id the caller has verified
   * (see DurabilityQueue.ingest); returns whether `group` had it before.
   */
  ingest(group: string, header: RecordHeader, payload: Buffer): { newToGroup: boolean } {
    this.assertOpen();
    return this.queue.ingest(group, header, payload);
  }

  /** Makes every chunk written so far durable and recorded, with the running backups' references. */
  flush(): void {
    this.queue.flush();
  }

  /** @internal Ids the running backups reference but have not recorded yet (GC keeps them). */
  unrecordedRefs(): Set<string> {
    const out = this.queue.roundRefs();
    for (const w of this.writers) for (const hex of w.pendingRefHexes()) out.add(hex);
    return out;
  }

  // ---- maintenance ----

  /**
   * Reclaims space of chunks no backup needs (see gc.ts). It runs alone:
   * backups may not write until it ends (a writer's calls fail with
   * STORE_BUSY meanwhile; the server holds them back, see gcDone).
   */
  async gc(now: number = Date.now()): Promise<GcReport> {
    this.assertOpen();
    if (this.gcInProgress) throw new StoreError('STORE_BUSY', `garbage collection is already running on ${this.dir}`);
    const run = (async () => {
      this.flush();
      // Seal the pack being appended to, so its garbage can be reclaimed too;
      // the next chunk starts a new pack.
      this.queue.closePack();
      this.flush(); // records that seal: GC only compacts sealed packs
      await this.publishAll(); // GC rewrites published packs only
      const report = await runGc(this, now, { reclaimFailed: this.spacePressure });
      this.spacePressure = false;
      if (this.recordsStale) await this.reconcileRecords();
      this.checkSpace();
      return report;
    })();
    this.gcInProgress = run;
    try {
      return await run;
    } finally {
      this.gcInProgress = undefined;
    }
  }

  /**
   * A write met a full disk (the store's own, or something else filled it):
   * the running reserve is given up so the catalog, the lease and the
   * deletes that free room can still write, and the store says it is short
   * of space (low-space mode: log, status) until there is room again.
   * True if a reserve was given up.
   */
  noteOutOfSpace(): boolean {
    const freed = this.reserve.release();
    this.spacePressure = true;
    this.checkSpace();
    return freed;
  }

  /** @internal For GC: gives up a space reserve (the running one first) so a catalog write can go through on a full disk. */
  releaseReserve(): boolean {
    return this.reserve.release() || this.openReserve.release();
  }

  /** Re-reads every chunk and checks every manifest reference (see verify.ts), a little at a time, letting other work (backups) run in between. */
  verify(scope: VerifyScope = {}): Promise<VerifyReport> {
    this.assertOpen();
    this.flush();
    return runVerify(this, scope);
  }

  /** Sizes and ratios for the whole store. */
  stats(): Promise<StoreStats> {
    this.assertOpen();
    return computeStats(this);
  }

  /** @internal Name of the pack currently appended to (GC leaves it alone). */
  get openPackNames(): Set<string> {
    return new Set(this.catalog.packNames('open'));
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
