import * as os from 'node:os';
import { CHUNK_ID_BYTES, encodedChunkMatches, FormatError } from '@cpsbackup/format';
import { type EncodedChunkCheck } from '@cpsbackup/store';
import { WorkerPool, workerScript } from '@cpsbackup/workers';
import type { CheckDone, CheckJob } from './chunk-check-worker';

interface Pending {
  id: Buffer;
  codec: number;
  payload: Buffer;
  rawLength: number;
  resolve: (matches: boolean) => void;
  reject: (err: Error) => void;
}

/**
 * Chunks smaller than this are checked on the main thread: a message to a
 * worker and back costs more than decoding and hashing one (measured on a
 * tree of small files: 30 µs per postMessage against about 20 µs of work).
 */
const OFFLOAD_BYTES = 32 * 1024;
/** Chunks, and payload bytes, per message to a worker. */
const BATCH_CHUNKS = 64;
const BATCH_BYTES = 1024 * 1024;

/**
 * Where cpsbackupd decodes and hashes the chunks agents send: on a pool of
 * worker threads, so the main thread only receives, records and answers
 * (decoding and hashing were most of its CPU during a backup); small
 * chunks are checked in place (OFFLOAD_BYTES). Every chunk
 * is still checked before a byte of it is stored (see
 * BackupWriter.queueEncodedChunk). Chunks go to the workers in batches:
 * those that arrive together (up to 64, or 1 MiB) share one message, as a
 * message per small chunk cost about as much CPU as checking it.
 */
export class ChunkChecks {
  private pool: WorkerPool<CheckJob, CheckDone> | undefined;
  private closed = false;
  private batch: Pending[] = [];
  private batchBytes = 0;
  private flushQueued = false;

  /**
   * `threads` 0: every check in place, on the main thread; -1: two cores
   * left to the main thread and the rest (at most 4) to checks, so none on
   * a machine of two cores. Measured on two cores shared with an agent,
   * handing chunks to a worker cost 14 % more server CPU and 5 % more wall
   * time on a first backup than checking them in place: the copy and the
   * hand-off buy nothing when no core is idle.
   */
  constructor(threads: number, script: string = workerScript(__dirname, 'chunk-check-worker')) {
    const n = threads >= 0 ? threads : Math.max(0, Math.min(4, os.availableParallelism() - 2));
    // A small young generation: a worker keeps nothing between batches.
    this.newPool = () => new WorkerPool(script, n, (what) => new Error(`chunk checks: ${what}`), { maxYoungGenerationSizeMb: 2 });
    this.pool = n > 0 ? this.newPool() : undefined;
  }

  private readonly newPool: () => WorkerPool<CheckJob, CheckDone>;

  /** The check a backup writer runs for each chunk it receives. */
  readonly check: EncodedChunkCheck = (id, codec, payload, rawLength) => {
    if (!this.pool || rawLength < OFFLOAD_BYTES) return encodedChunkMatches(id, codec, payload, rawLength);
    return new Promise<boolean>((resolve, reject) => {
      this.batch.push({ id, codec, payload, rawLength, resolve, reject });
      this.batchBytes += payload.length;
      if (this.batch.length >= BATCH_CHUNKS || this.batchBytes >= BATCH_BYTES) this.flush();
      else if (!this.flushQueued) {
        // The rest of what one socket read brought is received first, then the batch goes.
        this.flushQueued = true;
        setImmediate(() => this.flush());
      }
    });
  };

  close(): Promise<void> {
    this.closed = true;
    return this.pool?.close() ?? Promise.resolve();
  }

  private flush(): void {
    this.flushQueued = false;
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const ids = new Uint8Array(batch.length * CHUNK_ID_BYTES);
    const payloads = new Uint8Array(this.batchBytes); // the workers get copies: the originals stay for the packs
    this.batchBytes = 0;
    const payloadEnds: number[] = [];
    let at = 0;
    batch.forEach((c, i) => {
      ids.set(c.id, i * CHUNK_ID_BYTES);
      payloads.set(c.payload, at);
      payloadEnds.push((at += c.payload.length));
    });
    const job = { ids: ids.buffer, payloads: payloads.buffer, payloadEnds, codecs: batch.map((c) => c.codec), rawLengths: batch.map((c) => c.rawLength) };
    const pool = this.pool!;
    pool.run(job, payloads.length, [ids.buffer, payloads.buffer]).then(
      (done) =>
        done.results.forEach((r, i) => {
          if (r.undecodable !== undefined) batch[i]!.reject(new FormatError('CHUNK_CORRUPT', r.undecodable));
          else batch[i]!.resolve(r.matches);
        }),
      (err: Error) => {
        batch.forEach((c) => c.reject(err));
        // A worker that failed fails the backups whose chunks it held, not every later one: a new pool takes over.
        if (pool.failed && this.pool === pool && !this.closed) this.pool = this.newPool();
      },
    );
  }
}
