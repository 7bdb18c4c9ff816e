import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Logger } from 'pino';
import { StoreError } from '@cpsbackup/store';

/** What an operator can ask a running cpsbackupd (cpsbackupd verify | gc | prune | prune --dry-run). */
const ADMIN_OPS = ['verify', 'gc', 'prune', 'prune-dry-run'] as const;
/** One of ADMIN_OPS. */
export type AdminOp = (typeof ADMIN_OPS)[number];

/**
 * The daemon's side: each operation returns its report (plain JSON data).
 * `gone` aborts once the requester's connection closed before the answer
 * (the command was killed): an operation that can stop does.
 */
export type AdminHandlers = Record<AdminOp, (gone: AbortSignal) => Promise<unknown>>;

/** The answer, one JSON line. */
export type AdminAnswer = { ok: true; report: unknown } | { ok: false; error: string };

/** A request is one short line; anything longer is not ours. */
const MAX_REQUEST_BYTES = 1024;
/** How long a connection may take to send it. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Where the socket lives: in the store directory (mode 0700, the daemon's user), so only that user and root reach it. */
export function adminSocketPath(directory: string): string {
  return path.join(directory, 'admin.sock');
}

/**
 * The admin socket: a Unix socket in the store directory on which the
 * running daemon takes one request per connection, `{"op":"verify"}`, runs
 * it and answers with its report. Signals (SIGUSR1/SIGUSR2) do the same
 * work but can only log; this lets `cpsbackupd verify` print the report and
 * exit with its verdict.
 */
export class AdminSocket {
  private server: net.Server | undefined;

  constructor(
    private readonly file: string,
    private readonly handlers: AdminHandlers,
    private readonly log: Logger,
  ) {}

  async listen(): Promise<void> {
    // A socket left by a daemon that died: we hold the store's lock, so it is nobody's.
    fs.rmSync(this.file, { force: true });
    const server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.file, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(this.file, 0o600);
    this.server = server;
  }

  private serve(socket: net.Socket): void {
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    // The request must come at once; the answer may take as long as a verify does.
    const timer = setTimeout(() => socket.destroy(), REQUEST_TIMEOUT_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) return void socket.end(answer({ ok: false, error: 'request too long' }));
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      // Still read (and ignore what comes): the end of the stream is how the requester's going is seen.
      socket.on('data', () => undefined);
      const gone = new AbortController();
      const onClose = () => gone.abort(new StoreError('STOPPED', `the ${describe(buf)} that asked for it is gone (its connection closed before the answer)`));
      socket.once('close', onClose);
      void this.run(buf.slice(0, nl), gone.signal).then((a) => {
        socket.off('close', onClose);
        if (!gone.signal.aborted) socket.end(answer(a));
      });
    });
  }

  private async run(line: string, gone: AbortSignal): Promise<AdminAnswer> {
    let op: unknown;
    try {
      op = (JSON.parse(line) as { op?: unknown }).op;
    } catch {
      return { ok: false, error: 'expected {"op": "verify" | "gc" | "prune" | "prune-dry-run"}' };
    }
    if (!ADMIN_OPS.includes(op as AdminOp)) return { ok: false, error: `unknown operation ${JSON.stringify(op)} (verify, gc, prune, prune-dry-run)` };
    this.log.info({ op }, 'admin request');
    try {
      return { ok: true, report: await this.handlers[op as AdminOp](gone) };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The command a request line came from, for messages: `cpsbackupd verify`. */
function describe(line: string): string {
  try {
    const op = (JSON.parse(line) as { op?: unknown }).op;
    if (typeof op === 'string' && ADMIN_OPS.includes(op as AdminOp)) return `cpsbackupd ${op.replace('-dry-run', ' --dry-run')}`;
  } catch {
    // not ours: said generally
  }
  return 'admin request';
}

function answer(a: AdminAnswer): string {
  return JSON.stringify(a) + '\n';
}

/**
 * Asks the daemon running on `directory` to run `op`. Undefined when no
 * daemon listens there (no socket, or a stale one): the caller may then do
 * the work itself on the stopped store.
 */
export function askDaemon(directory: string, op: AdminOp): Promise<AdminAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(adminSocketPath(directory));
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ op }) + '\n'));
    socket.on('data', (chunk: string) => (buf += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(buf) as AdminAnswer);
      } catch {
        reject(new Error(`cpsbackupd answered ${JSON.stringify(buf.slice(0, 200))} on its admin socket`));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') resolve(undefined);
      else reject(err);
    });
  });
}
