/**
 * Worker thread of the compression pool (compress-pool.ts): compresses the
 * chunks it is sent and hands the result back without a copy (the
 * ArrayBuffer is transferred). A chunk that does not shrink comes back as
 * the same buffer, raw.
 */
import { parentPort } from 'node:worker_threads';
import { compressChunk } from '@cpsbackup/store/dist/shared';

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
  const plain = new Uint8Array(m.plain);
  const { codec, payload } = compressChunk(plain, m.level);
  let out: ArrayBuffer;
  if (codec === 0) {
    out = m.plain;
  } else {
    out = new ArrayBuffer(payload.length);
    new Uint8Array(out).set(payload);
  }
  const done: CompressDone = { job: m.job, codec, payload: out };
  parentPort!.postMessage(done, [out]);
});
