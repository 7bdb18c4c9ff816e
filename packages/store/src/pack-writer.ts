import { randomBytes } from 'node:crypto';
import { type PackAppender, type StorageBackend } from './backend';
import { ChunkKind, encodeRecordHeader, PACK_MAGIC, RECORD_HEADER_BYTES, type RecordHeader, TREE_PACK_PREFIX } from './pack-format';

/** Where a chunk record sits, once written. */
export interface PlacedRecord extends RecordHeader {
  pack: string;
  offset: number;
}

/**
 * Lets the catalog follow a pack's life: `created` before any byte lands,
 * `sealed` once complete and synced. The store records both with the next
 * chunks it records; GC records them at once.
 */
export interface PackEvents {
  created(name: string): void;
  sealed(name: string): void;
}

/** Rolled-over packs kept open until the next flush, at most (per lane). */
const MAX_ROLLED_OPEN = 8;

/**
 * A pack being written or waiting to be durable. Its handle closes only
 * once no background fsync uses it, so a closed descriptor's number can
 * never be reused under an fsync still in flight.
 */
class OpenPack {
  size = PACK_MAGIC.length;
  private syncing = 0;
  private closeWanted = false;
  private closed = false;

  constructor(
    readonly name: string,
    readonly out: PackAppender,
  ) {}

  /** fsync on libuv's pool; the handle stays open until it completes. */
  async syncInBackground(): Promise<void> {
    this.syncing++;
    try {
      await this.out.syncInBackground();
    } finally {
      this.syncing--;
      if (this.syncing === 0 && this.closeWanted) this.closeNow();
    }
  }

  /** Closes the handle now, or when the last background fsync ends. */
  close(): void {
    this.closeWanted = true;
    if (this.syncing === 0) this.closeNow();
  }

  private closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }
}

function closeQuietly(p: OpenPack): void {
  try {
    p.close();
  } catch {
    // closing a file on a failing disk may fail too; nothing more to save
  }
}

/** Records being made durable in the background (see PackWriter.startFlush). */
export interface FlushRound {
  readonly records: PlacedRecord[];
  /** Settles once every byte of `records` is durable; rejects with the first failure. */
  readonly durable: Promise<void>;
}

/**
 * The packs one kind of record goes to: data records, or manifest records
 * (tree packs, named with TREE_PACK_PREFIX: pack-format.ts). Each lane has
 * its pack being appended to, its rolled-over packs and its buffered bytes.
 */
class Lane {
  current: OpenPack | undefined;
  /** Packs rolled over whose bytes are not yet known durable (handles open). */
  rolled: OpenPack[] = [];
  buffered: Buffer[] = [];
  bufferedBytes = 0;

  constructor(readonly prefix: string) {}
}

/**
 * Appends chunk records to the current pack of their kind's lane (manifest
 * records to tree packs, the rest to data packs), rolling to a new pack
 * past `targetSize`. Writes are buffered; `flush()` writes, fsyncs and hands
 * back the records that are now durable, which is when the catalog may
 * name them. `startFlush()` does the same with the fsyncs on libuv's pool,
 * so the next chunks are taken in while the disk catches up; at most one
 * such round is in flight, and a synchronous flush completes it.
 */
export class PackWriter {
  private readonly data = new Lane('');
  private readonly trees = new Lane(TREE_PACK_PREFIX);
  private readonly lanes = [this.data, this.trees];
  private unsynced: PlacedRecord[] = [];
  /** The background round in flight; a synchronous flush or `abandon` takes it over (clears it) before it ends. */
  private round: { packs: OpenPack[] } | undefined;

  constructor(
    private readonly backend: StorageBackend,
    private readonly targetSize: number,
    private readonly events: PackEvents,
  ) {}

  /** Bytes written or buffered but not yet durable. */
  get pendingBytes(): number {
    return this.data.bufferedBytes + this.trees.bufferedBytes;
  }

  /** Records placed since the last flush (not yet durable). */
  get pendingRecords(): readonly PlacedRecord[] {
    return this.unsynced;
  }

  /** Whether a background round is still making records durable. */
  get roundInFlight(): boolean {
    return this.round !== undefined;
  }

  /** Queues one record in its kind's lane; returns where it will be. */
  add(header: RecordHeader, payload: Buffer): PlacedRecord {
    const lane = header.kind === ChunkKind.Manifest ? this.trees : this.data;
    if (!lane.current || lane.current.size >= this.targetSize) this.roll(lane);
    const cur = lane.current!;
    const placed: PlacedRecord = { ...header, pack: cur.name, offset: cur.size };
    lane.buffered.push(encodeRecordHeader(header), payload);
    lane.bufferedBytes += RECORD_HEADER_BYTES + payload.length;
    cur.size += RECORD_HEADER_BYTES + payload.length;
    this.unsynced.push(placed);
    if (lane.bufferedBytes >= 4 * 1024 * 1024) this.writeBuffered(lane);
    return placed;
  }

  /**
   * Writes and fsyncs everything queued, and a background round's packs if
   * it is still in flight (taking it over: its records are durable now);
   * returns the records queued since the last flush or round.
   */
  flush(): PlacedRecord[] {
    for (const lane of this.lanes) this.writeBuffered(lane);
    const done = this.unsynced;
    const round = this.round;
    this.round = undefined;
    if (round) {
      // fsync alongside the round's own (harmless); it closes those handles when its fsyncs end.
      for (const p of round.packs) p.out.sync();
      for (const p of round.packs) if (!this.lanes.some((l) => l.current === p)) this.events.sealed(p.name);
    }
    for (const lane of this.lanes) {
      // Rolled-over packs hold records of this flush too: durable before anyone may name them.
      for (const p of lane.rolled) p.out.sync();
      for (const p of lane.rolled) this.retire(p);
      lane.rolled = [];
      lane.current?.out.sync();
    }
    this.unsynced = [];
    return done;
  }

  /**
   * Writes everything queued and starts its fsyncs in the background. The
   * caller records `records` once `durable` settles, unless a synchronous
   * flush made them durable first. Call only when no round is in flight.
   */
  startFlush(): FlushRound {
    if (this.roundInFlight) throw new Error('a flush round is already in flight');
    const packs: OpenPack[] = [];
    const rolled: OpenPack[] = [];
    for (const lane of this.lanes) {
      this.writeBuffered(lane);
      packs.push(...lane.rolled, ...(lane.current ? [lane.current] : []));
      rolled.push(...lane.rolled);
      lane.rolled = [];
    }
    const round = { packs };
    const syncs = packs.map((p) => p.syncInBackground());
    const durable = Promise.allSettled(syncs).then((results) => {
      // Taken over: a synchronous flush synced and sealed these packs first, or `abandon` gave them up.
      const takenOver = this.round !== round;
      if (!takenOver) this.round = undefined;
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        for (const p of rolled) closeQuietly(p);
        throw failed.reason;
      }
      for (const p of rolled) {
        if (takenOver) p.close();
        else this.retire(p);
      }
    });
    // Reported through `durable`'s caller; never an unhandled rejection here.
    durable.catch(() => undefined);
    this.round = round;
    const records = this.unsynced;
    this.unsynced = [];
    return { records, durable };
  }

  /** Flushes and closes the current packs (call `flush` first to get their records). */
  close(): void {
    for (const lane of this.lanes) {
      if (!lane.current) continue;
      this.writeBuffered(lane);
      lane.current.out.sync();
      this.retire(lane.current);
      lane.current = undefined;
    }
  }

  /**
   * After a failed write (disk full): forget the packs in progress and
   * everything not yet durable. Records already recorded in the catalog are
   * intact; the packs' torn tails are garbage nobody names. Returns the
   * packs given up (the caller deletes those the catalog never named).
   */
  abandon(): string[] {
    const packs: OpenPack[] = [];
    for (const lane of this.lanes) {
      packs.push(...lane.rolled, ...(lane.current ? [lane.current] : []));
      lane.current = undefined;
      lane.rolled = [];
      lane.buffered = [];
      lane.bufferedBytes = 0;
    }
    this.round = undefined; // nothing of a round in flight may be recorded now
    this.unsynced = [];
    for (const p of packs) {
      closeQuietly(p);
      try {
        this.events.sealed(p.name);
      } catch {
        // the catalog may be full as well; recovery seals open packs at the next start
      }
    }
    return packs.map((p) => p.name);
  }

  /** A pack whose bytes are durable and that takes no more: sealed in the catalog, handle closed. */
  private retire(p: OpenPack): void {
    this.events.sealed(p.name);
    p.close();
  }

  private roll(lane: Lane): void {
    if (lane.current) {
      // Its records become durable with the next flush, which seals it.
      this.writeBuffered(lane);
      lane.rolled.push(lane.current);
      if (lane.rolled.length > MAX_ROLLED_OPEN) {
        // Bounds open handles (a GC may write hundreds of packs): sync and seal now, as a flush would.
        for (const p of lane.rolled) p.out.sync();
        for (const p of lane.rolled) this.retire(p);
        lane.rolled = [];
      }
    }
    const name = lane.prefix + randomBytes(16).toString('hex');
    this.events.created(name);
    const out = this.backend.createPack(name);
    out.append(PACK_MAGIC);
    lane.current = new OpenPack(name, out);
  }

  private writeBuffered(lane: Lane): void {
    if (!lane.current || lane.buffered.length === 0) return;
    lane.current.out.appendAll(lane.buffered);
    lane.buffered = [];
    lane.bufferedBytes = 0;
  }
}
