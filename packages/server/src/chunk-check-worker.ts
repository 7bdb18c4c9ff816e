/**
 * Worker thread of the chunk checks (chunk-checks.ts): decodes each chunk
 * of a batch and hashes the plaintext against the id the agent claimed.
 */
import { parentPort } from 'node:worker_threads';
import { CHUNK_ID_BYTES, encodedChunkMatches, isFormatError } from '@cpsbackup/format';

/** A batch of chunks: chunk i's id is ids[32 i ..], its payload payloads[payloadEnds[i-1] .. payloadEnds[i]). */
export interface CheckJob {
  job: number;
  ids: ArrayBuffer;
  payloads: ArrayBuffer;
  payloadEnds: number[];
  codecs: number[];
  rawLengths: number[];
}

/** For each chunk, whether its hash matched, or why its payload did not decode. */
export interface CheckDone {
  job: number;
  results: Array<{ matches: boolean; undecodable?: string }>;
}

parentPort?.on('message', (m: CheckJob) => {
  const results = m.payloadEnds.map((end, i) => {
    const start = i === 0 ? 0 : m.payloadEnds[i - 1]!;
    const id = new Uint8Array(m.ids, i * CHUNK_ID_BYTES, CHUNK_ID_BYTES);
    try {
      return { matches: encodedChunkMatches(id, m.codecs[i]!, new Uint8Array(m.payloads, start, end - start), m.rawLengths[i]!) };
    } catch (err) {
      if (!isFormatError(err)) throw err; // a fault of the worker itself fails the pool, loudly
      return { matches: false, undecodable: err.message };
    }
  });
  parentPort!.postMessage({ job: m.job, results } satisfies CheckDone);
});
