import type { Duplex } from 'node:stream';
import { type ChunkFrameFields, encodeChunkFrame } from './chunk-frame';
import { decodeFrameBody, encodeFrame, FrameDecoder, FrameError, type FrameLimits, frameKind, type Message, type OutgoingMessage } from './frame';
import { MAX_FRAME_BYTES } from './version';

/** How long after our last message a peer has to close its side before the socket is torn down. */
const END_GRACE_MS = 2000;

/** The connection ended or failed; `code` says how. */
export class ConnectionError extends Error {
  constructor(
    readonly code: 'CLOSED' | 'TIMEOUT' | 'SOCKET' | 'FRAME',
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** Options of a framed connection. */
export interface ConnectionOptions {
  maxFrameBytes?: number;
  /** Fail the connection after this long without receiving a byte (0: never). */
  idleTimeoutMs?: number;
  /** Fail the connection when a frame, once begun, is not complete after this long (0: never): a trickle of bytes does not count as activity. */
  frameTimeoutMs?: number;
  /** Stop reading from the socket while this many decoded messages wait to be handled. */
  maxQueuedMessages?: number;
  /** ... or while their frames add up to this many bytes (chunk frames are up to 17 MiB each). */
  maxQueuedBytes?: number;
  /** The largest body accepted per kind of message (default: maxFrameBytes for all). */
  frameLimits?: FrameLimits;
  /** The most top-level fields (repeated elements count one each) a received message may hold (default: no limit). */
  maxFieldsPerMessage?: number;
}

/**
 * Frames over a socket, both ways, with backpressure: `send` waits for the
 * socket to drain, and reading pauses while too many received messages wait
 * to be handled. Received messages come out of `next()` in order.
 */
export class FramedConnection {
  private readonly decoder: FrameDecoder;
  /**
   * Received frames not yet taken, as bytes: each is decoded only when
   * taken, so what waits here is bounded by bytes, never by the objects a
   * small frame can decode into.
   */
  private readonly queue: Array<{ body: Buffer | FrameError; bytes: number }> = [];
  private readonly frameLimits: FrameLimits | undefined;
  private readonly maxFields: number | undefined;
  private readonly frameTimeoutMs: number;
  /** When the frame now arriving began (or the last one completed). */
  private frameStartedAt = 0;
  private frameTimer: NodeJS.Timeout | undefined;
  private queuedBytes = 0;
  private readonly maxQueuedBytes: number;
  private waiter: { resolve: (m: Message) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly maxQueued: number;
  private lastWrite: Promise<void> = Promise.resolve();
  /** Frames and bytes counted both ways (for stats and tests). */
  readonly counters = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(
    readonly socket: Duplex,
    opts: ConnectionOptions = {},
  ) {
    this.decoder = new FrameDecoder(opts.maxFrameBytes ?? MAX_FRAME_BYTES);
    this.maxQueued = opts.maxQueuedMessages ?? 64;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.frameLimits = opts.frameLimits;
    this.maxFields = opts.maxFieldsPerMessage;
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('end', () => this.fail(new ConnectionError('CLOSED', 'the peer closed the connection')));
    socket.on('close', () => this.fail(new ConnectionError('CLOSED', 'the connection closed')));
    socket.on('error', (err: Error) => this.fail(new ConnectionError('SOCKET', err.message)));
    this.frameTimeoutMs = opts.frameTimeoutMs ?? 0;
    const idle = opts.idleTimeoutMs ?? 0;
    if (idle > 0 && 'setTimeout' in socket) {
      (socket as Duplex & { setTimeout(ms: number, cb: () => void): void }).setTimeout(idle, () => {
        const err = new ConnectionError('TIMEOUT', `no data from the peer for ${Math.round(idle / 1000)} s`);
        this.fail(err);
        socket.destroy();
      });
    }
  }

  private onData(data: Buffer): void {
    if (this.failure) return;
    if (this.frameTimeoutMs > 0 && this.decoder.pendingBytes === 0) this.frameStartedAt = Date.now();
    this.counters.bytesIn += data.length;
    let frames: Array<Buffer | FrameError>;
    const pendingBefore = this.decoder.pendingBytes;
    try {
      frames = this.decoder.pushRaw(data);
    } catch (err) {
      const e = err as FrameError;
      this.fail(new ConnectionError('FRAME', e.message));
      return;
    }
    if (this.frameTimeoutMs > 0) this.watchFrame(frames.length > 0);
    // Bytes that became messages, spread evenly over them: exact enough to bound memory.
    const each = frames.length ? (pendingBefore + data.length - this.decoder.pendingBytes) / frames.length : 0;
    for (const body of frames) {
      this.counters.framesIn++;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        const m = this.decode(body);
        if (m instanceof FrameError) w.reject(m);
        else w.resolve(m);
      } else {
        this.queue.push({ body, bytes: each });
        this.queuedBytes += each;
      }
    }
    if (this.queue.length >= this.maxQueued || this.queuedBytes >= this.maxQueuedBytes) this.socket.pause();
  }

  /**
   * Keeps the frame deadline: a frame completed restarts the clock for the
   * one after it; a partial frame arms a timer (once) that fails the
   * connection if no frame completes before the deadline.
   */
  private watchFrame(completedOne: boolean): void {
    if (completedOne) this.frameStartedAt = Date.now();
    if (this.decoder.pendingBytes === 0 || this.frameTimer) return;
    const check = () => {
      this.frameTimer = undefined;
      if (this.failure || this.decoder.pendingBytes === 0) return;
      // We stopped reading (our queue is full): the peer is not the slow one.
      if (this.socket.isPaused()) this.frameStartedAt = Date.now();
      const late = Date.now() - this.frameStartedAt - this.frameTimeoutMs;
      if (late < 0) {
        this.frameTimer = setTimeout(check, -late);
        this.frameTimer.unref?.();
        return;
      }
      this.fail(new ConnectionError('TIMEOUT', `a frame took more than ${Math.round(this.frameTimeoutMs / 1000)} s to arrive`));
      this.socket.destroy();
    };
    this.frameTimer = setTimeout(check, this.frameTimeoutMs - (Date.now() - this.frameStartedAt));
    this.frameTimer.unref?.();
  }

  private decode(body: Buffer | FrameError): Message | FrameError {
    if (body instanceof FrameError) return body;
    try {
      return decodeFrameBody(body, this.frameLimits, this.maxFields);
    } catch (err) {
      if (err instanceof FrameError) return err;
      throw err;
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  /**
   * Removes and returns the first received-but-unread message of `kind`:
   * when a send fails because the peer hung up, the reason it sent before
   * hanging up is usually waiting here.
   */
  takeQueued(kind: Message['msg']): Message | undefined {
    const i = this.queue.findIndex(({ body }) => {
      if (body instanceof FrameError) return false;
      try {
        return frameKind(body) === kind;
      } catch {
        return false;
      }
    });
    if (i < 0) return undefined;
    const [taken] = this.queue.splice(i, 1);
    this.queuedBytes -= taken!.bytes;
    const m = this.decode(taken!.body);
    return m instanceof FrameError ? undefined : m;
  }

  /** Why the connection stopped, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * The next received message. Rejects with a FrameError for a malformed
   * frame (the connection goes on), with a ConnectionError once the
   * connection fails or closes.
   */
  next(): Promise<Message> {
    const head = this.queue.shift();
    if (head) {
      const m = this.decode(head.body);
      this.queuedBytes -= head.bytes;
      if (this.queue.length < this.maxQueued / 2 && this.queuedBytes < this.maxQueuedBytes / 2 && this.socket.isPaused()) this.socket.resume();
      return m instanceof FrameError ? Promise.reject(m) : Promise.resolve(m);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Sends one message; resolves when the socket can take more. */
  send(message: OutgoingMessage): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.write([encodeFrame(message)]);
  }

  /**
   * Sends a Chunk message without copying its payload (see chunk-frame.ts).
   * The payload must not change until the returned promise resolves.
   */
  sendChunk(chunk: ChunkFrameFields): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.write(encodeChunkFrame(chunk));
  }

  /**
   * Resolves once the socket is done with every frame sent so far (its
   * bytes are encrypted and handed on), so a caller may reuse the memory a
   * payload lay in. Resolves also when the connection fails.
   */
  written(): Promise<void> {
    return this.lastWrite;
  }

  private write(parts: Buffer[]): Promise<void> {
    this.counters.framesOut++;
    let ok = true;
    if (parts.length > 1) this.socket.cork();
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      this.counters.bytesOut += p.length;
      // Writes complete in order: the last part's callback stands for all before it.
      if (i === parts.length - 1) this.lastWrite = new Promise<void>((done) => (ok = this.socket.write(p, () => done())));
      else this.socket.write(p);
    }
    if (parts.length > 1) this.socket.uncork();
    if (ok) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(this.failure ?? new ConnectionError('CLOSED', 'the connection closed while sending'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  /** Sends a last message (if any) and closes our side once it is written. */
  async end(last?: OutgoingMessage): Promise<void> {
    if (last && !this.failure) {
      try {
        await this.send(last);
      } catch {
        // The peer is gone; nothing more to tell it.
      }
    }
    await new Promise<void>((resolve) => this.socket.end(resolve));
    // A peer that never closes its side must not keep the socket: it had its answer.
    setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
  }

  /** Tears the connection down at once. */
  destroy(): void {
    this.socket.destroy();
  }
}
