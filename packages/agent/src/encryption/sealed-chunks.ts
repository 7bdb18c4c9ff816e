import { type ChunkKeys, isCryptoError } from '@cpsbackup/crypto';
import { Codec, decodeChunk, decodeChunkToScratch } from '@cpsbackup/format';
import { ABSOLUTE_MAX_CHUNK_SIZE } from '@cpsbackup/chunker';
import { AgentError } from '../errors';

/**
 * What an encrypted node seals for one chunk: the chunk as it would have
 * gone out plain (zstd or raw), with what decoding it needs, so that
 * compression happens before encryption (ciphertext does not compress):
 *
 *   sealed plaintext := codec:u8 rawLength:u32 payload
 */
const HEAD_BYTES = 5;

/**
 * Seals an encoded chunk for the wire (codec Sealed): only this node's key
 * opens it, and only under `id`. In pieces that, end to end, are the seal
 * (a Chunk frame sends them as they are).
 */
export function sealChunk(keys: ChunkKeys, id: Buffer, codec: number, rawLength: number, payload: Uint8Array): Buffer[] {
  const head = Buffer.allocUnsafe(HEAD_BYTES);
  head.writeUInt8(codec, 0);
  head.writeUInt32BE(rawLength, 1);
  return keys.sealToPieces(id, [head, payload]);
}

/**
 * The plaintext of a sealed chunk, checked end to end before anyone uses
 * a byte of it: the seal authenticates under this key and `id` (no other
 * chunk, nothing changed), it decodes, and its keyed hash is `id`.
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
  // Into the decoder's scratch buffer (valid until the next decode) for a restore's writer, which copies it at once.
  const plain = (toScratch ? decodeChunkToScratch : decodeChunk)(inner.readUInt8(0), inner.subarray(HEAD_BYTES), rawLength);
  if (!keys.chunkId(plain).equals(id)) throw new AgentError('CORRUPT', `${what} does not match its id: the stored copy is damaged`);
  return plain;
}
