import { randomBytes } from 'node:crypto';
import { PackAppender, StorageBackend } from './backend';
import { encodeRecordHeader, PACK_MAGIC, RECORD_HEADER_BYTES, RecordHeader } from './pack-format';

/** Where a chunk record sits, once written. */
export interface PlacedRecord extends RecordHeader {
  pack: string;
  offset: number;
}

/** Lets the catalog follow a pack's life: known before any byte lands, sealed once complete and synced. */
export interface PackEvents {
  created(name: string): void;
  sealed(name: string): void;
}

/**
 * Appends chunk records to the current pack, rolling to a new pack past
 * `targetSize`. Writes are buffered; `flush()` writes, fsyncs and hands back
 * the records that are now durable, which is when the catalog may name them.
 */
export class PackWriter {
  private current: { name: string; out: PackAppender; size: number } | undefined;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private unsynced: PlacedRecord[] = [];

  constructor(
    private readonly backend: StorageBackend,
    private readonly targetSize: number,
    private readonly events: PackEvents,
  ) {}

  /** Bytes written or buffered but not yet durable. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Records placed since the last flush (not yet durable). */
  get pendingRecords(): readonly PlacedRecord[] {
    return this.unsynced;
  }

  /** Queues one record; returns where it will be. */
  add(header: RecordHeader, payload: Buffer): PlacedRecord {
    if (!this.current || this.current.size >= this.targetSize) this.roll();
    const cur = this.current!;
    const placed: PlacedRecord = { ...header, pack: cur.name, offset: cur.size };
    this.buffered.push(encodeRecordHeader(header), payload);
    this.bufferedBytes += RECORD_HEADER_BYTES + payload.length;
    cur.size += RECORD_HEADER_BYTES + payload.length;
    this.unsynced.push(placed);
    if (this.bufferedBytes >= 4 * 1024 * 1024) this.writeBuffered();
    return placed;
  }

  /** Writes and fsyncs everything queued; returns the records now durable. */
  flush(): PlacedRecord[] {
    if (this.current) {
      this.writeBuffered();
      this.current.out.sync();
    }
    const done = this.unsynced;
    this.unsynced = [];
    return done;
  }

  /** Flushes and closes the current pack (call `flush` first to get its records). */
  close(): void {
    if (!this.current) return;
    this.writeBuffered();
    this.current.out.sync();
    this.current.out.close();
    this.events.sealed(this.current.name);
    this.current = undefined;
  }

  /**
   * After a failed write (disk full): forget the pack in progress and
   * everything not yet durable. Records already recorded in the catalog are
   * intact; the pack's torn tail is garbage nobody names.
   */
  abandon(): void {
    const cur = this.current;
    this.current = undefined;
    this.buffered = [];
    this.bufferedBytes = 0;
    this.unsynced = [];
    if (!cur) return;
    try {
      cur.out.close();
    } catch {
      // closing a file on a failing disk may fail too; nothing more to save
    }
    try {
      this.events.sealed(cur.name);
    } catch {
      // the catalog may be full as well; recovery seals open packs at the next start
    }
  }

  private roll(): void {
    if (this.current) {
      // The old pack's records stay in `unsynced` until the next flush; make them durable now.
      this.writeBuffered();
      this.current.out.sync();
      this.current.out.close();
      this.events.sealed(this.current.name);
    }
    const name = randomBytes(16).toString('hex');
    this.events.created(name);
    const out = this.backend.createPack(name);
    out.append(PACK_MAGIC);
    this.current = { name, out, size: PACK_MAGIC.length };
  }

  private writeBuffered(): void {
    if (!this.current || this.buffered.length === 0) return;
    this.current.out.appendAll(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
  }
}
