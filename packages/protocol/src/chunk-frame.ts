import { FrameError } from './frame';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './version';

/** A Chunk message's fields, as sent in both directions. */
export interface ChunkFrameFields {
  id: Uint8Array;
  codec: number;
  rawLength: number;
  /** The payload, or its pieces in order (sent one after the other, never joined: an encrypted node's nonce, ciphertext and tag). */
  payload: Uint8Array | readonly Uint8Array[];
}

// Protobuf tags (field << 3 | wire type) of Envelope.chunk and of Chunk's fields (backup.proto).
const TAG_ENVELOPE_CHUNK = (9 << 3) | 2;
const TAG_ID = (1 << 3) | 2;
const TAG_CODEC = (2 << 3) | 0;
const TAG_RAW_LENGTH = (3 << 3) | 0;
const TAG_PAYLOAD = (4 << 3) | 2;

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Encodes an Envelope{chunk} frame as two buffers: everything up to the
 * payload, then the payload itself, untouched. Chunks are nearly all of the
 * bytes a backup or restore moves, and the general encoder copies each one
 * twice (into the message, then into the frame); written as two parts, the
 * payload goes to the socket without a copy. Like protobufjs, empty fields
 * are left out. The bytes are exactly what
 * protobufjs would produce, so any decoder reads them (see chunk-frame.test.ts).
 */
export function encodeChunkFrame(c: ChunkFrameFields): Buffer[] {
  const pieces = (c.payload instanceof Uint8Array ? [c.payload] : c.payload).map((p) =>
    Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength),
  );
  let payloadLength = 0;
  for (const p of pieces) payloadLength += p.length;
  const chunkBody =
    1 +
    varintLength(c.id.length) +
    c.id.length +
    (c.codec ? 1 + varintLength(c.codec) : 0) +
    (c.rawLength ? 1 + varintLength(c.rawLength) : 0) +
    (payloadLength ? 1 + varintLength(payloadLength) + payloadLength : 0);
  const envelopeBody = 1 + varintLength(chunkBody) + chunkBody;
  if (envelopeBody > MAX_FRAME_BYTES) throw new FrameError('FRAME_TOO_LARGE', `refusing to send a ${envelopeBody}-byte frame (max ${MAX_FRAME_BYTES})`);
  const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES + envelopeBody - payloadLength);
  head.writeUInt32BE(envelopeBody, 0);
  let pos = FRAME_HEADER_BYTES;
  head[pos++] = TAG_ENVELOPE_CHUNK;
  pos = writeVarint(head, pos, chunkBody);
  head[pos++] = TAG_ID;
  pos = writeVarint(head, pos, c.id.length);
  head.set(c.id, pos);
  pos += c.id.length;
  if (c.codec) {
    head[pos++] = TAG_CODEC;
    pos = writeVarint(head, pos, c.codec);
  }
  if (c.rawLength) {
    head[pos++] = TAG_RAW_LENGTH;
    pos = writeVarint(head, pos, c.rawLength);
  }
  if (payloadLength) {
    head[pos++] = TAG_PAYLOAD;
    writeVarint(head, pos, payloadLength); // the last field: the header ends here
  }
  return [head, ...pieces];
}
