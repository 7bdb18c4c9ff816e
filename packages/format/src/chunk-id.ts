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
