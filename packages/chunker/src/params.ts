/** Chunk size limits for FastCDC. `avgSize` must be a power of two. */
export interface ChunkerParams {
  /** No cut point before this many bytes (also: files smaller than this are one chunk). */
  readonly minSize: number;
  /** Target mean chunk size; normalized chunking keeps most chunks near it. */
  readonly avgSize: number;
  /** Hard upper bound: a chunk is cut here if no content cut point was found. */
  readonly maxSize: number;
}

/**
 * Defaults chosen by measurement on the bench corpus (docs/ARCHITECTURE.md,
 * "Chunk sizes"): with a 2 % edit spread through 400 MB, 256 KiB mean chunks
 * store 147 MB anew where 1 MiB chunks store 267 MB, for 1.7x the chunk
 * count; 64 KiB would save another 46 % but multiply the catalog by 2.7.
 */
export const DEFAULT_CHUNKER_PARAMS: ChunkerParams = Object.freeze({
  minSize: 64 * 1024,
  avgSize: 256 * 1024,
  maxSize: 1024 * 1024,
});

/** Largest chunk any store accepts, whatever the chunker settings (bounds memory per chunk). */
export const ABSOLUTE_MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/** Throws a RangeError naming the offending field when the limits are inconsistent. */
export function validateChunkerParams(p: ChunkerParams): ChunkerParams {
  const { minSize, avgSize, maxSize } = p;
  for (const [name, v] of Object.entries({ minSize, avgSize, maxSize })) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`chunker ${name} must be a positive integer, got ${v}`);
  }
  if (minSize < 64) throw new RangeError(`chunker minSize must be at least 64 bytes, got ${minSize}`);
  if ((avgSize & (avgSize - 1)) !== 0 || avgSize < 256 || avgSize > 1 << 26) {
    throw new RangeError(`chunker avgSize must be a power of two between 256 B and 64 MiB, got ${avgSize}`);
  }
  if (!(minSize < avgSize && avgSize < maxSize)) {
    throw new RangeError(`chunker sizes must satisfy minSize < avgSize < maxSize, got ${minSize} / ${avgSize} / ${maxSize}`);
  }
  if (maxSize > ABSOLUTE_MAX_CHUNK_SIZE) {
    throw new RangeError(`chunker maxSize must be at most ${ABSOLUTE_MAX_CHUNK_SIZE}, got ${maxSize}`);
  }
  return p;
}
