/**
 * Worker thread of the file pool (file-pool.ts): reads whole files, cuts
 * them into chunks and hashes each, so that several files are read at
 * once (on a cold disk the reads overlap) and the cutting and hashing of
 * small files leave the main thread. A job is a batch of files, so a
 * tree of small files costs a message per batch, not per file.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Chunker, type ChunkerParams } from '@cpsbackup/chunker';
import { CHUNK_ID_BYTES, chunkIdOf } from '@cpsbackup/format';
import { type FileStat, sameVersion } from './file-reader';

/** A batch of files to read. */
export interface FileBatchJob {
  job: number;
  /** The paths end to end (one transferred buffer: a Buffer view would clone its whole pool slab); path i ends at ends[i]. */
  names: ArrayBuffer;
  ends: number[];
  params: ChunkerParams;
  /** A file that keeps changing is read this many times, then kept as last read. */
  maxReads: number;
  /** A file found larger than this when opened is left to the main thread, which streams it. */
  maxBytes: number;
}

/** What reading one file gave. */
export interface FileRead {
  /** Why it could not be read (an errno code such as ENOENT, or a message). */
  error?: string;
  /** Grew past maxBytes since the walk: read it by streaming instead. */
  tooLarge?: boolean;
  /** Times it was read, and the bytes read over all of them (the counters). */
  reads: number;
  bytesRead: number;
  /** Still changing after maxReads: stored as last read, with a warning. */
  changed: boolean;
  /** Metadata as of the end of the last read. */
  stat?: FileStat;
  /** The bytes of the last read; chunk i is data[cuts[i-1] .. cuts[i]) and its id ids[32 i .. 32 i + 32). */
  data?: ArrayBuffer;
  cuts: number[];
  ids?: ArrayBuffer;
}

export interface FileBatchDone {
  job: number;
  files: FileRead[];
}

interface OneRead {
  data: Uint8Array;
  stat: fs.BigIntStats;
  changed: boolean;
}

/** One read of a file whose size is at most maxBytes, into a buffer of its own; undefined when it is larger. */
function readOnce(file: Buffer, maxBytes: number): OneRead | undefined {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const before = fs.fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw Object.assign(new Error('not a regular file any more'), { code: 'ECHANGED' });
    if (before.size > BigInt(maxBytes)) return undefined;
    // One byte more than its size: a file that grew while read fills it, and the check below says so.
    const data = new Uint8Array(new ArrayBuffer(Number(before.size) + 1));
    let n = 0;
    while (n < data.length) {
      const r = fs.readSync(fd, data, n, data.length - n, null);
      if (r === 0) break;
      n += r;
    }
    const stat = fs.fstatSync(fd, { bigint: true });
    return { data: data.subarray(0, n), stat, changed: !sameVersion(before, stat) || BigInt(n) !== stat.size };
  } finally {
    fs.closeSync(fd);
  }
}

function fileStat(st: fs.BigIntStats): FileStat {
  const { mode, uid, gid, size, mtimeNs, ctimeNs, ino, dev, rdev, nlink } = st;
  return { mode, uid, gid, size, mtimeNs, ctimeNs, ino, dev, rdev, nlink };
}

/** Reads a file until two stats agree (at most maxReads times), then cuts and hashes the last read. */
export function readFile(file: Buffer, job: Pick<FileBatchJob, 'params' | 'maxReads' | 'maxBytes'>): FileRead {
  const result: FileRead = { reads: 0, bytesRead: 0, changed: false, cuts: [] };
  let last: OneRead | undefined;
  try {
    do {
      last = readOnce(file, job.maxBytes);
      if (!last) return { ...result, tooLarge: true };
      result.reads++;
      result.bytesRead += last.data.length;
    } while (last.changed && result.reads < job.maxReads);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ...result, error: e.code ?? e.message };
  }
  const bytes = Buffer.from(last.data.buffer, 0, last.data.length);
  const chunks: Buffer[] = [];
  if (bytes.length > 0 && bytes.length < job.params.minSize) chunks.push(bytes);
  else if (bytes.length > 0) {
    const chunker = new Chunker(job.params);
    chunker.push(bytes, chunks);
    const tail = chunker.finish();
    if (tail) chunks.push(tail);
  }
  const ids = new Uint8Array(new ArrayBuffer(chunks.length * CHUNK_ID_BYTES));
  let end = 0;
  chunks.forEach((c, i) => {
    ids.set(chunkIdOf(c), i * CHUNK_ID_BYTES);
    end += c.length;
    result.cuts.push(end);
  });
  return { ...result, changed: last.changed, stat: fileStat(last.stat), data: last.data.buffer as ArrayBuffer, ids: ids.buffer };
}

parentPort?.on('message', (m: FileBatchJob) => {
  const files = m.ends.map((end, i) => {
    const start = i === 0 ? 0 : m.ends[i - 1]!;
    return readFile(Buffer.from(m.names, start, end - start), m);
  });
  const transfer: ArrayBuffer[] = [];
  for (const f of files) {
    if (f.data) transfer.push(f.data);
    if (f.ids) transfer.push(f.ids);
  }
  parentPort!.postMessage({ job: m.job, files } satisfies FileBatchDone, transfer);
});
