import * as os from 'node:os';
import { AgentError } from '../errors';
import { workerScript } from '../worker-script';
import { WorkerPool } from '@cpsbackup/workers';
import type { ChunkDone, ChunkJob } from './chunk-worker';
import type { BackupWorkers } from './file-pool';

/** A compressed chunk as it goes on the wire. */
export interface Compressed {
  codec: number;
  payload: Buffer;
}

/**
 * SHA-256 and zstd on worker threads, so the agent's main thread goes on
 * reading and cutting while chunks are hashed and compressed on the other
 * cores. Hashing a re-read file was a quarter of the main thread's time,
 * and zstd a third of a first backup's CPU (PERFORMANCE.md). Jobs are spread
 * over the workers by least outstanding bytes; results come back as
 * promises.
 *
 * A chunk in a SharedArrayBuffer is read (and compressed) by the worker in
 * place: the caller must leave those bytes alone until the promise settles.
 * Any other chunk is copied first, so the caller may reuse its buffer at once.
 */
export class ChunkPool {
  private readonly workers: WorkerPool<ChunkJob, ChunkDone>;

  constructor(
    private readonly level: number,
    /** Threads of a pool of its own, or a backup's shared pool (file-pool.ts, backupWorkers). */
    threads: number | BackupWorkers = defaultThreads(),
    /** The compiled worker script. */
    script: string = workerScript('backup/chunk-worker'),
    /** An encrypted node's id key (ChunkKeys.idKey): hash() then gives keyed ids. */
    private readonly idKey?: Uint8Array,
  ) {
    this.workers =
      typeof threads === 'number'
        ? new WorkerPool(script, threads, (what) => new AgentError('COMPRESS', `chunk pool: ${what}`))
        : (threads as unknown as WorkerPool<ChunkJob, ChunkDone>);
  }

  /** Bytes of jobs submitted and not yet answered, over all workers. */
  get queuedBytes(): number {
    return this.workers.load;
  }

  /** The chunk's id (SHA-256 of its bytes, or its keyed hash on an encrypted node). */
  async hash(data: Uint8Array): Promise<Buffer> {
    const done = await this.submit('hash', data);
    return Buffer.from(done.id!);
  }

  /**
   * The chunk encoded for the wire: zstd, or raw when it does not shrink.
   * A chunk in a SharedArrayBuffer is compressed in place: the payload is a
   * view of its first bytes, which the zstd frame has overwritten. Any other
   * chunk is left as it is and the payload has a buffer of its own.
   */
  async compress(plain: Uint8Array): Promise<Compressed> {
    const done = await this.submit('compress', plain);
    const payload = done.buffer ? Buffer.from(done.buffer, 0, done.length!) : Buffer.from(plain.buffer, plain.byteOffset, done.length!);
    return { codec: done.codec!, payload };
  }

  private submit(op: ChunkJob['op'], data: Uint8Array): Promise<ChunkDone> {
    if (data.buffer instanceof SharedArrayBuffer) {
      return this.workers.run({ op, buffer: data.buffer, offset: data.byteOffset, length: data.length, level: this.level, idKey: this.idKey }, data.length);
    }
    const copy = new ArrayBuffer(data.length);
    new Uint8Array(copy).set(data);
    return this.workers.run({ op, buffer: copy, offset: 0, length: data.length, level: this.level, idKey: this.idKey }, data.length, [copy]);
  }

  /** Stops the workers (jobs still running are rejected). */
  close(): Promise<void> {
    return this.workers.close();
  }
}

/** One worker per core but one: the main thread keeps a core for reading and chunking. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}
