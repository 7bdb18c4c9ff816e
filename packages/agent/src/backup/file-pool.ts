import { type ChunkerParams } from '@cpsbackup/chunker';
import { CHUNK_ID_BYTES } from '@cpsbackup/format';
import { WorkerPool } from '@cpsbackup/workers';
import { AgentError } from '../errors';
import { workerScript } from '../worker-script';
import { type FileStat } from './file-reader';
import { type ChunkDone, type ChunkJob } from './chunk-worker';
import { type FileBatchDone, type FileBatchJob, STAT_FIELDS } from './file-worker';
import { type WalkItem } from './walker';

/** One file as the file pool read it. */
export interface FileRead {
  /** Why it could not be read (an errno code such as ENOENT, or a message). */
  error?: string;
  /** Grew since the walk past the pool's largest file or its room in the batch's slab: to be streamed instead. */
  tooLarge?: boolean;
  /** Times it was read, and the bytes read over all of them. */
  reads: number;
  bytesRead: number;
  /** Still changing after the last read allowed: kept as last read. */
  changed: boolean;
  /** Metadata as of the end of the last read. */
  stat?: FileStat;
  /** Its chunks, in order: the bytes are valid until the batch is released (see ReadAhead.next). */
  chunks: Array<{ id: Buffer; data: Buffer }>;
}

/** Room for what a file may have grown by between the walk and its read. */
const SLAB_SLACK = 64 * 1024;
const MIN_SLAB_BYTES = 1024 * 1024 + SLAB_SLACK;
/**
 * A worker allocates little that lives (ids, metadata): a young generation
 * of 2 MiB instead of V8's default of up to 48 MiB keeps each worker's
 * resident memory small.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2 };
/**
 * Free slabs kept for later batches: as many as the read-ahead holds at
 * once (DEFAULT_READ_AHEAD.bytes / MIN_SLAB_BYTES), so that the slabs of a
 * tree of small files are allocated once and reused. Slabs dropped and
 * allocated again left their memory in the allocator's free lists.
 */
const MAX_FREE_SLABS = 4;

/** One pool of worker threads for a backup's file reads and its chunk jobs (backup-worker.ts runs both). */
export type BackupWorkers = WorkerPool<FileBatchJob | ChunkJob, FileBatchDone | ChunkDone>;

/**
 * The backup's worker threads: `threads` of them, each reading file
 * batches and hashing and compressing chunks. A pool for each cost an
 * isolate more per thread (about 13 MB each, PERFORMANCE.md).
 */
export function backupWorkers(threads: number, script: string = workerScript('backup/backup-worker')): BackupWorkers {
  return new WorkerPool(script, threads, (what) => new AgentError('READ', `backup workers: ${what}`), WORKER_LIMITS);
}

/**
 * Files read, cut and hashed on worker threads, a batch of files per job
 * (file-worker.ts). `threads` is how many files are read at once: on a cold
 * disk that is how many reads are in flight. The bytes land in shared
 * slabs, reused batch after batch.
 */
export class FilePool {
  private readonly workers: WorkerPool<FileBatchJob, FileBatchDone>;
  private readonly freeSlabs: SharedArrayBuffer[] = [];

  constructor(
    private readonly params: ChunkerParams,
    /** idKey: an encrypted node's (ChunkKeys.idKey): chunk ids are then keyed hashes. */
    private readonly limits: { maxReads: number; maxBytes: number; idKey?: Uint8Array },
    /** Threads of a pool of its own, or a backup's shared pool (backupWorkers). */
    threads: number | BackupWorkers,
    script: string = workerScript('backup/file-worker'),
  ) {
    this.workers =
      typeof threads === 'number'
        ? new WorkerPool(script, threads, (what) => new AgentError('READ', `file pool: ${what}`), WORKER_LIMITS)
        : (threads as unknown as WorkerPool<FileBatchJob, FileBatchDone>);
  }

  /**
   * Reads the files (`bytes`: their sizes at walk time), answering for each
   * in the order given. Their chunks' bytes stay valid until `release` is
   * called, which gives their slab to a later batch.
   */
  async read(paths: readonly Buffer[], bytes: number): Promise<{ files: FileRead[]; release: () => void }> {
    const names = new Uint8Array(paths.reduce((n, p) => n + p.length, 0));
    const nameEnds: number[] = [];
    let at = 0;
    for (const p of paths) {
      names.set(p, at);
      nameEnds.push((at += p.length));
    }
    const slab = this.takeSlab(slabBytesFor(bytes));
    const job = {
      names: names.buffer,
      nameEnds,
      slab,
      params: this.params,
      maxReads: this.limits.maxReads,
      maxBytes: this.limits.maxBytes,
      idKey: this.limits.idKey,
    };
    const done = await this.workers.run(job, bytes, [names.buffer]);
    const release = () => {
      // Only slabs of the common size are kept: a batch holding a file of over 1 MiB gets a slab of its own, dropped after.
      if (slab.byteLength === MIN_SLAB_BYTES && this.freeSlabs.length < MAX_FREE_SLABS) this.freeSlabs.push(slab);
    };
    return { files: done.files.map((_, i) => fileRead(done, i, slab)), release };
  }

  close(): Promise<void> {
    return this.workers.close();
  }

  private takeSlab(bytes: number): SharedArrayBuffer {
    if (bytes <= MIN_SLAB_BYTES) return this.freeSlabs.pop() ?? new SharedArrayBuffer(MIN_SLAB_BYTES);
    return new SharedArrayBuffer(bytes);
  }
}

/** The slab a batch of `bytes` of files needs: what the read-ahead counts as held while the batch is. */
export function slabBytesFor(bytes: number): number {
  return Math.max(MIN_SLAB_BYTES, bytes + SLAB_SLACK);
}

/** A file's metadata from its values in STAT_FIELDS order: one object literal of a fixed shape, as it is made per file. */
function statOf(v: BigInt64Array): FileStat {
  return { mode: v[0]!, uid: v[1]!, gid: v[2]!, size: v[3]!, mtimeNs: v[4]!, ctimeNs: v[5]!, ino: v[6]!, dev: v[7]!, rdev: v[8]!, nlink: v[9]! };
}

/** File i of a worker's answer, as the main thread uses it. */
function fileRead(done: FileBatchDone, i: number, slab: SharedArrayBuffer): FileRead {
  const f = done.files[i]!;
  const read: FileRead = { error: f.error, tooLarge: f.tooLarge, reads: f.reads, bytesRead: f.bytesRead, changed: f.changed, chunks: [] };
  if (f.error !== undefined || f.tooLarge) return read;
  read.stat = statOf(new BigInt64Array(done.stats, i * STAT_FIELDS.length * 8, STAT_FIELDS.length));
  const bytes = Buffer.from(slab, f.offset);
  let start = 0;
  for (let c = f.firstCut; c < f.firstCut + f.cuts; c++) {
    const end = done.cutEnds[c]!;
    read.chunks.push({ id: Buffer.from(done.ids, c * CHUNK_ID_BYTES, CHUNK_ID_BYTES), data: bytes.subarray(start, end) });
    start = end;
  }
  return read;
}

/** What the walk found next, with what is known or under way about its content. */
export interface AheadStep {
  item: WalkItem;
  /** The parent backup's chunks, when the file is unchanged since. */
  reused?: Buffer[];
  /** When it changed: the parent backup's chunks at its path, which the server holds. */
  known?: Buffer[];
  /** Its read on the file pool, when it went there. */
  read?: Promise<FileRead>;
}

/** What the read-ahead decides for a walked item; asked once per item, in walk order. */
export type AheadDecision = (item: WalkItem) => { reused?: Buffer[]; known?: Buffer[]; pooled: boolean };

/** How far ahead of the main thread the walk and the reads run. */
export interface ReadAheadLimits {
  /** Walked items held ahead (bounds memory whatever the number of files). */
  items: number;
  /**
   * Bytes held ahead: the slabs of the batches read or being read (each at
   * least MIN_SLAB_BYTES however small its files). Counting the files'
   * bytes instead let 2,048 small files take 32 slabs, and slabs beyond the
   * free list's 8 became garbage: +90 MB of peak RSS on 30,000 small files.
   */
  bytes: number;
  /** Files, and bytes, per job sent to the pool. */
  batchFiles: number;
  batchBytes: number;
}

const DEFAULT_READ_AHEAD: ReadAheadLimits = { items: 2048, bytes: 4 * 1024 * 1024, batchFiles: 64, batchBytes: 1024 * 1024 };

/** Files sent to the pool together; their slab is released once the last of them has been taken. */
interface Batch {
  paths: Buffer[];
  bytes: number;
  settle: Array<{ resolve: (r: FileRead) => void; reject: (e: Error) => void }>;
  untaken: number;
  release?: () => void;
}

function newBatch(): Batch {
  return { paths: [], bytes: 0, settle: [], untaken: 0 };
}

/**
 * Runs the walk ahead of the main thread and starts reading the files it
 * finds on the file pool, so that while the main thread sends one file's
 * chunks the next ones are being read, cut and hashed. Steps come out in
 * walk order (the manifest needs it), each with its read's promise; a
 * step's chunk bytes stay valid until the next call to next(). Holds at
 * most `items` steps and `bytes` of pooled files: memory does not grow
 * with the tree. It refills at half those marks, so the pool gets batches
 * of files rather than one file at a time.
 */
export class ReadAhead {
  private readonly queue: Array<{ step: AheadStep; batch?: Batch }> = [];
  /** Slab bytes of the batches not released yet, and of the one being gathered. */
  private heldBytes = 0;
  private walked = false;
  private batch = newBatch();
  /** The batch of the step last handed out: that step is done at the next call. */
  private current: Batch | undefined;

  constructor(
    private readonly items: Iterator<WalkItem>,
    private readonly pool: FilePool,
    private readonly decide: AheadDecision,
    private readonly limits: ReadAheadLimits = DEFAULT_READ_AHEAD,
  ) {}

  /** The next step in walk order, or undefined at the end of the walk. The previous step's bytes are given up. */
  next(): AheadStep | undefined {
    if (this.current && --this.current.untaken === 0) {
      this.current.release?.();
      this.heldBytes -= slabBytesFor(this.current.bytes);
    }
    this.current = undefined;
    if (this.queue.length === 0 || (this.queue.length < this.limits.items / 2 && this.heldBytes < this.limits.bytes / 2)) this.fill();
    const next = this.queue.shift();
    if (!next) return undefined;
    if (next.batch) this.current = next.batch;
    return next.step;
  }

  private fill(): void {
    // With nothing queued every slab has been given back, so this always makes progress.
    while (!this.walked && this.queue.length < this.limits.items && this.heldBytes + this.gathering() < this.limits.bytes) {
      const next = this.items.next();
      if (next.done) {
        this.walked = true;
        break;
      }
      const item = next.value;
      const { reused, known, pooled } = this.decide(item);
      const step: AheadStep = { item, reused, known };
      if (!pooled) {
        this.queue.push({ step });
        continue;
      }
      // A file that would take the batch past batchBytes starts the next one: batches then fit the common slab (MIN_SLAB_BYTES), which is reused.
      if (this.batch.paths.length && this.batch.bytes + Number(item.stat.size) > this.limits.batchBytes) this.flush();
      const batch = this.batch;
      step.read = this.enqueue(item);
      this.queue.push({ step, batch });
    }
    this.flush();
  }

  private enqueue(item: WalkItem): Promise<FileRead> {
    const b = this.batch;
    const read = new Promise<FileRead>((resolve, reject) => b.settle.push({ resolve, reject }));
    read.catch(() => undefined); // a failed pool is reported where the step is taken
    b.paths.push(item.path);
    b.bytes += Number(item.stat.size);
    b.untaken++;
    if (b.paths.length >= this.limits.batchFiles || b.bytes >= this.limits.batchBytes) this.flush();
    return read;
  }

  /** Slab bytes the batch being gathered will take. */
  private gathering(): number {
    return this.batch.paths.length ? slabBytesFor(this.batch.bytes) : 0;
  }

  private flush(): void {
    const b = this.batch;
    if (b.paths.length === 0) return;
    this.batch = newBatch();
    this.heldBytes += slabBytesFor(b.bytes);
    this.pool.read(b.paths, b.bytes).then(
      ({ files, release }) => {
        b.release = release;
        files.forEach((f, i) => b.settle[i]!.resolve(f));
      },
      (err: Error) => b.settle.forEach((s) => s.reject(err)),
    );
  }
}
