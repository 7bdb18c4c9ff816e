import type { Duplex } from 'node:stream';
import { type ChunkFrameFields, encodeChunkFrame } from './chunk-frame';
import { decodeFrameBody, encodeFrame, FrameDecoder, FrameError, type FrameLimits, frameKind, type Message, type OutgoingMessage } from './frame';
import { MAX_FRAME_BYTES } from './version';
import { type LimiterClock, SEND_SLICE_BYTES, SendLimiter } from './send-limiter';

/** How long after our last message a peer has to close its side before the socket is torn down. */
const END_GRACE_MS = 2000;

/** A duration as messages say it: whole seconds, or milliseconds below that. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The one KeepAlive frame, encoded once. */
const KEEP_ALIVE_FRAME = encodeFrame({ keepAlive: {} });

/** A frame body's kind, read from its tag without decoding it (undefined: a tag no message has). */
function kindOf(body: Buffer): Message['msg'] | undefined {
  try {
    return frameKind(body);
  } catch {
    return undefined;
  }
}

/**
 * How often an agent with nothing to send says it is alive, given the
 * server's idle timeout (Welcome.idle_timeout_ms; 0: not told): four times
 * within it, so a late timer or a slow link never lets it lapse, and at
 * least every 30 s, which also keeps NAT and firewall state of a quiet
 * connection alive.
 */
export function keepAliveInterval(peerIdleTimeoutMs: number): number {
  if (!(peerIdleTimeoutMs > 0)) return 30_000;
  return Math.min(30_000, Math.max(1000, Math.floor(peerIdleTimeoutMs / 4)));
}

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
  /**
   * Fail the connection after this long without receiving a byte (0:
   * never). Our own writes do not count: a peer that stopped reading must
   * not look alive because we keep writing. Neither does time during which
   * we stopped reading ourselves (our queue is full).
   */
  idleTimeoutMs?: number;
  /**
   * Count idleTimeoutMs only while we wait on the peer: for a message (a
   * `next()` pending), or for it to take what we sent (a send waiting for
   * the socket to drain; a drain counts as hearing from it). An agent busy
   * on its own (waiting for a FIFO's writer) expects nothing meanwhile.
   */
  idleOnlyWhileWaiting?: boolean;
  /**
   * Fail the connection when one `next()` has waited this long with
   * nothing but KeepAlive frames arriving (0: never): a peer that is alive
   * but does nothing does not keep what it holds forever. It is told why
   * (an Error frame) before the connection closes.
   */
  keepAliveOnlyTimeoutMs?: number;
  /**
   * Fail the connection when a send has waited this long for the socket to
   * drain (0: never), whatever the peer sends meanwhile: a peer that keeps
   * talking (keep-alives) but never reads what it asked for holds its
   * session, and what the session holds, for nothing. It is told why.
   */
  stallTimeoutMs?: number;
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
  /**
   * Send at most this many bytes of frames a second (0 or absent: as fast
   * as the socket takes them): ratelimit in node.conf or server.conf. Frames go out whole
   * and in order, each in slices as the rate allows (SendLimiter).
   */
  sendBytesPerSecond?: number;
  /** The limiter's clock (tests). */
  sendClock?: LimiterClock;
}

/**
 * A wait for the peer's next request while it holds work open that only
 * its requests move on (a backup read a chunk at a time as the node walks
 * it): keep-alives alone for `limitMs` end the connection, the peer told
 * `why`. A node that asks for a read and then asks nothing holds its slot
 * for nothing, as one that never reads what it asked for does.
 */
export interface PeerTurn {
  limitMs: number;
  why: string;
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
  /** When the pending `next()` began waiting. */
  private waiterSince = 0;
  /** The pending `next()`'s limit on keep-alives alone, when it awaits the peer's turn. */
  private waiterTurn: PeerTurn | undefined;
  /** When a send began waiting for the socket to drain (undefined: none waits). */
  private drainingSince: number | undefined;
  /** When a byte last arrived (or we stopped reading; with idleOnlyWhileWaiting, or the peer took what we sent). */
  private lastHeardAt = Date.now();
  private readonly idleTimeoutMs: number;
  private readonly idleOnlyWhileWaiting: boolean;
  private readonly keepAliveOnlyTimeoutMs: number;
  private readonly stallTimeoutMs: number;
  /** The deadline timer (idle and keep-alive-only), and when it fires. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineAt = Infinity;
  /** When we last wrote a frame; the keep-alive timer (see keepAlive). */
  private lastSentAt = Date.now();
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  /** The last frame received (keep-alives aside), when it was an Error (see peerError). */
  private peerErrorBody: Buffer | undefined;
  /** Told the failure once it happens (see failed()). */
  private readonly onFailure: Array<(err: Error) => void> = [];
  private readonly maxQueued: number;
  private lastWrite: Promise<void> = Promise.resolve();
  /** With a send rate: its bucket, the end of the frames queued to go out in turn, and how many are queued. */
  private readonly limiter: SendLimiter | undefined;
  private sendTail: Promise<void> = Promise.resolve();
  private framesQueued = 0;
  /** Frames and bytes counted both ways (for stats and tests). */
  readonly counters = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, keepAlivesIn: 0, keepAlivesOut: 0 };

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
    socket.on('drain', () => {
      this.drainingSince = undefined;
      if (this.idleOnlyWhileWaiting) this.lastHeardAt = Date.now(); // the peer took what we were waiting to send
    });
    this.frameTimeoutMs = opts.frameTimeoutMs ?? 0;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 0;
    this.idleOnlyWhileWaiting = !!opts.idleOnlyWhileWaiting;
    this.keepAliveOnlyTimeoutMs = opts.keepAliveOnlyTimeoutMs ?? 0;
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 0;
    if (opts.sendBytesPerSecond) this.limiter = new SendLimiter(opts.sendBytesPerSecond, opts.sendClock);
    this.armDeadline();
  }

  /**
   * When the connection fails for silence, if nothing changes: `idleTimeoutMs`
   * after we last heard from the peer (or after a wait began, when only
   * waits count), and `keepAliveOnlyTimeoutMs` after the pending `next()`
   * began. Undefined: nothing counts now.
   */
  private deadline(): { at: number; why: () => string; tell: boolean } | undefined {
    let best: { at: number; why: () => string; tell: boolean } | undefined;
    if (this.idleTimeoutMs > 0) {
      let from: number | undefined = this.lastHeardAt;
      if (this.idleOnlyWhileWaiting) {
        const waitFrom = Math.min(this.waiter ? this.waiterSince : Infinity, this.drainingSince ?? Infinity);
        from = waitFrom === Infinity ? undefined : Math.max(from, waitFrom);
      }
      if (from !== undefined) best = { at: from + this.idleTimeoutMs, why: () => `no data from the peer for ${duration(this.idleTimeoutMs)}`, tell: false };
    }
    if (this.waiterTurn && this.waiter) {
      const { limitMs, why } = this.waiterTurn;
      const at = this.waiterSince + limitMs;
      if (!best || at < best.at) best = { at, why: () => why, tell: true };
    }
    if (this.keepAliveOnlyTimeoutMs > 0 && this.waiter) {
      const at = this.waiterSince + this.keepAliveOnlyTimeoutMs;
      if (!best || at < best.at) {
        best = {
          at,
          why: () => `nothing but keep-alives from the peer for ${duration(this.keepAliveOnlyTimeoutMs)} while a message was awaited`,
          tell: true,
        };
      }
    }
    if (this.stallTimeoutMs > 0 && this.drainingSince !== undefined) {
      const at = this.drainingSince + this.stallTimeoutMs;
      if (!best || at < best.at) {
        best = {
          at,
          why: () => `the peer read nothing of what was sent to it for ${duration(this.stallTimeoutMs)} (keep-alives do not count)`,
          tell: false, // it reads nothing: an Error frame would not reach it
        };
      }
    }
    return best;
  }

  /** (Re)arms the deadline timer if the deadline is now earlier than the one it waits for. */
  private armDeadline(): void {
    if (this.failure) return;
    const d = this.deadline();
    if (!d || (this.deadlineTimer && this.deadlineAt <= d.at)) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = d.at;
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), Math.max(0, d.at - Date.now()));
    this.deadlineTimer.unref?.();
  }

  private checkDeadline(): void {
    this.deadlineTimer = undefined;
    this.deadlineAt = Infinity;
    if (this.failure) return;
    // We stopped reading (our queue is full): the peer is not the silent one.
    if (this.socket.isPaused()) this.lastHeardAt = Date.now();
    const d = this.deadline();
    if (!d) return; // re-armed when a wait begins
    if (d.at > Date.now()) return this.armDeadline();
    const err = new ConnectionError('TIMEOUT', d.why());
    this.fail(err);
    if (d.tell) {
      // The peer is alive: tell it why, then close (destroyed after a grace if it does not close its side).
      this.socket.end(encodeFrame({ error: { code: 'TIMEOUT', message: err.message } }));
      setTimeout(() => this.socket.destroy(), END_GRACE_MS).unref();
    } else {
      this.socket.destroy();
    }
  }

  /**
   * Sends a KeepAlive whenever nothing has been written for `everyMs`
   * (and the socket holds nothing unsent), until the connection ends: the
   * peer's idle timer is kept from running out while we are busy on our
   * own. The peer takes it as a sign of life and nothing else.
   */
  keepAlive(everyMs: number): void {
    if (this.keepAliveTimer) clearTimeout(this.keepAliveTimer);
    const tick = () => {
      this.keepAliveTimer = undefined;
      if (this.failure || this.socket.writableEnded) return;
      const quiet = Date.now() - this.lastSentAt;
      if (quiet >= everyMs && this.socket.writableLength === 0 && this.framesQueued === 0) {
        this.counters.keepAlivesOut++;
        this.write([KEEP_ALIVE_FRAME]).catch(() => undefined); // a failure is the connection's, seen by whoever sends or waits next
      }
      this.keepAliveTimer = setTimeout(tick, Math.max(1, everyMs - (Date.now() - this.lastSentAt)));
      this.keepAliveTimer.unref?.();
    };
    this.keepAliveTimer = setTimeout(tick, everyMs);
    this.keepAliveTimer.unref?.();
  }

  private onData(data: Buffer): void {
    if (this.failure) return;
    this.lastHeardAt = Date.now();
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
      const kind = body instanceof FrameError ? undefined : kindOf(body);
      if (kind === 'keepAlive') {
        // A sign of life: it has restarted the idle clock; nobody reads it.
        this.counters.keepAlivesIn++;
        continue;
      }
      // The peer's last word so far, when it was an Error: what it said before hanging up, if it does.
      this.peerErrorBody = kind === 'error' ? (body as Buffer) : undefined;
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
      this.fail(new ConnectionError('TIMEOUT', `a frame took more than ${duration(this.frameTimeoutMs)} to arrive`));
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
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    if (this.keepAliveTimer) clearTimeout(this.keepAliveTimer);
    this.deadlineTimer = this.keepAliveTimer = undefined;
    for (const f of this.onFailure.splice(0)) f(err);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    }
  }

  /**
   * The Error frame the peer sent last, if nothing but keep-alives came
   * after it, whether or not anyone has read it yet: when a send fails or
   * the connection ends because the peer hung up, this is the reason it
   * gave. Kept as it arrived, before the 'end' that follows it, so no
   * reader's timing can lose it; an Error answered to one request and
   * followed by other messages is not taken for the reason of a later end.
   */
  peerError(): Message | undefined {
    if (!this.peerErrorBody) return undefined;
    const m = this.decode(this.peerErrorBody);
    return m instanceof FrameError ? undefined : m;
  }

  /** Why the connection stopped, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** How long the pending `next()` has awaited the peer's turn to ask (undefined: no such wait is pending). */
  peerTurnWaitMs(): number | undefined {
    return this.waiter && this.waiterTurn ? Date.now() - this.waiterSince : undefined;
  }

  /** Resolves with the reason once the connection fails or closes (never rejects). */
  failed(): Promise<Error> {
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.onFailure.push(resolve));
  }

  /**
   * The next received message. Rejects with a FrameError for a malformed
   * frame (the connection goes on), with a ConnectionError once the
   * connection fails or closes. With `turn`, the wait is the peer's turn
   * to ask (see PeerTurn).
   */
  next(turn?: PeerTurn): Promise<Message> {
    const head = this.queue.shift();
    if (head) {
      const m = this.decode(head.body);
      this.queuedBytes -= head.bytes;
      if (this.queue.length < this.maxQueued / 2 && this.queuedBytes < this.maxQueuedBytes / 2 && this.socket.isPaused()) this.socket.resume();
      return m instanceof FrameError ? Promise.reject(m) : Promise.resolve(m);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.waiterSince = Date.now();
      this.waiterTurn = turn;
      this.armDeadline();
    });
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
    if (this.limiter) return this.writeLimited(parts, this.limiter);
    this.counters.framesOut++;
    this.lastSentAt = Date.now();
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
    return this.drained();
  }

  /**
   * A frame sent at the limited rate: queued behind the frames before it
   * (callers of send and sendChunk do not wait for each other, and bytes
   * of two frames must never mix), then written a slice at a time as the
   * bucket allows. Resolves once its last slice is handed to the socket and
   * the socket can take more: a sender awaiting its sends holds at most one
   * frame here, so throttling adds no buffering of its own.
   */
  private writeLimited(parts: Buffer[], limiter: SendLimiter): Promise<void> {
    this.counters.framesOut++;
    this.framesQueued++;
    const sent = this.sendTail.then(async () => {
      let flushed: Promise<void> = Promise.resolve();
      for (const p of parts) {
        for (let at = 0; at < p.length; at += SEND_SLICE_BYTES) {
          if (this.failure) throw this.failure;
          const slice = p.subarray(at, Math.min(p.length, at + SEND_SLICE_BYTES));
          await limiter.take(slice.length);
          if (this.failure) throw this.failure;
          this.lastSentAt = Date.now();
          this.counters.bytesOut += slice.length;
          let ok = true;
          flushed = new Promise<void>((done) => (ok = this.socket.write(slice, () => done())));
          if (!ok) await this.drained();
        }
      }
      return flushed;
    });
    const settled = sent.finally(() => this.framesQueued--);
    this.sendTail = settled.then(
      () => undefined,
      () => undefined,
    );
    this.lastWrite = settled.then(
      (flushed) => flushed,
      () => undefined,
    );
    return settled.then(() => undefined);
  }

  /** Waits for the socket to drain (the peer took what we sent); rejects if it closes first. */
  private drained(): Promise<void> {
    if (this.drainingSince === undefined) {
      this.drainingSince = Date.now();
      this.armDeadline();
    }
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
    if (this.keepAliveTimer) clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
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
