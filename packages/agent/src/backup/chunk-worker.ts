/**
 * Worker thread of the chunk pool (chunk-pool.ts): hashes and compresses
 * the chunks it is sent. A chunk comes either as a view of a shared slab
 * (read in place) or in its own transferred ArrayBuffer.
 *
 * A compressed chunk is written back over the chunk's own bytes, where the
 * caller finds it: compression keeps only output shorter than its input,
 * and the plaintext is no longer needed once compressed. So compressing
 * allocates nothing per chunk. A fresh output buffer per chunk, handed to
 * the main thread, was freed only when V8 next collected there: 60 MB of
 * the agent's 170 MB peak RSS (PERFORMANCE.md).
 */
import { parentPort } from 'node:worker_threads';
import { chunkIdOf, Codec, compressToScratch } from '@cpsbackup/format';
import { keyedChunkId } from '@cpsbackup/crypto';

/** A job: which operation, and where the chunk's bytes are. */
export interface ChunkJob {
  job: number;
  op: 'hash' | 'compress';
  buffer: ArrayBuffer | SharedArrayBuffer;
  offset: number;
  length: number;
  level: number;
  /** An encrypted node's id key: a hash job's id is then a keyed hash (crypto's keyedChunkId). */
  idKey?: Uint8Array;
}

/**
 * Its answer: the 32-byte id of a hash job; for a compress job the codec and
 * the payload's length (the payload starts where the chunk did), with the
 * chunk's own buffer handed back when it was transferred.
 */
export interface ChunkDone {
  job: number;
  id?: ArrayBuffer;
  codec?: number;
  length?: number;
  buffer?: ArrayBuffer;
}

parentPort!.on('message', (m: ChunkJob | { names: ArrayBuffer }) => {
  if (!('op' in m)) return; // a file batch: this thread also runs file-worker.ts (backup-worker.ts)
  const view = new Uint8Array(m.buffer, m.offset, m.length);
  let done: ChunkDone;
  if (m.op === 'hash') {
    const id = m.idKey ? keyedChunkId(m.idKey, view) : chunkIdOf(view);
    const out = new ArrayBuffer(id.length);
    new Uint8Array(out).set(id);
    done = { job: m.job, id: out };
  } else {
    // A chunk that does not shrink stays as it is, raw.
    const z = compressToScratch(view, m.level);
    if (z) view.set(z);
    done = { job: m.job, codec: z ? Codec.Zstd : Codec.Raw, length: z ? z.length : m.length };
    if (m.buffer instanceof ArrayBuffer) done.buffer = m.buffer;
  }
  const transfer = done.id ?? done.buffer;
  parentPort!.postMessage(done, transfer ? [transfer] : []);
});
