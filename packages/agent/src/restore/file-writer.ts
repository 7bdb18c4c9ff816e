import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Xattr } from '@cpsbackup/format';
import { AgentError } from '../errors';
import { escapeName } from '../escaped-names';
import { FoldedWarnings } from './folded-warnings';
import { workerScript } from '../worker-script';
import { CTRL_USED, type WriteStop, type WriterOp, type WriterReport, type WriterWorkerData } from './file-writer-worker';

/**
 * The writer thread met an error that stops every file (no space, a
 * read-only or failing disk): its message as node:fs says it ("ENOSPC: no
 * space left on device, write"), and where the writer stood.
 */
export class WriterStopped extends AgentError {
  constructor(
    message: string,
    readonly stop: WriteStop,
  ) {
    super('RESTORE', message);
  }
}

/** Sizes of the writer; the defaults bound a restore's content in flight to 16 MiB. */
export interface FileWriterLimits {
  /** Shared ring holding content between the main thread and the writer. */
  ringBytes: number;
  /** Largest piece put in the ring at once (bigger pieces are split). */
  segmentBytes: number;
  /** Files made with no name until complete (O_TMPFILE) where the filesystem can; false: under a temporary name (tests of that path). */
  unnamedFiles?: boolean;
}

const DEFAULT_FILE_WRITER_LIMITS: FileWriterLimits = { ringBytes: 8 * 1024 * 1024, segmentBytes: 2 * 1024 * 1024 };

/** Metadata a file gets once its content is complete. */
export interface FileFinish {
  /** -1: leave the owner alone (not root). */
  uid: number;
  gid: number;
  mode: number;
  /** Nanoseconds since the epoch (set exactly: utimensat, not node's microseconds). */
  mtimeNs: bigint;
  /** The file is the first name of this hard-link group (0: none): later `link`s name it. */
  linkGroup?: number;
  /** Extended attributes to set (xattrs.ts's xattrSteps: the others first, the ACLs before the mode, the capability last). */
  xattrs?: readonly Xattr[];
}

/**
 * Writes a restore's files on a thread of its own (file-writer-worker.ts),
 * so the kernel's cost of creating files and copying their bytes into the
 * page cache (about a third of a restore's CPU time) runs beside receiving,
 * decoding and hashing on the main thread. Operations go in order, in one
 * message per turn of the event loop; content is copied into a shared ring,
 * and `write` waits only while the ring is full. The first failure is kept
 * and thrown by the next call.
 */
export class FileWriter {
  private readonly ring: Buffer;
  private readonly used: Int32Array;
  private worker: Worker | undefined;
  private closing = false;
  private head = 0;
  private nextFile = 1;
  private batch: WriterOp[] = [];
  private flushScheduled = false;
  private failure: Error | undefined;
  private readonly drains = new Map<number, () => void>();
  private nextDrain = 1;
  /** Files the writer skipped after a failure of their own (they appeared meanwhile, a refused name...): "path: why", a few per directory and reason, the rest counted. */
  private readonly skipped = new FoldedWarnings();
  get skippedFiles(): readonly string[] {
    return this.skipped.lines;
  }
  /** How many files were skipped, listed or counted. */
  get skippedCount(): number {
    return this.skipped.count;
  }
  /** Extended attributes the kernel would not set, the files kept: told here as they come. */
  onXattrFailure: (path: string, attribute: string, code: string) => void = () => undefined;

  constructor(
    /** The directory restored into: every path below is relative to it (the caller keeps it open until `close`). */
    private readonly baseFd: number,
    private readonly limits: FileWriterLimits = DEFAULT_FILE_WRITER_LIMITS,
    /** The compiled worker script. */
    private readonly script: string = workerScript('restore/file-writer-worker'),
  ) {
    const ring = new SharedArrayBuffer(limits.ringBytes);
    this.ring = Buffer.from(ring);
    this.used = new Int32Array(new SharedArrayBuffer(4));
  }

  /** The thread starts with the first file: a restore of directories and links alone never pays for it. */
  private start(): Worker {
    const data: WriterWorkerData = {
      ring: this.ring.buffer as SharedArrayBuffer,
      ctrl: this.used.buffer as SharedArrayBuffer,
      baseFd: this.baseFd,
      unnamedFiles: this.limits.unnamedFiles ?? true,
    };
    const worker = new Worker(this.script, { workerData: data });
    worker.on('message', (m: WriterReport) => this.onReport(m));
    worker.on('error', (err) => this.fail(new AgentError('RESTORE', `file writer thread failed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (code !== 0 && !this.closing) this.fail(new AgentError('RESTORE', `file writer thread exited with code ${code}`));
    });
    // Not unref'd: while the ring is full, this thread is what the restore waits on (a paused socket keeps nothing alive).
    return worker;
  }

  /**
   * Starts a new file `name` in the directory `parent` (relative to the
   * base: '' for the base itself), with no name (or, where the filesystem
   * cannot, a temporary one) until `finish` gives it its own (see the
   * worker's createFile); returns its handle. With
   * `replace`, it then replaces what is at its name (one rename: the old
   * file stays until the new one is complete). `mode`: the permissions
   * `finish` will give it, which a file with no name is made with (saving
   * its chmod where nothing else changes them). `keepWritable`: the file
   * stays writable by its owner until `finish` sets its mode, whatever
   * `mode` says (it has attributes the kernel sets only with write
   * permission on the inode).
   */
  create(parent: Buffer, name: Buffer, opts: { replace?: boolean; size?: number; mode?: number; keepWritable?: boolean } = {}): number {
    this.throwIfFailed();
    this.worker ??= this.start();
    const file = this.nextFile++;
    this.push({
      op: 'create',
      file,
      parent: parent.toString('latin1'),
      name: name.toString('latin1'),
      replace: opts.replace ?? false,
      size: opts.size ?? 0,
      mode: opts.mode ?? 0o600,
      keepWritable: opts.keepWritable ?? false,
    });
    return file;
  }

  /**
   * Appends a piece to a file; the piece may be reused once this returns
   * (or its promise settles). Whole 4 KiB blocks of zeros are left as
   * holes, not written (sparse files come back sparse, and those zeros
   * never cross the ring). A piece with no such block that fits in the
   * ring now is taken at once, with no promise: a restore of small files
   * is mostly that, and a promise chain per piece was much of the main
   * thread's collector time.
   */
  write(file: number, piece: Uint8Array): Promise<void> | undefined {
    this.throwIfFailed();
    const length = piece.length;
    if (length === 0) return undefined;
    if (length > this.limits.segmentBytes || hasZeroBlock(piece)) return this.writeWithHoles(file, piece);
    const wrap = this.head + length > this.ring.length;
    const need = length + (wrap ? this.ring.length - this.head : 0);
    if (this.ring.length - Atomics.load(this.used, CTRL_USED) < need) return this.writeWithHoles(file, piece);
    Atomics.add(this.used, CTRL_USED, need);
    const at = wrap ? 0 : this.head;
    this.head = at + length;
    // A piece decoded where target() said is in place already.
    if (piece.buffer !== this.ring.buffer || piece.byteOffset !== at) this.ring.set(piece, at);
    this.push({ op: 'data', file, at, length, release: need });
    return undefined;
  }

  /**
   * Where a piece of `length` bytes would go in the ring if written now, for
   * the caller to decode it into: `write` then takes it with no copy. Free
   * room stays free until the next `write` (only the writer frees more), so
   * that is where it goes. Undefined when it would not be taken at once
   * (no room now, or larger than a segment).
   */
  readonly target = (length: number): Buffer | undefined => {
    if (length === 0 || length > this.limits.segmentBytes) return undefined;
    const wrap = this.head + length > this.ring.length;
    const need = length + (wrap ? this.ring.length - this.head : 0);
    if (this.ring.length - Atomics.load(this.used, CTRL_USED) < need) return undefined;
    const at = wrap ? 0 : this.head;
    return this.ring.subarray(at, at + length);
  };

  private async writeWithHoles(file: number, piece: Uint8Array): Promise<void> {
    // Runs of whole zero blocks become holes; what lies between them is written.
    let start = 0;
    for (let at = 0; at < piece.length; at += HOLE_MIN_BYTES) {
      const end = Math.min(at + HOLE_MIN_BYTES, piece.length);
      if (end - at < HOLE_MIN_BYTES || !isAllZero(piece.subarray(at, end))) continue;
      let holeEnd = end;
      while (holeEnd + HOLE_MIN_BYTES <= piece.length && isAllZero(piece.subarray(holeEnd, holeEnd + HOLE_MIN_BYTES))) holeEnd += HOLE_MIN_BYTES;
      await this.writeData(file, piece.subarray(start, at));
      this.push({ op: 'hole', file, length: holeEnd - at });
      start = holeEnd;
      at = holeEnd - HOLE_MIN_BYTES;
    }
    await this.writeData(file, piece.subarray(start));
  }

  private async writeData(file: number, piece: Uint8Array): Promise<void> {
    for (let off = 0; off < piece.length;) {
      const length = Math.min(this.limits.segmentBytes, piece.length - off);
      const { at, release } = await this.reserve(length);
      this.ring.set(piece.subarray(off, off + length), at);
      this.push({ op: 'data', file, at, length, release });
      off += length;
    }
  }

  /** Sets a complete file's metadata and closes it. */
  finish(file: number, meta: FileFinish): void {
    const { xattrs, ...rest } = meta;
    this.push({ op: 'finish', file, ...rest, linkGroup: meta.linkGroup ?? 0, ...(xattrs?.length ? { xattrs: [...xattrs] } : {}) });
  }

  /** Drops a file the restore could not complete (its temporary file is removed). */
  abandon(file: number): void {
    this.push({ op: 'abandon', file });
  }

  /**
   * Makes `name` in `parent` another name of the file finished as the
   * first of hard-link group `group`, after everything queued before (so
   * after that file is complete); reported as skipped if it could not be.
   */
  link(group: number, parent: Buffer, name: Buffer, opts: { replace?: boolean } = {}): void {
    this.throwIfFailed();
    this.push({ op: 'link', group, parent: parent.toString('latin1'), name: name.toString('latin1'), replace: opts.replace ?? false });
  }

  /** Waits until everything queued is on disk (written, not synced); throws the first failure. */
  async drain(): Promise<void> {
    this.throwIfFailed();
    if (!this.worker) return;
    const token = this.nextDrain++;
    const drained = new Promise<void>((resolve) => this.drains.set(token, resolve));
    this.push({ op: 'drain', token });
    this.flush();
    await drained;
    this.throwIfFailed();
  }

  /** Stops the thread (after `drain`, or when the restore is failing); every restore must call it. */
  async close(): Promise<void> {
    this.closing = true;
    await this.worker?.terminate();
    this.skipped.finish();
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Room for `length` bytes in the ring, contiguous; `release` also returns the end of the ring skipped to get it. */
  private async reserve(length: number): Promise<{ at: number; release: number }> {
    const wrap = this.head + length > this.ring.length;
    const need = length + (wrap ? this.ring.length - this.head : 0);
    for (;;) {
      this.throwIfFailed();
      const used = Atomics.load(this.used, CTRL_USED);
      if (this.ring.length - used >= need) break;
      this.flush(); // what is queued must reach the writer before it can free anything
      const w = Atomics.waitAsync(this.used, CTRL_USED, used, 250);
      if (w.async) await w.value;
    }
    Atomics.add(this.used, CTRL_USED, need);
    const at = wrap ? 0 : this.head;
    this.head = at + length;
    return { at, release: need };
  }

  private push(o: WriterOp): void {
    this.batch.push(o);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    this.worker!.postMessage(this.batch);
    this.batch = [];
  }

  private onReport(m: WriterReport): void {
    if (m.type === 'failed') {
      this.fail(new WriterStopped(m.message, m.stop));
      return;
    }
    if (m.type === 'xattr') {
      this.onXattrFailure(escapeName(Buffer.from(m.dest, 'latin1')), m.attribute, m.code);
      return;
    }
    if (m.type === 'skipped') {
      this.onSkipped(Buffer.from(m.dest, 'latin1'), m.message);
      return;
    }
    this.drains.get(m.token)?.();
    this.drains.delete(m.token);
  }

  /** A directory replaced under the restore fails every file in it for one reason: told a few times, then counted. */
  private onSkipped(dest: Buffer, why: string): void {
    const dir = escapeName(Buffer.from(path.posix.dirname(dest.toString('latin1')), 'latin1'));
    this.skipped.add(
      `${dir}\0${why}`,
      `${escapeName(dest)}: could not be restored (${why})`,
      (n) => `${dir}: ${n} more files in it could not be restored (${why})`,
    );
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const resolve of this.drains.values()) resolve();
    this.drains.clear();
  }
}

/** Shortest run of zeros left as a hole: below a filesystem block, a hole saves nothing. */
const HOLE_MIN_BYTES = 4096;
const ZEROS = Buffer.alloc(64 * 1024);

/** Whether a piece holds a whole aligned block of zeros (one the writer would leave as a hole). */
function hasZeroBlock(piece: Uint8Array): boolean {
  const b = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  for (let at = 0; at + HOLE_MIN_BYTES <= b.length; at += HOLE_MIN_BYTES) if (b.compare(ZEROS, 0, HOLE_MIN_BYTES, at, at + HOLE_MIN_BYTES) === 0) return true;
  return false;
}

/** Whether every byte is 0, compared a block at a time (stops at the first data byte, so data costs nearly nothing). */
function isAllZero(piece: Uint8Array): boolean {
  const b = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  for (let off = 0; off < b.length; off += ZEROS.length) {
    const n = Math.min(ZEROS.length, b.length - off);
    if (b.compare(ZEROS, 0, n, off, off + n) !== 0) return false;
  }
  return true;
}
