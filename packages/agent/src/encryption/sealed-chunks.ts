import { type ChunkKeys, isCryptoError, type Padding, paddedLength, SEAL_OVERHEAD } from '@cpsbackup/crypto';
import { Codec, decodeChunk, decodeChunkToScratch } from '@cpsbackup/format';
import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';
import { AgentError } from '../errors';

/**
 * What an encrypted node seals for one chunk: the chunk as it would have
 * gone out plain (zstd or raw), with what decoding it needs, so that
 * compression happens before encryption (ciphertext does not compress).
 * Unpadded, and padded (node.conf's encryption_padding, crypto's Padding)
 * to a length that says less than the chunk's own:
 *
 *   sealed plaintext := codec:u8 rawLength:u32 payload
 *                     | (0x80 | codec):u8 rawLength:u32 payloadLength:u32 payload 0*
 *
 * The padding lies inside the seal: the server sees only the padded
 * length, and cannot change the true one without the tag failing.
 */
const HEAD_BYTES = 5;
const PADDED_HEAD_BYTES = 9;
/** Marks a padded plaintext in its first byte (a codec is 0 or 1). */
const PADDED = 0x80;
/** The longest plaintext a seal the server accepts may hold. */
const MAX_SEALED_PLAINTEXT = ABSOLUTE_MAX_CHUNK_SIZE - SEAL_OVERHEAD;

/** Zeros the padding is sealed from (only read: the cipher takes subarrays of it). */
let zeros = Buffer.alloc(0);
function zerosOf(n: number): Buffer {
  if (zeros.length < n) zeros = Buffer.alloc(Math.max(n, 64 * 1024));
  return zeros.subarray(0, n);
}

/**
 * Seals an encoded chunk for the wire (codec Sealed): only this node's key
 * opens it, and only under `id`. In pieces that, end to end, are the seal
 * (a Chunk frame sends them as they are).
 */
export function sealChunk(keys: ChunkKeys, id: Buffer, codec: number, rawLength: number, payload: Uint8Array, padding: Padding = 'none'): Buffer[] {
  if (padding === 'none') {
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    head.writeUInt8(codec, 0);
    head.writeUInt32BE(rawLength, 1);
    return keys.sealToPieces(id, [head, payload]);
  }
  const length = PADDED_HEAD_BYTES + payload.length;
  const head = Buffer.allocUnsafe(PADDED_HEAD_BYTES);
  head.writeUInt8(PADDED | codec, 0);
  head.writeUInt32BE(rawLength, 1);
  head.writeUInt32BE(payload.length, 5);
  const pad = paddedLength(length, padding, MAX_SEALED_PLAINTEXT) - length;
  return keys.sealToPieces(id, pad > 0 ? [head, payload, zerosOf(pad)] : [head, payload]);
}

/**
 * The plaintext of a sealed chunk, checked end to end before anyone uses
 * a byte of it: the seal authenticates under this key and `id` (no other
 * chunk, nothing changed), its padding is what a node makes, it decodes,
 * and its keyed hash is `id`. Padded or not, whatever this node's
 * encryption_padding says now: a backup made either way reads.
 * `what` names it in errors. With `toScratch`, the plaintext lies in a
 * buffer the next such call reuses: use it first.
 */
export function openChunk(keys: ChunkKeys, id: Buffer, codec: number, seal: Buffer, what: string, toScratch = false): Buffer {
  if (codec !== Codec.Sealed) throw new AgentError('PROTOCOL', `the server sent ${what} unencrypted (codec ${codec}) from an encrypted backup`);
  let inner: Buffer;
  try {
    inner = keys.open(id, seal);
  } catch (err) {
    if (isCryptoError(err)) throw new AgentError('CORRUPT', `${what}: ${err.message}`);
    throw err;
  }
  if (inner.length < HEAD_BYTES) throw new AgentError('CORRUPT', `${what} holds ${inner.length} bytes, less than its header`);
  const rawLength = inner.readUInt32BE(1);
  if (rawLength > ABSOLUTE_MAX_CHUNK_SIZE) throw new AgentError('CORRUPT', `${what} claims ${rawLength} bytes, over the limit`);
  let inCodec = inner.readUInt8(0);
  let payload = inner.subarray(HEAD_BYTES);
  if (inCodec & PADDED) {
    // Sealed by this node's key, so only a node (a bug, or one that has the key) could have got it wrong: damage all the same.
    if (inner.length < PADDED_HEAD_BYTES) throw new AgentError('CORRUPT', `${what} holds ${inner.length} bytes, less than its padded header`);
    const payloadLength = inner.readUInt32BE(5);
    if (payloadLength > inner.length - PADDED_HEAD_BYTES) {
      throw new AgentError(
        'CORRUPT',
        `${what} claims a payload of ${payloadLength} bytes and holds ${inner.length - PADDED_HEAD_BYTES}: its padding is damaged`,
      );
    }
    const padding = inner.subarray(PADDED_HEAD_BYTES + payloadLength);
    if (!isAllZero(padding)) throw new AgentError('CORRUPT', `${what} has padding that is not zeros: its padding is damaged`);
    inCodec &= ~PADDED;
    payload = inner.subarray(PADDED_HEAD_BYTES, PADDED_HEAD_BYTES + payloadLength);
  }
  // Into the decoder's scratch buffer (valid until the next decode) for a restore's writer, which copies it at once.
  const plain = (toScratch ? decodeChunkToScratch : decodeChunk)(inCodec, payload, rawLength);
  if (!keys.chunkId(plain).equals(id)) throw new AgentError('CORRUPT', `${what} does not match its id: the stored copy is damaged`);
  return plain;
}

function isAllZero(b: Buffer): boolean {
  // Compared a zero buffer's worth at a time (a byte loop cost more than the padding's AES).
  for (let off = 0; off < b.length; off += 64 * 1024) {
    const part = b.subarray(off, off + 64 * 1024);
    if (!part.equals(zerosOf(part.length))) return false;
  }
  return true;
}
