import { createHash, timingSafeEqual } from 'node:crypto';
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
 */
export async function handleEnrol(
  conn: FramedConnection,
  req: cpsbackup.EnrolRequest.$Properties,
  deps: { config: ServerConfig; clients: ClientRegistry; log: Logger; guard: EnrolGuard; address: string },
): Promise<void> {
  const { config, clients, log, guard, address } = deps;
  if (req.protocolVersion !== PROTOCOL_VERSION) throw new WireError('VERSION', `protocol version ${req.protocolVersion} is not supported`, true);
  if (!config.ca_key) throw new WireError('AUTH_ENROL', 'enrolment is disabled on this server (no ca_key in server.conf)', true);
  const name = String(req.clientName ?? '').slice(0, 256);
  guard.checkAddress(address);
  const found = clients.lookup(name);
  // The same answer for an unknown client and a wrong password: no probing for names.
  const refused = new WireError('AUTH_ENROL', `enrolment of ${JSON.stringify(name)} refused: unknown client or wrong password`, true);
  if (!found.ok || !found.config.password) {
    log.warn({ client: name }, 'enrolment refused: unknown client or no password set');
    guard.failed(undefined, address, undefined);
    await sleep(FAILURE_DELAY_MS);
    throw refused;
  }
  guard.checkClient(found.config.name, found.config.password);
  if (!sameSecret(String(req.password ?? ''), found.config.password)) {
    log.warn({ client: name }, 'enrolment refused: wrong password');
    guard.failed(found.config.name, address, found.config.password);
    await sleep(FAILURE_DELAY_MS);
    throw refused;
  }
  guard.succeeded(found.config.name);
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
