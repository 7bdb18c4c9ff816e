/**
 * @cpsbackup/format: what the agent and the server share about the data
 * itself: file entries, chunk ids, the chunk codec, the manifest and entry
 * record codec with its limits, varints, path rules. No SQL, no sockets.
 */
export { type FileEntry, EntryType, hasContent, type Xattr } from './entry';
export { chunkIdOf, formatChunkId, CHUNK_ID_BYTES, splitChunkIds } from './chunk-id';
export { Codec, compressChunk, compressToScratch, decodeChunk, decodeChunkToScratch, DEFAULT_ZSTD_LEVEL, encodedChunkMatches } from './compression';
export { FormatError, type FormatErrorCode, isFormatError } from './errors';
export {
  ManifestDecoder,
  encodeEntry,
  decodeEntry,
  encodeEntryRecords,
  decodeEntryRecords,
  ENTRY_LIMITS,
  MANIFEST_MAGIC,
  recordHeadAt,
} from './manifest-codec';
export { VarintReader, VarintWriter } from './varint';
export { isUnder, prefixSelection, type SelectedEntry, selectedWithWay } from './paths';
export {
  checkListing,
  type ChunkReader,
  compareWalkOrder,
  decodeListingChunk,
  LISTING_CUT,
  ListingBuilder,
  type ListingChunk,
  listingRefs,
  listingTreeIds,
  type ListingRefs,
  ManifestFormat,
  TreeBuilder,
  treeChunkIds,
  walkTree,
  walkTreeRecords,
} from './tree';
export {
  checkSealedRecord,
  decodeSealedRecord,
  encodeSealedManifest,
  encodeSealedRecord,
  keyIdText,
  type KeyCount,
  boundToOtherKeys,
  describeKeyCounts,
  type SealedRecord,
  sealedStoreId,
  sealedTreeChunkIds,
  splitSealedManifest,
} from './sealed';
