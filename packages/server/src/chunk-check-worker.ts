/**
 * Worker thread of the chunk checks (chunk-checks.ts): decodes each chunk
 * it is sent and hashes the plaintext against the id the agent claimed.
 */
import { parentPort } from 'node:worker_threads';
import { encodedChunkMatches, isFormatError } from '@cpsbackup/format';

export interface CheckJob {
  job: number;
  id: ArrayBuffer;
  codec: number;
  /** A copy of the payload, transferred. */
  payload: ArrayBuffer;
  rawLength: number;
}

/** Whether the hash matched, or why the payload did not decode. */
export interface CheckDone {
  job: number;
  matches: boolean;
  undecodable?: string;
}

parentPort?.on('message', (m: CheckJob) => {
  let done: CheckDone;
  try {
    done = { job: m.job, matches: encodedChunkMatches(new Uint8Array(m.id), m.codec, new Uint8Array(m.payload), m.rawLength) };
  } catch (err) {
    if (!isFormatError(err)) throw err; // a fault of the worker itself fails the pool, loudly
    done = { job: m.job, matches: false, undecodable: err.message };
  }
  parentPort!.postMessage(done);
});
