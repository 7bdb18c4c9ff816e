import { GEAR, spreadMask } from './gear';
import { type ChunkerParams, DEFAULT_CHUNKER_PARAMS, validateChunkerParams } from './params';

/** The hash after a `scan` that found no cut (a second return value, without allocating). */
let scannedHash = 0;

/**
 * Rolls the gear hash over data[from..end) and returns the index just past
 * the first position where `hash & mask` is 0, or -1 (then the hash is in
 * `scannedHash`). Unrolled eight times: V8 runs this loop about 1.6 times
 * faster so (1.0 GB/s against 0.65 on the bench machine), and the chunker
 * is the agent main thread's largest cost in a first backup.
 */
function scan(data: Uint8Array, from: number, end: number, hash: number, mask: number): number {
  const g = GEAR;
  let h = hash;
  let i = from;
  for (const end8 = end - 7; i < end8; i += 8) {
    h = ((h << 1) + g[data[i]!]!) | 0;
    if ((h & mask) === 0) return i + 1;
    h = ((h << 1) + g[data[i + 1]!]!) | 0;
    if ((h & mask) === 0) return i + 2;
    h = ((h << 1) + g[data[i + 2]!]!) | 0;
    if ((h & mask) === 0) return i + 3;
    h = ((h << 1) + g[data[i + 3]!]!) | 0;
    if ((h & mask) === 0) return i + 4;
    h = ((h << 1) + g[data[i + 4]!]!) | 0;
    if ((h & mask) === 0) return i + 5;
    h = ((h << 1) + g[data[i + 5]!]!) | 0;
    if ((h & mask) === 0) return i + 6;
    h = ((h << 1) + g[data[i + 6]!]!) | 0;
    if ((h & mask) === 0) return i + 7;
    h = ((h << 1) + g[data[i + 7]!]!) | 0;
    if ((h & mask) === 0) return i + 8;
  }
  for (; i < end; i++) {
    h = ((h << 1) + g[data[i]!]!) | 0;
    if ((h & mask) === 0) return i + 1;
  }
  scannedHash = h;
  return -1;
}

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

  /**
   * Feeds `n` zero bytes (a hole of a sparse file): the same chunks as
   * push() of that many zeros, without scanning most of them. A chunk that
   * starts within zeros is cut where zeros alone put the cut (the gear hash
   * of a run of zeros settles at once), always at the same length
   * (zeroChunkLength), so whole such chunks are emitted as views of one
   * shared zero buffer. Never write into the chunks it returns.
   */
  pushZeros(n: number, out: Buffer[] = []): Buffer[] {
    const zeros = zeroBuffer(this.maxSize);
    const step = zeroChunkLength(this.minSize, this.avgSize, this.maxSize);
    // Whether the chunk in progress holds only zeros of this call, begun at a cut.
    let fromZeros = this.len === 0;
    while (n > 0) {
      if (this.len === 0 && n >= step) {
        out.push(zeros.subarray(0, step));
        n -= step;
        continue;
      }
      // Complete the chunk in progress (by `step` if it is zeros since its start, else by maxSize at the latest).
      const take = Math.min(n, this.len === 0 ? n : fromZeros ? step - this.len : this.maxSize - this.len);
      this.push(zeros.subarray(0, take), out);
      n -= take;
      fromZeros = true; // what is pending now began at a cut within these zeros
    }
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
    if (len < this.avgSize) {
      const end = Math.min(n, i + (this.avgSize - len));
      const cut = scan(data, i, end, h, this.maskS);
      if (cut >= 0) {
        this.len = len + (cut - i);
        return cut;
      }
      h = scannedHash;
      len += end - i;
      i = end;
    }
    if (len >= this.avgSize) {
      const end = Math.min(n, i + (this.maxSize - len));
      const cut = scan(data, i, end, h, this.maskL);
      if (cut >= 0) {
        this.len = len + (cut - i);
        return cut;
      }
      h = scannedHash;
      len += end - i;
      i = end;
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

/** One read-only buffer of zeros per size asked (a chunker's maxSize). */
const zeroBuffers = new Map<number, Buffer>();
function zeroBuffer(size: number): Buffer {
  let z = zeroBuffers.get(size);
  if (!z) zeroBuffers.set(size, (z = Buffer.alloc(size)));
  return z;
}

/**
 * Where a chunk made only of zeros is cut, by chunker parameters: found
 * once per process by cutting zeros the ordinary way (a backup makes a
 * chunker per file).
 */
const zeroSteps = new Map<string, number>();
function zeroChunkLength(minSize: number, avgSize: number, maxSize: number): number {
  const key = `${minSize}/${avgSize}/${maxSize}`;
  let step = zeroSteps.get(key);
  if (step === undefined) {
    step = new Chunker({ minSize, avgSize, maxSize }).push(zeroBuffer(maxSize))[0]?.length ?? maxSize;
    zeroSteps.set(key, step);
  }
  return step;
}

/** Whether a chunk is a view of the chunker's shared zeros (one pushZeros emitted whole): its bytes are all zero. */
export function isSharedZeros(chunk: Uint8Array): boolean {
  return zeroBuffers.get(chunk.buffer.byteLength)?.buffer === chunk.buffer;
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
export async function* chunkStream(blocks: AsyncIterable<Buffer>, params: ChunkerParams = DEFAULT_CHUNKER_PARAMS): AsyncGenerator<Buffer> {
  const chunker = new Chunker(params);
  const out: Buffer[] = [];
  for await (const block of blocks) {
    chunker.push(block, out);
    while (out.length > 0) yield out.shift()!;
  }
  const last = chunker.finish();
  if (last) yield last;
}
