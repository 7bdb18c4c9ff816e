import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { type NodeConfig } from '@cpsbackup/config';
import {
  type ChunkFrameFields,
  ConnectionError,
  FrameError,
  FramedConnection,
  keepAliveInterval,
  type Message,
  type MessageKind,
  PROTOCOL_VERSION,
  type cpsbackup,
} from '@cpsbackup/protocol';
import { AgentError, exitCodeForServerError, ExitCode } from '../errors';
import { AGENT_VERSION } from '../version';

/** The payload of a message of kind K. */
export type PayloadOf<K extends MessageKind> = NonNullable<Message[K]>;

/**
 * A TLS connection to cpsbackupd, authenticated both ways, after the
 * hello/welcome exchange. The server's certificate must chain to our CA and
 * carry the CN the node.conf expects (ssl_peer_cn).
 */
export class ServerConnection {
  private constructor(
    readonly conn: FramedConnection,
    readonly welcome: cpsbackup.Welcome.$Properties,
  ) {}

  /** `keyId`: an encrypted node's (ChunkKeys.keyId): the server then takes and gives sealed chunks. */
  static async open(config: NodeConfig, keyId?: Buffer): Promise<ServerConnection> {
    const conn = await ServerConnection.connect(config, true);
    await conn.send({ hello: { protocolVersion: PROTOCOL_VERSION, clientName: config.cname, agentVersion: AGENT_VERSION, keyId: keyId ?? Buffer.alloc(0) } });
    const server = new ServerConnection(conn, {});
    try {
      const welcome = await server.expect('welcome');
      // From now on, whatever keeps us from sending (a FIFO's writer awaited, a silent dump) does not look like a dead agent.
      conn.keepAlive(keepAliveInterval(welcome.idleTimeoutMs ?? 0));
      return new ServerConnection(conn, welcome);
    } catch (err) {
      // Burp's and the Canopsis page's files often leave cname out: say which name was used and why.
      if (err instanceof AgentError && config.cnameFromHostname && (err.code === 'AUTH_UNKNOWN_CLIENT' || err.code === 'AUTH_CN_MISMATCH')) {
        throw new AgentError(
          err.code,
          `${err.message} (cname is not set in ${config.configFile}, so the host name ${JSON.stringify(config.cname)} was used: set cname = <this node's client name on the server>)`,
          err.exitCode,
        );
      }
      throw err;
    }
  }

  /** Enrolment: a connection without a client certificate (the server's is still verified). */
  static async openForEnrolment(config: NodeConfig): Promise<ServerConnection> {
    return new ServerConnection(await ServerConnection.connect(config, false), {});
  }

  private static async connect(config: NodeConfig, withClientCert: boolean): Promise<FramedConnection> {
    const read = (file: string, what: string): Buffer => {
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new AgentError('CONFIG', `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, ExitCode.CONFIG);
      }
    };
    const options: tls.ConnectionOptions = {
      host: config.server,
      port: config.port,
      ca: read(config.ssl_cert_ca, 'ssl_cert_ca'),
      ...(withClientCert ? { cert: read(config.ssl_cert, 'ssl_cert'), key: read(config.ssl_key, 'ssl_key') } : {}),
      minVersion: 'TLSv1.3',
      servername: /^[\d.]+$|:/.test(config.server) ? undefined : config.server,
      checkServerIdentity: (_host, cert) => {
        const cn = cert.subject?.CN;
        if (cn !== config.ssl_peer_cn) {
          return new Error(`the server's certificate CN ${JSON.stringify(cn)} is not the expected ssl_peer_cn ${JSON.stringify(config.ssl_peer_cn)}`);
        }
        return undefined;
      },
    };
    const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect(options, () => resolve(s));
      s.setTimeout(config.network_timeout * 1000, () => s.destroy(new Error(`no answer within ${config.network_timeout} s`)));
      s.once('error', (err: NodeJS.ErrnoException) => {
        if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT'].includes(err.code ?? '') || /no answer/.test(err.message)) {
          reject(new AgentError('UNREACHABLE', `cannot reach cpsbackupd at ${config.server}:${config.port}: ${err.code ?? err.message}`, ExitCode.UNREACHABLE));
        } else if (closedBeforeTls(err)) {
          // cpsbackupd closes a connection it has no room for before TLS (too many from this address, or in all): no frame can say so.
          reject(
            new AgentError(
              'BUSY',
              `cpsbackupd at ${config.server}:${config.port} closed the connection before TLS was established: the server may be busy or refusing connections (too many at once, or from this address); try again later`,
              ExitCode.BUSY,
            ),
          );
        } else {
          reject(new AgentError('TLS', `TLS connection to ${config.server}:${config.port} failed: ${err.message}`, ExitCode.AUTH));
        }
      });
    });
    socket.setTimeout(0);
    socket.setNoDelay(true);
    // network_timeout counts while we wait on the server (an answer, or taking what we sent), not while the
    // agent is busy on its own and expects nothing (a FIFO whose writer is awaited).
    return new FramedConnection(socket, {
      idleTimeoutMs: config.network_timeout * 1000,
      idleOnlyWhileWaiting: true,
      sendBytesPerSecond: sendRateOf(config),
    });
  }

  /** The payload of the next message, which must be `kind`; an Error frame becomes an AgentError. */
  async expect<K extends MessageKind>(kind: K): Promise<PayloadOf<K>> {
    const m = await this.next();
    const payload = m[kind];
    if (m.msg !== kind || !payload) throw new AgentError('PROTOCOL', `the server sent ${m.msg} where ${kind} was expected`);
    return payload as PayloadOf<K>;
  }

  /**
   * Told when the server says it waits on its storage, and when that ends
   * (during a backup); such a notice is never the message a caller awaits.
   */
  onStorageWait: ((w: PayloadOf<'storageWait'>) => void) | undefined;

  /** The next message; an Error frame becomes an AgentError, a lost connection too. */
  async next(): Promise<Message> {
    for (;;) {
      let m: Message;
      try {
        m = await this.conn.next();
      } catch (err) {
        if (err instanceof ConnectionError) throw this.lostConnection(err);
        if (err instanceof FrameError) throw new AgentError('PROTOCOL', `the server sent a malformed frame: ${err.message}`);
        throw err;
      }
      if (m.msg === 'error') throw serverError(m);
      if (m.msg === 'storageWait') {
        this.onStorageWait?.(m.storageWait);
        continue;
      }
      return m;
    }
  }

  send(m: cpsbackup.Envelope.$Properties): Promise<void> {
    return this.conn.send(m).catch((err: Error) => {
      throw this.lostConnection(err);
    });
  }

  /** Sends a chunk without copying its payload (which must stay unchanged until this resolves). */
  sendChunk(c: ChunkFrameFields): Promise<void> {
    return this.conn.sendChunk(c).catch((err: Error) => {
      throw this.lostConnection(err);
    });
  }

  private lostController: AbortController | undefined;

  /** Aborted, with the AgentError that says why, once the connection is lost: what waits on the node (a FIFO read) stops then. */
  get lost(): AbortSignal {
    if (!this.lostController) {
      const c = (this.lostController = new AbortController());
      void this.conn.failed().then((err) => c.abort(this.lostConnection(err)));
    }
    return this.lostController.signal;
  }

  /** Resolves once the socket is done with every payload sent so far (see FramedConnection.written). */
  written(): Promise<void> {
    return this.conn.written();
  }

  /** The Error frame the server sent before hanging up (kept for every caller after). */
  private said: Message | undefined;

  /** The server's own reason when it sent one before hanging up, else "connection lost". */
  private lostConnection(err: Error): AgentError {
    this.said ??= this.conn.peerError();
    if (this.said) return serverError(this.said);
    return new AgentError('CONNECTION', `connection to the server lost: ${err.message}`, ExitCode.FAILED);
  }

  async close(): Promise<void> {
    await this.conn.end();
  }
}

/**
 * node.conf's ratelimit in bytes a second (0: none). Burp's Mbit is 2^20
 * bits (its conffile.c: value × 1024 × 1024 / 8), so an operator's number
 * means what it meant under Burp: 8 is 1 MiB/s.
 */
export function sendRateOf(config: Pick<NodeConfig, 'ratelimit'>): number {
  return config.ratelimit ? (config.ratelimit * 1024 * 1024) / 8 : 0;
}

/** The server closed the connection (or reset it) before the TLS handshake completed, as opposed to TLS failing on a certificate or a protocol. */
function closedBeforeTls(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' || /before secure TLS connection was established/.test(err.message);
}

function serverError(m: Message): AgentError {
  const code = m.error?.code ?? 'ERROR';
  return new AgentError(code, m.error?.message ?? code, exitCodeForServerError(code));
}

/** One request on its own connection: open, ask, always close. */
export async function withServer<T>(config: NodeConfig, keyId: Buffer | undefined, ask: (server: ServerConnection) => Promise<T>): Promise<T> {
  const server = await ServerConnection.open(config, keyId);
  try {
    return await ask(server);
  } finally {
    await server.close().catch(() => undefined);
  }
}
