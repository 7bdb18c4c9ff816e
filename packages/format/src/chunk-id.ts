import { createHash } from 'node:crypto';

/** Byte length of a chunk id (SHA-256). */
export const CHUNK_ID_BYTES = 32;

/** A chunk's id: the SHA-256 of its plaintext. */
export function chunkIdOf(plaintext: Uint8Array): Buffer {
  return createHash('sha256').update(plaintext).digest();
}

/** Short printable form for logs and messages. */
export function formatChunkId(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/** The 32-byte ids laid end to end in `blob` (a manifest row, an encrypted listing's references), each a copy; a partial last one is left out (callers check the length). */
export function splitChunkIds(blob: Uint8Array): Buffer[] {
  const ids: Buffer[] = [];
  for (let off = 0; off + CHUNK_ID_BYTES <= blob.length; off += CHUNK_ID_BYTES) ids.push(Buffer.from(blob.subarray(off, off + CHUNK_ID_BYTES)));
  return ids;
}
