import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { type ServerConfig } from '@cpsbackup/config';
import { encodeFrame, FramedConnection } from '@cpsbackup/protocol';
import { damagedFileText, gcNoRoomText, type GcReport, type LowSpace, type Store, type VerifyReport } from '@cpsbackup/store';
import { openStore, type S3CredentialsFile } from './storage';
import type { Logger } from 'pino';
import { Activity } from './activity';
import { AdminSocket, adminSocketPath } from './admin-socket';
import { Admission, type PortConnection, type Ticket } from './admission';
import { EnrolGuard } from './enrol-guard';
import { RevokedCertificates } from './revocation';
import { ClientLocks } from './client-locks';
import { createMetrics } from './metrics';
import { StatusReporter } from './status-report';
import { StatusServer } from './status-server';
import { SERVER_VERSION } from './version';
import { ClientRegistry } from './client-registry';
import { applyRetentionToAll, planRetentionForAll, type RetentionPlan } from './retention';
import { Session } from './session';
import { WireError } from './wire-errors';
import { ChunkChecks } from './chunk-checks';
import { type DescriptorBudget, openFileCount, openFileLimit, shareDescriptors } from './descriptors';

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * cpsbackupd: a TLS 1.3 listener with mutual certificate auth in front of
 * one store. Each connection is a Session; sessions share the store, the
 * client files and the per-client locks, and nothing else.
 */
export class BackupServer {
  private readonly sessions = new Set<Session>();
  private readonly locks = new ClientLocks();
  /** The client files' ignored Burp settings already logged (reloadClients). */
  private saidClientWarnings = new Set<string>();
  private readonly admission: Admission;
  private readonly enrolGuard: EnrolGuard;
  private readonly revoked: RevokedCertificates;
  /** Decodes and hashes received chunks on worker threads. */
  private readonly chunkChecks: ChunkChecks;
  /** TCP connections still in their TLS handshake, by "address|port" (their place in admission and when they connected), until it completes or they close. */
  private readonly handshaking = new Map<string, { connection: PortConnection; since: number }>();
  /** Refusals not yet logged (logging each would let a flood fill the disk): flushed at most every 10 s. */
  private refusals = { count: 0, since: 0, last: '' };
  private readonly clients: ClientRegistry;
  private shuttingDown = false;
  private listener: tls.Server | undefined;
  private admin: AdminSocket | undefined;
  private statusServer: StatusServer | undefined;
  readonly activity = new Activity();
  /** The status port actually bound (0: disabled). */
  statusPort = 0;
  /** How RLIMIT_NOFILE is shared between the store, the status port and the agent port. */
  private descriptors: DescriptorBudget | undefined;
  /** Looks at the store's free space now and then (see Store.checkSpace). */
  private spaceTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly config: ServerConfig,
    readonly store: Store,
    private readonly log: Logger,
    /** The object store's credentials file, reread on SIGHUP (storage = s3 with s3_credentials_file). */
    private readonly s3Credentials?: S3CredentialsFile,
  ) {
    this.clients = new ClientRegistry(config.clientconfdir);
    this.enrolGuard = new EnrolGuard(config.enrol_delay_max * 1000);
    this.revoked = new RevokedCertificates(config.directory);
    this.chunkChecks = new ChunkChecks(config.check_threads);
    this.admission = new Admission(
      {
        maxChildren: config.max_children,
        maxSessionsPerClient: config.max_sessions_per_client,
        maxListChildren: config.max_list_children,
        maxUnauthenticated: config.max_unauthenticated,
        maxUnauthenticatedPerAddress: config.max_unauthenticated_per_address,
        maxPendingPerAddress: config.max_connections_per_address,
        // Within the agent port's share of descriptors, known once the store is open (start).
        maxPending: config.max_pending_connections,
        maxPortConnections: Number.MAX_SAFE_INTEGER,
        stallShareMs: config.stall_share_timeout * 1000,
      },
      (source) => this.enrolGuard.failuresFrom(source),
    );
  }

  /** Opens the store (recovering from any crash), reads the client files and starts listening. */
  static async start(config: ServerConfig, log: Logger): Promise<BackupServer> {
    const tlsOptions: tls.TlsOptions = {
      key: readPem(config.ssl_key, 'ssl_key'),
      cert: readPem(config.ssl_cert, 'ssl_cert'),
      ca: readPem(config.ssl_cert_ca, 'ssl_cert_ca'),
      requestCert: true,
      // Checked per connection in auth.ts, so the agent is told why it was refused.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      // A peer that does not finish TLS within handshake_timeout is dropped (and its places freed); onTcpConnection's timer too.
      handshakeTimeout: handshakeMs(config),
    };
    const { store, credentials } = await openStore(config);
    store.onOwnershipLost((problem) => log.error({ problem }, 'storage ownership lost: backups and deletions refused'));
    if (store.recovery.deferred) log.error({ problem: store.recovery.deferred }, 'recovery could not finish; it will be tried again at the next start');
    if (store.recovery.interruptedBackups.length || store.recovery.removedPacks.length) {
      log.warn(
        { interruptedBackups: store.recovery.interruptedBackups.length, removedPacks: store.recovery.removedPacks.length },
        'recovered from an unclean stop: interrupted backups marked error, orphan packs removed',
      );
    }
    logAbortedUploads(log, store.recovery.uploads, 'at start');
    if (store.recordsAdopted) {
      log.warn(
        { signed: store.recordsAdopted, key: store.recordsKey.file },
        'backup records written by an earlier version were signed with a new key: back the key up with server.conf (docs/OPERATIONS.md, "Backup records")',
      );
    }
    for (const c of store.recordCorrections) log.warn({ correction: c }, 'catalog corrected at start');
    for (const p of store.recordProblems()) log.error({ client: p.client, problem: p.message }, 'backup records: not trusted, left as they are');
    if (store.tightened.length) {
      log.warn(
        { store: config.directory, count: store.tightened.length, changed: store.tightened.slice(0, 100) },
        'store permissions tightened: group and other access removed (the store is for the server user alone)',
      );
    }
    const server = new BackupServer(config, store, log, credentials);
    // Counted with the store open; the three listeners (agents, status, admin) are yet to come.
    const budget = shareDescriptors(openFileLimit(), (openFileCount() ?? 0) + 3, {
      maxChildren: config.max_children + config.max_list_children,
      maxUnauthenticated: config.max_unauthenticated,
      maxStatus: config.status_port > 0 ? config.max_status_children : 0,
      maxPending: config.max_pending_connections,
    });
    server.descriptors = budget;
    const pendingLimited = budget.pending < config.max_pending_connections;
    server.admission.sharePort(
      budget.agents,
      budget.pending,
      `max_pending_connections=${config.max_pending_connections}${pendingLimited ? `, ${budget.pending} within the open-file limit ${budget.limit}` : ''}`,
    );
    log.info({ ...budget }, 'descriptor budget');
    if (pendingLimited) {
      log.warn(
        { max_pending_connections: config.max_pending_connections, served: budget.pending, limit: budget.limit },
        'the open-file limit leaves fewer connections not yet authenticated than max_pending_connections',
      );
    }
    store.onSpaceChange = (low) => server.logSpace(low);
    if (store.lowSpace) server.logSpace(store.lowSpace);
    // Space an operator frees by hand is seen without a restart (a backup, a status request and GC look too).
    server.spaceTimer = setInterval(() => store.checkSpace(), 30_000).unref();
    for (const warning of config.warnings) log.warn({ warning }, 'server.conf: setting ignored');
    server.reloadClients();
    log.info({ clients: server.clients.size, dir: config.clientconfdir }, 'client files loaded');
    await server.listen(tlsOptions);
    if (config.status_port > 0) await server.startStatus();
    await server.startAdmin();
    return server;
  }

  private listen(options: tls.TlsOptions): Promise<void> {
    const listener = tls.createServer(options, (socket) => this.accept(socket));
    // The agent port's share of descriptors is kept by admission (onTcpConnection), not by maxConnections: past it, a
    // connection still in its TLS handshake is dropped for a newcomer before anyone is refused, and the store's reserve
    // is never touched.
    listener.on('connection', (raw: net.Socket) => this.onTcpConnection(raw));
    listener.on('tlsClientError', (err, socket) => {
      this.noteRefusal(`TLS handshake failed from ${socket.remoteAddress}: ${err.message}`);
      // With a listener here, node leaves the socket open (a handshake timeout would hold it forever).
      socket.destroy();
    });
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.config.port, this.config.address, () => {
        listener.off('error', reject);
        this.log.info({ address: this.config.address, port: this.port, store: this.config.directory, packs: this.store.packsLocation }, 'listening');
        this.warnIfCredentialsExposed();
        resolve();
      });
    });
  }

  /** The admin socket (cpsbackupd verify | gc | prune against the running daemon). */
  private async startAdmin(): Promise<void> {
    this.admin = new AdminSocket(
      adminSocketPath(this.config.directory),
      {
        verify: (gone) => this.verifyAll(gone),
        gc: () => this.gcWhenQuiet(),
        prune: async () => ({ deleted: await this.pruneAll(), gc: await this.gcWhenQuiet() }),
        'prune-dry-run': () => Promise.resolve(this.pruneAllPlan()),
      },
      this.log,
    );
    await this.admin.listen();
  }

  private async startStatus(): Promise<void> {
    const reporter = new StatusReporter(this.store, this.activity, this.clients, this.config, SERVER_VERSION);
    const total = Math.min(this.descriptors?.status ?? Infinity, this.config.max_status_children);
    const limited = total < this.config.max_status_children;
    this.statusServer = new StatusServer(reporter, createMetrics(reporter, this.activity, SERVER_VERSION, this.store), this.log, this.config.status_token, {
      total,
      totalBound: `max_status_children=${this.config.max_status_children}${limited ? `, ${total} within the open-file limit ${this.descriptors?.limit}` : ''}`,
      perAddress: this.config.max_status_children_per_address,
      timeoutSeconds: this.config.status_timeout,
      allow: this.config.network_allow_status,
    });
    if (limited) {
      this.log.warn(
        { max_status_children: this.config.max_status_children, served: total, limit: this.descriptors?.limit },
        'the open-file limit leaves the status port fewer connections than max_status_children',
      );
    }
    this.statusPort = await this.statusServer.listen(this.config.status_address, this.config.status_port);
    if (!isLoopback(this.config.status_address) && !this.config.status_token && !this.config.status_redact) {
      this.log.warn(
        { status_address: this.config.status_address },
        'the status port is reachable beyond this host and shows failure reasons (file paths) to anyone: set status_token, or status_redact = 1',
      );
    }
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const a = this.listener?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /**
   * A TCP connection, before TLS: it takes its place among the connections
   * not yet authenticated (admission may drop another still in its
   * handshake for it, or refuse it: then it is closed at once), and must
   * complete TLS within handshake_timeout.
   */
  private onTcpConnection(raw: net.Socket): void {
    const address = raw.remoteAddress ?? '?';
    const key = `${address}|${raw.remotePort}`;
    const place = this.admission.connect(address, (why) => {
      this.noteRefusal(`connection from ${address} ${why}`);
      raw.destroy();
    });
    if ('refused' in place) {
      this.noteRefusal(`connection from ${address} refused: ${place.refused}`);
      raw.destroy();
      return;
    }
    this.handshaking.set(key, { connection: place, since: Date.now() });
    const ms = handshakeMs(this.config);
    const deadline = setTimeout(() => {
      if (this.handshaking.get(key)?.connection !== place) return;
      this.noteRefusal(`connection from ${address} cut: TLS not complete within ${ms / 1000} s (handshake_timeout)`);
      raw.destroy();
    }, ms);
    deadline.unref();
    raw.once('close', () => {
      clearTimeout(deadline);
      if (this.handshaking.get(key)?.connection === place) this.handshaking.delete(key);
      place.closed();
    });
  }

  /** Counts a refused connection; logs them in one line at most every 10 s. */
  private noteRefusal(what: string): void {
    const r = this.refusals;
    r.count++;
    r.last = what;
    const now = Date.now();
    if (now - r.since < 10_000) return;
    this.log.warn({ refused: r.count, last: r.last }, 'connections refused');
    this.refusals = { count: 0, since: now, last: '' };
  }

  private accept(socket: tls.TLSSocket): void {
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    const address = socket.remoteAddress ?? '?';
    const key = `${address}|${socket.remotePort}`;
    const handshake = this.handshaking.get(key);
    this.handshaking.delete(key);
    if (!handshake) {
      // Dropped or cut while its handshake completed: its place is gone.
      socket.destroy();
      return;
    }
    const since = handshake.since;
    let ticket: Ticket;
    /** Ends a connection without a certificate: it is told why, its place is freed at once. */
    const cut = (code: string, message: string): void => {
      this.noteRefusal(`${code} ${address}: ${message}`);
      ticket?.leave();
      if (socket.destroyed) return;
      socket.end(encodeFrame({ error: { code, message } }), () => socket.destroy());
      setTimeout(() => socket.destroy(), 2000).unref();
    };
    try {
      if (this.shuttingDown) throw new WireError('SHUTTING_DOWN', 'the server is shutting down; try again in a moment', true);
      ticket = this.admission.admit(handshake.connection, socket.authorized, (why) => cut(why.code, why.message));
    } catch (err) {
      const why = err as WireError;
      this.noteRefusal(`${why.code} ${address}: ${why.message}`);
      void new FramedConnection(socket).end({ error: { code: why.code, message: why.message } });
      return;
    }
    const extendDeadline = socket.authorized ? undefined : this.unauthenticatedDeadline(socket, since, cut);
    const session = new Session(socket, ticket, {
      store: this.store,
      clients: this.clients,
      locks: this.locks,
      log: this.log,
      config: this.config,
      activity: this.activity,
      enrolGuard: this.enrolGuard,
      revoked: this.revoked,
      extendDeadline,
      isShuttingDown: () => this.shuttingDown,
      requestGc: () => this.requestGc(),
      checkChunk: this.chunkChecks.check,
    });
    this.sessions.add(session);
    this.activity.connections++;
    session
      .run()
      .catch((err: Error) => this.log.error({ err: err.message, stack: err.stack }, 'session crashed'))
      .finally(() => {
        ticket.leave();
        this.sessions.delete(session);
        this.activity.connections--;
      });
  }

  /**
   * A connection without a valid certificate has unauthenticated_timeout
   * from its TCP connection to finish its one exchange (TLS, its request,
   * the answer); the server's own waits (an enrolment's delay for earlier
   * failures) are added through the function returned. Then it is cut.
   */
  private unauthenticatedDeadline(socket: tls.TLSSocket, since: number, cut: (code: string, message: string) => void): (ms: number) => void {
    const limitMs = this.config.unauthenticated_timeout * 1000;
    let extraMs = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          cut(
            'TIMEOUT',
            `connection cut: a connection without a client certificate must finish TLS, its request and the answer within ${this.config.unauthenticated_timeout} s of connecting (unauthenticated_timeout)`,
          ),
        Math.max(0, since + limitMs + extraMs - Date.now()),
      );
      timer.unref();
    };
    arm();
    socket.once('close', () => clearTimeout(timer));
    return (ms) => {
      extraMs += ms;
      if (!socket.destroyed) arm();
    };
  }

  private gcWanted = false;

  /**
   * Reclaims space once no backup is running (GC and ingest share the store
   * thread, so GC waits for a quiet moment rather than stalling a backup).
   */
  requestGc(): void {
    this.gcWanted = true;
    setImmediate(() => this.maybeGc());
  }

  private maybeGc(): void {
    if (!this.gcWanted || this.shuttingDown || this.store.gcRunning) return;
    if ([...this.sessions].some((s) => s.busy)) {
      setTimeout(() => this.maybeGc(), 1000).unref();
      return;
    }
    this.gcWanted = false;
    // Logged in collect(), never thrown: a failed GC (a full disk, an I/O error) must not take the server down.
    this.collect().catch(() => undefined);
  }

  /** `cpsbackupd gc` on the admin socket: GC as soon as no backup runs, with its report. */
  async gcWhenQuiet(): Promise<GcReport> {
    while ([...this.sessions].some((s) => s.busy) || this.store.gcRunning) await new Promise((r) => setTimeout(r, 500));
    if (this.shuttingDown) throw new Error('cpsbackupd is shutting down');
    this.gcWanted = false;
    return this.collect();
  }

  /** One GC now: logged and counted for monitoring; a failure is logged and rethrown. */
  private async collect(): Promise<GcReport> {
    const t = Date.now();
    let r: GcReport;
    try {
      r = await this.store.gc();
    } catch (err) {
      this.activity.gc.failures++;
      this.log.error({ err: (err as Error).message }, 'garbage collection failed; it will be tried again after the next backup');
      throw err;
    }
    const g = this.activity.gc;
    g.runs++;
    g.reclaimedBytes += Math.max(0, r.bytesBefore - r.bytesAfter);
    g.lastSeconds = (Date.now() - t) / 1000;
    g.lastAt = Date.now();
    this.log.info(
      {
        deadChunks: r.deadChunks,
        deletedPacks: r.deletedPacks,
        movedChunks: r.movedChunks,
        bytesBefore: r.bytesBefore,
        bytesAfter: r.bytesAfter,
        ms: Date.now() - t,
      },
      'garbage collected',
    );
    logAbortedUploads(this.log, r.uploads, 'at GC');
    if (r.corruptChunks.length) this.log.error({ chunks: r.corruptChunks }, 'GC found damaged chunks and left them in place: run verify');
    if (r.noRoom) {
      const n = r.noRoom;
      this.log.warn(
        { store: n.dir, packs: n.packs.length, reclaimableBytes: n.reclaimableBytes, freeBytes: n.freeBytes, neededBytes: n.neededBytes },
        `GC: ${gcNoRoomText(n)}`,
      );
    }
    if (r.unindexedReferences > 0) {
      this.log.error(
        { references: r.unindexedReferences },
        "the catalog's reference table lacks references the backups' manifests make (GC kept those chunks): the catalog is damaged; stop cpsbackupd and run cpsbackupd --repair-catalog",
      );
    }
    return r;
  }

  /**
   * SIGUSR1 or `cpsbackupd verify`: verify the whole store while serving; the findings go to the log and are returned.
   * `stop` aborts it (the `cpsbackupd verify` that asked for it is gone): it stops at once, said in the log.
   */
  async verifyAll(stop?: AbortSignal): Promise<VerifyReport> {
    this.log.info('verify of the whole store started');
    let r: VerifyReport;
    try {
      r = await this.store.verify({}, stop);
    } catch (err) {
      if (stop?.aborted) this.log.warn({ why: (stop.reason as Error).message }, 'verify of the whole store stopped before its end: its requester is gone');
      throw err;
    }
    const v = this.activity.verify;
    v.runs++;
    v.lastOk = r.ok;
    v.lastBadChunks = r.badChunks.length;
    v.lastAt = Date.now();
    const damaged = r.damagedBackups.map((d) => ({
      client: d.client,
      number: d.number,
      manifestDamaged: d.manifestDamaged,
      files: d.files.map(damagedFileText),
    }));
    if (r.ok) this.log.info({ chunks: r.chunksChecked, bytes: r.bytesChecked, backups: r.backupsChecked }, 'verify: store is sound');
    else this.log.error({ chunks: r.chunksChecked, badChunks: r.badChunks, damaged, catalogProblems: r.catalogProblems }, 'verify: DAMAGE FOUND');
    return r;
  }

  /** SIGUSR2 or `cpsbackupd prune`: apply every client's retention now, then reclaim space; returns how many backups went. */
  async pruneAll(): Promise<number> {
    this.reloadClients();
    const deleted = await applyRetentionToAll(
      this.store,
      this.clients,
      this.config,
      this.log,
      (client) => this.locks.isHeld(client),
      (client, n) => this.activity.isBeingRead(client, n),
    );
    this.log.info({ deleted }, 'retention applied to all clients');
    this.requestGc();
    return deleted;
  }

  /** `cpsbackupd prune --dry-run`: what pruneAll would delete now, per client, deleting nothing. */
  pruneAllPlan(): RetentionPlan[] {
    this.reloadClients();
    return planRetentionForAll(
      this.store,
      this.clients,
      this.config,
      (client) => this.locks.isHeld(client),
      (client, n) => this.activity.isBeingRead(client, n),
    );
  }

  /** A credentials file others may read is said (at start and at each reload), not refused: refusing would stop backups. */
  private warnIfCredentialsExposed(): void {
    const why = this.s3Credentials?.exposure();
    if (why) this.log.warn({ file: this.s3Credentials!.file }, why);
  }

  /** SIGHUP: re-read the client files. */
  reload(): void {
    this.reloadClients();
    if (this.s3Credentials) {
      try {
        this.s3Credentials.reload();
        this.log.info({ file: this.s3Credentials.file }, 's3 credentials reloaded');
        this.warnIfCredentialsExposed();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 's3 credentials not reloaded; the previous ones stay in use');
      }
    }
    this.log.info({ clients: this.clients.size }, 'client files reloaded');
  }

  /** The store became short of space, or has room again: the log says so, what works, and what to do. */
  private logSpace(low: LowSpace | undefined): void {
    if (!low) {
      this.log.info({ store: this.config.directory }, 'the store has room again: its space reserve is made again, and new backups are taken');
      return;
    }
    this.log.error(
      { store: low.dir, freeBytes: low.freeBytes, neededBytes: low.neededBytes },
      "the store's disk is full and its space reserve is spent: low-space mode: listing, restoring, deleting and garbage collection work; new backups are refused. " +
        'Delete old backups (cpsbackup -d NUMBER, or cpsbackupd prune) and run cpsbackupd gc, or free space on that disk: backups resume by themselves once there is room',
    );
  }

  /**
   * Re-reads the client files, logging each one refused and each Burp setting ignored. A setting is
   * said when it first appears, not again at each reload (SIGHUP, every prune): once per edit of its file.
   */
  private reloadClients(): void {
    for (const problem of this.clients.reload()) this.log.error({ problem }, 'client file ignored');
    const warnings = new Set(this.clients.warnings);
    for (const warning of warnings) if (!this.saidClientWarnings.has(warning)) this.log.warn({ warning }, 'client file: setting ignored');
    this.saidClientWarnings = warnings;
  }

  /**
   * SIGTERM: stop accepting, give running backups `graceMs` to finish, then
   * cut the rest (their backups are recorded as error) and close the store.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    clearInterval(this.spaceTimer);
    this.log.info({ sessions: this.sessions.size, graceMs }, 'shutting down');
    // close() stops accepting at once, but calls back only when every
    // connection has ended: an idle agent would hold shutdown forever.
    const listenerClosed = new Promise<void>((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
    await this.statusServer?.close();
    await this.admin?.close();
    const deadline = Date.now() + graceMs;
    while ([...this.sessions].some((s) => s.busy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const s of this.sessions) s.conn.destroy();
    // Let the sessions see their sockets close and abort their writers; a
    // connection still in its TLS handshake gets a second at most.
    await Promise.race([listenerClosed, new Promise((r) => setTimeout(r, 1000))]);
    await new Promise((r) => setTimeout(r, 50));
    await this.chunkChecks.close();
    await this.store.gcDone();
    await this.store.close();
    this.log.info('stopped');
  }
}

/** Milliseconds a new connection has to complete TLS: handshake_timeout, or auth_timeout if shorter. */
/** What the store did with the incomplete multipart uploads it found (storage = s3): logged when it did something, or could not. */
function logAbortedUploads(log: Logger, u: GcReport['uploads'], when: string): void {
  if (!u) return;
  if ('failed' in u) log.warn({ problem: u.failed }, `incomplete uploads not cleaned up ${when}: their parts stay billed until the next GC aborts them`);
  else if (u.unsupported) {
    if (when === 'at start') log.warn({ problem: u.unsupported }, 'incomplete uploads not cleaned up'); // once: it does not change
  } else if (u.aborted > 0) log.info({ aborted: u.aborted, bytes: u.bytes, keys: u.keys }, `incomplete uploads of earlier writes aborted ${when}`);
}

function handshakeMs(config: ServerConfig): number {
  return Math.min(config.handshake_timeout, config.auth_timeout) * 1000;
}

/** Whether an address is this host only. */
function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}
