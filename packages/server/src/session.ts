import type { TLSSocket } from 'node:tls';
import { ConnectionError, encodeFrame, FramedConnection, LIMITS, MAX_FRAME_BYTES, type Message, type MessageKind, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { type ServerConfig } from '@cpsbackup/config';
import { catalogDamage, type EncodedChunkCheck, type Store } from '@cpsbackup/store';
import type { Logger } from 'pino';
import { type Activity } from './activity';
import { sourceOf, type Ticket } from './admission';
import { authenticate, requireAllowedNetwork } from './auth';
import { handleEnrol } from './enrol-handler';
import { type EnrolGuard } from './enrol-guard';
import { type RevokedCertificates } from './revocation';
import { handleBackup } from './backup-handler';
import { type ClientLocks } from './client-locks';
import { type ClientRegistry } from './client-registry';
import { type SessionContext } from './context';
import { handleDelete } from './delete-handler';
import { handleLabel } from './label-handler';
import { handleList } from './list-handler';
import { policyFor, requirePermission } from './policy';
import { actingFor } from './restore-client';
import { handleKey } from './key-handler';
import { handleRestore } from './restore-handler';
import { handleVerify } from './verify-handler';
import { withServerScripts } from './server-scripts';
import { SERVER_VERSION } from './version';
import { toWireError, WireError, type WireOperation } from './wire-errors';

/**
 * The largest message body cpsbackupd takes from an agent, by kind: chunk
 * and listing-chunk frames may fill a frame; a missing-query and a read hold up to
 * 8192 ids; everything else is small. Checked before protobuf decodes anything.
 */
function serverFrameLimits(kind: MessageKind): number {
  switch (kind) {
    case 'chunk':
    case 'listingChunk':
      return MAX_FRAME_BYTES;
    case 'missingQuery':
    case 'readChunks':
      return 320 * 1024;
    default:
      return 64 * 1024;
  }
}

/**
 * The longest one wait for an agent's next message may be kept up by
 * keep-alives alone: the longest wait a node.conf allows (fifo_timeout's
 * maximum, 86400 s). An agent stuck for longer (a FIFO whose writer never
 * writes nor closes, a dump that hangs) is dropped: its backup is recorded
 * as error, its client's lock and its slot are released.
 */
const KEEPALIVE_ONLY_LIMIT_MS = 86_400_000;

/** How long a session evicted while its peer takes nothing keeps its socket for the error to be read, should the peer read again. */
const STALLED_GRACE_MS = 2000;

/**
 * Requests that count as activity for session_idle_timeout: they do work
 * for the node. A list, a show (a metadata-only restore), a label, a
 * delete or a key request is cheap and does not keep a session alive.
 */
function isWork(m: Message): boolean {
  return m.msg === 'beginBackup' || m.msg === 'verifyRequest' || (m.msg === 'restoreRequest' && !m.restoreRequest.metadataOnly);
}

/** Shared parts a session uses. */
export interface SessionDeps {
  store: Store;
  clients: ClientRegistry;
  locks: ClientLocks;
  log: Logger;
  config: ServerConfig;
  activity: Activity;
  enrolGuard: EnrolGuard;
  revoked: RevokedCertificates;
  /** A connection without a valid certificate: adds to its unauthenticated_timeout (the server's own waits). */
  extendDeadline?: (ms: number) => void;
  isShuttingDown(): boolean;
  requestGc(): void;
  checkChunk: EncodedChunkCheck;
}

/**
 * One agent connection: handshake and authentication, then requests until
 * the agent closes. Any failure is told to the agent as an Error frame and
 * logged; it never reaches other sessions.
 */
export class Session {
  readonly conn: FramedConnection;
  private log: Logger;
  /** Set while a backup runs, so shutdown can wait for it. */
  busy = false;

  constructor(
    private readonly socket: TLSSocket,
    private readonly ticket: Ticket,
    private readonly deps: SessionDeps,
  ) {
    this.conn = new FramedConnection(socket, {
      // Only what arrives counts (KeepAlive too): our own writes do not make a vanished agent look alive.
      idleTimeoutMs: deps.config.idle_timeout * 1000,
      keepAliveOnlyTimeoutMs: KEEPALIVE_ONLY_LIMIT_MS,
      // A peer that asked for a restore and never reads it holds its slot for nothing, keep-alives or not.
      stallTimeoutMs: deps.config.stall_timeout * 1000,
      // A frame begun must be complete within idle_timeout: a byte a second does not keep a connection.
      frameTimeoutMs: deps.config.idle_timeout * 1000,
      // server.conf's ratelimit (Burp's Mbit/s of 2^20 bits), on what this session sends: a restore.
      sendBytesPerSecond: deps.config.ratelimit ? (deps.config.ratelimit * 1024 * 1024) / 8 : 0,
      frameLimits: serverFrameLimits,
      // A missing-query's 8192 ids and its query id are the most any agent message holds.
      maxFieldsPerMessage: LIMITS.idsPerQuery + 1,
    });
    this.log = deps.log.child({ remote: `${socket.remoteAddress}:${socket.remotePort}` });
  }

  async run(): Promise<void> {
    // Waiting for the node's next request: a close then is how every session ends, not news.
    let betweenRequests = false;
    try {
      const ctx = await this.handshake();
      this.armIdleTimer();
      for (;;) {
        let op: WireOperation = 'other';
        try {
          betweenRequests = true;
          const m: Message = await this.conn.next();
          betweenRequests = false;
          op = operationOf(m);
          const work = isWork(m);
          // Not idle while it waits for an agent slot, either.
          this.inRequest = true;
          let done: () => void;
          try {
            done = await this.ticket.request(work);
          } catch (err) {
            this.inRequest = false;
            throw err;
          }
          if (work) this.working++;
          try {
            const scripted = { client: ctx.client.name, scripts: ctx.policy.scripts, notify: ctx.policy.notify, log: ctx.log, conn: this.conn };
            await withServerScripts(scripted, scriptActionOf(m), () => this.dispatch(ctx, m));
          } finally {
            done();
            this.inRequest = false;
            if (work && --this.working === 0) this.lastWork = Date.now();
          }
          if (await this.endIfIdle()) return;
        } catch (err) {
          if (err instanceof ConnectionError) throw err;
          this.logCatalogDamage(err);
          const wire = toWireError(err, op);
          this.log.warn({ code: wire.code, err: wire.message }, 'request failed');
          if (wire.fatal) {
            await this.conn.end({ error: { code: wire.code, message: wire.message } });
            return;
          }
          await this.conn.send({ error: { code: wire.code, message: wire.message } });
          if (await this.endIfIdle()) return;
        }
      }
    } catch (err) {
      if (err instanceof ConnectionError) {
        const normal = betweenRequests && err.code === 'CLOSED';
        this.log[normal ? 'debug' : 'info']({ reason: err.message }, 'connection ended');
        this.conn.destroy();
        return;
      }
      const wire = toWireError(err);
      this.log.warn({ code: wire.code, err: wire.message }, 'session refused');
      await this.conn.end({ error: { code: wire.code, message: wire.message } });
    } finally {
      clearTimeout(this.idleTimer);
      clearInterval(this.progressTimer);
    }
  }

  /** Bytes the peer had taken (written through the socket) when last looked at, and since when that count has not moved while more waited. */
  private progress = { delivered: 0, at: Date.now() };
  private progressTimer: NodeJS.Timeout | undefined;

  /**
   * Milliseconds since the peer last took a byte of what waits to be sent
   * to it, or undefined when nothing waits: how admission tells a session
   * whose peer reads nothing (a restore it asked for and never takes) from
   * one that works. Progress is what the socket has written out (to the
   * kernel, whose buffers the peer empties), so a slow link that takes
   * anything at all is not stalled; it is seen a frame at a time (a chunk,
   * 1 MiB at most). A node reading a backup that asks for nothing more
   * while it holds the read open (keep-alives only) counts the same.
   */
  private blockedMs(): number | undefined {
    const waiting = this.socket.writableLength;
    const delivered = this.conn.counters.bytesOut - waiting;
    const now = Date.now();
    if (waiting === 0 || delivered !== this.progress.delivered) this.progress = { delivered, at: now };
    const unread = waiting === 0 ? undefined : now - this.progress.at;
    // A read of a backup the node holds open and asks nothing of is stalled as much as one it does not take.
    const unasked = this.conn.peerTurnWaitMs();
    return unasked === undefined ? unread : Math.max(unread ?? 0, unasked);
  }

  /** Looks at the progress every second (and when the socket drains), so that a wait is dated to within a second of when it began. */
  private watchProgress(): void {
    this.socket.on('drain', () => this.blockedMs());
    this.progressTimer = setInterval(() => this.blockedMs(), 1000);
    this.progressTimer.unref();
  }

  /**
   * Evicted while a request runs whose peer takes nothing: the request
   * cannot be waited for. The error frame goes after what the peer has not
   * read (a peer that reads again soon gets it in order, after complete
   * frames), and the connection is torn down after a short grace, which
   * ends the request.
   */
  private cut(why: string): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    this.socket.write(encodeFrame({ error: { code: 'BUSY', message: why } }), () => undefined);
    setTimeout(() => this.socket.destroy(), STALLED_GRACE_MS).unref();
  }

  /** Backups, restores and verifies in progress in this session. */
  private working = 0;
  /** When the last one ended (or the session authenticated). */
  private lastWork = Date.now();
  /** Any request in progress (a cheap one too: nothing is cut mid-request). */
  private inRequest = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private ended = false;

  /** Wakes when session_idle_timeout may have passed since the last work; ends the session if so and no request runs. */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    const due = this.lastWork + this.deps.config.session_idle_timeout * 1000 - Date.now();
    this.idleTimer = setTimeout(() => void this.endIfIdle(), Math.max(0, due));
    this.idleTimer.unref();
  }

  /**
   * A session that has run no backup, restore or verify for
   * session_idle_timeout is holding a slot for nothing: it is told so and
   * closed (lists, shows, labels and keep-alives do not count as activity).
   * Returns true once ended.
   */
  private async endIfIdle(): Promise<boolean> {
    if (this.ended) return true;
    if (this.working > 0 || this.inRequest) return false;
    const limit = this.deps.config.session_idle_timeout;
    if (Date.now() - this.lastWork < limit * 1000) {
      this.armIdleTimer();
      return false;
    }
    this.log.info({ session_idle_timeout: limit }, 'idle session closed');
    await this.close(
      `session closed: no backup, restore or verify for ${limit} s (session_idle_timeout); lists alone do not hold a slot, connect again when there is work`,
    );
    return true;
  }

  /** Ends the session with a BUSY error (the agent exits 7: try again). */
  private async close(why: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    await this.conn.end({ error: { code: 'BUSY', message: why } }).catch(() => this.conn.destroy());
  }

  /** A request met a damaged catalog: the operator is told what to do, in the log. */
  private logCatalogDamage(err: unknown): void {
    const damage = catalogDamage(err, this.deps.store.dir);
    if (damage) this.log.error({ err: damage.message }, 'CATALOG DAMAGED');
  }

  /**
   * The first message, which must arrive whole within auth_timeout of the
   * TLS handshake; a peer without a certificate has unauthenticated_timeout
   * for its whole exchange instead (the server's timer, which tells it why).
   */
  private async firstMessage(): Promise<Message> {
    if (this.deps.extendDeadline) return this.conn.next();
    const ms = this.deps.config.auth_timeout * 1000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.conn.destroy();
        reject(new ConnectionError('TIMEOUT', `no complete first message within ${ms / 1000} s (auth_timeout)`));
      }, ms);
    });
    try {
      return await Promise.race([this.conn.next(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async handshake(): Promise<SessionContext> {
    const first = await this.firstMessage();
    if (first.msg === 'enrolRequest') {
      const named = this.deps.clients.lookup(String(first.enrolRequest.clientName ?? ''));
      requireAllowedNetwork(this.socket.remoteAddress ?? '', named.ok ? named.config : undefined, this.deps.config);
      // From here the server makes it wait (delay, check, answer): its place is not taken by newcomers.
      this.ticket.requested();
      await handleEnrol(this.conn, first.enrolRequest, {
        config: this.deps.config,
        clients: this.deps.clients,
        log: this.log,
        guard: this.deps.enrolGuard,
        source: sourceOf(this.socket.remoteAddress ?? '?'),
        extendDeadline: this.deps.extendDeadline,
      });
      throw new ConnectionError('CLOSED', 'enrolment finished');
    }
    if (first.msg !== 'hello') throw new WireError('PROTOCOL', `expected hello, got ${first.msg}`, true);
    const hello = first.hello;
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      const upgrade = Number(hello.protocolVersion) > PROTOCOL_VERSION ? "upgrade cpsbackupd to the agent's version" : 'upgrade the agent';
      throw new WireError('VERSION', `protocol version ${hello.protocolVersion} is not supported (server speaks ${PROTOCOL_VERSION}); ${upgrade}`, true);
    }
    const clientName = String(hello.clientName ?? '');
    const keyId = hello.keyId?.length ? Buffer.from(hello.keyId) : undefined;
    if (keyId && keyId.length !== 32) throw new WireError('PROTOCOL', `a key id of ${keyId.length} bytes (32 expected)`, true);
    const { config, cn } = authenticate(this.socket, clientName, this.deps.clients, this.deps.revoked, this.deps.config);
    await this.ticket.authenticated(config.name, {
      evict: (why, stalled, forClient) => {
        // Evicted to make room for another node: between requests, or while its peer takes nothing of a request's answer.
        if (stalled) {
          this.log.info({ why, for: forClient }, 'stalled session closed for another node');
          this.cut(why);
        } else {
          this.log.info({ why, for: forClient }, 'idle session closed for another node');
          void this.close(why);
        }
      },
      blockedMs: () => this.blockedMs(),
    });
    this.watchProgress();
    this.log = this.log.child({ client: config.name });
    this.log.info({ cn, agent: String(hello.agentVersion ?? '').slice(0, LIMITS.agentVersionChars), encrypted: !!keyId }, 'client authenticated');
    await this.conn.send({
      welcome: {
        protocolVersion: PROTOCOL_VERSION,
        serverVersion: SERVER_VERSION,
        chunker: { minSize: DEFAULT_CHUNKER_PARAMS.minSize, avgSize: DEFAULT_CHUNKER_PARAMS.avgSize, maxSize: DEFAULT_CHUNKER_PARAMS.maxSize },
        idleTimeoutMs: this.deps.config.idle_timeout * 1000,
      },
    });
    const deps = this.deps;
    return {
      conn: this.conn,
      store: deps.store,
      client: config,
      log: this.log,
      locks: deps.locks,
      owner: this,
      activity: deps.activity,
      policy: policyFor(deps.config, config),
      checkChunk: deps.checkChunk,
      keyId,
      readTurnMs: deps.config.stall_timeout * 1000,
      isShuttingDown: () => deps.isShuttingDown(),
      whileBusy: async <T>(work: () => Promise<T>): Promise<T> => {
        this.busy = true; // shutdown waits, and GC waits, while a backup or a verify runs
        try {
          return await work();
        } finally {
          this.busy = false;
        }
      },
      requestGc: () => deps.requestGc(),
    };
  }

  /** Runs one request; false: it failed without an error for the node (a backup its node aborted, or partial). */
  private async dispatch(ctx: SessionContext, m: Message): Promise<boolean | void> {
    switch (m.msg) {
      case 'beginBackup':
        return ctx.whileBusy(() => handleBackup(ctx, m.beginBackup));
      case 'restoreRequest': {
        const target = actingFor(ctx, m.restoreRequest.client, this.deps.clients, this.deps.config);
        requirePermission(target, m.restoreRequest.metadataOnly ? 'list' : 'restore');
        return handleRestore(target, m.restoreRequest);
      }
      case 'listRequest': {
        const target = actingFor(ctx, m.listRequest.client, this.deps.clients, this.deps.config);
        requirePermission(target, 'list');
        return handleList(target);
      }
      case 'labelRequest':
        requirePermission(ctx, 'list');
        return handleLabel(ctx, m.labelRequest);
      case 'verifyRequest':
        requirePermission(ctx, 'verify');
        return handleVerify(ctx, m.verifyRequest);
      case 'deleteRequest':
        requirePermission(ctx, 'delete');
        return handleDelete(ctx, m.deleteRequest);
      case 'keyRequest':
        return handleKey(ctx, m.keyRequest);
      default:
        throw new WireError('PROTOCOL', `unexpected ${m.msg} outside a backup`);
    }
  }
}

/** What a request asks of the store: what its failure means to the node depends on it (wire-errors.ts). */
function operationOf(m: Message): WireOperation {
  switch (m.msg) {
    case 'beginBackup':
      return 'backup';
    case 'restoreRequest':
      return m.restoreRequest.metadataOnly ? 'read' : 'restore';
    case 'listRequest':
    case 'verifyRequest':
      return 'read';
    case 'deleteRequest':
      return 'delete';
    default:
      return 'other';
  }
}

/** The action a server script is told, in Burp's words; undefined: no script runs for it (a label, an encrypted node's key exchange). */
function scriptActionOf(m: Message): string | undefined {
  switch (m.msg) {
    case 'beginBackup':
      return 'backup';
    case 'restoreRequest':
      return m.restoreRequest.metadataOnly ? 'list' : 'restore';
    case 'listRequest':
      return 'list';
    case 'verifyRequest':
      return 'verify';
    case 'deleteRequest':
      return 'delete';
    default:
      return undefined;
  }
}
