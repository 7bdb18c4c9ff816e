import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { WakeSignal } from './wake-signal';

const open = promisify(fs.open);
const write = promisify(fs.write);
const close = promisify(fs.close);

/** Flags of every file a restore creates: never an existing file, never through a symlink. */
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/** Limits of the queue; defaults suit a restore of many small files. */
export interface FileWriteLimits {
  /** Files being created and written at once. */
  files: number;
  /** Bytes handed over but not yet written (bounds memory). */
  bytes: number;
}

export const DEFAULT_FILE_WRITE_LIMITS: FileWriteLimits = { files: 8, bytes: 16 * 1024 * 1024 };

/**
 * Creates and writes many files at once on libuv's thread pool. Creating a
 * file costs far more than writing a small one on most filesystems (journal,
 * directory update), so a restore that creates them one after another is
 * bound by that latency; with several in flight the kernel overlaps them.
 * The caller hands pieces over in order and goes on; it waits only when too
 * many files or bytes are outstanding. The first failure is kept and thrown
 * by the next call.
 */
export class FileWriteQueue {
  private readonly active = new Set<Promise<void>>();
  private outstandingBytes = 0;
  private failure: Error | undefined;
  /** Woken whenever a file completes or bytes are written. */
  private readonly changed = new WakeSignal();

  constructor(private readonly limits: FileWriteLimits = DEFAULT_FILE_WRITE_LIMITS) {}

  /** Starts a new file (created with mode 0600 until `end` sets its metadata). */
  async create(dest: Buffer): Promise<QueuedFile> {
    this.throwIfFailed();
    while (this.active.size >= this.limits.files) await this.changed.wait();
    return new QueuedFile(this, dest);
  }

  /** Waits for every file to be written and closed; throws the first failure. */
  async drain(): Promise<void> {
    while (this.active.size > 0) await this.changed.wait();
    this.throwIfFailed();
  }

  /** @internal */
  track(done: Promise<void>): void {
    const p = done.then(
      () => undefined,
      (err: Error) => {
        this.failure ??= err;
      },
    );
    this.active.add(p);
    void p.finally(() => {
      this.active.delete(p);
      this.changed.wake();
    });
  }

  /** @internal Accounts bytes handed over; waits while too many are outstanding. */
  async reserve(n: number): Promise<void> {
    this.outstandingBytes += n;
    while (this.outstandingBytes > this.limits.bytes && this.active.size > 0 && !this.failure) await this.changed.wait();
    this.throwIfFailed();
  }

  /** @internal */
  release(n: number): void {
    this.outstandingBytes -= n;
    this.changed.wake();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** One file being written: pieces go in order; `end` sets metadata and closes it. */
export class QueuedFile {
  private readonly fd: Promise<number>;
  private chain: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (e: Error) => void;
  /** Settles once the file is complete and closed. */
  readonly done: Promise<void>;

  constructor(
    private readonly queue: FileWriteQueue,
    readonly dest: Buffer,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // reported through the queue
    queue.track(this.done);
    this.fd = open(dest, CREATE_FLAGS, 0o600);
    this.chain = this.fd.then(() => undefined);
  }

  /** Queues a piece (which must not change afterwards). */
  async write(piece: Buffer): Promise<void> {
    this.chain = this.chain.then(async () => {
      const fd = await this.fd;
      try {
        for (let off = 0; off < piece.length; ) off += (await write(fd, piece, off, piece.length - off)).bytesWritten;
      } finally {
        this.queue.release(piece.length);
      }
    });
    await this.queue.reserve(piece.length);
  }

  /** Queues the last step (metadata, given the open fd) and the close. */
  end(finish: (fd: number) => Promise<void>): void {
    const closed = this.chain
      .then(async () => finish(await this.fd))
      .finally(async () => {
        const fd = await this.fd.catch(() => undefined);
        if (fd !== undefined) await close(fd);
      });
    closed.then(this.resolveDone, this.rejectDone);
  }
}
