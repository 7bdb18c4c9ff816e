import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { AgentError } from './errors';
import { workerScript } from './worker-script';
import type { CompressDone, CompressJob } from './compress-worker';

/** A compressed chunk as it goes on the wire. */
export interface Compressed {
  codec: number;
  payload: Buffer;
}

/**
 * zstd on worker threads, so the agent's main thread goes on reading,
 * cutting and hashing while chunks compress on the other cores (zstd is a
 * third of a backup's CPU time: PERFORMANCE.md). Jobs are spread over the
 * workers by least outstanding work; results come back as promises, which
 * the uploader awaits in order.
 */
export class CompressionPool {
  private readonly workers: Array<{ worker: Worker; outstanding: number }> = [];
  private readonly waiting = new Map<number, { resolve: (c: Compressed) => void; reject: (e: Error) => void; slot: number; size: number }>();
  private nextJob = 1;
  private failure: Error | undefined;

  constructor(
    private readonly level: number,
    private readonly threads: number = defaultThreads(),
    /** The compiled worker script. */
    private readonly script: string = workerScript('compress-worker'),
  ) {}

  /**
   * Workers start with the first job: a backup with nothing new to send
   * (most re-backups of a quiet node) never pays for their isolates.
   */
  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(this.script);
      worker.on('message', (m: CompressDone) => this.onDone(m));
      worker.on('error', (err) => this.fail(new AgentError('COMPRESS', `compression worker failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new AgentError('COMPRESS', `compression worker exited with code ${code}`));
      });
      this.workers.push({ worker, outstanding: 0 });
    }
  }

  /** Compresses a copy of `plain` (the caller may reuse its buffer at once). */
  compress(plain: Uint8Array): Promise<Compressed> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) this.start();
    const slot = this.leastBusy();
    const job = this.nextJob++;
    const copy = new ArrayBuffer(plain.length);
    new Uint8Array(copy).set(plain);
    const msg: CompressJob = { job, plain: copy, level: this.level };
    return new Promise((resolve, reject) => {
      this.waiting.set(job, { resolve, reject, slot, size: plain.length });
      this.workers[slot]!.outstanding += plain.length;
      this.workers[slot]!.worker.postMessage(msg, [copy]);
    });
  }

  private leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.outstanding < this.workers[best]!.outstanding) best = i;
    return best;
  }

  private onDone(m: CompressDone): void {
    const w = this.waiting.get(m.job);
    if (!w) return;
    this.waiting.delete(m.job);
    this.workers[w.slot]!.outstanding -= w.size;
    w.resolve({ codec: m.codec, payload: Buffer.from(m.payload) });
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  /** Stops the workers (jobs still running are rejected). */
  async close(): Promise<void> {
    this.fail(new AgentError('COMPRESS', 'the compression pool was closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** One worker per core but one: the main thread keeps a core for reading and chunking. */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}
