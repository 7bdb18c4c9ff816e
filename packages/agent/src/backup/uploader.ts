import { CHUNK_ID_BYTES, chunkIdOf, Codec, type FileEntry, type ListingChunk, listingRefs, TreeBuilder } from '@cpsbackup/format';
import { type ChunkKeys, type Padding } from '@cpsbackup/crypto';
import { sealChunk } from '../encryption/sealed-chunks';
import { LIMITS } from '@cpsbackup/protocol';
import { type ChunkPool, type Compressed } from './chunk-pool';
import { type BackupCounters } from './counters';
import { AgentError } from '../errors';
import { type ServerConnection } from '../client/server-connection';
import { WakeSignal } from './wake-signal';

/** How much the uploader holds before it must hear back from the server. */
export interface UploadLimits {
  /** Ids per missing-query. */
  batchIds: number;
  /** Chunk bytes per batch. */
  batchBytes: number;
  /** Entries per batch. */
  batchEntries: number;
  /** Chunk bytes held across all batches awaiting an answer (bounds the agent's memory). */
  inFlightBytes: number;
  /** Batches awaiting an answer. */
  inFlightBatches: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  batchIds: 1024,
  batchBytes: 2 * 1024 * 1024,
  batchEntries: 2000,
  inFlightBytes: 4 * 1024 * 1024,
  inFlightBatches: 6,
};

interface Batch {
  queryId: number;
  ids: Buffer[];
  /** Plaintext of the chunks asked about (copies, mostly in `slab`), until the server says which it lacks. */
  data: Map<string, Buffer>;
  /** Chunks whose ids are being computed on the pool (`filled` settles when `id` is); they join `ids` and `data` at dispatch. */
  hashing: Array<{ id: Buffer; data: Buffer; filled: Promise<void>; compress: boolean }>;
  /** Where this batch's chunk copies live (shared with the pool's workers, which compress them in place); back to the uploader's free list once the socket is done with them. */
  slab: Buffer | undefined;
  slabUsed: number;
  bytes: number;
  /**
   * Entries in walk order that name a chunk still being hashed (or come
   * after one that does), until dispatch: then every id they name is
   * known, and they go into the tree of listings (the others went in as
   * they came, see addEntry). The listing chunks they
   * complete join this batch's query after its data chunks, so the server
   * gets every chunk a listing names before the listing.
   */
  entries: FileEntry[];
  /** Hex ids of the query's listing chunks (sent as ListingChunk, not Chunk). */
  listings: Set<string>;
  /** Hex ids of chunks sent as they are, not compressed (exclude_comp: their files' data is compressed already). */
  raw: Set<string>;
}

/** Puts a chunk in the batch's query unless the same content is already there (`copy` runs only then). */
function askOnce(b: Batch, id: Buffer, copy: () => Buffer, compress = true): boolean {
  const hex = id.toString('hex');
  if (b.data.has(hex)) return false;
  b.ids.push(id);
  b.data.set(hex, copy());
  if (!compress) b.raw.add(hex);
  return true;
}

function newBatch(): Batch {
  return { queryId: 0, ids: [], data: new Map(), hashing: [], slab: undefined, slabUsed: 0, bytes: 0, entries: [], listings: new Set(), raw: new Set() };
}
/** A batch is sent once it holds batchBytes; its slab has room for the chunk that crosses that mark (default chunks are at most 1 MiB). */
const SLAB_SLACK = 1024 * 1024;
/**
 * Chunks at least this long may be hashed on the pool. Below it, posting
 * the job costs the main thread about as much as hashing it there.
 */
const HASH_ON_POOL_BYTES = 32 * 1024;
/**
 * ...and are, while the pool has less than this queued. When the workers
 * are busy compressing (a first backup) the main thread hashes itself:
 * there the data is still in its cache, and handing it over cost more CPU
 * than it saved (first backup 38 -> 45 s on the harness). When they are
 * idle (a re-read of known data) hashing there takes a quarter of the
 * main thread's work away.
 */
const POOL_IDLE_BYTES = 2 * 1024 * 1024;

/**
 * Pipelines a backup to the server without a round trip per file: chunks
 * and entries gather in batches. At dispatch a batch's entries go into the
 * tree of directory listings (format's TreeBuilder), and its ids, data
 * then the listing chunks completed, go out as one missing-query; the
 * agent goes on reading while the answer travels. A separate task (the
 * pump) takes the answers in order and sends what the server lacks,
 * compressed on the worker pool, in query order: a listing always after
 * what it names. A directory that did not change makes the same listing
 * chunks as last time, which the server has: its file list costs a query,
 * not a send. Reading waits only when too much is held (the limits).
 */
export class Uploader {
  private batch = newBatch();
  private readonly tree: TreeBuilder;
  /** A chunk's id: SHA-256, or on an encrypted node the keyed hash (crypto's ChunkKeys). */
  private readonly idOf: (data: Uint8Array) => Buffer;
  /** What the backup holds (entries, file bytes): an encrypted node tells the server, which cannot count them. */
  readonly totals = { entries: 0, bytes: 0 };
  /** Batches whose query is out, oldest first; the pump completes them in this order. */
  private readonly queue: Batch[] = [];
  private heldBytes = 0;
  private pumping: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Woken whenever the pump completes a batch or fails. */
  private readonly pumped = new WakeSignal();
  private nextQueryId = 1;
  /** Slabs of completed batches, for the next ones. */
  private readonly freeSlabs: Buffer[] = [];

  constructor(
    private readonly server: ServerConnection,
    private readonly pool: ChunkPool,
    private readonly counters: BackupCounters,
    private readonly limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
    /** An encrypted node's keys: chunks are named by keyed hashes and sealed before they are sent. */
    private readonly keys?: ChunkKeys,
    /** How an encrypted node pads what it seals (node.conf's encryption_padding): data chunks and listings alike. */
    private readonly padding: Padding = 'padme',
  ) {
    this.idOf = keys ? (data) => keys.chunkId(data) : chunkIdOf;
    this.tree = new TreeBuilder((chunk) => this.idOf(chunk));
  }

  /**
   * Offers one chunk of a file being read and returns its id; may wait for
   * the server when too much is held. `data` is copied before this returns
   * its promise: the caller reuses its read buffers (file-reader.ts,
   * ReadBlocks).
   *
   * The id of a large chunk is hashed on the pool while reading goes on:
   * its bytes are filled in later, before this uploader sends anything
   * that names it (the batch's query waits for them, and entries go after
   * their chunks' queries). Until then nothing may read them.
   *
   * `compress` false: the chunk is sent as it is (exclude_comp). Its id
   * is its content's either way, so it deduplicates with the same content
   * from any file (stored the way it was first sent).
   */
  async addChunk(data: Buffer, compress = true): Promise<Buffer> {
    this.throwIfFailed();
    if (data.length < HASH_ON_POOL_BYTES || this.pool.queuedBytes >= POOL_IDLE_BYTES) return this.addHashedChunk(this.idOf(data), data, compress);
    const b = this.batch;
    const copy = this.copyIntoBatch(data);
    const id = Buffer.alloc(CHUNK_ID_BYTES);
    const filled = this.pool.hash(copy).then((digest) => void digest.copy(id));
    filled.catch(() => undefined); // awaited at dispatch; a failure is reported there
    b.hashing.push({ id, data: copy, filled, compress });
    b.bytes += data.length;
    await this.dispatchIfFull();
    return id;
  }

  /** Offers a chunk whose id is already known (hashed by the file pool); the same contract as addChunk. */
  async addHashedChunk(id: Buffer, data: Buffer, compress = true): Promise<Buffer> {
    this.throwIfFailed();
    const b = this.batch;
    if (askOnce(b, id, () => this.copyIntoBatch(data), compress)) b.bytes += data.length;
    await this.dispatchIfFull();
    return id;
  }

  private async dispatchIfFull(): Promise<void> {
    const b = this.batch;
    if (b.ids.length + b.hashing.length >= this.limits.batchIds || b.bytes >= this.limits.batchBytes) await this.dispatch();
  }

  /**
   * A copy of `data` in the current batch's slab. Slabs are reused batch
   * after batch, so copying allocates nothing; a chunk larger than what is
   * left (only with a server's larger chunk sizes) gets its own buffer.
   */
  private copyIntoBatch(data: Buffer): Buffer {
    const b = this.batch;
    b.slab ??= this.freeSlabs.pop() ?? Buffer.from(new SharedArrayBuffer(this.limits.batchBytes + SLAB_SLACK));
    if (b.slabUsed + data.length > b.slab.length) return Buffer.from(data);
    const copy = b.slab.subarray(b.slabUsed, b.slabUsed + data.length);
    data.copy(copy);
    b.slabUsed += data.length;
    return copy;
  }

  /** Queues an entry, in walk order; its chunks must have been offered (or be known to the server) already. */
  async addEntry(entry: FileEntry): Promise<void> {
    this.throwIfFailed();
    const b = this.batch;
    // Every id it names is known already (no chunk of this batch is still being hashed, no entry waits before it):
    // into the tree now. Entries held until dispatch were most of what the main thread's young-generation
    // collections copied (up to batchEntries of them per batch).
    // (Below batchIds, the listings one entry completes, one per directory it closes, fit the query's limit.)
    if (b.hashing.length === 0 && b.entries.length === 0 && b.ids.length < this.limits.batchIds) this.askListings(b, this.tree.add(entry));
    else b.entries.push(entry);
    this.counters.entries++;
    this.totals.entries++;
    this.totals.bytes += entry.size;
    if (b.entries.length >= this.limits.batchEntries || b.ids.length >= this.limits.batchIds) await this.dispatch();
  }

  /** Sends a warning to record with the backup. */
  async addWarning(message: string): Promise<void> {
    this.throwIfFailed();
    this.counters.warnings++;
    await this.server.send({ warning: { message } });
  }

  /**
   * Sends everything still held, closes the tree and waits until the
   * server has all of it. Returns the root listing's chunk ids: what
   * EndBackup names.
   */
  async finish(): Promise<Buffer[]> {
    await this.dispatch();
    const { chunks, root } = this.tree.finish();
    this.askListings(this.batch, chunks);
    await this.dispatch();
    while (this.queue.length > 0) await this.progress();
    await this.pumping;
    this.throwIfFailed();
    return root;
  }

  /**
   * Adds listing chunks to a batch's query, up to the ids a query may
   * hold; the rest go to the next batch (dispatched after this one, so
   * still after what they name).
   */
  private askListings(b: Batch, chunks: readonly ListingChunk[]): void {
    for (const [i, l] of chunks.entries()) {
      if (b.ids.length >= LIMITS.idsPerQuery) {
        this.askListings(this.batch, chunks.slice(i));
        return;
      }
      if (askOnce(b, l.id, () => l.chunk)) {
        b.listings.add(l.id.toString('hex'));
        b.bytes += l.chunk.length;
      }
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async dispatch(): Promise<void> {
    this.throwIfFailed();
    const b = this.batch;
    if (b.ids.length === 0 && b.hashing.length === 0 && b.entries.length === 0) return;
    this.batch = newBatch();
    await Promise.all(b.hashing.map((h) => h.filled));
    for (const h of b.hashing) askOnce(b, h.id, () => h.data, h.compress);
    for (const e of b.entries) this.askListings(b, this.tree.add(e));
    b.entries = [];
    if (b.ids.length > 0) {
      b.queryId = this.nextQueryId++;
      await this.server.send({ missingQuery: { queryId: b.queryId, ids: b.ids } });
    }
    this.queue.push(b);
    this.heldBytes += b.bytes;
    this.pumping ??= this.pump();
    while (this.queue.length > this.limits.inFlightBatches || this.heldBytes > this.limits.inFlightBytes) await this.progress();
  }

  /** Resolves at the pump's next step; throws if it failed. */
  private progress(): Promise<void> {
    this.throwIfFailed();
    return this.pumped.wait().then(() => this.throwIfFailed());
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const b = this.queue[0]!;
        await this.complete(b);
        this.queue.shift();
        this.heldBytes -= b.bytes;
        this.pumped.wake();
      }
    } catch (err) {
      this.failure = err as Error;
    } finally {
      this.pumping = undefined;
      this.pumped.wake();
    }
  }

  /** Sends what the server lacks of one batch (compressed on the pool, in order), then its entries. */
  private async complete(b: Batch): Promise<void> {
    if (b.queryId !== 0) {
      const reply = await this.server.expect('missingReply');
      if (Number(reply.queryId) !== b.queryId) {
        throw new AgentError('PROTOCOL', `answer to query ${String(reply.queryId)} arrived where ${b.queryId} was expected`);
      }
      const missing = reply.missing ?? [];
      this.counters.chunksDeduplicated += b.ids.length - missing.length;
      const jobs: Array<{ id: Buffer; rawLength: number; listing: boolean; refs?: { refs: Buffer; listingRefs: number }; compressed: Promise<Compressed> }> =
        [];
      for (const index of missing) {
        const id = b.ids[index];
        if (!id) throw new AgentError('PROTOCOL', `the server asked for chunk ${index} of a ${b.ids.length}-id query`);
        const hex = id.toString('hex');
        const plain = b.data.get(hex)!;
        const listing = b.listings.has(hex);
        // An encrypted listing goes with the ids it names (the server cannot read them), taken before compression overwrites it.
        const refs = listing && this.keys ? sealedListingRefs(plain) : undefined;
        const compressed = b.raw.has(hex) ? Promise.resolve({ codec: Codec.Raw, payload: plain }) : this.pool.compress(plain);
        compressed.catch(() => undefined); // awaited below in order; a failure is reported there once
        jobs.push({ id, rawLength: plain.length, listing, refs, compressed });
      }
      b.data.clear();
      for (const job of jobs) {
        const { codec, payload } = await job.compressed;
        if (this.keys) {
          // Sealed: the ciphertext goes out in the pieces the cipher made (nonce, body, tag), not joined.
          const pieces = sealChunk(this.keys, job.id, codec, job.rawLength, payload, this.padding);
          let length = 0;
          for (const p of pieces) length += p.length;
          const chunk = { id: job.id, codec: Codec.Sealed, rawLength: length };
          if (job.listing) await this.server.send({ listingChunk: { ...chunk, payload: Buffer.concat(pieces, length), ...job.refs } });
          else await this.server.sendChunk({ ...chunk, payload: pieces });
          this.counters.chunksSent++;
          this.counters.chunkBytesSent += length;
          continue;
        }
        const chunk = { id: job.id, codec, rawLength: job.rawLength, payload };
        if (job.listing) await this.server.send({ listingChunk: chunk });
        else await this.server.sendChunk(chunk);
        this.counters.chunksSent++;
        this.counters.chunkBytesSent += payload.length;
      }
      // The payloads lay in the slab (compressed in place): it is free once the socket is done with them.
      const slab = b.slab;
      b.slab = undefined;
      if (slab) void this.server.written().then(() => this.freeSlabs.push(slab));
    }
  }
}

/** The ids an encrypted listing chunk names, as ListingChunk carries them: its directories' listings first, then data chunks. */
function sealedListingRefs(chunk: Buffer): { refs: Buffer; listingRefs: number } {
  const { listings, data } = listingRefs(chunk);
  return { refs: Buffer.concat([...listings, ...data]), listingRefs: listings.length };
}
