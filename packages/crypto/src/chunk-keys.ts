/**
 * What a node's master key does to chunks. Two keys are derived from it
 * (HKDF-SHA-256, one label each): one names chunks, one encrypts them.
 *
 * - A chunk's id is HMAC-SHA-256 of its plaintext under the id key: equal
 *   plaintexts under one master key get one id (so they deduplicate), and
 *   an id says nothing about its plaintext to whoever lacks the key.
 * - A chunk's payload (its compressed plaintext) is sealed with
 *   AES-256-GCM under the encryption key, with a random 96-bit nonce and
 *   the chunk's id as additional data: a sealed chunk opens only under its
 *   own id, so a server cannot answer a request for one chunk with another.
 *   Random nonces (not derived from the id) because the same plaintext may
 *   be compressed differently by two nodes (zstd levels): a nonce repeated
 *   over two different payloads would give the key away. The birthday bound
 *   puts 2^32 seals under one key within NIST's limit for random nonces.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, randomFillSync } from 'node:crypto';
import { CryptoError } from './errors';

export const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** What sealing adds to a payload. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/**
 * Random nonces drawn from the system a few hundred at a time: one
 * getrandom call per chunk was a tenth of what sealing cost the agent.
 */
const NONCE_POOL_BYTES = 4096 - (4096 % NONCE_BYTES);
let noncePool = Buffer.alloc(0);
let noncePos = 0;

function nextNonceInto(out: Buffer): void {
  if (noncePos + NONCE_BYTES > noncePool.length) {
    noncePool = randomFillSync(Buffer.allocUnsafe(NONCE_POOL_BYTES));
    noncePos = 0;
  }
  noncePool.copy(out, 0, noncePos, noncePos + NONCE_BYTES);
  noncePool.fill(0, noncePos, noncePos + NONCE_BYTES); // used once: not kept
  noncePos += NONCE_BYTES;
}

/**
 * How a sealed chunk's plaintext is padded before it is sealed, so that
 * the length the server stores says less about the chunk (and a one-chunk
 * file's size) than the length itself:
 *
 * - `padme`: Padmé (Nikitin et al., "Reducing Metadata Leakage from
 *   Encrypted Files and Communication with PURBs", PETS 2019): a length L
 *   with E = floor(log2 L) is rounded up to a multiple of 2^(E - S), S =
 *   floor(log2 E) + 1. A padded length keeps at most S + 1 significant
 *   bits: O(log log L) bits of L are left to see (16 lengths per doubling
 *   from 256 B to 64 KiB, 32 above), at a cost of at most 1/2^S of L
 *   (6.25 % below 64 KiB, 3.1 % up to 4 GiB). Every length below
 *   PADDING_FLOOR becomes PADDING_FLOOR: small files, the most numerous
 *   and the ones whose exact size says most (a key, a password file),
 *   all look alike.
 * - `none`: the length as it is.
 */
export type Padding = 'padme' | 'none';
export const PADDINGS: readonly Padding[] = ['padme', 'none'];
/** Every padded plaintext is at least this long (see Padding). */
export const PADDING_FLOOR = 1024;

/** Padmé's length for `length` (see Padding), without the floor. */
export function padme(length: number): number {
  if (length < 2) return length;
  if (length > 0xffffffff) throw new RangeError(`a chunk of ${length} bytes is longer than a sealed chunk can say`);
  const e = 31 - Math.clz32(length); // floor(log2), exact
  const s = 32 - Math.clz32(e); // floor(log2 e) + 1
  const step = 2 ** (e - s);
  return Math.ceil(length / step) * step;
}

/**
 * The length a plaintext of `length` bytes is padded to under `padding`,
 * never over `cap` (the most a seal may hold) unless `length` already is.
 */
export function paddedLength(length: number, padding: Padding, cap = Number.MAX_SAFE_INTEGER): number {
  if (padding === 'none') return length;
  return Math.max(length, Math.min(cap, Math.max(PADDING_FLOOR, padme(length))));
}

function derive(master: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `cpsbackup ${label} v1`, 32));
}

/** A fresh master key (random). */
export function newMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

/** A chunk's id under an id key (ChunkKeys.idKey): HMAC-SHA-256 of its plaintext. For worker threads, which get the id key alone. */
export function keyedChunkId(idKey: Uint8Array, plaintext: Uint8Array): Buffer {
  return createHmac('sha256', idKey).update(plaintext).digest();
}

export class ChunkKeys {
  /** Names chunks (keyedChunkId); never leaves the node. */
  readonly idKey: Buffer;
  /**
   * Names the master key to the server without revealing it: the server
   * keeps each key's chunks apart and a dedup group to one key.
   */
  readonly keyId: Buffer;
  private readonly encryptionKey: Buffer;

  constructor(master: Buffer) {
    if (master.length !== MASTER_KEY_BYTES) throw new CryptoError('BAD_KEY', `a master key is ${MASTER_KEY_BYTES} bytes, not ${master.length}`);
    this.idKey = derive(master, 'chunk id');
    this.encryptionKey = derive(master, 'chunk encryption');
    this.keyId = derive(master, 'key id');
  }

  /** A chunk's id: HMAC-SHA-256 of its plaintext under the id key. */
  chunkId(plaintext: Uint8Array): Buffer {
    return keyedChunkId(this.idKey, plaintext);
  }

  /**
   * Seals a payload for the chunk `id`: nonce ‖ ciphertext ‖ tag. The
   * payload may come in parts (a header and a body), sealed as one: what
   * each chunk costs in copies is what it costs the agent.
   */
  seal(id: Buffer, ...parts: Uint8Array[]): Buffer {
    return Buffer.concat(this.sealToPieces(id, parts));
  }

  /**
   * seal() as pieces that, end to end, are the seal: the nonce and the
   * first part sealed, then each later part sealed, then the tag. For a
   * writer that sends them one after the other: a chunk's ciphertext is
   * not copied again into one buffer (that copy, and collecting the
   * buffers, cost the agent more than AES did).
   */
  sealToPieces(id: Buffer, parts: readonly Uint8Array[]): Buffer[] {
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    nextNonceInto(nonce);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, nonce);
    cipher.setAAD(id);
    const pieces: Buffer[] = [nonce];
    for (const p of parts) pieces.push(cipher.update(p));
    const last = cipher.final();
    if (last.length > 0) pieces.push(last);
    pieces.push(cipher.getAuthTag());
    return pieces;
  }

  /** Opens what seal made for `id`; throws CHUNK_AUTH_FAILED on any change to it, another id, or another key. */
  open(id: Buffer, sealed: Buffer): Buffer {
    const fail = () =>
      new CryptoError('CHUNK_AUTH_FAILED', `encrypted chunk ${id.toString('hex')} does not authenticate: it is damaged, or was not made with this key`);
    if (sealed.length < SEAL_OVERHEAD) throw fail();
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(id);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES));
    let last: Buffer;
    try {
      last = decipher.final(); // checks the tag
    } catch {
      throw fail();
    }
    return last.length === 0 ? body : Buffer.concat([body, last]);
  }
}
