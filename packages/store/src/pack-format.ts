import { CHUNK_ID_BYTES, chunkIdOf, Codec, decodeChunk } from '@cpsbackup/format';
import { StoreError } from './errors';

/**
 * On-disk layout of a pack file (big-endian):
 *
 *   pack    := PACK_MAGIC record*
 *   record  := id[32] codec:u8 kind:u8 reserved:u16 rawLength:u32 storedLength:u32 payload[storedLength]
 *
 * Each record names its chunk, so a pack can be read without the catalog
 * (for repair) and a read can check it landed on the record it expected.
 */
export const PACK_MAGIC = Buffer.from('CPSPACK\x01', 'latin1');
/** Bytes before a record's payload. */
export const RECORD_HEADER_BYTES = CHUNK_ID_BYTES + 12;

/** What a record holds: file data or a piece of a backup's manifest. */
export const ChunkKind = { Data: 0, Manifest: 1 } as const;
/** One of the ChunkKind values. */
export type ChunkKind = (typeof ChunkKind)[keyof typeof ChunkKind];

/**
 * Tree packs hold only manifest records (listings, flat manifests' chunks):
 * what a commit's check and GC's mark read. Their names start with this
 * letter, so every backend (and a new machine after rebuild-catalog) knows
 * one from its name alone; an object store keeps them on local disk. Packs
 * of other names hold data, or both (written before tree packs existed).
 */
export const TREE_PACK_PREFIX = 't';

/** Whether a pack holds only manifest records (see TREE_PACK_PREFIX). */
export function isTreePack(name: string): boolean {
  return name.startsWith(TREE_PACK_PREFIX);
}

/** A decoded record header. */
export interface RecordHeader {
  id: Buffer;
  codec: number;
  kind: number;
  rawLength: number;
  storedLength: number;
}

/** Encodes a record header. */
export function encodeRecordHeader(h: RecordHeader): Buffer {
  const buf = Buffer.alloc(RECORD_HEADER_BYTES);
  h.id.copy(buf, 0);
  buf.writeUInt8(h.codec, CHUNK_ID_BYTES);
  buf.writeUInt8(h.kind, CHUNK_ID_BYTES + 1);
  buf.writeUInt32BE(h.rawLength, CHUNK_ID_BYTES + 4);
  buf.writeUInt32BE(h.storedLength, CHUNK_ID_BYTES + 8);
  return buf;
}

/** Decodes a record header; `where` names the location for error messages. */
export function decodeRecordHeader(buf: Buffer, where: string): RecordHeader {
  if (buf.length < RECORD_HEADER_BYTES) throw new StoreError('CHUNK_CORRUPT', `truncated record header at ${where}`);
  return {
    id: Buffer.from(buf.subarray(0, CHUNK_ID_BYTES)),
    codec: buf.readUInt8(CHUNK_ID_BYTES),
    kind: buf.readUInt8(CHUNK_ID_BYTES + 1),
    rawLength: buf.readUInt32BE(CHUNK_ID_BYTES + 4),
    storedLength: buf.readUInt32BE(CHUNK_ID_BYTES + 8),
  };
}

/**
 * A record's content, checked: a plain chunk's plaintext, which must hash
 * to its id; an encrypted node's sealed record, whose own hash must match
 * (the server cannot check an encrypted chunk's id: format's sealed.ts).
 * Undefined when the hash differs; a FormatError when it does not decode.
 */
export function checkedContent(id: Buffer, codec: number, payload: Buffer, rawLength: number): Buffer | undefined {
  const content = decodeChunk(codec, payload, rawLength);
  if (codec === Codec.Sealed) return content;
  return chunkIdOf(content).equals(id) ? content : undefined;
}
