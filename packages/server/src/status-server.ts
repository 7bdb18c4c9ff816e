import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { Logger } from 'pino';
import { type Registry } from 'prom-client';
import { renderStatusPage } from './status-page';
import { type StatusReporter } from './status-report';

/**
 * The read-only status port: GET /status (JSON), /metrics (Prometheus text),
 * /health. It binds to status_address (loopback by default) and answers
 * nothing else; it never writes to the store.
 */
export class StatusServer {
  private server: http.Server | undefined;

  constructor(
    private readonly reporter: StatusReporter,
    private readonly metrics: Registry,
    private readonly log: Logger,
    /** When set, /status and /metrics need "Authorization: Bearer <token>". */
    private readonly token = '',
  ) {}

  /** Whether a request may read /status or /metrics: always without a token; with one, only when it presents it (compared in constant time). */
  private authorized(req: http.IncomingMessage): boolean {
    if (!this.token) return true;
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    const want = Buffer.from(`Bearer ${this.token}`);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  listen(address: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 10_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        const a = server.address();
        const bound = typeof a === 'object' && a ? a.port : port;
        this.log.info({ address, port: bound }, 'status port listening');
        resolve(bound);
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    // One request per connection: pollers come every few seconds at most, and
    // no client is left holding a keep-alive socket the server has timed out.
    res.setHeader('connection', 'close');
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET' }).end('read-only: GET only\n');
      } else if ((url === '/' || url === '/status' || url === '/metrics') && !this.authorized(req)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' }).end('a token is required (status_token in server.conf)\n');
      } else if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
        res.end(renderStatusPage(await this.reporter.report()));
      } else if (url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await this.reporter.report(), null, 2) + '\n');
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
      if (!res.headersSent) res.writeHead(500).end('internal error\n');
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
