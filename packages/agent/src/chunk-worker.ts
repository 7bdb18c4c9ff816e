/**
 * Worker thread of the chunk pool (chunk-pool.ts): hashes and compresses
 * the chunks it is sent. A chunk comes either as a view of a shared slab
 * (read in place) or in its own transferred ArrayBuffer. Results go back
 * in buffers of their own, transferred, so nothing is copied twice.
 */
import { parentPort } from 'node:worker_threads';
import { chunkIdOf, Codec, compressToScratch } from '@cpsbackup/store/dist/shared';

/** A job: which operation, and where the chunk's bytes are. */
export interface ChunkJob {
  job: number;
  op: 'hash' | 'compress';
  buffer: ArrayBuffer | SharedArrayBuffer;
  offset: number;
  length: number;
  level: number;
}

/** Its answer: the 32-byte id of a hash job, or the encoded chunk of a compress job. */
export interface ChunkDone {
  job: number;
  id?: ArrayBuffer;
  codec?: number;
  payload?: ArrayBuffer;
}

function copyOut(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.length);
  new Uint8Array(out).set(bytes);
  return out;
}

parentPort!.on('message', (m: ChunkJob) => {
  const view = new Uint8Array(m.buffer, m.offset, m.length);
  let done: ChunkDone;
  if (m.op === 'hash') {
    done = { job: m.job, id: copyOut(chunkIdOf(view)) };
  } else {
    // Compressed into the worker's scratch, then copied once into the buffer handed back.
    const z = compressToScratch(view, m.level);
    // A chunk that does not shrink goes raw: its own transferred buffer as is, a shared one copied.
    const payload = z ? copyOut(z) : m.buffer instanceof ArrayBuffer && m.offset === 0 && m.length === m.buffer.byteLength ? m.buffer : copyOut(view);
    done = { job: m.job, codec: z ? Codec.Zstd : Codec.Raw, payload };
  }
  parentPort!.postMessage(done, [done.id ?? done.payload!]);
});
