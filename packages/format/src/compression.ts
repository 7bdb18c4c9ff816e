import * as zstd from 'zstd-napi/binding';
import { chunkIdOf } from './chunk-id';
import { FormatError } from './errors';
import { checkSealedRecord } from './sealed';

/**
 * How a chunk's payload is encoded in a pack. Sealed: an encrypted node's
 * chunk, which the server keeps as a sealed record (sealed.ts); it
 * "decodes" to the record itself once its hash is checked.
 */
export const Codec = { Raw: 0, Zstd: 1, Sealed: 2 } as const;
/** One of the Codec values. */
export type Codec = (typeof Codec)[keyof typeof Codec];

/** Default zstd level: chosen from what each level costs and saves on both benchmark datasets (PERFORMANCE.md, "Compression"). */
export const DEFAULT_ZSTD_LEVEL = 3;

let cctx: zstd.CCtx | undefined;
let dctx: zstd.DCtx | undefined;

let compressScratch: Buffer | undefined;

/**
 * The probe that spares zstd a chunk it cannot shrink (photos, archives,
 * encrypted or already compressed data: most bytes of many trees). zstd
 * over such a chunk costs as much CPU as over text, to be thrown away.
 * A chunk of PROBE_FROM bytes or more is first probed: slices of
 * PROBE_SLICE bytes spread evenly over it, from its start to its end (3,
 * or 5 from PROBE_WIDE_FROM), each compressed at PROBE_LEVEL in turn. The
 * first slice that saves the raw rule's 1/32 ends the probe and the chunk
 * is compressed whole; only a chunk none of whose slices shrinks is left
 * raw. So a compressible chunk costs one slice more of zstd work (at most
 * 6 %), an incompressible one 3-5 slices instead of a whole pass, and a
 * mixed chunk (a database page holding a compressed blob) is compressed
 * unless every slice falls in its incompressible parts. Figures:
 * PERFORMANCE.md, "Compression".
 */
const PROBE_FROM = 64 * 1024;
const PROBE_WIDE_FROM = 256 * 1024;
const PROBE_SLICE = 4096;
const PROBE_LEVEL = 1;

/** The raw rule: compressing `raw` bytes to `compressed` is kept only when it saves at least 1/32 of them. */
function saves(compressed: number, raw: number): boolean {
  return compressed < raw - (raw >> 5);
}

function looksIncompressible(ctx: zstd.CCtx, data: Uint8Array, scratch: Buffer): boolean {
  const slices = data.length >= PROBE_WIDE_FROM ? 5 : 3;
  const step = (data.length - PROBE_SLICE) / (slices - 1);
  for (let i = 0; i < slices; i++) {
    const from = Math.round(i * step);
    if (saves(ctx.compress(scratch, data.subarray(from, from + PROBE_SLICE), PROBE_LEVEL), PROBE_SLICE)) return false;
  }
  return true;
}

/**
 * zstd of `data` into a scratch buffer reused by the next call, or undefined
 * when compression does not save at least 1/32 of the size (already-compressed
 * media: stored raw, so reads skip zstd), as a probe of the chunk says or
 * compressing it whole shows (`probe` false: no probe, for measuring it).
 * Allocates nothing per chunk. Any level zstd knows, fast (negative) levels
 * included: what is stored decodes the same whatever the level.
 */
export function compressToScratch(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL, probe = true): Buffer | undefined {
  cctx ??= new zstd.CCtx();
  const bound = zstd.compressBound(data.length);
  if (!compressScratch || compressScratch.length < bound) compressScratch = Buffer.allocUnsafe(Math.max(bound, 64 * 1024));
  if (probe && data.length >= PROBE_FROM && looksIncompressible(cctx, data, compressScratch)) return undefined;
  const n = cctx.compress(compressScratch, data, level);
  if (!saves(n, data.length)) return undefined;
  return compressScratch.subarray(0, n);
}

/** Compresses `data` into a payload of its own (see compressToScratch for when it stays raw). */
export function compressChunk(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL): { codec: Codec; payload: Buffer } {
  const z = compressToScratch(data, level);
  return z ? { codec: Codec.Zstd, payload: Buffer.from(z) } : { codec: Codec.Raw, payload: Buffer.from(data) };
}

let decodeScratch: Buffer | undefined;

/**
 * Decodes a payload into a scratch buffer reused by the next call, so
 * checking (the server) or writing (a restore) a stream of chunks allocates
 * nothing per chunk. The result is valid until the next call: use it first.
 */
export function decodeChunkToScratch(codec: number, payload: Uint8Array, rawLength: number): Buffer {
  if (codec !== Codec.Zstd) return decodeChunk(codec, payload, rawLength);
  if (!decodeScratch || decodeScratch.length < rawLength) decodeScratch = Buffer.allocUnsafe(Math.max(rawLength, 1 << 20));
  return decodeChunk(codec, payload, rawLength, decodeScratch.subarray(0, rawLength));
}

/**
 * Decodes a payload whose plaintext must be exactly `rawLength` bytes. The
 * output buffer is sized from `rawLength` (bounded by the caller), never from
 * what the compressed frame claims, so a hostile frame cannot balloon memory.
 */
export function decodeChunk(codec: number, payload: Uint8Array, rawLength: number, into?: Buffer): Buffer {
  if (codec === Codec.Raw || codec === Codec.Sealed) {
    if (payload.length !== rawLength) {
      throw new FormatError('CHUNK_CORRUPT', `raw chunk is ${payload.length} bytes, expected ${rawLength}`);
    }
    const plain = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    if (codec === Codec.Sealed) checkSealedRecord(plain);
    return plain;
  }
  if (codec !== Codec.Zstd) throw new FormatError('CHUNK_CORRUPT', `unknown chunk codec ${codec}`);
  dctx ??= new zstd.DCtx();
  const out = into ?? Buffer.allocUnsafe(rawLength);
  let n: number;
  try {
    n = dctx.decompress(out, payload);
  } catch (err) {
    throw new FormatError('CHUNK_CORRUPT', `zstd could not decode the chunk: ${(err as Error).message}`);
  }
  if (n !== rawLength) throw new FormatError('CHUNK_CORRUPT', `chunk decoded to ${n} bytes, expected ${rawLength}`);
  return out;
}

/**
 * Whether an encoded chunk decodes to exactly `rawLength` bytes whose
 * SHA-256 is `id`: what the server checks of every chunk it is sent.
 * Throws a FormatError when the payload does not decode.
 */
export function encodedChunkMatches(id: Uint8Array, codec: number, payload: Uint8Array, rawLength: number): boolean {
  if (codec === Codec.Sealed) throw new FormatError('CHUNK_CORRUPT', 'a sealed chunk where a plain one was expected');
  return chunkIdOf(decodeChunkToScratch(codec, payload, rawLength)).equals(id);
}
