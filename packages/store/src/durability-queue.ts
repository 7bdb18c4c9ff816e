import { formatChunkId } from '@cpsbackup/format';
import { type StorageBackend } from './backend';
import { type Catalog, type PackChanges } from './catalog';
import { type PendingChunks } from './chunk-reader';
import { StoreError } from './errors';
import { RECORD_HEADER_BYTES, type RecordHeader } from './pack-format';
import { type FlushRound, PackWriter, type PlacedRecord } from './pack-writer';
import { isOutOfSpace } from './space-reserve';

/** Chunks (or group memberships) written but not yet recorded, past which the queue records them. */
const MAX_PENDING_CHUNKS = 131_072;

/** The running backups, as the queue needs them: their unrecorded references, and a way to fail them all. */
export interface ReferenceHolders {
  /** (backup id, chunk id) pairs referenced but not yet handed to the catalog. */
  pendingRefs(): Array<[number, Buffer]>;
  /** Those were recorded: forget them. */
  clearPendingRefs(): void;
  /** Unrecorded data was lost: every running backup must fail with `why` (`code`: the system's error code, e.g. ENOSPC). */
  poisonAll(why: string, code: string | undefined): void;
  /** Hex ids of the references not yet handed to the catalog (GC keeps them). */
  pendingRefHexes(): Iterable<string>;
}

/** What becomes of a pack beyond the catalog: published once sealed, forgotten once discarded (pack-publisher.ts). */
export interface PackLife {
  sealed(name: string): void;
  discarded(name: string): void;
}

/** Told when a write fails for lack of space (store-space.ts: the reserve is given up, and GC reclaims failed backups next). */
export interface OutOfSpace {
  noteOutOfSpace(): unknown;
}

/**
 * A background flush round, as the store will record it. It stays in
 * `DurabilityQueue.round` until recorded; whichever of its completion, a synchronous
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
 * What stands between a chunk written to a pack and its row in the catalog:
 * the order "pack bytes durable, then the catalog names them". Chunks are
 * appended to packs as they come; every flushThreshold bytes (or
 * MAX_PENDING_CHUNKS chunks) a background round fsyncs the packs on
 * libuv's pool and then records the round's chunks, their groups and the
 * running backups' references in one transaction; a synchronous flush
 * (commit, read, GC, close) completes whatever is pending. Until recorded,
 * chunks count as pending: ingest dedups against them and a read flushes
 * first. A failed write fails every running backup (ReferenceHolders).
 */
export class DurabilityQueue implements PendingChunks {
  private readonly packs: PackWriter;
  /** Chunks written to a pack since the last flush or round, not yet recorded in the catalog (hex ids). */
  private pending = new Set<string>();
  /** (group, chunk) pairs not yet recorded, keyed `group\0hex`. */
  private pendingGroups = new Map<string, [string, Buffer]>();
  /** What a background flush round will record once its packs are durable. */
  private round: PendingRound | undefined;
  /** Bytes written to packs since the last flush. */
  private unflushedBytes = 0;

  /**
   * Pack rows the catalog learns in the next transaction that records
   * chunks, rather than in a committed (fsynced) statement each: those cost
   * the ingest thread 3-4 s per 5 GB. A new pack is thus known no later
   * than its first recorded chunk; a crash before leaves a file the catalog
   * never heard of, which recovery deletes.
   */
  private packChanges: PackChanges = { created: [], sealed: [] };

  constructor(
    private readonly catalog: Catalog,
    private readonly backend: StorageBackend,
    private readonly options: { packTargetSize: number; flushThreshold: number },
    private readonly holders: ReferenceHolders,
    private readonly space: OutOfSpace,
    private readonly packLife: PackLife,
  ) {
    this.packs = new PackWriter(backend, options.packTargetSize, {
      created: (name) => this.packChanges.created.push(name),
      sealed: (name) => {
        this.packChanges.sealed.push(name);
        packLife.sealed(name);
      },
    });
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
   * Stores an encoded chunk whose id the caller has verified.
   * Writes the record only when no copy exists; always records that `group`
   * has it. Returns whether `group` had it before: what a client may be told
   * (whether the store as a whole had it is another group's business).
   */
  ingest(group: string, header: RecordHeader, payload: Buffer): { newToGroup: boolean } {
    const hex = formatChunkId(header.id);
    const key = group + '\0' + hex;
    const pendingClaim = this.isPendingGroup(key);
    const pendingChunk = this.isPending(hex);
    // What the catalog holds; not asked when both are pending (neither answer would be read).
    const recorded = pendingClaim && pendingChunk ? { stored: true, groupHas: true } : this.catalog.chunkState(group, header.id);
    const newToGroup = !pendingClaim && !recorded.groupHas;
    let stored = 0;
    if (!pendingChunk && !recorded.stored) {
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

  /** Whether a chunk is written but not yet recorded (a read must flush first). */
  isPending(hex: string): boolean {
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
    const refs = this.holders.pendingRefs();
    this.holders.clearPendingRefs();
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
      this.packLife.discarded(name);
      try {
        this.backend.discardPack(name);
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
      let refs = this.holders.pendingRefs();
      if (round) {
        records = round.records.concat(records);
        groups = [...round.groups.values(), ...groups];
        refs = round.refs.concat(refs);
      }
      if (records.length === 0 && groups.length === 0 && refs.length === 0 && !this.hasPackChanges()) return;
      this.record(records, groups, refs);
      this.holders.clearPendingRefs();
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
    if (full) this.space.noteOutOfSpace(); // room for the catalog to record what follows
    this.dropUnnamedPacks(this.packs.abandon());
    this.settlePackChanges();
    this.round = undefined; // its chunks are as lost as the pending ones
    this.pending.clear();
    this.pendingGroups.clear();
    this.unflushedBytes = 0;
    this.holders.poisonAll(why, e.code);
    return new StoreError('STORE_IO', `${why}: ${e.message}; nothing already stored is affected`, { code: e.code });
  }

  /** Hex ids the running backups reference but the catalog has not recorded yet, a background round's included (GC keeps them). */
  unrecordedRefs(): Set<string> {
    const out = new Set<string>();
    if (this.round) for (const [, id] of this.round.refs) out.add(formatChunkId(id));
    for (const hex of this.holders.pendingRefHexes()) out.add(hex);
    return out;
  }

  /** Seals the pack being appended to (its record lands with the next flush); the next chunk starts a new pack. */
  closePack(): void {
    this.packs.close();
  }
}
