import type { TLSSocket } from 'node:tls';
import {
  boundedText,
  ConnectionError,
  FramedConnection,
  LIMITS,
  MAX_FRAME_BYTES,
  type Message,
  type MessageKind,
  PROTOCOL_VERSION,
  toSafeNumber,
} from '@cpsbackup/protocol';
import { DEFAULT_CHUNKER_PARAMS } from '@cpsbackup/chunker';
import { type ServerConfig } from '@cpsbackup/config';
import { catalogDamage, type Store } from '@cpsbackup/store';
import type { Logger } from 'pino';
import { type Activity } from './activity';
import { type Ticket } from './admission';
import { authenticate } from './auth';
import { handleEnrol } from './enrol-handler';
import { type EnrolGuard } from './enrol-guard';
import { type RevokedCertificates } from './revocation';
import { handleBackup } from './backup-handler';
import { type ClientLocks } from './client-locks';
import { type ClientRegistry } from './client-registry';
import { type SessionContext } from './context';
import { policyFor } from './policy';
import { handleRestore, resolveBackup } from './restore-handler';
import { toListSummary, toSummary } from './summary';
import { SERVER_VERSION } from './version';
import { toWireError, WireError } from './wire-errors';

/**
 * The largest message body cpsbackupd takes from an agent, by kind: chunk
 * and entry frames may fill a frame; a missing-query holds up to 8192 ids;
 * everything else is small. Checked before protobuf decodes anything.
 */
function serverFrameLimits(kind: MessageKind): number {
  switch (kind) {
    case 'chunk':
    case 'entries':
      return MAX_FRAME_BYTES;
    case 'missingQuery':
      return 320 * 1024;
    case 'restoreRequest':
      return 256 * 1024;
    default:
      return 64 * 1024;
  }
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
  isShuttingDown(): boolean;
  requestGc(): void;
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
      idleTimeoutMs: deps.config.idle_timeout * 1000,
      // A frame begun must be complete within idle_timeout: a byte a second does not keep a connection.
      frameTimeoutMs: deps.config.idle_timeout * 1000,
      frameLimits: serverFrameLimits,
      // A missing-query's 8192 ids and its query id are the most any agent message holds.
      maxFieldsPerMessage: LIMITS.idsPerQuery + 1,
    });
    this.log = deps.log.child({ remote: `${socket.remoteAddress}:${socket.remotePort}` });
  }

  async run(): Promise<void> {
    try {
      const ctx = await this.handshake();
      for (;;) {
        try {
          const m: Message = await this.conn.next();
          await this.dispatch(ctx, m);
        } catch (err) {
          if (err instanceof ConnectionError) throw err;
          this.logCatalogDamage(err);
          const wire = toWireError(err);
          this.log.warn({ code: wire.code, err: wire.message }, 'request failed');
          if (wire.fatal) {
            await this.conn.end({ error: { code: wire.code, message: wire.message } });
            return;
          }
          await this.conn.send({ error: { code: wire.code, message: wire.message } });
        }
      }
    } catch (err) {
      if (err instanceof ConnectionError) {
        this.log.info({ reason: err.message }, 'connection ended');
        this.conn.destroy();
        return;
      }
      const wire = toWireError(err);
      this.log.warn({ code: wire.code, err: wire.message }, 'session refused');
      await this.conn.end({ error: { code: wire.code, message: wire.message } });
    }
  }

  /** A request met a damaged catalog: the operator is told what to do, in the log. */
  private logCatalogDamage(err: unknown): void {
    const damage = catalogDamage(err, this.deps.store.dir);
    if (damage) this.log.error({ err: damage.message }, 'CATALOG DAMAGED');
  }

  /** The first message, which must arrive whole within auth_timeout of the TLS handshake. */
  private async firstMessage(): Promise<Message> {
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
      await handleEnrol(this.conn, first.enrolRequest, {
        config: this.deps.config,
        clients: this.deps.clients,
        log: this.log,
        guard: this.deps.enrolGuard,
        address: this.socket.remoteAddress ?? '?',
      });
      throw new ConnectionError('CLOSED', 'enrolment finished');
    }
    if (first.msg !== 'hello') throw new WireError('PROTOCOL', `expected hello, got ${first.msg}`, true);
    const hello = first.hello;
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      throw new WireError('VERSION', `protocol version ${hello.protocolVersion} is not supported (server speaks ${PROTOCOL_VERSION}); upgrade the agent`, true);
    }
    const clientName = String(hello.clientName ?? '');
    const { config, cn } = authenticate(this.socket, clientName, this.deps.clients, this.deps.revoked);
    this.ticket.authenticated(config.name);
    this.log = this.log.child({ client: config.name });
    this.log.info({ cn, agent: String(hello.agentVersion ?? '').slice(0, LIMITS.agentVersionChars) }, 'client authenticated');
    await this.conn.send({
      welcome: {
        protocolVersion: PROTOCOL_VERSION,
        serverVersion: SERVER_VERSION,
        chunker: { minSize: DEFAULT_CHUNKER_PARAMS.minSize, avgSize: DEFAULT_CHUNKER_PARAMS.avgSize, maxSize: DEFAULT_CHUNKER_PARAMS.maxSize },
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
      isShuttingDown: () => deps.isShuttingDown(),
      requestGc: () => deps.requestGc(),
    };
  }

  private async dispatch(ctx: SessionContext, m: Message): Promise<void> {
    switch (m.msg) {
      case 'beginBackup':
        this.busy = true;
        try {
          await handleBackup(ctx, m.beginBackup);
        } finally {
          this.busy = false;
        }
        return;
      case 'restoreRequest':
        requirePermission(ctx, m.restoreRequest.metadataOnly ? 'list' : 'restore');
        return handleRestore(ctx, m.restoreRequest);
      case 'listRequest': {
        requirePermission(ctx, 'list');
        const backups = ctx.store.listBackups(ctx.client.name).map((b) => toListSummary(ctx.store, b));
        const usage = ctx.store.clientUsage(ctx.client.name);
        await this.conn.send({
          backupList: {
            backups,
            usage: {
              backups: usage.backups,
              storedBytes: usage.storedBytes,
              quotaBackups: ctx.policy.quotaBackups,
              quotaBytes: ctx.policy.quotaBytes,
              canDelete: ctx.policy.canDelete,
              canRestore: ctx.policy.canRestore,
            },
          },
        });
        return;
      }
      case 'labelRequest': {
        requirePermission(ctx, 'list');
        const name = boundedText(m.labelRequest.name, 'backup name', LIMITS.backupNameChars);
        const description = boundedText(m.labelRequest.description, 'backup description', LIMITS.descriptionChars);
        const b = resolveBackup(ctx, toSafeNumber(m.labelRequest.number, 'number'));
        ctx.store.setBackupLabel(b.id, name || null, description || null);
        await this.conn.send({ labelDone: { backup: toSummary(ctx.store, ctx.store.getBackup(b.id)) } });
        return;
      }
      case 'verifyRequest': {
        requirePermission(ctx, 'list');
        const number = toSafeNumber(m.verifyRequest.number, 'number');
        if (number !== 0) resolveBackup(ctx, number);
        this.busy = true; // GC waits while verify reads
        let report;
        try {
          report = await ctx.store.verifyAsync({ client: ctx.client.name, number: number || undefined });
        } finally {
          this.busy = false;
        }
        ctx.log[report.ok ? 'info' : 'error'](
          {
            chunks: report.chunksChecked,
            badChunks: report.badChunks.length,
            damaged: report.damagedBackups.map((d) => d.number),
            catalogProblems: report.catalogProblems,
          },
          'verify finished',
        );
        await this.conn.send({
          verifyResult: {
            ok: report.ok,
            chunksChecked: report.chunksChecked,
            bytesChecked: report.bytesChecked,
            badChunks: report.badChunks.length,
            damaged: report.damagedBackups.map((d) => ({ number: d.number, manifestDamaged: d.manifestDamaged, files: d.files.map((f) => f.path) })),
            catalogProblems: report.catalogProblems,
          },
        });
        return;
      }
      case 'deleteRequest': {
        requirePermission(ctx, 'delete');
        const b = resolveBackup(ctx, toSafeNumber(m.deleteRequest.number, 'number'));
        if (ctx.locks.isHeld(ctx.client.name) && b.status === 'creating') {
          throw new WireError('BACKUP_RUNNING', `backup ${b.number} is still running`);
        }
        ctx.store.deleteBackup(b.id);
        ctx.log.info({ backup: b.number }, 'backup deleted');
        await this.conn.send({ deleteDone: { number: b.number } });
        ctx.requestGc();
        return;
      }
      default:
        throw new WireError('PROTOCOL', `unexpected ${m.msg} outside a backup`);
    }
  }
}

/** Refuses what the client's permissions (client_can_*) forbid. */
function requirePermission(ctx: SessionContext, what: 'list' | 'restore' | 'delete'): void {
  const allowed = what === 'list' ? ctx.policy.canList : what === 'restore' ? ctx.policy.canRestore : ctx.policy.canDelete;
  if (!allowed) {
    throw new WireError('PERMISSION', `client ${ctx.client.name} may not ${what} backups (client_can_${what} = 0 on the server)`);
  }
}
