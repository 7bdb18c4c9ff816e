/**
 * Worker thread of the file pool (file-pool.ts): reads whole files, cuts
 * them into chunks and hashes each, so that several files are read at
 * once (on a cold disk the reads overlap) and the cutting and hashing of
 * small files leave the main thread. A job is a batch of files, so a
 * tree of small files costs a message per batch, not per file. The files'
 * bytes go into a slab the main thread shares and reuses, and their
 * metadata into flat arrays: a buffer or a handful of objects per file
 * made the main thread's garbage collector its largest cost (2.2 of 8 s on
 * a release of an 84,000-file tree).
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Chunker, type ChunkerParams } from '@cpsbackup/chunker';
import { CHUNK_ID_BYTES, chunkIdOf } from '@cpsbackup/format';
import { keyedChunkId } from '@cpsbackup/crypto';
import { closeFd } from '@cpsbackup/syscalls';
import { openToRead } from './no-atime';
import { sameVersion } from './file-reader';

/** A batch of files to read. */
export interface FileBatchJob {
  job: number;
  /** The paths end to end (a Buffer view would clone its whole pool slab); path i ends at nameEnds[i]. */
  names: ArrayBuffer;
  nameEnds: number[];
  /** Where the files' bytes go, one after the other (sized from their sizes at walk time, with some slack). */
  slab: SharedArrayBuffer;
  params: ChunkerParams;
  /** A file that keeps changing is read this many times, then kept as last read. */
  maxReads: number;
  /** A file found larger than this when opened is left to the main thread, which streams it. */
  maxBytes: number;
  /** An encrypted node's id key: chunk ids are keyed hashes (crypto's keyedChunkId), not SHA-256. */
  idKey?: Uint8Array;
}

/** Metadata kept of each file, in this order, in FileBatchDone.stats. */
export const STAT_FIELDS = ['mode', 'uid', 'gid', 'size', 'mtimeNs', 'ctimeNs', 'ino', 'dev', 'rdev', 'nlink'] as const;

/** How reading one file went. */
export interface FileOutcome {
  /** Why it could not be read (an errno code such as ENOENT, or a message). */
  error?: string;
  /**
   * Grew past maxBytes, or past the room left in the slab, since the walk:
   * read it by streaming instead. (Not a buffer of its own: files grown
   * after the walk must not make the read-ahead hold more than its slabs.)
   */
  tooLarge?: boolean;
  /** Times it was read, and the bytes read over all of them (the counters). */
  reads: number;
  bytesRead: number;
  /** Still changing after maxReads: stored as last read, with a warning. */
  changed: boolean;
  /** Where its bytes are in the slab. */
  offset: number;
  /** Its chunks: ends (relative to its first byte) in cutEnds[firstCut ..], ids in ids from firstCut * CHUNK_ID_BYTES. */
  firstCut: number;
  cuts: number;
}

export interface FileBatchDone {
  job: number;
  files: FileOutcome[];
  /** STAT_FIELDS.length values per file (zeros for a file not read). */
  stats: ArrayBuffer;
  cutEnds: number[];
  ids: ArrayBuffer;
}

interface Room {
  slab: Uint8Array;
  at: number;
}

/** One read of a file into the slab; undefined when it is larger than maxBytes or than the room left. */
function readOnce(file: Buffer, maxBytes: number, room: Room): { data: Uint8Array; stat: fs.BigIntStats; changed: boolean } | undefined {
  const fd = openToRead(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK); // no symbolic link followed, at any depth; atime kept
  try {
    const before = fs.fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw Object.assign(new Error('not a regular file any more'), { code: 'ECHANGED' });
    // One byte more than its size: a file that grew while read fills it, and the check below says so.
    const want = Number(before.size) + 1;
    if (before.size > BigInt(maxBytes) || want > room.slab.length - room.at) return undefined;
    const into = room.slab.subarray(room.at, room.at + want);
    let n = 0;
    while (n < into.length) {
      const r = fs.readSync(fd, into, n, into.length - n, null);
      if (r === 0) break;
      n += r;
    }
    const stat = fs.fstatSync(fd, { bigint: true });
    return { data: into.subarray(0, n), stat, changed: !sameVersion(before, stat) || BigInt(n) !== stat.size };
  } finally {
    closeFd(fd);
  }
}

/** Cuts a file's bytes as the chunker would have while reading it. */
function cut(bytes: Buffer, params: ChunkerParams): Buffer[] {
  if (bytes.length === 0) return [];
  if (bytes.length < params.minSize) return [bytes];
  const chunker = new Chunker(params);
  const chunks = chunker.push(bytes);
  const tail = chunker.finish();
  if (tail) chunks.push(tail);
  return chunks;
}

/** Reads a batch: each file until two stats agree (at most maxReads times), then cuts and hashes its last read. */
export function readBatch(m: Omit<FileBatchJob, 'job'>): Omit<FileBatchDone, 'job'> {
  const room: Room = { slab: new Uint8Array(m.slab), at: 0 };
  const stats = new BigInt64Array(m.nameEnds.length * STAT_FIELDS.length);
  const cutEnds: number[] = [];
  const idList: Buffer[] = [];
  const idKey = m.idKey;
  const idOf = idKey ? (c: Uint8Array) => keyedChunkId(idKey, c) : chunkIdOf;
  const files = m.nameEnds.map((end, i): FileOutcome => {
    const file = Buffer.from(m.names, i === 0 ? 0 : m.nameEnds[i - 1]!, end - (i === 0 ? 0 : m.nameEnds[i - 1]!));
    const out: FileOutcome = { reads: 0, bytesRead: 0, changed: false, offset: room.at, firstCut: cutEnds.length, cuts: 0 };
    let last: ReturnType<typeof readOnce>;
    try {
      do {
        last = readOnce(file, m.maxBytes, room);
        if (!last) return { ...out, tooLarge: true };
        out.reads++;
        out.bytesRead += last.data.length;
      } while (last.changed && out.reads < m.maxReads);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { ...out, error: e.code ?? e.message };
    }
    out.changed = last.changed;
    room.at += last.data.length;
    STAT_FIELDS.forEach((f, k) => (stats[i * STAT_FIELDS.length + k] = last!.stat[f]));
    let chunkEnd = 0;
    for (const c of cut(Buffer.from(last.data.buffer, last.data.byteOffset, last.data.length), m.params)) {
      idList.push(idOf(c));
      cutEnds.push((chunkEnd += c.length));
      out.cuts++;
    }
    return out;
  });
  const ids = new Uint8Array(idList.length * CHUNK_ID_BYTES);
  idList.forEach((id, i) => ids.set(id, i * CHUNK_ID_BYTES));
  return { files, stats: stats.buffer, cutEnds, ids: ids.buffer };
}

parentPort?.on('message', (m: FileBatchJob | { op: string }) => {
  if (!('names' in m)) return; // a chunk job: this thread also runs chunk-worker.ts (backup-worker.ts)
  const done = readBatch(m);
  parentPort!.postMessage({ job: m.job, ...done } satisfies FileBatchDone, [done.stats, done.ids]);
});
