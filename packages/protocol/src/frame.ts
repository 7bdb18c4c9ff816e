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
    this.parts.push(data);
    this.buffered += data.length;
    const out: Array<Message | FrameError> = [];
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
      const frame = this.take(FRAME_HEADER_BYTES + length);
      try {
        out.push(decodeBody(frame.subarray(FRAME_HEADER_BYTES)));
      } catch (err) {
        out.push(err as FrameError);
      }
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

function decodeBody(body: Buffer): Message {
  let msg: Message;
  try {
    msg = cpsbackup.Envelope.decode(body);
  } catch (err) {
    throw new FrameError('FRAME_MALFORMED', `malformed message: ${(err as Error).message}`);
  }
  if (!msg.msg) throw new FrameError('FRAME_MALFORMED', 'frame carries no known message');
  return msg;
}
