import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { ServerConfig } from '@cpsbackup/config';
import { FramedConnection } from '@cpsbackup/protocol';
import { Store } from '@cpsbackup/store';
import type { Logger } from 'pino';
import { ClientLocks } from './client-locks';
import { ClientRegistry } from './client-registry';
import { Session } from './session';

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
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
  private readonly clients: ClientRegistry;
  private shuttingDown = false;
  private listener: tls.Server | undefined;

  private constructor(
    private readonly config: ServerConfig,
    readonly store: Store,
    private readonly log: Logger,
  ) {
    this.clients = new ClientRegistry(config.clientconfdir);
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
      handshakeTimeout: 30_000,
    };
    const store = Store.open(config.directory, { zstdLevel: config.zstd_level });
    if (store.recovery.interruptedBackups.length || store.recovery.removedPacks.length) {
      log.warn(
        { interruptedBackups: store.recovery.interruptedBackups.length, removedPacks: store.recovery.removedPacks.length },
        'recovered from an unclean stop: interrupted backups marked error, orphan packs removed',
      );
    }
    const server = new BackupServer(config, store, log);
    for (const problem of server.clients.reload()) log.error({ problem }, 'client file ignored');
    log.info({ clients: server.clients.size, dir: config.clientconfdir }, 'client files loaded');
    await server.listen(tlsOptions);
    return server;
  }

  private listen(options: tls.TlsOptions): Promise<void> {
    const listener = tls.createServer(options, (socket) => this.accept(socket));
    listener.on('tlsClientError', (err, socket) => {
      this.log.warn({ remote: socket.remoteAddress, err: err.message }, 'TLS handshake failed');
    });
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.config.port, this.config.address, () => {
        listener.off('error', reject);
        this.log.info({ address: this.config.address, port: this.port, store: this.config.directory }, 'listening');
        resolve();
      });
    });
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    const a = this.listener?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  private accept(socket: tls.TLSSocket): void {
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    if (this.shuttingDown || this.sessions.size >= this.config.max_children) {
      const why = this.shuttingDown
        ? { code: 'SHUTTING_DOWN', message: 'the server is shutting down; try again in a moment' }
        : { code: 'BUSY', message: `the server is busy: ${this.sessions.size} agents connected (max_children=${this.config.max_children}); try again later` };
      this.log.warn({ remote: socket.remoteAddress, code: why.code }, 'connection refused');
      void new FramedConnection(socket).end({ error: why });
      return;
    }
    const session = new Session(socket, {
      store: this.store,
      clients: this.clients,
      locks: this.locks,
      log: this.log,
      idleTimeoutMs: this.config.idle_timeout * 1000,
      isShuttingDown: () => this.shuttingDown,
    });
    this.sessions.add(session);
    session
      .run()
      .catch((err: Error) => this.log.error({ err: err.message, stack: err.stack }, 'session crashed'))
      .finally(() => this.sessions.delete(session));
  }

  /** SIGHUP: re-read the client files. */
  reload(): void {
    for (const problem of this.clients.reload()) this.log.error({ problem }, 'client file ignored');
    this.log.info({ clients: this.clients.size }, 'client files reloaded');
  }

  /**
   * SIGTERM: stop accepting, give running backups `graceMs` to finish, then
   * cut the rest (their backups are recorded as error) and close the store.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.info({ sessions: this.sessions.size, graceMs }, 'shutting down');
    await new Promise<void>((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
    const deadline = Date.now() + graceMs;
    while ([...this.sessions].some((s) => s.busy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const s of this.sessions) s.conn.destroy();
    // Let the sessions see their sockets close and abort their writers.
    await new Promise((r) => setTimeout(r, 50));
    this.store.close();
    this.log.info('stopped');
  }
}
