import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';

/** The realm a browser shows when it asks for the status token. */
const REALM = 'cpsbackupd';
/** The session cookie a browser signed in with the login form holds. */
const COOKIE = 'cpsbackup_status';

/**
 * Who may read the status port when status_token is set. Tools send
 * "Authorization: Bearer <token>" (every path, /metrics included, as
 * Prometheus does). A browser cannot: for the page and /status it signs in
 * with HTTP Basic, any user name and the token as password, after a
 * `WWW-Authenticate: Basic` challenge; it then resends that header itself
 * for the session. Or it posts the token to /login (the form its 401 page
 * shows) and gets a session cookie. /metrics keeps its Bearer-only rule.
 *
 * What is given is compared with the token through an HMAC under a key made
 * at start: both digests have one length whatever was sent, so the
 * constant-time comparison leaks neither the token nor its length.
 */
export class StatusAuth {
  private readonly key = randomBytes(32);
  private readonly want: Buffer;

  /** `token` empty: every request is allowed. */
  constructor(private readonly token: string) {
    this.want = this.digest(token);
  }

  private digest(s: string): Buffer {
    return createHmac('sha256', this.key).update(s).digest();
  }

  private matches(given: string): boolean {
    return timingSafeEqual(this.digest(given), this.want);
  }

  /** Whether `req` may read `path` (a browser's sign-in, Basic or cookie, counts for every path but /metrics). */
  allows(req: http.IncomingMessage, path: string): boolean {
    if (!this.token) return true;
    if (path !== '/metrics' && this.hasSession(req)) return true;
    const header = String(req.headers.authorization ?? '');
    // Authentication schemes are case-insensitive (RFC 9110 11.1).
    const bearer = /^Bearer (.*)$/is.exec(header);
    if (bearer) return this.matches(bearer[1]!);
    const basic = /^Basic ([A-Za-z0-9+/=]*)$/i.exec(header);
    if (basic && path !== '/metrics') {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 && this.matches(decoded.slice(colon + 1));
    }
    return false;
  }

  /**
   * The session cookie's value: an HMAC of the token under this run's key,
   * never the token itself (a cookie that leaks does not give the token
   * away, and it ends with the daemon).
   */
  private session(): string {
    return createHmac('sha256', this.key).update(`session\0${this.token}`).digest('hex');
  }

  private hasSession(req: http.IncomingMessage): boolean {
    const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([0-9a-f]{64})(?:;|$)`).exec(String(req.headers.cookie ?? ''));
    return m !== null && timingSafeEqual(this.digest(m[1]!), this.digest(this.session()));
  }

  /**
   * The login form's token: the Set-Cookie header that signs this browser in
   * when it is right (HttpOnly, SameSite=Strict, Path=/; Secure when the port
   * is reached over TLS), else undefined.
   */
  signIn(given: string, tls: boolean): string | undefined {
    if (!this.token || !this.matches(given)) return undefined;
    return `${COOKIE}=${this.session()}; HttpOnly; SameSite=Strict; Path=/${tls ? '; Secure' : ''}`;
  }

  /** The 401 answer's challenge for `path`: Basic first for what a browser reads, Bearer alone for /metrics. */
  challenge(path: string): string[] {
    return path === '/metrics' ? ['Bearer'] : [`Basic realm="${REALM}", charset="UTF-8"`, 'Bearer'];
  }
}
