import { type ChunkerParams } from '@cpsbackup/chunker';
import { AgentError } from '../errors';
import { workerScript } from '../worker-script';
import { WorkerPool } from '@cpsbackup/workers';
import type { FileBatchDone, FileBatchJob, FileRead } from './file-worker';
import { type WalkItem } from './walker';

export type { FileRead } from './file-worker';

/**
 * Files read, cut and hashed on worker threads, a batch of files per job
 * (file-worker.ts). `threads` is how many files are read at once: on a cold
 * disk that is how many reads are in flight.
 */
export class FilePool {
  private readonly workers: WorkerPool<FileBatchJob, FileBatchDone>;

  constructor(
    private readonly params: ChunkerParams,
    private readonly limits: { maxReads: number; maxBytes: number },
    threads: number,
    script: string = workerScript('backup/file-worker'),
  ) {
    this.workers = new WorkerPool(script, threads, (what) => new AgentError('READ', `file pool: ${what}`));
  }

  /** Reads the files, answering for each in the order given. `bytes` weighs the job (their sizes at walk time). */
  async read(paths: readonly Buffer[], bytes: number): Promise<FileRead[]> {
    const names = new Uint8Array(new ArrayBuffer(paths.reduce((n, p) => n + p.length, 0)));
    const ends: number[] = [];
    let at = 0;
    for (const p of paths) {
      names.set(p, at);
      ends.push((at += p.length));
    }
    const job = { names: names.buffer, ends, params: this.params, maxReads: this.limits.maxReads, maxBytes: this.limits.maxBytes };
    return (await this.workers.run(job, bytes, [names.buffer])).files;
  }

  close(): Promise<void> {
    return this.workers.close();
  }
}

/** What the walk found next, with what is known or under way about its content. */
export interface AheadStep {
  item: WalkItem;
  /** The parent backup's chunks, when the file is unchanged since. */
  reused?: Buffer[];
  /** Its read on the file pool, when it went there. */
  read?: Promise<FileRead>;
}

/** What the read-ahead decides for a walked item; asked once per item, in walk order. */
export type AheadDecision = (item: WalkItem) => { reused?: Buffer[]; pooled: boolean };

/** How far ahead of the main thread the walk and the reads run. */
export interface ReadAheadLimits {
  /** Walked items held ahead (bounds memory whatever the number of files). */
  items: number;
  /** Bytes of pooled files held ahead, read or being read. */
  bytes: number;
  /** Files, and bytes, per job sent to the pool. */
  batchFiles: number;
  batchBytes: number;
}

export const DEFAULT_READ_AHEAD: ReadAheadLimits = { items: 2048, bytes: 32 * 1024 * 1024, batchFiles: 64, batchBytes: 1024 * 1024 };

interface OpenBatch {
  paths: Buffer[];
  bytes: number;
  settle: Array<{ resolve: (r: FileRead) => void; reject: (e: Error) => void }>;
}

function newBatch(): OpenBatch {
  return { paths: [], bytes: 0, settle: [] };
}

/**
 * Runs the walk ahead of the main thread and starts reading the files it
 * finds on the file pool, so that while the main thread sends one file's
 * chunks the next ones are being read, cut and hashed. Steps come out in
 * walk order (the manifest needs it), each with its read's promise.
 * Holds at most `items` steps and `bytes` of pooled files: memory does not
 * grow with the tree. It refills at half those marks, so the pool gets
 * batches of files rather than one file at a time.
 */
export class ReadAhead {
  private readonly queue: AheadStep[] = [];
  private heldBytes = 0;
  private walked = false;
  private batch = newBatch();

  constructor(
    private readonly items: Iterator<WalkItem>,
    private readonly pool: FilePool,
    private readonly decide: AheadDecision,
    private readonly limits: ReadAheadLimits = DEFAULT_READ_AHEAD,
  ) {}

  /** The next step in walk order, or undefined at the end of the walk. */
  next(): AheadStep | undefined {
    if (this.queue.length === 0 || (this.queue.length < this.limits.items / 2 && this.heldBytes < this.limits.bytes / 2)) this.fill();
    const step = this.queue.shift();
    if (step?.read) this.heldBytes -= Number(step.item.stat.size);
    return step;
  }

  private fill(): void {
    while (!this.walked && this.queue.length < this.limits.items && this.heldBytes < this.limits.bytes) {
      const next = this.items.next();
      if (next.done) {
        this.walked = true;
        break;
      }
      const item = next.value;
      const { reused, pooled } = this.decide(item);
      const step: AheadStep = { item, reused };
      if (pooled) {
        step.read = this.enqueue(item);
        this.heldBytes += Number(item.stat.size);
      }
      this.queue.push(step);
    }
    this.flush();
  }

  private enqueue(item: WalkItem): Promise<FileRead> {
    const b = this.batch;
    const read = new Promise<FileRead>((resolve, reject) => b.settle.push({ resolve, reject }));
    read.catch(() => undefined); // a failed pool is reported where the step is consumed
    b.paths.push(item.path);
    b.bytes += Number(item.stat.size);
    if (b.paths.length >= this.limits.batchFiles || b.bytes >= this.limits.batchBytes) this.flush();
    return read;
  }

  private flush(): void {
    const b = this.batch;
    if (b.paths.length === 0) return;
    this.batch = newBatch();
    this.pool.read(b.paths, b.bytes).then(
      (files) => files.forEach((f, i) => b.settle[i]!.resolve(f)),
      (err: Error) => b.settle.forEach((s) => s.reject(err)),
    );
  }
}
