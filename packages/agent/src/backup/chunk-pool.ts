import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { AgentError } from '../errors';
import { workerScript } from '../worker-script';
import type { ChunkDone, ChunkJob } from './chunk-worker';

/** A compressed chunk as it goes on the wire. */
export interface Compressed {
  codec: number;
  payload: Buffer;
}

interface Waiting {
  resolve: (d: ChunkDone) => void;
  reject: (e: Error) => void;
  slot: number;
  size: number;
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
  private readonly workers: Array<{ worker: Worker; outstanding: number }> = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextJob = 1;
  private failure: Error | undefined;

  constructor(
    private readonly level: number,
    private readonly threads: number = defaultThreads(),
    /** The compiled worker script. */
    private readonly script: string = workerScript('backup/chunk-worker'),
  ) {}

  /** Bytes of jobs submitted and not yet answered, over all workers. */
  get queuedBytes(): number {
    let n = 0;
    for (const w of this.workers) n += w.outstanding;
    return n;
  }

  /** The chunk's id (SHA-256 of its bytes). */
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

  /**
   * Workers start with the first job: a backup with nothing to read or
   * send (most re-backups of a quiet node) never pays for their isolates.
   */
  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(this.script);
      worker.on('message', (m: ChunkDone) => this.onDone(m));
      worker.on('error', (err) => this.fail(new AgentError('COMPRESS', `chunk worker failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new AgentError('COMPRESS', `chunk worker exited with code ${code}`));
      });
      this.workers.push({ worker, outstanding: 0 });
    }
  }

  private submit(op: ChunkJob['op'], data: Uint8Array): Promise<ChunkDone> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) this.start();
    const slot = this.leastBusy();
    const job = this.nextJob++;
    let msg: ChunkJob;
    let transfer: ArrayBuffer[] = [];
    if (data.buffer instanceof SharedArrayBuffer) {
      msg = { job, op, buffer: data.buffer, offset: data.byteOffset, length: data.length, level: this.level };
    } else {
      const copy = new ArrayBuffer(data.length);
      new Uint8Array(copy).set(data);
      msg = { job, op, buffer: copy, offset: 0, length: data.length, level: this.level };
      transfer = [copy];
    }
    return new Promise((resolve, reject) => {
      this.waiting.set(job, { resolve, reject, slot, size: data.length });
      this.workers[slot]!.outstanding += data.length;
      this.workers[slot]!.worker.postMessage(msg, transfer);
    });
  }

  private leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.outstanding < this.workers[best]!.outstanding) best = i;
    return best;
  }

  private onDone(m: ChunkDone): void {
    const w = this.waiting.get(m.job);
    if (!w) return;
    this.waiting.delete(m.job);
    this.workers[w.slot]!.outstanding -= w.size;
    w.resolve(m);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  /** Stops the workers (jobs still running are rejected). */
  async close(): Promise<void> {
    this.fail(new AgentError('COMPRESS', 'the chunk pool was closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** One worker per core but one: the main thread keeps a core for reading and chunking. */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}
