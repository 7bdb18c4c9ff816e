/** @cpsbackup/chunker: content-defined chunking (FastCDC) for deduplication. */
export { Chunker, chunkBuffer, chunkStream, isSharedZeros } from './fastcdc';
export { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, ABSOLUTE_MAX_CHUNK_SIZE, validateChunkerParams } from './params';
export { GEAR, GEAR_SEED, spreadMask } from './gear';
