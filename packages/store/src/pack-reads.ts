/**
 * Reads of many records of one pack in file order, a span of the pack at a
 * time in one streamed read (one request on an object store), instead of a
 * read per record: what verify, GC's repack and rebuild-catalog read with.
 * Memory holds one record and the transport's buffers, however long the
 * span.
 */
import { type StorageBackend, type StreamOptions } from './backend';
import { type ChunkLocation } from './catalog';
import { isStoreError, StoreError } from './errors';
import { RECORD_HEADER_BYTES } from './pack-format';

/**
 * Bytes of unwanted records a span reads through rather than ending and
 * starting another request (what the old read-ahead window was): a
 * request costs about as much as reading this far.
 */
const SPAN_GAP_BYTES = 4 * 1024 * 1024;

/** The bytes of a stream, taken in order. */
export class StreamCursor {
  private readonly it: AsyncIterator<Buffer>;
  private pieces: Buffer[] = [];
  private held = 0;
  private ended = false;

  /** `position`: where in the pack the stream starts. */
  constructor(
    stream: AsyncIterable<Buffer>,
    public position: number,
  ) {
    this.it = stream[Symbol.asyncIterator]();
  }

  /** Until `n` bytes are held or the stream ended. */
  private async fill(n: number): Promise<void> {
    while (this.held < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length > 0) {
        this.pieces.push(r.value);
        this.held += r.value.length;
      }
    }
  }

  /** Passes over the bytes up to `offset` (fewer where the stream ends first). */
  async skipTo(offset: number): Promise<void> {
    while (this.position < offset) {
      await this.fill(1);
      if (this.held === 0) return;
      const first = this.pieces[0]!;
      const drop = Math.min(offset - this.position, first.length);
      if (drop === first.length) this.pieces.shift();
      else this.pieces[0] = first.subarray(drop);
      this.held -= drop;
      this.position += drop;
    }
  }

  /** The next `n` bytes, or fewer where the stream ends. */
  async take(n: number): Promise<Buffer> {
    await this.fill(n);
    const k = Math.min(n, this.held);
    let out: Buffer;
    if (this.pieces.length > 0 && this.pieces[0]!.length >= k) out = this.pieces[0]!.subarray(0, k);
    else {
      out = Buffer.allocUnsafe(k);
      let at = 0;
      for (const p of this.pieces) {
        if (at >= k) break;
        at += p.copy(out, at, 0, Math.min(p.length, k - at));
      }
    }
    let left = k;
    while (left > 0) {
      const first = this.pieces[0]!;
      if (first.length <= left) {
        this.pieces.shift();
        left -= first.length;
      } else {
        this.pieces[0] = first.subarray(left);
        left = 0;
      }
    }
    this.held -= k;
    this.position += k;
    return out;
  }

  /** Ends the stream (its request) early. */
  async close(): Promise<void> {
    this.pieces = [];
    await this.it.return?.();
  }
}

/** One record as read: its bytes (header and payload), or why it could not be read. */
export type RecordBytes = { loc: ChunkLocation; bytes: Buffer; error?: undefined } | { loc: ChunkLocation; bytes?: undefined; error: unknown };

/** Where a record ends in its pack. */
const recordEnd = (loc: ChunkLocation) => loc.offset + RECORD_HEADER_BYTES + loc.storedLength;

/**
 * The records at `locs` (one pack's, in file order) with their bytes, in
 * order. Records closer than SPAN_GAP_BYTES are read in one streamed span.
 * A record that cannot be read comes with its error, as a read of it alone
 * would give: the rest are read by a new span after it; a missing pack
 * fails every record without another request; a pack that ends short fails
 * every record past its end. `signal` stops it (its reason thrown).
 */
export async function* readRecordsInOrder(
  backend: Pick<StorageBackend, 'streamPack' | 'readPack'>,
  pack: string,
  locs: readonly ChunkLocation[],
  signal?: AbortSignal,
  opts: StreamOptions = {},
): AsyncGenerator<RecordBytes> {
  let packError: unknown; // the pack is missing: every record fails with it
  let packEnd: number | undefined; // where a span found the pack to end
  const short = (loc: ChunkLocation, at: number) =>
    new StoreError('CHUNK_CORRUPT', `pack ${pack} ends at ${at}, expected ${RECORD_HEADER_BYTES + loc.storedLength} bytes at ${loc.offset}`, { pack });
  let i = 0;
  while (i < locs.length) {
    signal?.throwIfAborted();
    const first = locs[i]!;
    if (packError !== undefined) {
      yield { loc: first, error: packError };
      i++;
      continue;
    }
    if (packEnd !== undefined && recordEnd(first) > packEnd) {
      yield { loc: first, error: short(first, packEnd) };
      i++;
      continue;
    }
    // The span: records in order, each starting at or after the last one's end, no further apart than SPAN_GAP_BYTES.
    let j = i + 1;
    let end = recordEnd(first);
    while (j < locs.length && locs[j]!.offset >= end && locs[j]!.offset - end < SPAN_GAP_BYTES) end = recordEnd(locs[j++]!);
    const cursor = new StreamCursor(backend.streamPack(pack, first.offset, end, signal, opts), first.offset);
    try {
      for (; i < j; i++) {
        const loc = locs[i]!;
        const want = RECORD_HEADER_BYTES + loc.storedLength;
        let bytes: Buffer;
        try {
          await cursor.skipTo(loc.offset);
          bytes = await cursor.take(want);
        } catch (err) {
          signal?.throwIfAborted();
          if (isStoreError(err, 'PACK_MISSING')) packError = err;
          yield { loc, error: err };
          i++;
          break; // the rest from a new span
        }
        if (bytes.length < want) {
          packEnd = cursor.position;
          yield { loc, error: short(loc, cursor.position) };
          continue;
        }
        yield { loc, bytes };
      }
    } finally {
      await cursor.close();
    }
    // A record that overlaps the one before it (a damaged catalog): read alone.
    if (i < locs.length && i === j && locs[i]!.offset < recordEnd(locs[i - 1]!)) {
      const loc = locs[i++]!;
      try {
        yield { loc, bytes: await readAlone(backend, pack, loc, signal, opts) };
      } catch (err) {
        yield { loc, error: err };
      }
    }
  }
}

/** One record's bytes read by itself (from the storage too, with `fromStorage`); short: CHUNK_CORRUPT. */
async function readAlone(
  backend: Pick<StorageBackend, 'streamPack' | 'readPack'>,
  pack: string,
  loc: ChunkLocation,
  signal: AbortSignal | undefined,
  opts: StreamOptions,
): Promise<Buffer> {
  const want = RECORD_HEADER_BYTES + loc.storedLength;
  if (!opts.fromStorage) return backend.readPack(pack, loc.offset, want);
  const cursor = new StreamCursor(backend.streamPack(pack, loc.offset, loc.offset + want, signal, opts), loc.offset);
  try {
    const bytes = await cursor.take(want);
    if (bytes.length < want) {
      throw new StoreError('CHUNK_CORRUPT', `pack ${pack} ends at ${cursor.position}, expected ${want} bytes at ${loc.offset}`, { pack });
    }
    return bytes;
  } finally {
    await cursor.close();
  }
}
