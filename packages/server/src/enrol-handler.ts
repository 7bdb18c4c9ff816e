import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { clientEnabled } from './policy';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ServerConfig } from '@cpsbackup/config';
import { type cpsbackup, type FramedConnection, PROTOCOL_VERSION } from '@cpsbackup/protocol';
import { createFileDurably } from '@cpsbackup/durable';
import { fingerprintOf, signCsr } from '@cpsbackup/pki';
import type { Logger } from 'pino';
import { type ClientRegistry } from './client-registry';
import { type EnrolGuard, FAILURE_DELAY_MS } from './enrol-guard';
import { WireError } from './wire-errors';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What an unknown name, or a client without a password, is compared with: never matched, and the same work as a real one. */
const NO_PASSWORD = randomBytes(32).toString('base64');

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Burp-style enrolment: a node without a certificate presents the one-time
 * password from its clients/<name> file and a CSR; the server signs it with
 * the CA key (CN forced to the client's ssl_peer_cn) once. The first success
 * leaves `<directory>/enrolled/<name>` (created exclusively, so two racing
 * attempts cannot both win); any later attempt is refused.
 *
 * Guessing is slowed by the guard (a wait before the password is checked,
 * bounded by enrol_delay_max, then a second more for a wrong one), never
 * locked: the right password always gets in. An unknown name, a client
 * without a password and a wrong password take the same path, the same
 * hash work, the same waits and the same answer.
 */
export async function handleEnrol(
  conn: FramedConnection,
  req: cpsbackup.EnrolRequest.$Properties,
  deps: {
    config: ServerConfig;
    clients: ClientRegistry;
    log: Logger;
    guard: EnrolGuard;
    /** The peer's source (sourceOf its address), as the guard counts it. */
    source: string;
    /** Adds the guard's wait to the connection's unauthenticated_timeout: the server's own wait is not the peer's slowness. */
    extendDeadline?: (ms: number) => void;
  },
): Promise<void> {
  const { config, clients, log, guard, source } = deps;
  if (req.protocolVersion !== PROTOCOL_VERSION) throw new WireError('VERSION', `protocol version ${req.protocolVersion} is not supported`, true);
  if (!config.ca_key) throw new WireError('AUTH_ENROL', 'enrolment is disabled on this server (no ca_key in server.conf)', true);
  const name = String(req.clientName ?? '').slice(0, 256);
  const found = clients.lookup(name);
  const secret = found.ok && found.config.password ? found.config.password : NO_PASSWORD;
  const attempt = guard.begin(source, name);
  if (attempt.delayMs > 0) {
    log.info({ client: name, source, ms: attempt.delayMs }, 'enrolment delayed: recent failed attempts from this address or for this name');
    deps.extendDeadline?.(attempt.delayMs);
    // The node's network_timeout keeps running while it waits for its answer.
    conn.keepAlive(2000);
    // A peer that goes meanwhile (its deadline, an eviction, its own close) is not answered: its password is never
    // checked, so a right one cannot enrol a name whose certificate nobody receives (it would then be "already enrolled").
    await Promise.race([sleep(attempt.delayMs), conn.failed()]);
    if (conn.error) {
      attempt.abandoned();
      throw conn.error;
    }
  }
  // Compared whatever the name: an unknown one costs the same work.
  const matches = sameSecret(String(req.password ?? ''), secret);
  const right = matches && found.ok && secret !== NO_PASSWORD;
  if (!right || !found.ok) {
    attempt.failed();
    log.warn(
      { client: name, source },
      found.ok && found.config.password ? 'enrolment refused: wrong password' : 'enrolment refused: unknown client or no password set',
    );
    deps.extendDeadline?.(FAILURE_DELAY_MS);
    await sleep(FAILURE_DELAY_MS);
    // The same answer for an unknown client and a wrong password: no probing for names.
    throw new WireError('AUTH_ENROL', `enrolment of ${JSON.stringify(name)} refused: unknown client or wrong password`, true);
  }
  attempt.succeeded();
  // As Burp, a client not enabled is told so before anything is signed: enrolled now, it would be refused at every
  // connection, and told "already enrolled" once enabled.
  if (!clientEnabled(config, found.config)) {
    log.warn({ client: name }, 'enrolment refused: client not enabled');
    throw new WireError(
      'AUTH_DISABLED',
      `client ${JSON.stringify(name)} is not enabled on the server (enabled = 0): ask its operator to set enabled = 1 in its client file or server.conf, then enrol again`,
      true,
    );
  }
  const dir = path.join(config.directory, 'enrolled');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const marker = path.join(dir, found.config.name);
  const ca = { certPem: fs.readFileSync(config.ssl_cert_ca, 'utf8'), keyPem: fs.readFileSync(config.ca_key, 'utf8') };
  let certPem: string;
  try {
    certPem = signCsr(ca, String(req.csrPem ?? ''), found.config.ssl_peer_cn);
  } catch (err) {
    throw new WireError('PROTOCOL', `bad certificate request: ${(err as Error).message}`, true);
  }
  try {
    // Durable before the certificate leaves: after a power cut the server must still know this name enrolled.
    createFileDurably(marker, `${new Date().toISOString()} ${fingerprintOf(certPem)}\n`, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const since = fs.readFileSync(marker, 'utf8').split(' ')[0];
    log.warn({ client: name }, 'enrolment refused: already enrolled');
    throw new WireError(
      'AUTH_ENROL',
      `client ${name} is already enrolled (since ${since}); to enrol it again, the server's operator revokes its certificate first (cpsbackupd --revoke ${name})`,
      true,
    );
  }
  log.info({ client: name, cn: found.config.ssl_peer_cn }, 'client enrolled');
  await conn.end({ enrolDone: { certPem, caPem: ca.certPem } });
}
