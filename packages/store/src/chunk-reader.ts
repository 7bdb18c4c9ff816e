import { formatChunkId } from '@cpsbackup/format';
import { type StorageBackend, type StreamOptions } from './backend';
import { type Catalog, type ChunkLocation } from './catalog';
import { isStoreError, StoreError } from './errors';
import { checkedContent, decodeRecordHeader, isTreePack, RECORD_HEADER_BYTES, type RecordHeader } from './pack-format';
import { readRecordsInOrder } from './pack-reads';

/** What reads need of the durability queue: a chunk written but not yet recorded is recorded before it is read. */
export interface PendingChunks {
  isPending(hex: string): boolean;
  flush(): void;
}

/** A record as stored: its header, and its payload as written (encoded). */
export interface StoredRecord {
  header: RecordHeader;
  payload: Buffer;
}

/**
 * Reads chunks where the catalog puts them, each checked: the record's
 * header against the catalog's row, the content against its id. What
 * restores, verify, GC, the commit's tree check and the manifest walks read
 * with.
 */
export class ChunkReader {
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly catalog: Pick<Catalog, 'chunk' | 'chunks'>,
    private readonly backend: Pick<StorageBackend, 'readPack' | 'streamPack' | 'refetchLocalCopy'>,
    private readonly pending: PendingChunks,
  ) {}

  /** The store is closing: reads by id fail from now on (STORE_CLOSED). */
  close(): void {
    this.closed = true;
  }

  /** Reads a chunk's plaintext and checks it still hashes to its id. */
  readChunk(id: Buffer): Promise<Buffer> {
    return this.readAt(id, (loc) => this.readLocated(loc));
  }

  /**
   * A chunk as stored (codec, plaintext length, encoded payload), without
   * decoding: a restore sends it as is and the receiver verifies the hash.
   */
  readEncodedChunk(id: Buffer, at?: ChunkLocation): Promise<{ codec: number; rawLength: number; payload: Buffer }> {
    return this.readAt(
      id,
      async (loc) => {
        const { header, payload } = await this.readRecord(loc);
        return { codec: header.codec, rawLength: header.rawLength, payload };
      },
      at,
    );
  }

  /** Where each of `ids` is now (undefined: not stored), looked up together, for readEncodedChunk. */
  locate(ids: readonly Buffer[]): Array<ChunkLocation | undefined> {
    if (ids.some((id) => this.pending.isPending(formatChunkId(id)))) this.pending.flush();
    return this.catalog.chunks(ids);
  }

  /**
   * Reads a chunk where the catalog puts it. A read takes time (the pack
   * may be remote), and GC may move the chunk meanwhile: a read that fails
   * is tried again where the catalog puts the chunk now, if that changed.
   */
  private async readAt<T>(id: Buffer, read: (loc: ChunkLocation) => Promise<T>, at?: ChunkLocation): Promise<T> {
    if (this.closed) throw new StoreError('STORE_CLOSED', `store ${this.dir} is closed`);
    // A location looked up before (locate) is tried first; GC moving it meanwhile is met as any move is, below.
    if (!at && this.pending.isPending(formatChunkId(id))) this.pending.flush();
    let loc = at ?? this.catalog.chunk(id);
    for (let attempt = 1; ; attempt++) {
      if (!loc) throw new StoreError('CHUNK_MISSING', `chunk ${formatChunkId(id)} is not in the store`, { chunk: formatChunkId(id) });
      try {
        return await this.readReplacingCopy(loc, read);
      } catch (err) {
        const now = this.catalog.chunk(id);
        if (attempt >= 3 || (now && now.pack === loc.pack && now.offset === loc.offset)) throw err;
        loc = now;
      }
    }
  }

  /**
   * A read at `loc`; where it fails its check (CHUNK_CORRUPT: a bad header,
   * a short pack, a wrong hash) in a tree pack, the backend's local copy of
   * that pack may be what is damaged: it is fetched again from the storage
   * and the read tried once more. Damage is reported only if the storage's
   * copy is bad too.
   */
  private async readReplacingCopy<T>(loc: ChunkLocation, read: (loc: ChunkLocation) => Promise<T>): Promise<T> {
    try {
      return await read(loc);
    } catch (err) {
      if (!isStoreError(err, 'CHUNK_CORRUPT') || !isTreePack(loc.pack)) throw err;
      if (!(await this.backend.refetchLocalCopy(loc.pack, (err as Error).message))) throw err;
      return read(loc);
    }
  }

  /** Reads and checks the chunk at a catalog location. */
  async readLocated(loc: ChunkLocation): Promise<Buffer> {
    return this.checkRecord(loc, await this.readRecord(loc));
  }

  /** A record's plaintext, checked against the chunk id the catalog gives it. */
  checkRecord(loc: ChunkLocation, { header, payload }: StoredRecord): Buffer {
    const plain = checkedContent(loc.id, header.codec, payload, header.rawLength);
    if (!plain) {
      throw new StoreError('CHUNK_CORRUPT', `chunk ${formatChunkId(loc.id)} in pack ${loc.pack} at ${loc.offset} does not match its hash`, {
        chunk: formatChunkId(loc.id),
        pack: loc.pack,
      });
    }
    return plain;
  }

  /** Reads a record's header and raw payload, checking the header matches the catalog. */
  async readRecord(loc: ChunkLocation): Promise<StoredRecord> {
    return storedRecordAt(loc, await this.backend.readPack(loc.pack, loc.offset, RECORD_HEADER_BYTES + loc.storedLength));
  }

  /**
   * The records at `locs` (one pack's, in file order), each as readRecord
   * gives it or with the error it would throw, read in few streamed spans
   * of the pack (pack-reads.ts). `signal` stops it; `fromStorage` reads a
   * published pack from the storage, not a local copy (verify).
   */
  async *readInOrder(
    pack: string,
    locs: readonly ChunkLocation[],
    signal?: AbortSignal,
    opts: StreamOptions = {},
  ): AsyncGenerator<{ loc: ChunkLocation; record?: StoredRecord; error?: unknown }> {
    for await (const r of readRecordsInOrder(this.backend, pack, locs, signal, opts)) {
      if (r.bytes === undefined) {
        yield { loc: r.loc, error: r.error };
        continue;
      }
      let record: StoredRecord;
      try {
        record = storedRecordAt(r.loc, r.bytes);
      } catch (err) {
        yield { loc: r.loc, error: err };
        continue;
      }
      yield { loc: r.loc, record };
    }
  }
}

/** A record read at a catalog location (its header and payload), its header checked against the catalog's row. */
function storedRecordAt(loc: ChunkLocation, buf: Buffer): StoredRecord {
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
