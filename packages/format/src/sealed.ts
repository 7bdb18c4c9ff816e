import { createHash } from 'node:crypto';
import { CHUNK_ID_BYTES } from './chunk-id';
import { FormatError } from './errors';
import { type ChunkReader, listingTreeIds } from './tree';

/**
 * Chunks an agent encrypted (docs/ARCHITECTURE.md, "Encrypted nodes").
 *
 * The server cannot read such a chunk, nor check that its id (a keyed hash
 * of a plaintext it never sees) is right. So it stores it under an id of
 * its own making, in a namespace no other chunk can reach:
 *
 *   stored id := SHA-256("cpsbackup sealed chunk v1\0" ‖ key id ‖ wire id)
 *
 * where the key id names the node's master key and the wire id is what the
 * agent calls the chunk. A peer can place a sealed chunk only under ids of
 * that form: never under the SHA-256 of some plaintext another client
 * will store, never under another key's ids.
 *
 * The stored payload (codec Sealed) carries what the server needs without
 * the key, checked by a hash of everything after it:
 *
 *   record := sha256[32] wireId[32] listingRefs:u32 dataRefs:u32 ref[32]* seal
 *
 * `ref`s are stored ids: for an encrypted listing, the listings and data
 * chunks its entries name (listings first), so GC, verify and the commit
 * check walk an encrypted tree without reading it; none for a data chunk.
 * `seal` is the agent's ciphertext, as it came.
 */
const STORED_ID_LABEL = Buffer.from('cpsbackup sealed chunk v1\0', 'latin1');
const HEAD_BYTES = 2 * CHUNK_ID_BYTES + 8;

/** The id the store keeps a sealed chunk under (see above). */
export function sealedStoreId(keyId: Uint8Array, wireId: Uint8Array): Buffer {
  return createHash('sha256').update(STORED_ID_LABEL).update(keyId).update(wireId).digest();
}

/** A sealed chunk as the store keeps it. */
export interface SealedRecord {
  /** What the agent calls the chunk (the keyed hash of its plaintext). */
  wireId: Buffer;
  /** Stored ids of the listings an encrypted listing names (none for data). */
  listingRefs: Buffer[];
  /** Stored ids of the data chunks an encrypted listing names. */
  dataRefs: Buffer[];
  /** The agent's ciphertext. */
  seal: Buffer;
}

/** A sealed record's payload (see above). */
export function encodeSealedRecord(r: SealedRecord): Buffer {
  const refs = r.listingRefs.length + r.dataRefs.length;
  const out = Buffer.allocUnsafe(HEAD_BYTES + refs * CHUNK_ID_BYTES + r.seal.length);
  r.wireId.copy(out, CHUNK_ID_BYTES);
  out.writeUInt32BE(r.listingRefs.length, 2 * CHUNK_ID_BYTES);
  out.writeUInt32BE(r.dataRefs.length, 2 * CHUNK_ID_BYTES + 4);
  let off = HEAD_BYTES;
  for (const ref of [...r.listingRefs, ...r.dataRefs]) {
    if (ref.length !== CHUNK_ID_BYTES) throw new FormatError('BAD_ARGUMENT', `a reference is ${CHUNK_ID_BYTES} bytes, not ${ref.length}`);
    off += ref.copy(out, off);
  }
  r.seal.copy(out, off);
  createHash('sha256').update(out.subarray(CHUNK_ID_BYTES)).digest().copy(out, 0);
  return out;
}

/**
 * What a sealed record holds, checked against its hash (CHUNK_CORRUPT if it
 * differs or is malformed). `checkHash` false skips the hash (its shape is
 * still checked): for a record served to its node, whose tag checks more.
 */
export function decodeSealedRecord(payload: Buffer, checkHash = true): SealedRecord {
  if (checkHash) checkSealedRecord(payload);
  else checkSealedShape(payload);
  const nl = payload.readUInt32BE(2 * CHUNK_ID_BYTES);
  const nd = payload.readUInt32BE(2 * CHUNK_ID_BYTES + 4);
  const ref = (i: number) => Buffer.from(payload.subarray(HEAD_BYTES + i * CHUNK_ID_BYTES, HEAD_BYTES + (i + 1) * CHUNK_ID_BYTES));
  return {
    wireId: Buffer.from(payload.subarray(CHUNK_ID_BYTES, 2 * CHUNK_ID_BYTES)),
    listingRefs: Array.from({ length: nl }, (_, i) => ref(i)),
    dataRefs: Array.from({ length: nd }, (_, i) => ref(nl + i)),
    seal: payload.subarray(HEAD_BYTES + (nl + nd) * CHUNK_ID_BYTES),
  };
}

function checkSealedShape(payload: Buffer): void {
  if (payload.length < HEAD_BYTES) throw new FormatError('CHUNK_CORRUPT', `sealed record of ${payload.length} bytes is shorter than its header`);
  const refs = payload.readUInt32BE(2 * CHUNK_ID_BYTES) + payload.readUInt32BE(2 * CHUNK_ID_BYTES + 4);
  if (HEAD_BYTES + refs * CHUNK_ID_BYTES > payload.length) throw new FormatError('CHUNK_CORRUPT', `sealed record names ${refs} references it does not hold`);
}

/** Throws CHUNK_CORRUPT unless `payload` is a whole sealed record whose hash matches. */
export function checkSealedRecord(payload: Buffer): void {
  checkSealedShape(payload);
  if (!createHash('sha256').update(payload.subarray(CHUNK_ID_BYTES)).digest().equals(payload.subarray(0, CHUNK_ID_BYTES))) {
    throw new FormatError('CHUNK_CORRUPT', 'sealed record does not match its hash');
  }
}

/**
 * A sealed manifest, as the catalog keeps it: the key id, then the root
 * listing's stored ids (ManifestFormat.Sealed).
 */
export function encodeSealedManifest(keyId: Buffer, roots: readonly Buffer[]): Buffer {
  return Buffer.concat([keyId, ...roots]);
}

/** How messages name a key: the first 16 hex digits of its key id (what the node and the server both can show; it reveals nothing of the key). */
export function keyIdText(keyId: Uint8Array): string {
  return Buffer.from(keyId.buffer, keyId.byteOffset, keyId.byteLength).toString('hex').slice(0, 16);
}

/** How many of a node's restorable encrypted backups one key made, and the oldest and newest one's numbers. */
export interface KeyCount {
  keyId: Buffer;
  count: number;
  oldest: number;
  newest: number;
}

/**
 * Of a node's encrypted backups (counted per key), those that bind it to
 * a key other than `keyId`: those made with its registered key when it
 * registered one (backups made with other keys were kept through a key
 * change: they are read with their own key and bind nothing), else
 * (nothing registered yet) all of them. What the node checks before it
 * writes a key file, and the server before it registers a key.
 */
export function boundToOtherKeys<T extends KeyCount>(own: readonly T[], registered: Uint8Array | undefined, keyId: Uint8Array): T[] {
  return own.filter((k) => !k.keyId.equals(keyId) && (!registered || k.keyId.equals(registered)));
}

/** "7 backups (1 to 9) were made with key 0123456789abcdef", a clause per key. */
export function describeKeyCounts(counts: readonly KeyCount[]): string {
  return counts
    .map((k) => `${k.count === 1 ? `1 backup (${k.newest}) was` : `${k.count} backups (${k.oldest} to ${k.newest}) were`} made with key ${keyIdText(k.keyId)}`)
    .join(', and ');
}

/** The key id and root ids of a sealed manifest's ids (its 32-byte pieces, key id first). */
export function splitSealedManifest(ids: readonly Buffer[]): { keyId: Buffer; roots: Buffer[] } {
  if (ids.length === 0) throw new FormatError('MANIFEST_CORRUPT', 'an encrypted backup without its key id');
  return { keyId: ids[0]!, roots: ids.slice(1) };
}

/**
 * Every stored id an encrypted tree names, from the references its
 * records carry: its listings and their data chunks (as treeChunkIds for
 * a plain tree). `read` returns a chunk's checked stored payload.
 */
export function sealedTreeChunkIds(rootIds: readonly Buffer[], read: ChunkReader, seen: Set<string> = new Set()): AsyncGenerator<Buffer> {
  return listingTreeIds(
    rootIds,
    read,
    (payload) => {
      const r = decodeSealedRecord(payload, false); // `read` checked it
      return { listings: r.listingRefs, data: r.dataRefs };
    },
    seen,
  );
}
