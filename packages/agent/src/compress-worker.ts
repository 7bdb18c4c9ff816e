/**
 * Worker thread of the compression pool (compress-pool.ts): compresses the
 * chunks it is sent and hands the result back without a copy (the
 * ArrayBuffer is transferred). A chunk that does not shrink comes back as
 * the same buffer, raw.
 */
import { parentPort } from 'node:worker_threads';
import { Codec, compressToScratch } from '@cpsbackup/store/dist/shared';

/** A job: the plaintext in its own (transferred) ArrayBuffer. */
export interface CompressJob {
  job: number;
  plain: ArrayBuffer;
  level: number;
}

/** Its answer; `payload` is transferred back. */
export interface CompressDone {
  job: number;
  codec: number;
  payload: ArrayBuffer;
}

parentPort!.on('message', (m: CompressJob) => {
  // Compressed into the worker's scratch, then copied once into the buffer handed back.
  const z = compressToScratch(new Uint8Array(m.plain), m.level);
  let out = m.plain;
  if (z) {
    out = new ArrayBuffer(z.length);
    new Uint8Array(out).set(z);
  }
  const done: CompressDone = { job: m.job, codec: z ? Codec.Zstd : Codec.Raw, payload: out };
  parentPort!.postMessage(done, [out]);
});
