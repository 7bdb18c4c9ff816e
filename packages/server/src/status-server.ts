import * as http from 'node:http';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { networkAllows, type NetworkRule } from '@cpsbackup/config';
import type { Logger } from 'pino';
import { type Registry } from 'prom-client';
import { StatusAuth } from './status-auth';
import { renderLoginPage } from './status-page-login';
import { renderStatusPage } from './status-page-page';
import { viewOf } from './status-page-view';
import { type StatusReporter } from './status-report';

/** The pages' CSP: their own inline CSS, nothing else (no script, no external asset). */
// No script, no framing by another site (clickjacking the sign-in form), forms post only here.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
/** The login form's body: a token, URL-encoded. */
const LOGIN_BODY_MAX = 4096;
/** How late a wrong token at sign-in is answered. */
const WRONG_TOKEN_DELAY_MS = 1000;

/** Refused connections kept while their 503 goes out, per connection served. */
export const LINGER_PER_SLOT = 4;
/** How long a refused connection is kept for its peer to read the 503 and close. */
const LINGER_MS = 2000;

/** How many connections the status port holds, and for how long. */
export interface StatusLimits {
  /** Connections served at once (max_status_children, or fewer when descriptors are short). */
  total: number;
  /** What bounds `total`, as a refusal names it (e.g. "max_status_children=16"). */
  totalBound: string;
  /** Connections one address may hold at once (max_status_children_per_address). */
  perAddress: number;
  /** Seconds a connection may last, request and answer together (status_timeout). */
  timeoutSeconds: number;
  /** Burp's network_allow_status: addresses answered (empty or unset: any). */
  allow?: readonly NetworkRule[];
}

/**
 * The read-only status port: GET / (the page), /status (JSON), /metrics
 * (Prometheus text), /health, and /login (GET the form, POST the token for
 * a session cookie). It binds to status_address (loopback by default) and
 * answers nothing else; it never writes to the store.
 *
 * Every connection costs the daemon a file descriptor, and anyone who can
 * reach the port may open one (no token is needed to connect): so at most
 * `total` are held at once, at most `perAddress` from one address, and each
 * for at most `timeoutSeconds` whatever it sends. One over a budget is
 * answered 503 and closed within 2 s; at most LINGER_PER_SLOT × `total` of
 * those are in flight, beyond which one is closed at once: the port never
 * holds more than 5 × `total` descriptors.
 */
export class StatusServer {
  private server: http.Server | undefined;
  private listener: net.Server | undefined;
  private open = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly sockets = new Set<net.Socket>();
  /** Refused connections whose 503 is on its way (at most LINGER_PER_SLOT × total, each LINGER_MS at most). */
  private lingering = 0;
  /** Connections answered 503 since start (metrics and the refusal log line). */
  refused = 0;
  private lastRefusalLog = 0;
  /** Wrong tokens given at sign-in since start, and when the last log line said so. */
  private wrongTokens = 0;
  private lastWrongTokenLog = 0;

  constructor(
    private readonly reporter: StatusReporter,
    private readonly metrics: Registry,
    private readonly log: Logger,
    /** When set, /, /status and /metrics need it (see StatusAuth). */
    token = '',
    private readonly limits: StatusLimits = { total: 16, totalBound: 'max_status_children=16', perAddress: 4, timeoutSeconds: 10 },
  ) {
    this.auth = new StatusAuth(token);
  }

  private readonly auth: StatusAuth;

  listen(address: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    // The HTTP server never listens itself: each connection comes through admit(), inside the budgets.
    const listener = net.createServer((socket) => this.admit(server, socket));
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, address, () => {
        listener.off('error', reject);
        const a = listener.address();
        const bound = typeof a === 'object' && a ? a.port : port;
        this.log.info(
          { address, port: bound, total: this.limits.total, perAddress: this.limits.perAddress, timeoutSeconds: this.limits.timeoutSeconds },
          'status port listening',
        );
        resolve(bound);
      });
    });
  }

  /** Status connections held now. */
  get connections(): number {
    return this.open;
  }

  /** A new connection: served within the budgets, else answered 503 and closed at once. */
  private admit(server: http.Server, socket: net.Socket): void {
    const address = socket.remoteAddress ?? '?';
    const mine = this.byAddress.get(address) ?? 0;
    socket.on('error', () => undefined); // a peer that resets: nothing to tell it
    if (!networkAllows(this.limits.allow ?? [], address)) {
      // Told why in one write, then closed: it takes no slot.
      this.refused++;
      const body = `connections from ${address} are not allowed (network_allow_status)\n`;
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () =>
        socket.destroy(),
      );
      return;
    }
    if (this.open >= this.limits.total || mine >= this.limits.perAddress) {
      this.refuse(socket, address, this.open >= this.limits.total ? this.limits.totalBound : `max_status_children_per_address=${this.limits.perAddress}`);
      return;
    }
    this.open++;
    this.byAddress.set(address, mine + 1);
    this.sockets.add(socket);
    // Whatever it does (a byte a minute, an answer never read), a connection lasts status_timeout at most.
    const deadline = setTimeout(() => socket.destroy(), this.limits.timeoutSeconds * 1000);
    deadline.unref();
    socket.once('close', () => {
      clearTimeout(deadline);
      this.sockets.delete(socket);
      this.open--;
      const n = (this.byAddress.get(address) ?? 1) - 1;
      if (n > 0) this.byAddress.set(address, n);
      else this.byAddress.delete(address);
    });
    server.emit('connection', socket);
  }

  private refuse(socket: net.Socket, address: string, bound: string): void {
    this.refused++;
    const body = `too many status connections (${bound}); try again in a few seconds\n`;
    const answer = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\nretry-after: ${this.limits.timeoutSeconds}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    if (this.lingering >= LINGER_PER_SLOT * this.limits.total) {
      // Too many refusals in flight: the descriptor goes at once (the peer may see a reset instead of the answer).
      socket.end(answer);
      socket.destroy();
    } else {
      this.lingering++;
      socket.once('close', () => this.lingering--);
      // Read what the peer sent, so the close that follows is not a reset that loses the answer; it lingers LINGER_MS at most.
      socket.resume();
      socket.end(answer);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    }
    const now = Date.now();
    if (now - this.lastRefusalLog >= 10_000) {
      this.lastRefusalLog = now;
      this.log.warn({ refused: this.refused, last: address, bound }, 'status connections refused');
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const url = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    // One request per connection: pollers come every few seconds at most, and
    // no client is left holding a keep-alive socket the server has timed out.
    res.setHeader('connection', 'close');
    // What the port answers is the fleet's state behind a token: not kept by caches, not sniffed as another type, not framed.
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    try {
      if (url === '/login' && req.method === 'POST') {
        await this.signIn(req, res);
      } else if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET' }).end('read-only: GET only (and POST /login)\n');
      } else if (url === '/login') {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP })
          .end(renderLoginPage('The status page needs the status token.'));
      } else if (url === '/' && !this.auth.allows(req, url)) {
        if (req.headers.authorization) await this.wrongToken(req);
        // A browser shows the Basic dialog; dismissed, it shows this page's form.
        res
          .writeHead(401, { 'www-authenticate': this.auth.challenge(url), 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP })
          .end(renderLoginPage('A token is required (status_token in server.conf): a browser signs in with any user name and the token as password, or here.'));
      } else if ((url === '/status' || url === '/metrics') && !this.auth.allows(req, url)) {
        if (req.headers.authorization) await this.wrongToken(req);
        res
          .writeHead(401, { 'www-authenticate': this.auth.challenge(url), 'content-type': 'text/plain' })
          .end(
            url === '/metrics'
              ? 'a token is required (status_token in server.conf): send Authorization: Bearer TOKEN\n'
              : 'a token is required (status_token in server.conf): a browser signs in with any user name and the token as password; a tool sends Authorization: Bearer TOKEN\n',
          );
      } else if (url === '/') {
        // Every body is made before its head is written: a request that fails then still gets its 500.
        const page = renderStatusPage(await this.reporter.report(), viewOf(new URLSearchParams(query)));
        // 500 clients make some 335 KB of repetitive HTML, about 8 KB gzipped: what a phone on a slow link is sent.
        const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': PAGE_CSP,
          vary: 'accept-encoding',
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        });
        res.end(gzip ? gzipSync(page) : page);
      } else if (url === '/status') {
        const body = JSON.stringify(await this.reporter.report(), null, 2) + '\n';
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      } else if (url === '/metrics') {
        const body = await this.metrics.metrics();
        res.writeHead(200, { 'content-type': this.metrics.contentType }).end(body);
      } else if (url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /, /status, /metrics or /health\n');
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message, url }, 'status request failed');
      // Answered at once, never left to status_timeout: a poller learns the port failed, not that it hangs.
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain' }).end("internal error: cpsbackupd's log says what failed (status request failed)\n");
      else res.destroy();
    }
  }

  /** POST /login: the form's token right, a session cookie and back to the page; wrong, the form again. */
  /**
   * A wrong token (sign-in form, Basic, Bearer) is said in the log (at most once a minute, with how many) and answered
   * a second late: each guess costs the guesser one of the few connection slots its address may hold.
   */
  private async wrongToken(req: http.IncomingMessage): Promise<void> {
    this.wrongTokens++;
    const now = Date.now();
    if (now - this.lastWrongTokenLog >= 60_000) {
      this.lastWrongTokenLog = now;
      this.log.warn({ wrongTokens: this.wrongTokens, last: req.socket.remoteAddress }, 'status port: wrong token');
    }
    await new Promise((resolve) => setTimeout(resolve, WRONG_TOKEN_DELAY_MS));
  }

  private async signIn(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body = '';
    for await (const piece of req as AsyncIterable<Buffer>) {
      body += piece.toString('utf8');
      if (body.length > LOGIN_BODY_MAX) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end(`the login form's body is limited to ${LOGIN_BODY_MAX} bytes\n`);
        return;
      }
    }
    const cookie = this.auth.signIn(new URLSearchParams(body).get('token') ?? '', (req.socket as Partial<tls.TLSSocket>).encrypted === true);
    if (cookie) return void res.writeHead(303, { location: '/', 'set-cookie': cookie }).end();
    await this.wrongToken(req);
    res
      .writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP })
      .end(renderLoginPage('That is not the status token (status_token in server.conf): try again.'));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
  }
}
