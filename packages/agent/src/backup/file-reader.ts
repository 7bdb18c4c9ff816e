import * as fs from 'node:fs';
import * as net from 'node:net';
import { Chunker, type ChunkerParams, isSharedZeros } from '@cpsbackup/chunker';
import { chunkIdOf } from '@cpsbackup/format';
import { closeFd, nextData, nextHole, O_PATH, openFromRoot } from '@cpsbackup/syscalls';
import { openToRead } from './no-atime';

/**
 * Receives each chunk as it is cut and gives back its id (may wait: that is
 * the backpressure). The id's bytes may be filled in only later (the
 * uploader hashes large chunks on a worker); readers just keep it. `id` is
 * given when the reader knows it already (a chunk of a sparse file's hole).
 */
export type ChunkSink = (data: Buffer, id?: Buffer) => Promise<Buffer>;

/** What reading a file produced. */
export interface ReadResult {
  chunks: Buffer[];
  size: number;
  /** The file changed while it was read (size, mtime or ctime moved). */
  changed: boolean;
  /** Metadata as of the end of the read (what the entry should carry). */
  stat: fs.BigIntStats;
}

const BLOCK = 1024 * 1024;

/** How much of a FIFO one read takes: more than a pipe holds by default (64 KiB). */
const FIFO_READ_BYTES = 256 * 1024;

/**
 * The read buffers of one backup, used in turn. Reading into a new 1 MiB
 * buffer each time made V8 run a full GC about every 64 MB of external
 * memory: a thousand of them, 7 s of a 50 s backup (PERFORMANCE.md).
 * A chunk handed to the sink is a view into these blocks and stays valid
 * only until the sink's promise resolves (the uploader copies it). Readers
 * fill each block before the chunker sees it (pipes return 64 KiB at a
 * time), so the chunk in progress, which the chunker holds as views into
 * earlier blocks and which is shorter than maxSize, spans few enough
 * blocks never to be overwritten.
 */
export class ReadBlocks {
  private readonly blocks: Buffer[] = [];
  private readonly count: number;
  private turn = 0;
  private fifo: Buffer | undefined;

  /**
   * The chunk in progress is shorter than maxChunkSize, so it spans at most
   * ceil(max / BLOCK) full blocks; with the block being cut and one taken
   * ahead (a FIFO's next bytes arrive while the last block is cut), none is
   * overwritten while in use.
   */
  constructor(maxChunkSize: number) {
    this.count = Math.ceil(maxChunkSize / BLOCK) + 2;
  }

  /** The next block to read into; its previous content is no longer needed. */
  take(): Buffer {
    const i = this.turn++ % this.count;
    return (this.blocks[i] ??= Buffer.allocUnsafeSlow(BLOCK));
  }

  /** Where a FIFO's reads land before they are copied into the blocks (one FIFO is read at a time). */
  fifoBuffer(): Buffer {
    return (this.fifo ??= Buffer.allocUnsafeSlow(FIFO_READ_BYTES));
  }
}

/** Reads until `buf` is full or the file ends; returns the bytes read. */
function fillSync(fd: number, buf: Buffer): number {
  let filled = 0;
  while (filled < buf.length) {
    const n = fs.readSync(fd, buf, filled, buf.length - filled, null);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/**
 * A sparse file piece by piece: its data extents are read, its holes
 * (found with SEEK_DATA/SEEK_HOLE) are only counted, for the chunker to
 * take as zeros without their bytes (Chunker.pushZeros). A 1 GiB file with
 * 12 KiB of data costs three reads, not a thousand. Reads up to the size
 * the file had when opened: growth is caught by the stat check.
 */
class SparseFile {
  private pos = 0;
  /** Where the data extent being read ends (≤ pos: find out again). */
  private dataEnd = 0;

  constructor(
    private readonly fd: number,
    private end: number,
  ) {}

  /**
   * The next piece from where the last call stopped: `data` bytes read into
   * the start of `room`, or a hole of `zeros` bytes; undefined at the end.
   */
  next(room: Buffer): { data: number } | { zeros: number } | undefined {
    if (this.pos >= this.end) return undefined;
    if (this.pos >= this.dataEnd) {
      const data = Math.min(nextData(this.fd, this.pos) ?? this.end, this.end);
      if (data > this.pos) {
        const zeros = data - this.pos;
        this.pos = data;
        return { zeros };
      }
      this.dataEnd = Math.min(nextHole(this.fd, this.pos), this.end);
    }
    const n = fs.readSync(this.fd, room, 0, Math.min(room.length, this.dataEnd - this.pos), this.pos);
    if (n === 0) {
      this.end = this.pos; // shrank while read: the stat check sees it
      return undefined;
    }
    this.pos += n;
    return { data: n };
  }
}

/** Ids of all-zero chunks by length: the chunks of a hole are hashed once per length, not once each. */
const zeroIds = new Map<number, Buffer>();

function zeroChunkId(length: number): Buffer {
  let id = zeroIds.get(length);
  if (!id) zeroIds.set(length, (id = chunkIdOf(Buffer.alloc(length))));
  return id;
}

/**
 * Cuts a sparse file: data pieces are read one after another into the
 * same block until it is full (so the chunk in progress spans no more
 * blocks than a plain read's, see ReadBlocks), holes go to the chunker as
 * counts of zeros, and whole chunks of zeros reach the sink with their id.
 * Returns the bytes the file held.
 */
async function readSparse(file: SparseFile, chunker: Chunker, blocks: ReadBlocks, sink: ChunkSink, chunks: Buffer[]): Promise<number> {
  const out: Buffer[] = [];
  const emit = async () => {
    while (out.length) {
      const c = out.shift()!;
      chunks.push(await sink(c, isSharedZeros(c) ? zeroChunkId(c.length) : undefined));
    }
  };
  let size = 0;
  let block = blocks.take();
  let at = 0;
  for (;;) {
    if (at === block.length) {
      block = blocks.take();
      at = 0;
    }
    const piece = file.next(block.subarray(at));
    if (!piece) break;
    if ('zeros' in piece) {
      chunker.pushZeros(piece.zeros, out);
      size += piece.zeros;
    } else {
      chunker.push(block.subarray(at, at + piece.data), out);
      at += piece.data;
      size += piece.data;
    }
    await emit();
  }
  const last = chunker.finish();
  if (last) out.push(last);
  await emit();
  return size;
}

/**
 * Whether a file's holes are worth finding: at least this many of its bytes
 * are not allocated. Tiny files stored inline or compressed by the
 * filesystem also show fewer blocks than bytes; those are read plainly.
 */
const SPARSE_GAP = 1024 * 1024;

/** Whether a file has enough unallocated bytes to be read as a SparseFile. */
export function looksSparse(st: Pick<fs.BigIntStats, 'size' | 'blocks'>): boolean {
  return st.size - st.blocks * 512n >= BigInt(SPARSE_GAP);
}

/** The metadata an entry keeps of a file (what the file pool's workers send back). */
export type FileStat = Pick<fs.BigIntStats, 'mode' | 'uid' | 'gid' | 'size' | 'mtimeNs' | 'ctimeNs' | 'ino' | 'dev' | 'rdev' | 'nlink'>;

/** The same version of a file: neither written (size, mtime, ctime) nor replaced (inode) in between. */
export function sameVersion(a: fs.BigIntStats, b: fs.BigIntStats): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
}

/**
 * Reads a regular file once, cutting as it goes; never holds
 * more than one read block plus the chunk in progress. Opened from "/"
 * with no symbolic link followed (syscalls' openFromRoot), so a file or a
 * directory on its way swapped for a link mid-walk is not followed.
 */
export async function readRegularFile(path: Buffer, params: ChunkerParams, sink: ChunkSink, blocks: ReadBlocks): Promise<ReadResult> {
  const fd = openToRead(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const before = fs.fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw Object.assign(new Error('not a regular file any more'), { code: 'ECHANGED' });
    const chunks: Buffer[] = [];
    let size = 0;
    const emit = async (c: Buffer) => {
      chunks.push(await sink(c));
    };
    if (before.size < BigInt(params.minSize)) {
      // Small files are one chunk: no chunker pass at all.
      const want = Number(before.size);
      const buf = want < BLOCK ? blocks.take().subarray(0, want + 1) : Buffer.allocUnsafe(want + 1);
      let n = 0;
      for (;;) {
        const r = fs.readSync(fd, buf, n, buf.length - n, null);
        if (r === 0) break;
        n += r;
        if (n === buf.length) break; // grew while we read: the stat check below catches it
      }
      size = n;
      if (n > 0) await emit(buf.subarray(0, n));
    } else if (looksSparse(before)) {
      size = await readSparse(new SparseFile(fd, Number(before.size)), new Chunker(params), blocks, sink, chunks);
    } else {
      const chunker = new Chunker(params);
      const out: Buffer[] = [];
      for (;;) {
        const buf = blocks.take();
        const r = fillSync(fd, buf);
        if (r === 0) break;
        size += r;
        chunker.push(r === BLOCK ? buf : buf.subarray(0, r), out);
        while (out.length) await emit(out.shift()!);
        if (r < BLOCK) break;
      }
      const last = chunker.finish();
      if (last) await emit(last);
    }
    const after = fs.fstatSync(fd, { bigint: true });
    return { chunks, size, changed: !sameVersion(before, after) || BigInt(size) !== after.size, stat: after };
  } finally {
    closeFd(fd);
  }
}

/** A read block of zeros, to compare with (made on the first device read). */
let zeroBlock: Buffer | undefined;

/** What reading a block device produced (its content: no stat can tell whether it changed meanwhile). */
export interface DeviceRead {
  chunks: Buffer[];
  size: number;
  /** Metadata of the device node read (through a link: of the device it leads to). */
  stat: fs.BigIntStats;
}

/**
 * Reads a block device's content to its end, cutting as it goes
 * (read_blockdev). The device is reached from "/" with no symbolic link
 * followed, unless `followLink` (a link named in read_blockdev, as an LVM
 * volume's /dev/VG/LV: Burp follows it too), and opened for reading only
 * once an O_PATH descriptor shows it is a block device: a tape or a FIFO
 * swapped in since the walk is never opened. A device's size is not in its
 * stat: it is read until a read returns nothing. Runs of zeros (an unused
 * part of a disk) make chunks of zeros, which the server holds once and a
 * restore to a file writes as holes.
 */
export async function readBlockDevice(path: Buffer, followLink: boolean, params: ChunkerParams, sink: ChunkSink, blocks: ReadBlocks): Promise<DeviceRead> {
  const where = followLink ? device(() => Buffer.from(fs.realpathSync(path))) : path;
  const pathFd = device(() => openFromRoot(where, O_PATH));
  try {
    const stat = device(() => fs.fstatSync(pathFd, { bigint: true }));
    if (!stat.isBlockDevice()) {
      throw new DeviceReadError('ENOTBLK', followLink ? `the link leads to ${where.toString()}, which is not a block device` : 'not a block device any more');
    }
    const fd = device(() => fs.openSync(`/proc/self/fd/${pathFd}`, fs.constants.O_RDONLY));
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      const chunker = new Chunker(params);
      const out: Buffer[] = [];
      for (;;) {
        const buf = blocks.take();
        const r = device(() => fillSync(fd, buf));
        if (r === 0) break;
        size += r;
        // A block of zeros goes to the chunker as a count, as a sparse file's hole does: its whole chunks of zeros are not hashed.
        if (r === BLOCK && buf.equals((zeroBlock ??= Buffer.alloc(BLOCK)))) chunker.pushZeros(BLOCK, out);
        else chunker.push(r === BLOCK ? buf : buf.subarray(0, r), out);
        while (out.length) {
          const c = out.shift()!;
          chunks.push(await sink(c, isSharedZeros(c) ? zeroChunkId(c.length) : undefined));
        }
        if (r < BLOCK) break;
      }
      const last = chunker.finish();
      if (last) chunks.push(await sink(last));
      return { chunks, size, stat };
    } finally {
      fs.closeSync(fd);
    }
  } finally {
    closeFd(pathFd);
  }
}

/** A block device could not be opened or read (`code` as node's errors): the backup goes on without its content. */
export class DeviceReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceReadError';
  }
}

/** Runs one call on the device, its failure a DeviceReadError (the sink's own failures are not: they stop the backup). */
function device<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    if (err instanceof DeviceReadError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new DeviceReadError(e.code ?? 'EIO', e.message ?? String(err));
  }
}

/** The FIFO itself could not be opened or read (`code` as node's errors): the backup goes on without its content. */
export class FifoReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FifoReadError';
  }
}

function fifoError(err: unknown): FifoReadError {
  if (err instanceof FifoReadError) return err;
  const e = err as NodeJS.ErrnoException;
  return new FifoReadError(e.code ?? 'EIO', e.message ?? String(err));
}

/** How long reading a FIFO waits for a writer (see readFifo). */
export interface FifoWait {
  /** The longest wait for a writer to open it; 0: only a writer that has it open already counts. */
  timeoutMs: number;
  /** Resolves when the FIFO's known writer (a dump job's command) has exited: waiting longer is pointless. */
  abandon?: Promise<void>;
  /** Aborted when reading must stop at once (the connection to the server is lost): readFifo throws its reason. */
  stop?: AbortSignal;
}

/** What reading a FIFO produced. */
export interface FifoRead {
  chunks: Buffer[];
  size: number;
  /** Metadata as of the end of the read (what the entry should carry). */
  stat: fs.BigIntStats;
  /** False: no writer had it open by the deadline; nothing was read (its content is not backed up). */
  writer: boolean;
}

/**
 * A FIFO read on the event loop: the descriptor is opened O_NONBLOCK (a
 * FIFO then opens at once, writer or not, and a writer blocked in its own
 * open goes on), and libuv watches it, so no thread of the pool is held
 * waiting for a writer and none is left blocked when nobody comes. The
 * kernel reports nothing on such a descriptor until a writer has written
 * or come and gone (it hides the hang-up of a FIFO no writer has opened
 * yet). Bytes arrive in a small buffer and are copied into the backup's
 * read blocks, each filled before the chunker sees it (as `fillSync` does
 * for a file); the socket pauses while a full block is being cut.
 */
class FifoStream {
  private readonly socket: net.Socket;
  private filling: Buffer;
  private at = 0;
  /** A full block not yet taken by `next` (the socket is paused meanwhile). */
  private ready: Buffer | undefined;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** Bytes that have arrived: a writer has been there. */
  private arrivedBytes = 0;
  /** Reading stopped: a full block waits to be cut (socket.isPaused() does not tell: onread's pause stops the handle only). */
  private paused = false;
  private readonly buf: Buffer;

  constructor(
    private readonly fd: number,
    private readonly blocks: ReadBlocks,
  ) {
    this.filling = blocks.take();
    this.buf = blocks.fifoBuffer();
    // node reads `onread` in the constructor too, though its types list it for connect() only.
    const opts: net.SocketConstructorOpts & { onread: net.OnReadOpts } = {
      fd,
      readable: true,
      writable: false,
      onread: { buffer: this.buf, callback: (n: number) => this.arrived(n) },
    };
    this.socket = new net.Socket(opts);
    this.socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    this.socket.on('error', (err: Error) => {
      this.failure ??= fifoError(err);
      this.notify();
    });
  }

  /** `n` bytes are in `buf`: into the block being filled; false pauses the socket (a full block waits to be cut). */
  private arrived(n: number): boolean {
    this.arrivedBytes += n;
    const into = Math.min(n, this.filling.length - this.at);
    this.buf.copy(this.filling, this.at, 0, into);
    this.at += into;
    this.notify();
    if (this.at < this.filling.length) return true;
    // The next block is taken before this one is cut: one ahead, which ReadBlocks' count allows (see there).
    this.ready = this.filling;
    this.filling = this.blocks.take();
    this.at = n - into;
    this.buf.copy(this.filling, 0, into, n);
    this.paused = true;
    return false;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private changed(stop: AbortSignal | undefined): Promise<void> {
    if (stop?.aborted) return Promise.reject(stop.reason as Error);
    return new Promise((resolve) => (this.wake = resolve));
  }

  /**
   * Whether a writer has the FIFO open, or had (its bytes or its hang-up
   * arrived), asked without waiting: a read of a descriptor opened
   * O_NONBLOCK says EAGAIN when a writer has it open and has written
   * nothing yet, 0 when no writer has it open.
   */
  private probe(): boolean {
    if (this.arrivedBytes > 0 || this.ended) return true;
    if (this.failure) throw this.failure;
    let n: number;
    try {
      // Never while libuv reads into the same buffer: both run on this thread, and libuv has reported nothing yet.
      n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return true;
      throw fifoError(err);
    }
    if (n === 0) return false;
    if (!this.arrived(n)) this.socket.pause();
    return true;
  }

  /**
   * Waits until a writer has been seen or the wait is over (the deadline,
   * or 200 ms after the known writer exited: it may have opened the FIFO
   * just before); then asks once more. True: there is a writer to read.
   */
  async writer(wait: FifoWait): Promise<boolean> {
    if (wait.timeoutMs <= 0) return this.probe();
    let due = false;
    const over = () => {
      due = true;
      this.notify();
    };
    const timer = setTimeout(over, wait.timeoutMs);
    const abandoned = wait.abandon?.then(() => setTimeout(over, 200));
    const onStop = () => this.notify();
    wait.stop?.addEventListener('abort', onStop);
    try {
      for (;;) {
        if (this.arrivedBytes > 0 || this.ended) return true;
        if (this.failure) throw this.failure;
        if (due) return this.probe();
        await this.changed(wait.stop);
      }
    } finally {
      clearTimeout(timer);
      void abandoned?.then(clearTimeout);
      wait.stop?.removeEventListener('abort', onStop);
    }
  }

  /** The next full block, or the last bytes once the writer closed its end; undefined after them. */
  async next(stop: AbortSignal | undefined): Promise<Buffer | undefined> {
    const onStop = () => this.notify();
    stop?.addEventListener('abort', onStop);
    try {
      for (;;) {
        if (this.ready) {
          const block = this.ready;
          this.ready = undefined;
          return block; // the socket stays paused until the next call: this block is being cut meanwhile
        }
        if (this.failure) throw this.failure;
        if (this.ended) {
          const last = this.filling.subarray(0, this.at);
          this.at = 0;
          return last.length ? last : undefined;
        }
        if (this.paused) {
          this.paused = false;
          this.socket.resume();
        }
        await this.changed(stop);
      }
    } finally {
      stop?.removeEventListener('abort', onStop);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Opens a FIFO for reading without waiting for a writer, reached from "/"
 * with no symbolic link followed (as files are), and opened for reading
 * only once it is known to be a FIFO (an O_PATH descriptor first: a device
 * swapped in since the walk is never opened). Returns both descriptors; the
 * O_PATH one stays for the final fstat (the socket closes the other).
 */
function openFifo(path: Buffer): { pathFd: number; fd: number } {
  let pathFd: number;
  try {
    pathFd = openFromRoot(path, O_PATH);
  } catch (err) {
    throw fifoError(err);
  }
  try {
    if (!fs.fstatSync(pathFd).isFIFO()) throw new FifoReadError('ECHANGED', 'not a FIFO any more');
    const fd = fs.openSync(`/proc/self/fd/${pathFd}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    return { pathFd, fd };
  } catch (err) {
    closeFd(pathFd);
    throw fifoError(err);
  }
}

/**
 * Reads what a writer pushes into a FIFO until it closes its end, cutting
 * as it goes. A writer is waited for as `wait` says; when none has the
 * FIFO open by then, nothing is read (`writer: false`). A writer that has
 * opened it is read to the end however long it takes: the connection to
 * the server is kept alive meanwhile (KeepAlive), and `wait.stop` ends the
 * read when that connection is lost (its reason is thrown). A FIFO that
 * cannot be opened or read throws a FifoReadError; the sink's errors come
 * through as they are.
 */
export async function readFifo(path: Buffer, params: ChunkerParams, sink: ChunkSink, blocks: ReadBlocks, wait: FifoWait): Promise<FifoRead> {
  const { pathFd, fd } = openFifo(path);
  let stream: FifoStream | undefined;
  try {
    stream = new FifoStream(fd, blocks);
    const writer = await stream.writer(wait);
    const chunks: Buffer[] = [];
    let size = 0;
    if (writer) {
      const chunker = new Chunker(params);
      const out: Buffer[] = [];
      for (let piece = await stream.next(wait.stop); piece; piece = await stream.next(wait.stop)) {
        size += piece.length;
        chunker.push(piece, out);
        while (out.length) chunks.push(await sink(out.shift()!));
      }
      const last = chunker.finish();
      if (last) chunks.push(await sink(last));
    }
    return { chunks, size, stat: fs.fstatSync(pathFd, { bigint: true }), writer };
  } finally {
    if (stream) stream.close();
    else fs.closeSync(fd);
    closeFd(pathFd);
  }
}
