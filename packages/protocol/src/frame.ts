import { cpsbackup } from './generated/backup';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './version';

/** A decoded frame: one Envelope, with `msg` naming which message it carries. */
export type Message = ReturnType<typeof cpsbackup.Envelope.decode>;
/** What can be sent: an Envelope's properties with exactly one message set. */
export type OutgoingMessage = cpsbackup.Envelope.$Properties;
/** The names of the messages an Envelope can carry. */
export type MessageKind = NonNullable<Message['msg']>;

/** The peer sent bytes that are not a valid frame. */
export class FrameError extends Error {
  constructor(
    readonly code: 'FRAME_TOO_LARGE' | 'FRAME_MALFORMED' | 'FRAME_EMPTY',
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Encodes one message as a frame: 4-byte big-endian length, then the Envelope. */
export function encodeFrame(message: OutgoingMessage): Buffer {
  const body = cpsbackup.Envelope.encode(message).finish();
  if (body.length > MAX_FRAME_BYTES) throw new FrameError('FRAME_TOO_LARGE', `refusing to send a ${body.length}-byte frame (max ${MAX_FRAME_BYTES})`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** Envelope field number → the message kind it carries, read off the generated code once. */
const KIND_OF_FIELD: ReadonlyMap<number, MessageKind> = (() => {
  const map = new Map<number, MessageKind>();
  for (const kind of Object.keys(cpsbackup.Envelope.prototype) as MessageKind[]) {
    const body = cpsbackup.Envelope.encode({ [kind]: {} } as OutgoingMessage).finish();
    map.set(readVarint(Buffer.from(body), 0)![0] >>> 3, kind);
  }
  return map;
})();

/** A varint at `pos` (at most 5 bytes, as a tag or length is): [value, next position], or undefined if cut off. */
function readVarint(buf: Buffer, pos: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= buf.length) return undefined;
    const b = buf[pos + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return [value, pos + i + 1];
  }
  return undefined;
}

/**
 * Which message a frame body carries, read from its bytes without decoding
 * it: the body must be exactly one length-delimited Envelope field. Lets a
 * receiver bound each kind's size before protobuf allocates anything (a
 * small frame of empty repeated fields would otherwise decode into millions
 * of objects), and refuses frames that pack several messages into one.
 */
export function frameKind(body: Buffer): MessageKind {
  const tag = readVarint(body, 0);
  const length = tag && readVarint(body, tag[1]);
  if (!tag || !length || (tag[0] & 7) !== 2 || length[1] + length[0] !== body.length) {
    throw new FrameError('FRAME_MALFORMED', 'frame is not exactly one message');
  }
  const kind = KIND_OF_FIELD.get(tag[0] >>> 3);
  if (!kind) throw new FrameError('FRAME_MALFORMED', `frame carries unknown message ${tag[0] >>> 3}`);
  return kind;
}

/** The largest frame body accepted for each kind of message (the receiver's choice). */
export type FrameLimits = (kind: MessageKind) => number;

/**
 * How many fields the message inside an Envelope body holds at its top
 * level (a repeated field counts once per element), read from the wire
 * format without decoding; stops counting past `max`.
 */
function countFields(body: Buffer, max: number): number {
  const tag = readVarint(body, 0)!;
  const len = readVarint(body, tag[1])!;
  let pos = len[1];
  let n = 0;
  while (pos < body.length && n <= max) {
    const t = readVarint(body, pos);
    if (!t) break;
    pos = t[1];
    switch (t[0] & 7) {
      case 0: {
        while (pos < body.length && body[pos]! >= 0x80) pos++;
        pos++;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        const l = readVarint(body, pos);
        if (!l) return n; // malformed: protobuf says so when it decodes
        pos = l[1] + l[0];
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        return n;
    }
    n++;
  }
  return n;
}

/**
 * Decodes a frame body into its message, after checking its kind against
 * `limits` (bytes), and, with `maxFields`, how many fields it holds: a
 * small frame of empty repeated fields would otherwise decode into a
 * million objects. A malformed or oversized body is a FrameError (the
 * stream is still in step).
 */
export function decodeFrameBody(body: Buffer, limits?: FrameLimits, maxFields?: number): Message {
  const kind = frameKind(body);
  const max = limits?.(kind);
  if (max !== undefined && body.length > max) {
    throw new FrameError('FRAME_TOO_LARGE', `${kind} message of ${body.length} bytes refused (at most ${max})`);
  }
  if (maxFields !== undefined && countFields(body, maxFields) > maxFields) {
    throw new FrameError('FRAME_TOO_LARGE', `${kind} message of more than ${maxFields} fields refused`);
  }
  let msg: Message;
  try {
    msg = cpsbackup.Envelope.decode(body);
  } catch (err) {
    throw new FrameError('FRAME_MALFORMED', `malformed message: ${(err as Error).message}`);
  }
  if (!msg.msg) throw new FrameError('FRAME_MALFORMED', 'frame carries no known message');
  return msg;
}

/**
 * Reassembles frames from a byte stream. The length prefix is checked
 * against the maximum before a byte of the body is buffered, so a hostile
 * prefix cannot make us allocate; a body that is not a valid Envelope, or
 * carries no message, is a FrameError.
 */
export class FrameDecoder {
  private parts: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number = MAX_FRAME_BYTES) {}

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Feeds bytes; returns the complete frames they finish: a Message, or a
   * FrameError for a frame whose body is not a valid message (the stream is
   * still in step, so the caller may answer and go on). A length prefix over
   * the limit throws: nothing after it can be trusted.
   */
  push(data: Buffer): Array<Message | FrameError> {
    return this.pushRaw(data).map((body) => {
      if (body instanceof FrameError) return body;
      try {
        return decodeFrameBody(body);
      } catch (err) {
        return err as FrameError;
      }
    });
  }

  /**
   * The same, without decoding: the bodies of the complete frames (or a
   * FrameError for an empty one), so a receiver can decode each only when
   * it takes it, holding bytes rather than objects meanwhile.
   */
  pushRaw(data: Buffer): Array<Buffer | FrameError> {
    this.parts.push(data);
    this.buffered += data.length;
    const out: Array<Buffer | FrameError> = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const head = this.peek(FRAME_HEADER_BYTES);
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes) {
        throw new FrameError('FRAME_TOO_LARGE', `frame of ${length} bytes announced; the limit is ${this.maxFrameBytes}`);
      }
      if (length === 0) {
        this.take(FRAME_HEADER_BYTES);
        out.push(new FrameError('FRAME_EMPTY', 'empty frame (no message)'));
        continue;
      }
      if (this.buffered < FRAME_HEADER_BYTES + length) break;
      out.push(this.take(FRAME_HEADER_BYTES + length).subarray(FRAME_HEADER_BYTES));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.parts[0]!.length >= n) return this.parts[0]!;
    this.parts = [Buffer.concat(this.parts)];
    return this.parts[0]!;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.parts.shift();
    else this.parts[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
