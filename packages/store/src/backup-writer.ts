import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';
import { type BackupRecords } from './backup-records';
import { type BackupRefs, type RunningRefs } from './backup-refs';
import { backupById, type BackupInfo, type Catalog } from './catalog';
import { type ChunkReader } from './chunk-reader';
import { type ClientKeyRecords } from './client-keys';
import { type DurabilityQueue } from './durability-queue';
import { type FailedBackups } from './failed-backups';
import { type GcTurn } from './gc-turn';
import { type PackPublisher } from './pack-publisher';
import { type StorageLease } from './storage-owner';
import {
  CHUNK_ID_BYTES,
  checkListing,
  chunkIdOf,
  Codec,
  compressChunk,
  decodeChunkToScratch,
  decodeListingChunk,
  decodeSealedRecord,
  encodeSealedManifest,
  encodeSealedRecord,
  type FileEntry,
  formatChunkId,
  isFormatError,
  type ListingChunk,
  ManifestFormat,
  sealedStoreId,
  TreeBuilder,
} from '@cpsbackup/format';
import { checkSealedTree, checkTree, type TreeTotals } from './tree-check';
import { StoreError } from './errors';
import { ChunkKind, RECORD_HEADER_BYTES } from './pack-format';

/** What a backup being written works with (Store.beginBackup hands the same to every writer). */
export interface WriterStore {
  /** The zstd level of the listings a writer builds (addEntries). */
  readonly zstdLevel: number;
  /** Where the packs go: whether they must be published (uploaded) before a commit may name their chunks. */
  readonly publishesPacks: boolean;
  readonly catalog: Pick<Catalog, 'listing' | 'chunk' | 'commitBackup' | 'backup'>;
  /** Chunks written: to packs, then recorded (durability-queue.ts). */
  readonly queue: Pick<DurabilityQueue, 'groupHasChunks' | 'ingest' | 'flush' | 'closePack'>;
  /** The running backups' unrecorded references (the queue records them, GC keeps them). */
  readonly refs: Pick<RunningRefs, 'open' | 'close'>;
  /** The commit's tree check reads the listings just received. */
  readonly chunks: Pick<ChunkReader, 'readChunk'>;
  readonly publisher: Pick<PackPublisher, 'publishAll'>;
  /** The storage's lease: held when a commit tells a client its backup is kept. */
  readonly owner: Pick<StorageLease, 'regain'>;
  /** No backup writes while GC runs. */
  readonly gc: Pick<GcTurn, 'assertNotRunning'>;
  /** Which key an encrypted node's backup must be made with. */
  readonly keys: Pick<ClientKeyRecords, 'assertBackupKey'>;
  /** A committed backup's record (backup-records.ts). */
  readonly records: Pick<BackupRecords, 'recordCommitted'>;
  /** An aborted backup, recorded as failed now or when the catalog can. */
  readonly failures: Pick<FailedBackups, 'fail'>;
}

/** Warnings a backup keeps; later ones are only counted. */
const MAX_KEPT_WARNINGS = 200;
/** Characters of one warning kept. */
const MAX_WARNING_CHARS = 1024;
/** Unrecorded references a backup may hold before the store records them (bounds its memory). */
const MAX_PENDING_REFS = 131_072;
/**
 * Chunks, and payload bytes, a backup may have being checked at once
 * (queueEncodedChunk): bounds what one session holds while its checks run
 * on other threads.
 */
const MAX_CHECKING_CHUNKS = 64;
const MAX_CHECKING_BYTES = 16 * 1024 * 1024;

/**
 * Checks that an encoded chunk decodes to exactly `rawLength` bytes hashing
 * to `id` (format's encodedChunkMatches), wherever it runs: cpsbackupd runs
 * it on worker threads. Gives (or resolves to) whether the hash matches;
 * throws (or rejects with) the error of a payload that does not decode. A
 * check done in place answers at once, and its chunk is stored at once
 * when no other is waiting: nothing is held for it.
 */
export type EncodedChunkCheck = (id: Buffer, codec: number, payload: Buffer, rawLength: number) => boolean | Promise<boolean>;

interface CheckingChunk {
  id: Buffer;
  codec: number;
  payload: Buffer;
  rawLength: number;
  matches: Promise<boolean>;
}

/** Entries one listing chunk may hold (a chunk is at most 256 KiB of records but for one big one). */
const MAX_LISTING_ENTRIES = 65_536;

/** What a new backup needs to know. */
export interface BeginBackupOptions {
  client: string;
  /** Clients in one dedup group may reuse each other's chunks; defaults to the client alone. */
  dedupGroup?: string;
  /** The backup this one was built on (its metadata let the agent skip unchanged files). */
  parentId?: number | null;
  name?: string | null;
  description?: string | null;
  /**
   * An encrypted node's key id: its chunks come sealed, under ids the
   * server cannot check, and are stored under ids derived from this one
   * and theirs (format's sealed.ts). Absent: a plain node.
   */
  keyId?: Buffer;
}

/**
 * One backup being written: chunks, then its manifest (a tree of directory
 * listings, see format's tree.ts), then commit or abort. Every chunk
 * handed in is hashed again here, whoever computed its id, so a client can
 * never store data under an id it does not hash to; every listing a client
 * sends is decoded and checked, and may only name chunks its dedup group
 * has. The manifest comes either as entries (addEntries: the writer builds
 * the tree) or as listing chunks an agent built (putListingChunk, then
 * commitTree with the root's ids).
 */
export class BackupWriter {
  readonly backupId: number;
  readonly number: number;
  readonly client: string;
  /** References not yet recorded in the catalog, and whether the store lost data this backup relies on (backup-refs.ts). */
  private readonly held: BackupRefs;
  /** Builds the tree from entries handed in with addEntries. */
  private readonly tree = new TreeBuilder();
  /** Listing chunks received whose references putListingChunk checked (hex): checkTree need not look them up again. */
  private readonly listingsChecked = new Set<string>();
  private readonly warnings: string[] = [];
  private droppedWarnings = 0;
  private fileCount = 0;
  private logicalBytes = 0;
  private newChunks = 0;
  private newRawBytes = 0;
  private newStoredBytes = 0;
  private done = false;
  /** Chunks whose check is running (queueEncodedChunk), in the order they came; stored in that order. */
  private readonly checking: CheckingChunk[] = [];
  private checkingBytes = 0;
  /** The error of the first queued chunk whose check failed (storing it will throw it). */
  checkFailure: Error | undefined;
  /**
   * Called as soon as a queued chunk's check fails, with that error: a
   * session waiting for its peer's next message can fail at once (a peer
   * that sends a bad chunk and then nothing is told at once).
   */
  onCheckFailure: ((err: Error) => void) | undefined;

  constructor(
    private readonly store: WriterStore,
    info: BackupInfo,
    readonly dedupGroup: string,
    private readonly onDone: (w: BackupWriter) => void,
    /** Set for an encrypted node's backup (BeginBackupOptions.keyId). */
    readonly keyId?: Buffer,
  ) {
    this.backupId = info.id;
    this.number = info.number;
    this.client = info.client;
    this.held = store.refs.open(info.id);
  }

  private assertActive(): void {
    if (this.done) throw new StoreError('BACKUP_STATE', `backup ${this.number} of ${this.client} is already finished`);
    // With the system's code: a backup cut off by a full disk is told what its operator must do, as the one that filled it.
    const lost = this.held.lost;
    if (lost) throw new StoreError('STORE_IO', `backup ${this.number} of ${this.client} cannot go on: ${lost.reason}`, { code: lost.code });
    this.store.gc.assertNotRunning();
  }

  /** Everything that relies on the chunks sent being known waits for their checks first (settle). */
  private assertSettled(): void {
    if (this.checking.length > 0) {
      throw new StoreError('BACKUP_STATE', `backup ${this.number} of ${this.client}: ${this.checking.length} chunks are still being checked (settle first)`);
    }
  }

  /**
   * Returns the ids this client's dedup group lacks and must send. The ids it
   * has are referenced by this backup at once, so GC cannot take them between
   * this answer and the entry that uses them.
   */
  missing(ids: readonly Buffer[]): Buffer[] {
    this.assertActive();
    this.assertSettled();
    for (const id of ids) checkIdShape(id);
    const has = this.referenceKnown(this.keyId ? this.storedIds(ids) : ids);
    return ids.filter((_, i) => !has[i]);
  }

  /** Where an encrypted node's chunks are stored: ids it cannot choose, in its key's namespace (format's sealed.ts). */
  private storedIds(wireIds: readonly Buffer[]): Buffer[] {
    return wireIds.map((w) => sealedStoreId(this.keyId!, w));
  }

  private assertSealed(sealed: boolean): void {
    if (!!this.keyId !== sealed) {
      throw new StoreError(
        'BAD_ARGUMENT',
        `backup ${this.number} of ${this.client} is ${this.keyId ? 'encrypted' : 'plain'}: it takes ${this.keyId ? 'sealed' : 'plain'} chunks only`,
      );
    }
  }

  /**
   * Stores an encrypted node's data chunk: `seal` is its ciphertext, which
   * the server cannot open nor check against `wireId`. It is kept under
   * this key's stored id for `wireId`, in a record whose hash verify and
   * every read check.
   */
  putSealedChunk(wireId: Buffer, seal: Buffer): number {
    this.assertActive();
    this.assertSealed(true);
    checkIdShape(wireId);
    checkSize(seal.length);
    const record = encodeSealedRecord({ wireId, listingRefs: [], dataRefs: [], seal });
    return this.accept(sealedStoreId(this.keyId!, wireId), ChunkKind.Data, Codec.Sealed, record, record.length);
  }

  /**
   * Stores one chunk of an encrypted node's listing, with the ids of the
   * listings and data chunks its entries name (which the agent declares:
   * the server cannot read them). Each must be this group's already, as
   * for a plain listing; the record keeps them so GC, verify and the
   * commit check walk the tree without the key.
   */
  putSealedListing(wireId: Buffer, seal: Buffer, listingRefs: readonly Buffer[], dataRefs: readonly Buffer[]): number {
    this.assertActive();
    this.assertSealed(true);
    this.assertSettled();
    checkIdShape(wireId);
    checkSize(seal.length);
    for (const id of listingRefs) checkIdShape(id);
    for (const id of dataRefs) checkIdShape(id);
    const stored = sealedStoreId(this.keyId!, wireId);
    const record = { wireId, listingRefs: this.storedIds(listingRefs), dataRefs: this.storedIds(dataRefs), seal };
    this.requireKnownIds([...record.listingRefs, ...record.dataRefs], () => `encrypted listing chunk ${formatChunkId(wireId)}`);
    this.listingsChecked.add(formatChunkId(stored));
    const payload = encodeSealedRecord(record);
    return this.accept(stored, ChunkKind.Manifest, Codec.Sealed, payload, payload.length);
  }

  /**
   * For each id, whether this backup may reference it: already referenced, or
   * stored by this dedup group (one catalog read for all of those). Every id
   * found is referenced from now on.
   */
  private referenceKnown(ids: readonly Buffer[]): boolean[] {
    const out = new Array<boolean>(ids.length).fill(true);
    const ask: number[] = [];
    const hexes = ids.map((id) => formatChunkId(id));
    hexes.forEach((hex, i) => {
      if (!this.held.ids.has(hex)) ask.push(i);
    });
    if (ask.length === 0) return out;
    const stored = this.store.queue.groupHasChunks(
      this.dedupGroup,
      ask.map((i) => ids[i]!),
    );
    ask.forEach((i, k) => {
      if (stored[k]) this.held.ids.set(hexes[i]!, ids[i]!);
      else out[i] = false;
    });
    if (this.held.ids.size >= MAX_PENDING_REFS) this.store.queue.flush(); // records them: memory stays bounded on any number of files
    return out;
  }

  /** Stores an encoded data chunk whose check passed; refuses one whose check found another hash. */
  private storeIfMatches(matches: boolean, id: Buffer, codec: number, payload: Buffer, rawLength: number): number {
    if (!matches) throw hashMismatch(id, this.client);
    return this.accept(id, ChunkKind.Data, codec, payload, rawLength);
  }

  /**
   * Stores a chunk that arrives already encoded (zstd from the agent), as
   * it came, once `check` (on another thread) decoded it into a buffer
   * bounded by `rawLength` and hashed it again: no byte is stored before.
   * The caller goes on receiving meanwhile. Chunks are stored in the order
   * they came, each once its check passed: by a later call when too many
   * are being checked, or by settle(). What a check finds (a hash that
   * differs, a payload that does not decode) is thrown by the call that
   * would have stored that chunk. `payload` must stay as it is until then.
   */
  async queueEncodedChunk(id: Buffer, codec: number, payload: Buffer, rawLength: number, check: EncodedChunkCheck): Promise<void> {
    this.assertActive();
    this.assertSealed(false);
    checkIdShape(id);
    checkSize(rawLength);
    const result = check(id, codec, payload, rawLength);
    if (typeof result === 'boolean' && this.checking.length === 0) {
      this.storeIfMatches(result, id, codec, payload, rawLength);
      return;
    }
    const matches = Promise.resolve(result);
    matches.then(
      (ok) => ok || this.reportCheckFailure(hashMismatch(id, this.client)),
      (err: Error) => this.reportCheckFailure(err),
    );
    this.checking.push({ id, codec, payload, rawLength, matches });
    this.checkingBytes += payload.length;
    while (this.checking.length > MAX_CHECKING_CHUNKS || this.checkingBytes > MAX_CHECKING_BYTES) await this.storeOldestChecked();
  }

  /** Stores every chunk still being checked; before anything that needs them known (missing, listings, commit). */
  async settle(): Promise<void> {
    while (this.checking.length > 0) await this.storeOldestChecked();
  }

  private reportCheckFailure(err: Error): void {
    if (this.checkFailure) return;
    this.checkFailure = err;
    this.onCheckFailure?.(err);
  }

  private async storeOldestChecked(): Promise<void> {
    const c = this.checking.shift()!;
    this.checkingBytes -= c.payload.length;
    if (!(await c.matches)) throw hashMismatch(c.id, this.client);
    this.assertActive(); // aborted or poisoned while the check ran
    this.accept(c.id, ChunkKind.Data, c.codec, c.payload, c.rawLength);
  }

  /**
   * Stores a verified chunk and counts it. "New" means new to this client's
   * dedup group, never to the store: a chunk another group already stored
   * counts in full, as if it were written, so no figure a client sees tells
   * it what other clients hold.
   */
  private accept(id: Buffer, kind: ChunkKind, codec: number, payload: Buffer, rawLength: number): number {
    const { newToGroup } = this.store.queue.ingest(this.dedupGroup, { id, codec, kind, rawLength, storedLength: payload.length }, payload);
    this.held.ids.set(formatChunkId(id), id);
    if (!newToGroup) return 0;
    const stored = RECORD_HEADER_BYTES + payload.length;
    this.newChunks++;
    this.newRawBytes += rawLength;
    this.newStoredBytes += stored;
    return stored;
  }

  /** Adds one filesystem entry; every chunk it names must be known to this client's group. */
  addEntry(entry: FileEntry): void {
    this.addEntries([entry]);
  }

  /** Adds entries in order; their chunk references are checked together (see referenceKnown). */
  addEntries(entries: readonly FileEntry[]): void {
    this.assertActive();
    this.assertSealed(false);
    this.assertSettled();
    this.requireKnown(entries);
    for (const entry of entries) {
      this.storeListings(this.tree.add(entry));
      this.fileCount++;
      this.logicalBytes += entry.size;
    }
  }

  /**
   * Stores one listing chunk of a tree an agent built. It is decoded and
   * checked before a byte is stored: whole records, in walk order, and
   * every chunk they name (data, or the listings of the directories they
   * hold) known to this client's group: an agent sends a directory's
   * listing after everything in it. Where the listing sits in the tree is
   * checked at commit (commitTree).
   */
  putListingChunk(id: Buffer, codec: number, payload: Buffer, rawLength: number): number {
    this.assertActive();
    this.assertSealed(false);
    this.assertSettled();
    checkIdShape(id);
    checkSize(rawLength);
    const plain = decodeChunkToScratch(codec, payload, rawLength);
    if (!chunkIdOf(plain).equals(id)) throw hashMismatch(id, this.client);
    let entries: FileEntry[];
    try {
      entries = decodeListingChunk(plain);
      if (entries.length === 0 || entries.length > MAX_LISTING_ENTRIES) throw new Error(`a listing chunk of ${entries.length} entries`);
      checkListing(entries, null, null);
    } catch (err) {
      const why = isFormatError(err) ? err.message : (err as Error).message;
      throw new StoreError('MANIFEST_REFUSED', `listing chunk ${formatChunkId(id)} refused: ${why}`, { chunk: formatChunkId(id), client: this.client });
    }
    this.requireKnown(entries);
    for (const e of entries) {
      this.fileCount++;
      this.logicalBytes += e.size;
    }
    this.listingsChecked.add(formatChunkId(id));
    return this.accept(id, ChunkKind.Manifest, codec, payload, rawLength);
  }

  /** Refuses entries naming a chunk this client's group never sent (see referenceKnown). */
  private requireKnown(entries: readonly FileEntry[]): void {
    this.requireKnownIds(
      entries.flatMap((e) => e.chunks),
      (id) => `entry ${entries.find((e) => e.chunks.some((c) => c.equals(id)))!.path.toString()}`,
    );
  }

  private requireKnownIds(ids: readonly Buffer[], whose: (id: Buffer) => string): void {
    const lacking = this.referenceKnown(ids).indexOf(false);
    if (lacking < 0) return;
    const hex = formatChunkId(ids[lacking]!);
    throw new StoreError('CHUNK_MISSING', `${whose(ids[lacking]!)} references chunk ${hex}, which was never sent`, { chunk: hex, client: this.client });
  }

  private storeListings(chunks: readonly ListingChunk[]): void {
    for (const { id, chunk } of chunks) {
      const { codec, payload } = compressChunk(chunk, this.store.zstdLevel);
      this.accept(id, ChunkKind.Manifest, codec, payload, chunk.length);
    }
  }

  /**
   * Records a warning shown with the backup (e.g. a file that kept changing
   * while read). A backup keeps the first MAX_KEPT_WARNINGS, each cut to
   * MAX_WARNING_CHARS, and counts the rest: a node with thousands of
   * unreadable files still backs up, and no peer can grow the record (or
   * the server's memory) without bound.
   */
  addWarning(message: string): void {
    this.assertActive();
    if (this.warnings.length >= MAX_KEPT_WARNINGS) {
      this.droppedWarnings++;
      return;
    }
    this.warnings.push(message.length > MAX_WARNING_CHARS ? message.slice(0, MAX_WARNING_CHARS) + '…' : message);
  }

  /** The warnings so far, as they would be recorded (Burp's fail_on_warning asks before the commit). */
  get warningsSoFar(): readonly string[] {
    return this.recordedWarnings();
  }

  /** The warnings as recorded: those kept, and a last line counting those that were not. */
  private recordedWarnings(): string[] {
    return this.droppedWarnings > 0
      ? [...this.warnings, `… and ${this.droppedWarnings} more warnings (only the first ${MAX_KEPT_WARNINGS} are kept)`]
      : this.warnings;
  }

  /**
   * Makes a backup of the entries handed in with addEntries `available`
   * (see commitTree).
   */
  async commit(partial: string | null = null): Promise<BackupInfo> {
    this.assertActive();
    const { chunks, root } = this.tree.finish();
    this.storeListings(chunks);
    return this.commitChecked(root, await this.checkTree(root), partial);
  }

  /**
   * Checks the tree an agent built under `root` (see tree-check.ts): every
   * listing where it belongs, in order, nothing reached twice. Returns its
   * totals, for commitTree (and for deciding whether it is partial).
   */
  checkTree(root: readonly Buffer[]): Promise<TreeTotals> {
    this.assertActive();
    this.assertSettled();
    if (this.keyId) return this.checkSealedTree(root);
    this.requireKnownIds(root, () => 'the root listing');
    this.store.queue.flush(); // the listings just received must be readable
    return checkTree(root, {
      listing: (id) => this.store.catalog.listing(this.dedupGroup, id),
      readChunk: (id) => this.store.chunks.readChunk(id),
      requireRefs: (id, entries) => {
        if (!this.listingsChecked.has(formatChunkId(id))) this.requireKnown(entries);
      },
    });
  }

  /**
   * checkTree for an encrypted node's tree (`root`: its wire ids). The
   * server checks what it can without the key: every listing is an
   * encrypted listing of this group, none reached twice, everything they
   * name the group's. The file count and bytes are the agent's word
   * (`claimed`): the server cannot count them.
   */
  private async checkSealedTree(root: readonly Buffer[]): Promise<TreeTotals> {
    const stored = this.storedIds(root);
    this.requireKnownIds(stored, () => 'the root listing');
    this.store.queue.flush();
    const { listings } = await checkSealedTree(stored, {
      listing: (id) => this.store.catalog.listing(this.dedupGroup, id),
      readListing: async (id) => {
        const c = this.store.catalog.chunk(id);
        if (!c || c.codec !== Codec.Sealed || c.kind !== ChunkKind.Manifest) return undefined;
        return decodeSealedRecord(await this.store.chunks.readChunk(id), false); // readChunk checked it
      },
      requireRefs: (id, refs) => {
        if (!this.listingsChecked.has(formatChunkId(id))) this.requireKnownIds(refs, () => `encrypted listing chunk ${formatChunkId(id)}`);
      },
    });
    return { entries: this.claimed.entries, bytes: this.claimed.bytes, listings };
  }

  /** An encrypted backup's file count and bytes, as its agent counted them (the server cannot). */
  private claimed = { entries: 0, bytes: 0 };

  /** Records what an encrypted node says its backup holds (EndBackup): shown in lists, never trusted for anything else. */
  claimTotals(entries: number, bytes: number): void {
    this.assertSealed(true);
    if (!Number.isSafeInteger(entries) || entries < 0 || !Number.isSafeInteger(bytes) || bytes < 0) {
      throw new StoreError('BAD_ARGUMENT', `backup ${this.number} of ${this.client}: totals ${entries} entries, ${bytes} bytes refused`);
    }
    this.claimed = { entries, bytes };
  }

  /**
   * Makes the backup `available` with the tree under `root` (checked by
   * checkTree): everything durable first, then one catalog transaction.
   * `partial` says what it lacks, if anything (see isComplete): it is
   * stored and restorable, but never counts as good.
   */
  commitTree(root: readonly Buffer[], totals: TreeTotals, partial: string | null = null, gone?: () => string | undefined): Promise<BackupInfo> {
    this.assertActive();
    return this.commitChecked(root, totals, partial, gone);
  }

  /**
   * `gone`: asked right before the catalog commit, once everything is
   * durable (the packs published, which may take minutes of a storage that
   * does not answer): why the backup must not be committed after all (its
   * client gave up, was told it failed), or undefined.
   */
  private async commitChecked(root: readonly Buffer[], totals: TreeTotals, partial: string | null, gone?: () => string | undefined): Promise<BackupInfo> {
    this.assertSettled();
    try {
      await this.makeDurable(); // what the backup names is where readers will look, before it may be named
    } catch (err) {
      // Never committed: recorded as failed. The reason is what a client may read (-l); the details (where, what the store answered) go to the caller.
      this.abort('its data could not be stored: nothing was committed');
      throw err;
    }
    this.assertActive(); // the store may have lost data meanwhile
    const why = gone?.();
    if (why !== undefined) {
      this.abort(`${why}: nothing was committed`);
      throw new StoreError('BACKUP_STATE', `backup ${this.number} of ${this.client} was not committed: ${why}`);
    }
    if (this.keyId) this.store.keys.assertBackupKey(this.client, this.dedupGroup, this.keyId);
    const committed = this.store.catalog.commitBackup(this.backupId, {
      manifest: this.keyId ? encodeSealedManifest(this.keyId, this.storedIds(root)) : Buffer.concat(root),
      manifestFormat: this.keyId ? ManifestFormat.Sealed : ManifestFormat.Tree,
      fileCount: totals.entries,
      logicalBytes: totals.bytes,
      newChunks: this.newChunks,
      newRawBytes: this.newRawBytes,
      newStoredBytes: this.newStoredBytes,
      warnings: this.recordedWarnings(),
      partial,
      listings: { group: this.dedupGroup, checked: totals.listings },
    });
    this.finish();
    if (!committed) {
      throw new StoreError('BACKUP_STATE', `backup ${this.number} of ${this.client} was no longer being created at commit`);
    }
    await this.store.records.recordCommitted(this.backupId);
    return backupById(this.store.catalog, this.backupId);
  }

  /**
   * Before a commit names chunks to a client: every chunk written so far
   * recorded and durable, and, where packs are published (an object
   * store), the pack in progress sealed and every pack published.
   */
  private async makeDurable(): Promise<void> {
    this.store.queue.flush();
    if (this.store.publishesPacks) {
      this.store.queue.closePack();
      this.store.queue.flush();
    }
    try {
      await this.store.publisher.publishAll();
    } catch (err) {
      throw new StoreError('STORE_REMOTE', `${(err as Error).message}; nothing was committed, try again`, err instanceof StoreError ? err.context : {});
    }
    // The commit follows at once: a server that no longer owns the storage must not tell a client its backup is kept.
    await this.store.owner.regain('committing a backup');
  }

  /**
   * Marks the backup `error` with the reason. Chunks already stored stay,
   * referenced by it, so a retry within the grace period need not send them.
   */
  abort(reason: string): void {
    if (this.done) return;
    this.checking.length = 0; // chunks still being checked are not stored
    this.checkingBytes = 0;
    try {
      if (!this.held.lost) this.store.queue.flush();
    } catch {
      // The chunks are lost (disk full); the backup is failed all the same.
    }
    this.store.failures.fail(this.backupId, reason, this.recordedWarnings()); // or, the catalog being full, when it can
    this.finish();
  }

  private finish(): void {
    this.done = true;
    this.held.ids.clear();
    this.store.refs.close(this.held);
    this.listingsChecked.clear();
    this.onDone(this);
  }

  /** Counters so far (for progress and tests). */
  get progress(): { fileCount: number; logicalBytes: number; newChunks: number; newRawBytes: number; newStoredBytes: number } {
    return {
      fileCount: this.fileCount,
      logicalBytes: this.logicalBytes,
      newChunks: this.newChunks,
      newRawBytes: this.newRawBytes,
      newStoredBytes: this.newStoredBytes,
    };
  }
}

function checkIdShape(id: Buffer): void {
  if (!Buffer.isBuffer(id) || id.length !== CHUNK_ID_BYTES) {
    throw new StoreError('BAD_ARGUMENT', `a chunk id is ${CHUNK_ID_BYTES} bytes, got ${Buffer.isBuffer(id) ? id.length : typeof id}`);
  }
}

function checkSize(rawLength: number): void {
  if (!Number.isSafeInteger(rawLength) || rawLength < 0 || rawLength > ABSOLUTE_MAX_CHUNK_SIZE) {
    throw new StoreError('CHUNK_TOO_LARGE', `chunk of ${rawLength} bytes exceeds the ${ABSOLUTE_MAX_CHUNK_SIZE}-byte limit`);
  }
}

function hashMismatch(id: Buffer, client: string): StoreError {
  return new StoreError('CHUNK_HASH_MISMATCH', `chunk sent by ${client} does not hash to its claimed id ${formatChunkId(id)}; refused`, {
    chunk: formatChunkId(id),
    client,
  });
}
