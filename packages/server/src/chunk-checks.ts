import * as os from 'node:os';
import { FormatError } from '@cpsbackup/format';
import { type EncodedChunkCheck } from '@cpsbackup/store';
import { WorkerPool, workerScript } from '@cpsbackup/workers';
import type { CheckDone, CheckJob } from './chunk-check-worker';

/**
 * Where cpsbackupd decodes and hashes the chunks agents send: on a pool of
 * worker threads, so the main thread only receives, records and answers
 * (decoding and hashing were most of its CPU during a backup). Every chunk
 * is still checked before a byte of it is stored (see
 * BackupWriter.queueEncodedChunk).
 */
export class ChunkChecks {
  private readonly pool: WorkerPool<CheckJob, CheckDone>;

  /** `threads` 0: one per core but one, at most 4 (the main thread keeps a core for the sockets and the store). */
  constructor(threads: number, script: string = workerScript(__dirname, 'chunk-check-worker')) {
    const n = threads > 0 ? threads : Math.max(1, Math.min(4, os.availableParallelism() - 1));
    this.pool = new WorkerPool(script, n, (what) => new Error(`chunk checks: ${what}`));
  }

  /** The check a backup writer runs for each chunk it receives. */
  readonly check: EncodedChunkCheck = async (id, codec, payload, rawLength) => {
    const idCopy = new Uint8Array(id).buffer;
    const payloadCopy = new Uint8Array(payload).buffer; // the worker gets its own copy: the original stays for the pack
    const done = await this.pool.run({ id: idCopy, codec, payload: payloadCopy, rawLength }, payload.length, [idCopy, payloadCopy]);
    if (done.undecodable !== undefined) throw new FormatError('CHUNK_CORRUPT', done.undecodable);
    return done.matches;
  };

  close(): Promise<void> {
    return this.pool.close();
  }
}
