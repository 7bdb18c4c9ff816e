/**
 * The part of the store an agent needs (entry types, chunk ids, the zstd
 * codec) without the catalog, so the agent never loads SQLite.
 */
export { FileEntry, EntryType, hasContent } from './entry';
export { chunkIdOf, formatChunkId, CHUNK_ID_BYTES } from './chunk-id';
export { Codec, compressChunk, compressToScratch, decodeChunk, decodeChunkToScratch, DEFAULT_ZSTD_LEVEL } from './compression';
export { StoreError, isStoreError } from './errors';
export { PidLockFile, LockHolder } from './pid-lock';
export { isUnder } from './paths';
export { ManifestDecoder, encodeEntryRecords, decodeEntryRecords } from './manifest-codec';
