import { GEAR, spreadMask } from './gear';
import { ChunkerParams, DEFAULT_CHUNKER_PARAMS, validateChunkerParams } from './params';

/**
 * Streaming FastCDC (Xia et al., 2016/2020) with normalized chunking, level 2:
 * below `avgSize` the cut mask has two more bits (cuts are rarer), above it
 * two fewer (cuts come sooner), which narrows the chunk-size spread.
 *
 * The chunker holds only the bytes of the chunk in progress (< maxSize) and
 * the rolling hash, so cut points do not depend on how the input is split
 * into blocks. It keeps references to the buffers it is given until their
 * bytes are emitted: do not reuse a buffer after pushing it.
 */
export class Chunker {
  private readonly minSize: number;
  private readonly avgSize: number;
  private readonly maxSize: number;
  private readonly maskS: number;
  private readonly maskL: number;
  /** Bytes of the chunk in progress that came from earlier pushes. */
  private pending: Buffer[] = [];
  /** Length of the chunk in progress. */
  private len = 0;
  /** Gear hash of the chunk in progress (0 until minSize is reached). */
  private hash = 0;

  constructor(params: ChunkerParams = DEFAULT_CHUNKER_PARAMS) {
    validateChunkerParams(params);
    this.minSize = params.minSize;
    this.avgSize = params.avgSize;
    this.maxSize = params.maxSize;
    const bits = Math.round(Math.log2(params.avgSize));
    this.maskS = spreadMask(Math.min(31, bits + 2));
    this.maskL = spreadMask(Math.max(1, bits - 2));
  }

  /** Feeds bytes; appends every chunk they complete to `out` and returns it. */
  push(data: Buffer, out: Buffer[] = []): Buffer[] {
    let start = 0;
    for (;;) {
      const cut = this.findCut(data, start);
      if (cut < 0) break;
      out.push(this.takeChunk(data, start, cut));
      start = cut;
    }
    if (start < data.length) this.pending.push(start === 0 ? data : data.subarray(start));
    return out;
  }

  /** Ends the stream: returns the last, possibly short, chunk (null if none). */
  finish(): Buffer | null {
    if (this.len === 0) return null;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.len);
    this.reset();
    return chunk;
  }

  /**
   * Scans `data` from `from` (where the chunk in progress continues) and
   * returns the index just past the next cut point, or -1 when the data ends
   * first. Advances `len` and `hash` for the bytes it consumed.
   */
  private findCut(data: Buffer, from: number): number {
    const n = data.length;
    let i = from;
    let len = this.len;
    if (len < this.minSize) {
      // No cut can fall before minSize: skip those bytes without hashing.
      const skip = Math.min(this.minSize - len, n - i);
      i += skip;
      len += skip;
      if (len < this.minSize) {
        this.len = len;
        return -1;
      }
    }
    let h = this.hash;
    const gear = GEAR;
    if (len < this.avgSize) {
      const maskS = this.maskS;
      const end = Math.min(n, i + (this.avgSize - len));
      const begin = i;
      for (; i < end; i++) {
        h = ((h << 1) + gear[data[i]!]!) | 0;
        if ((h & maskS) === 0) {
          this.len = len + (i + 1 - begin);
          return i + 1;
        }
      }
      len += i - begin;
    }
    if (len >= this.avgSize) {
      const maskL = this.maskL;
      const end = Math.min(n, i + (this.maxSize - len));
      const begin = i;
      for (; i < end; i++) {
        h = ((h << 1) + gear[data[i]!]!) | 0;
        if ((h & maskL) === 0) {
          this.len = len + (i + 1 - begin);
          return i + 1;
        }
      }
      len += i - begin;
      if (len >= this.maxSize) {
        this.len = len;
        return i;
      }
    }
    this.len = len;
    this.hash = h;
    return -1;
  }

  /** Builds the chunk that ends at `cut` in `data` and resets the state for the next one. */
  private takeChunk(data: Buffer, start: number, cut: number): Buffer {
    let chunk: Buffer;
    if (this.pending.length === 0) {
      chunk = data.subarray(start, cut);
    } else {
      this.pending.push(data.subarray(start, cut));
      chunk = Buffer.concat(this.pending, this.len);
    }
    this.reset();
    return chunk;
  }

  private reset(): void {
    this.pending = [];
    this.len = 0;
    this.hash = 0;
  }
}

/** Cuts a whole in-memory buffer; returns the chunks (views into `data`). */
export function chunkBuffer(data: Buffer, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS): Buffer[] {
  const chunker = new Chunker(params);
  const out = chunker.push(data);
  const last = chunker.finish();
  if (last) out.push(last);
  return out;
}

/** Cuts a stream of blocks (e.g. a file read stream) into chunks, holding at most one chunk. */
export async function* chunkStream(
  blocks: AsyncIterable<Buffer>,
  params: ChunkerParams = DEFAULT_CHUNKER_PARAMS,
): AsyncGenerator<Buffer> {
  const chunker = new Chunker(params);
  const out: Buffer[] = [];
  for await (const block of blocks) {
    chunker.push(block, out);
    while (out.length > 0) yield out.shift()!;
  }
  const last = chunker.finish();
  if (last) yield last;
}
