import * as fs from 'node:fs';
import { Chunker, type ChunkerParams, isSharedZeros } from '@cpsbackup/chunker';
import { chunkIdOf } from '@cpsbackup/format';
import { closeFd, nextData, nextHole, openFromRoot } from '@cpsbackup/syscalls';

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

  constructor(maxChunkSize: number) {
    this.count = Math.ceil(maxChunkSize / BLOCK) + 2;
  }

  /** The next block to read into; its previous content is no longer needed. */
  take(): Buffer {
    const i = this.turn++ % this.count;
    return (this.blocks[i] ??= Buffer.allocUnsafeSlow(BLOCK));
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
export class SparseFile {
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

/** The same for a FIFO, where each read returns what the writer has pushed so far. */
async function fill(fh: fs.promises.FileHandle, buf: Buffer): Promise<number> {
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
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
  const fd = openFromRoot(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
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

/**
 * Reads what a writer pushes into a FIFO until it closes its end. Gives up
 * waiting for a writer after `timeoutMs`, or as soon as `abandon` resolves
 * (the known writer process exited without opening the FIFO): the pending
 * open is released by opening the write end ourselves, and nothing is read.
 */
export async function readFifo(
  path: Buffer,
  params: ChunkerParams,
  sink: ChunkSink,
  timeoutMs: number,
  blocks: ReadBlocks,
  abandon?: Promise<void>,
): Promise<ReadResult & { timedOut: boolean }> {
  let timedOut = false;
  let opened = false;
  const opening = fs.promises.open(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  opening.then(
    () => (opened = true),
    () => undefined,
  );
  const giveUp = () => {
    if (opened || timedOut) return;
    timedOut = true;
    try {
      fs.closeSync(fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    } catch {
      // The open completed meanwhile, or the FIFO is gone; either way the open returns.
    }
  };
  const timer = setTimeout(giveUp, timeoutMs);
  // A writer that exits may still have opened the FIFO first: give the open a moment to land.
  abandon?.then(
    () => setTimeout(giveUp, 200),
    () => undefined,
  );
  let fh: fs.promises.FileHandle;
  try {
    fh = await opening;
  } finally {
    clearTimeout(timer);
  }
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    const chunker = new Chunker(params);
    const out: Buffer[] = [];
    const emit = async (c: Buffer) => {
      chunks.push(await sink(c));
    };
    if (!timedOut) {
      for (;;) {
        const buf = blocks.take();
        const r = await fill(fh, buf);
        if (r === 0) break;
        size += r;
        chunker.push(buf.subarray(0, r), out);
        while (out.length) await emit(out.shift()!);
        if (r < BLOCK) break;
      }
      const last = chunker.finish();
      if (last) await emit(last);
    }
    const stat = fs.lstatSync(path, { bigint: true });
    return { chunks, size, changed: false, stat, timedOut };
  } finally {
    await fh.close();
  }
}
